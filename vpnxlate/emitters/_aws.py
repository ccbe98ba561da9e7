"""Helpers shared by the emitters that write AWS's own download formats (aws-generic,
aws-vyatta, aws-xml): AWS's spellings of the model's algorithm names, AWS's defaults, file
naming, and :class:`Picker`, which turns model values into the single values these formats
hold and warns about everything a format cannot express (never dropping it silently).
"""

from __future__ import annotations

import functools
import ipaddress
import operator
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import EmitError, Report, describe_value, unsafe_character
from ..model import Tunnel, VpnConnection
from ..options import REDACTED, TargetOptions
from ..vocab import aws
from ._base import unsupported, unsupported_each

# AWS spellings (Generic text / XML) of the TunnelOptions names used by the model.
ENCRYPTION_TEXT = {
    "AES128": "aes-128-cbc",
    "AES256": "aes-256-cbc",
    "AES128-GCM-16": "aes-128-gcm-16",
    "AES256-GCM-16": "aes-256-gcm-16",
}
IKE_INTEGRITY_TEXT = {"SHA1": "sha1", "SHA2-256": "sha2-256", "SHA2-384": "sha2-384", "SHA2-512": "sha2-512"}
ESP_INTEGRITY_TEXT = {
    "SHA1": "hmac-sha1-96",
    "SHA2-256": "hmac-sha2-256-128",
    "SHA2-384": "hmac-sha2-384-192",
    "SHA2-512": "hmac-sha2-512-256",
}
# What AWS writes when a tunnel uses the default options: the AWS vocabulary's table.
DEFAULTS: dict[str, Any] = aws.DOWNLOAD_DEFAULTS

# Tunnel options only the EC2 API states; none of AWS's download formats holds them.
API_ONLY_FIELDS = (
    "rekey_margin_s",
    "rekey_fuzz_pct",
    "replay_window",
    "dpd_timeout_s",
    "dpd_timeout_action",
    "startup_action",
)


#: written as they are: an IPv4 value's text is digits, dots and a slash (an IPv6 one may carry a
#: ``%scope`` of any characters, so it is checked)
ADDRESS_TYPES = frozenset((ipaddress.IPv4Address, ipaddress.IPv4Interface, ipaddress.IPv4Network))


#: A tunnel's settings besides its addresses, key, options objects and BGP values (part of the keys
#: of the values tunnels share: see :class:`Shared`)
SETTINGS = (
    *API_ONLY_FIELDS,
    "dpd_interval_s",
    "dpd_retries",
    "tcp_mss",
    "clear_df_bit",
    "fragmentation_before_encryption",
    "mtu",
)


def value_text(value: Any, field: str | None = None) -> str:
    """The text of a value written into an AWS-format file (``""`` for None); refused
    (EmitError) if it holds a control or format character, which could add a line (Generic,
    Vyatta) or make the XML unreadable (ESC, NUL are not XML characters at all).  The targets'
    quoting (Vyatta quotes, XML escaping) is applied to this text."""
    if value is None:
        return ""
    cls = value.__class__
    if cls is int:
        return int.__repr__(value)  # digits and a sign: nothing to refuse
    if cls in ADDRESS_TYPES:
        return str(value)  # nothing to refuse
    text = value if cls is str else str(value)
    bad = unsafe_character(text)
    if bad is not None:
        raise EmitError(
            f"refusing to write a value holding the control/format character U+{ord(bad[1]):04X}", field=field
        )
    return text


def file_stem(conn: VpnConnection) -> str:
    """``vpn-…`` or, for a connection without id, ``connection-<first AWS outside IP>``."""
    return conn.vpn_connection_id or f"connection-{conn.tunnels[0].aws_outside_ip}"


def ordered(connections: Iterable[VpnConnection]) -> list[VpnConnection]:
    """Connections in a stable order (by file name) so that input order never changes output;
    two connections that would share a file name are an error."""
    conns = sorted(connections, key=lambda c: (file_stem(c), c.tunnels[0].key))
    seen: set[str] = set()
    for c in conns:
        stem = file_stem(c)
        if stem in seen:
            raise EmitError(
                f"two different connections named {stem}; merge them or give them distinct ids",
                field="vpn_connection_id",
            )
        seen.add(stem)
    return conns


def has_secret(connections: Iterable[VpnConnection]) -> bool:
    return any(t.psk not in (None, REDACTED) for c in connections for t in c.tunnels)


def show(field: str, value: Any) -> str:
    """A value for a warning; never the pre-shared key."""
    if field == "psk":
        return "the pre-shared key"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return describe_value(value)


_describe_default = functools.lru_cache(maxsize=256, typed=True)(describe_value)  # AWS's few defaults

_GETTERS: dict[str, Callable[[Any], Any]] = {}  # dotted field -> its getter (a few dozen fields)


class Picker:
    """Reads the values of one tunnel for a format, warning about what the format cannot hold."""

    def __init__(
        self,
        report: Report,
        target: str,
        conn: VpnConnection,
        number: int,
        tunnel: Tunnel,
        options: TargetOptions | None = None,
    ) -> None:
        self.report = report
        self.options = options  # redaction (the pre-shared key is written through options.secret)
        self.target = target
        self.conn = conn
        self.tunnel = tunnel
        self.number = number
        self._where: str | None = None

    @property
    def where(self) -> str:
        """What the warnings concern (made when the first is given)."""
        if self._where is None:
            self._where = where(self.conn, self.number, self.tunnel)
        return self._where

    def warn(self, field: str, message: str, *, code: str) -> None:
        unsupported(self.report, self.where, f"{field}: {message}", field=field, code=code, error=EmitError)

    def get(self, field: str) -> Any:
        """The tunnel's value of a dotted field (None when a part of the path is None)."""
        getter = _GETTERS.get(field)
        if getter is None:
            getter = _GETTERS[field] = operator.attrgetter(field)
        try:
            return getter(self.tunnel)
        except AttributeError:  # a part of the path is None (bgp), or no such field (raised below)
            obj: Any = self.tunnel
            for part in field.split("."):
                obj = None if obj is None else getattr(obj, part)
            return obj

    def value(self, field: str, default: Any = None) -> Any:
        """A value the format requires: AWS's default (with a warning) when the model has none."""
        value = self.get(field)
        if value is None:
            if default is None:
                default = DEFAULTS.get(field)
            if default is None:
                self.warn(field, f"not stated; {self.target} requires it, left empty", code="not-stated")
            else:
                self.warn(field, f"not stated; writing AWS's default {_describe_default(default)}", code="aws-default")
            return default
        if field == "psk" and self.options is not None:
            return self.options.secret(value)
        return value

    def one(self, field: str) -> Any:
        """The single value of a list field (the format holds one): the first, with a warning."""
        values = self.get(field)
        if values is None:
            return self.value(field)
        if len(values) > 1:
            self.warn(
                field,
                f"{self.target} holds one value; writing {values[0]} and leaving out "
                f"{', '.join(str(v) for v in values[1:])}",
                code="one-value",
            )
        return values[0]

    def unsupported(self, field: str, what: str | None = None) -> None:
        """Warn when the model states a value the format cannot express."""
        value = self.get(field)
        if value is not None:
            self.warn(field, f"{self.target} cannot express {what or show(field, value)}; left out", code="unsupported")

    def unsupported_all(self, fields: Iterable[str]) -> None:
        for f in fields:
            self.unsupported(f)


#: A warning of a tunnel without its ``WHERE: `` (:func:`where`): (field, ``FIELD: MESSAGE``, code).
Recorded = tuple[str, str, str]


def where(conn: VpnConnection, number: int, tunnel: Tunnel) -> str:
    """What a tunnel's warnings concern: ``CONNECTION: tunnel N (AWS OUTSIDE IP)``."""
    return f"{conn.name}: tunnel {number} ({tunnel.aws_outside_ip})"


class Recorder(Picker):
    """A :class:`Picker` that records its warnings (:data:`Recorded`) instead of giving them: the
    warnings of checks that depend only on values many tunnels share are made once per distinct
    values and given again (:func:`give`) for each tunnel, with its own ``WHERE``."""

    def __init__(self, target: str, conn: VpnConnection, number: int, tunnel: Tunnel) -> None:
        super().__init__(None, target, conn, number, tunnel)  # type: ignore[arg-type]  # never reports
        self.recorded: list[Recorded] = []

    def warn(self, field: str, message: str, *, code: str) -> None:
        self.recorded.append((field, f"{field}: {message}", code))


class Shared:
    """Per call: what tunnels with the same options objects and the same ``rest`` values share,
    made once by ``make``.  Looked up by the identity of the options first (the parsers give
    equal options one object; hashing them is the dearer part), then by their values."""

    def __init__(self, make: Callable[..., Any]) -> None:
        self._make = make
        self._by_id: dict[tuple[int, int, Any], tuple[Any, Any, Any]] = {}
        self._by_value: dict[tuple[Any, Any, Any], Any] = {}

    def get(self, ike: Any, ipsec: Any, rest: Any, *args: Any) -> Any:
        hit = self._by_id.get((id(ike), id(ipsec), rest))
        if hit is not None and hit[0] is ike and hit[1] is ipsec:  # (the objects are held: ids not reused)
            return hit[2]
        value = self._by_value.get((ike, ipsec, rest), _MISSING)
        if value is _MISSING:
            value = self._by_value[ike, ipsec, rest] = self._make(*args)
        self._by_id[id(ike), id(ipsec), rest] = (ike, ipsec, value)
        return value


_MISSING = object()


def recorded(
    target: str, report: Report, conn: VpnConnection, number: int, t: Tunnel, checks: Callable[[Recorder], Any]
) -> tuple[Any, list[Recorded]]:
    """(what ``checks`` returns, the warnings it gave) for a tunnel, recorded; if it raises, its
    warnings so far are given first (as the plain path would have given them)."""
    rec = Recorder(target, conn, number, t)
    try:
        return checks(rec), rec.recorded
    except BaseException:
        give(report, where(conn, number, t), rec.recorded)
        raise


def give(report: Report, where: str, recorded: Iterable[Recorded]) -> None:
    """The recorded warnings, for one tunnel: as :meth:`Picker.warn` gives them."""
    unsupported_each(report, where, recorded, error=EmitError)


def check_connection(report: Report, target: str, conn: VpnConnection, missing_id: str) -> None:
    """What no AWS download format holds (transit gateway id, static routes), and a missing
    connection id (``missing_id`` says what the target writes instead), as warnings."""
    connection_unsupported(report, target, conn, "transit_gateway_id")
    connection_unsupported(report, target, conn, "static_routes")
    if conn.vpn_connection_id is None:
        unsupported(
            report,
            conn.name,
            f"vpn_connection_id: not stated; {target} requires it, {missing_id}",
            field="vpn_connection_id",
            code="unsupported",
        )


def connection_unsupported(report: Report, target: str, conn: VpnConnection, field: str) -> None:
    value = getattr(conn, field)
    if value is not None:
        unsupported(
            report,
            conn.name,
            f"{field}: {target} cannot express {show(field, value)}; left out",
            field=field,
            code="unsupported",
            error=EmitError,
        )
