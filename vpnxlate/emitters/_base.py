"""The base of every writer: the file an emitter returns, and the one way it says what it cannot write.

* :class:`OutputFile`: one generated file (name, content, mode; ``secret`` files are 0600).
* :func:`unsupported`: when a target cannot express something of the model (a value it has no
  place for, a default it writes instead, a value it changes), every emitter reports it through
  this function, with the connection/tunnel it concerns, the field and a code of
  :data:`vpnxlate.diagnostics.CODES`; the report's policy decides whether that is a warning, an
  error (``--strict``, ``--error-on CODE``) or nothing (``--ignore CODE``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError, VpnxlateError
from ..record import Record

if TYPE_CHECKING:
    from ..diagnostics import Report


class OutputFile(Record):
    """One generated file.  ``secret`` files are written with mode 0600 (immutable)."""

    _fields = ("name", "content", "mode", "secret")  # constructor order
    __slots__ = _fields
    name: str
    content: str
    mode: int
    secret: bool

    def __init__(self, name: str, content: str, mode: int = 0o644, secret: bool = False) -> None:
        init = object.__setattr__
        init(self, "name", name)
        init(self, "content", content)
        init(self, "mode", mode)
        init(self, "secret", secret)

    @property
    def file_mode(self) -> int:
        return 0o600 if self.secret else self.mode

    def __repr__(self) -> str:  # a secret file's content (keys) is not shown
        content = f"<{len(self.content)} characters>" if self.secret else repr(self.content)
        return f"OutputFile(name={self.name!r}, content={content}, mode={self.mode!r}, secret={self.secret!r})"


def unsupported(
    report: Report,
    where: str | None,
    message: str,
    *,
    field: str,
    code: str,
    error: type[VpnxlateError] = ValidationError,
) -> None:
    """Report that the target cannot express something (or writes something else instead).

    ``where`` names what it concerns (``conn: tunnel 1 (203.0.113.1)``; None: the whole output),
    ``message`` says what is written instead; the warning reads ``WHERE: MESSAGE``.  ``error`` is
    the exception class when the policy makes the warning an error (most targets pass
    :class:`EmitError`; the default is :meth:`Report.warn`'s, kept where a target always had it).
    """
    report.warn(message if where is None else f"{where}: {message}", field=field, code=code, error=error)


def _dotted(n: int) -> str:
    a, b, c, d = n.to_bytes(4, "big")
    return f"{a}.{b}.{c}.{d}"


def ip_text(ip: Any) -> str:
    """``str(ip)`` of an address or interface, quicker for IPv4 (``ipaddress`` formats in Python,
    through three calls per address: here its integer's bytes are formatted at once)."""
    cls = ip.__class__
    if cls is ipaddress.IPv4Address:
        return _dotted(ip._ip)
    if cls is ipaddress.IPv4Interface:  # the interface's address, and its network's prefix length
        return f"{_dotted(ip._ip)}/{ip._prefixlen}"
    return str(ip)


def address_text(iface: Any) -> str:
    """``str(iface.ip)`` of an interface, without making the address object for IPv4."""
    if iface.__class__ is ipaddress.IPv4Interface:
        return _dotted(iface._ip)  # type: ignore[attr-defined]  # (typeshed omits it; every IPv4 object has it)
    return ip_text(iface.ip)


def unsupported_each(
    report: Report,
    where: str,
    warnings: Iterable[tuple[str, str, str]],
    *,
    error: type[VpnxlateError] = ValidationError,
) -> None:
    """:func:`unsupported` for each (field, message, code) of ``warnings``, all about ``where`` (the
    warnings an AWS-format writer made once for tunnels with the same values, given for one)."""
    warn = report.warn
    for field, message, code in warnings:
        warn(f"{where}: {message}", field=field, code=code, error=error)
