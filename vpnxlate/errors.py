"""Errors and warnings of vpnxlate.

Every problem with the input is a :class:`VpnxlateError` subclass that carries where it
was found (``source``, ``line``, ``field``).  ``str(error)`` is the one-line form the CLI
prints after ``vpnxlate: error:``: ``SOURCE[:LINE]: [FIELD: ]message``.

Messages never contain a pre-shared key: code that builds a message from an input value
must not pass a PSK (use :func:`describe_value` for other values, which also shortens them
and makes control characters visible).
"""

from __future__ import annotations

from attrs.exceptions import FrozenInstanceError


def describe_value(value: object, limit: int = 60) -> str:
    """A short, single-line, printable rendering of an input value for messages."""
    text = str(value)
    shown = text.encode("unicode_escape").decode("ascii")
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return repr(shown) if shown != text or not shown or " " in shown else shown


def _locate(source: str | None, line: int | None, text: str) -> str:
    """``SOURCE[:LINE]: text``; just ``text`` when there is no source (e.g. an option error)."""
    if source is None:
        return text if line is None else f"<input>:{line}: {text}"
    return f"{source}:{line}: {text}" if line is not None else f"{source}: {text}"


class VpnxlateError(Exception):
    """Base class of every error vpnxlate raises for bad input or impossible output."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.field = field

    def located(self, *, source: str | None = None, line: int | None = None) -> VpnxlateError:
        """Fill in the location where it is still unknown; returns self."""
        if self.source is None:
            self.source = source
        if self.line is None:
            self.line = line
        return self

    def __str__(self) -> str:
        text = self.message
        if self.field and not text.startswith(self.field):
            text = f"{self.field}: {text}"
        return _locate(self.source, self.line, text)


class InputError(VpnxlateError):
    """The input cannot be read at all (missing file, too large, not text)."""


class FormatError(VpnxlateError):
    """The input is not a format vpnxlate reads (not an AWS VPN configuration, or another vendor's)."""


class ParseError(VpnxlateError):
    """The input is of a known format but broken: invalid JSON/XML, truncated, missing fields."""


class PlaceholderError(ParseError):
    """The input holds documentation placeholders instead of values (YOUR_UPLINK_ADDRESS, ...)."""


class ValidationError(VpnxlateError):
    """A value is not acceptable: out of range, unknown algorithm, unsafe characters, conflicts."""


class EmitError(VpnxlateError):
    """The model cannot be written to the requested target (or an option is wrong)."""


#: The end of an emitter's message about a value it needs that no input states and no option
#: supplies (the CLI merges inputs that describe the same connection).
NOT_STATED_HINT = ("no option supplies it: add an input that states it (e.g. the connection's Generic or XML "
                   "download as another INPUT; inputs describing the same connection are merged)")


class OutputError(VpnxlateError):
    """The output cannot be written (file exists without --force, directory missing, ...)."""


class Record:
    """Base of small immutable value classes (:class:`Diagnostic`, ``registry.Option``,
    ``registry.OutputFile``): equal, hashed, pickled and shown by the values of ``_fields``.

    Plain classes rather than attrs classes: they are created on every start-up, and attrs'
    class creation is a noticeable part of it.  Subclasses set their fields in ``__init__``
    with ``object.__setattr__``.
    """

    _fields: tuple[str, ...] = ()
    __slots__ = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __reduce__(self) -> tuple[type[Record], tuple[object, ...]]:
        return self.__class__, self._values()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{self.__class__.__name__}({fields})"


class Diagnostic(Record):
    """A warning about the input or the output; never contains a pre-shared key (immutable)."""

    _fields = ("message", "source", "line", "field", "code")  # constructor order
    __slots__ = _fields
    message: str
    source: str | None
    line: int | None
    field: str | None
    code: str

    def __init__(self, message: str, source: str | None = None, line: int | None = None,
                 field: str | None = None, code: str = "warning") -> None:
        init = object.__setattr__
        init(self, "message", message)
        init(self, "source", source)
        init(self, "line", line)
        init(self, "field", field)
        init(self, "code", code)

    def _values(self) -> tuple[str, str | None, int | None, str | None, str]:
        return self.message, self.source, self.line, self.field, self.code  # (the hot path)

    def __str__(self) -> str:
        return _locate(self.source, self.line, self.message)


class VpnxlateWarning(UserWarning):
    """Category used when the Python API reports a :class:`Diagnostic` through ``warnings``."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


class Report:
    """Collects the warnings of one parse or emit run.

    ``strict=True`` turns every warning into an :class:`EmitError`/:class:`ValidationError`
    at the point it is raised (the caller's choice between warning and error).
    """

    def __init__(self, source: str | None = None, *, strict: bool = False) -> None:
        self.source = source
        self.strict = strict
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[Diagnostic] = set()

    def warn(
        self,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        source: str | None = None,
        code: str = "warning",
        error: type[VpnxlateError] = ValidationError,
    ) -> None:
        diag = Diagnostic(message, source or self.source, line, field, code)
        if self.strict:
            raise error(message, source=diag.source, line=line, field=field)
        self._add(diag)

    def _add(self, diag: Diagnostic) -> None:
        if diag not in self._seen:
            self._seen.add(diag)
            self.diagnostics.append(diag)

    def extend(self, other: Report) -> None:
        for d in other.diagnostics:
            self._add(d)

    def messages(self) -> list[str]:
        return [str(d) for d in self.diagnostics]
