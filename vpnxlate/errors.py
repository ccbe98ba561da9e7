"""Errors and warnings of vpnxlate.

Every problem with the input is a :class:`VpnxlateError` subclass that carries where it
was found (``source``, ``line``, ``field``).  ``str(error)`` is the one-line form the CLI
prints after ``vpnxlate: error:``: ``SOURCE[:LINE]: [FIELD: ]message``.

Messages never contain a pre-shared key: code that builds a message from an input value
must not pass a PSK (use :func:`describe_value` for other values, which also shortens them
and makes control characters visible).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

# ------------------------------------------------------------------ the character rule

# C0 controls, DEL and the C1 controls (U+0085 NEL among them): the ASCII/Latin-1 part of the rule.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Unicode categories refused besides: format characters (bidi controls U+200E/F, U+202A-E,
# U+2066-9, zero-width characters, U+FEFF, ...), line/paragraph separators (U+2028/2029) and
# lone surrogates (which cannot even be encoded).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def unsafe_character(text: str) -> tuple[int, str] | None:
    """(position, character) of the first control or format character of ``text``, else None.

    The one character rule of vpnxlate: the model refuses such characters in every string
    field (:func:`vpnxlate.model.check_text`), the emitters refuse to write them, and
    messages show them escaped (:func:`escape_text`).
    """
    m = _CONTROL_RE.search(text)
    if m is not None:
        return m.start(), m.group(0)
    if text.isascii():
        return None
    import unicodedata

    category = unicodedata.category
    for i, ch in enumerate(text):
        if ch >= "\xa0" and category(ch) in _UNSAFE_CATEGORIES:
            return i, ch
    return None


def _escape_char(ch: str) -> str:
    n = ord(ch)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def escape_text(text: str) -> str:
    """``text`` with every control/format character (the rule of :func:`unsafe_character`)
    written as a ``\\xNN``/``\\uNNNN`` escape: safe to print on a terminal, one line."""
    if unsafe_character(text) is None:
        return text
    import unicodedata

    category = unicodedata.category
    return "".join(_escape_char(ch) if category(ch) in _UNSAFE_CATEGORIES else ch for ch in text)


# A value that could be a pre-shared key: at least 8 characters of AWS's key alphabet
# ([A-Za-z0-9._]).  Not keys: words of lower-case letters only, hex digits, numbers and dotted
# quads (digits and dots only), AWS's upper-case placeholder names (YOUR_UPLINK_ADDRESS), and
# algorithm keywords of up to 16 characters (modp1024, aes256gcm16, hmacsha256) -- a real key
# is seldom that short and that regular.  (Compiled when first used, through re's cache: only
# messages need them.)
_KEY_LIKE = r"[A-Za-z0-9._]{8,}"
_NOT_A_KEY = (
    r"[0-9.]+|[0-9a-f]+|YOUR_[A-Z_]+|(?i:(?:aes|sha|modp|ecp|group|dh|hmac|ike|md5|prf|3?des"
    r"|camellia|chacha|curve|x25519|x448|cast|blowfish)[a-z0-9_]{0,13})"
)


def could_be_key(text: str) -> bool:
    """True when ``text`` could be a pre-shared key moved into another field (see describe_value):
    8 or more characters of AWS's key alphabet, not only lower-case letters (a word such as
    ``authentication``), not a number or dotted quad, hex digits (the ids' ``0c0ffee…``), placeholder
    name or algorithm keyword -- alone or as one word of a longer value (``Group <key>``)."""
    for token in re.findall(_KEY_LIKE, text):  # a key is one token of its alphabet, maybe inside more text
        if not (token.isalpha() and token.islower()) and re.fullmatch(_NOT_A_KEY, token) is None:
            return True
    return False


def describe_value(value: object, limit: int = 60) -> str:
    """A short, single-line, printable rendering of an input value for messages: the one
    function through which every input value reaches an error or a warning.

    Control, format and all non-ASCII characters are escaped (``\\x1b``, ``\\u202e``), long
    values shortened; a value that could be a pre-shared key (8 or more characters of AWS's key
    alphabet, e.g. a key that landed in a DH group field) is not shown at all, only its length.
    """
    text = str(value)
    if could_be_key(text):
        return f"<a value of {len(text)} characters, not shown: it could be a key>"
    shown = text.encode("unicode_escape").decode("ascii")
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return repr(shown) if shown != text or not shown or " " in shown else shown


def _locate(source: str | None, line: int | None, text: str) -> str:
    """``SOURCE[:LINE]: text``; just ``text`` when there is no source (e.g. an option error).
    Control/format characters are escaped: the source is a file name, which may hold anything."""
    if source is None:
        located = text if line is None else f"<input>:{line}: {text}"
    else:
        located = f"{source}:{line}: {text}" if line is not None else f"{source}: {text}"
    return escape_text(located)


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
NOT_STATED_HINT = (
    "no option supplies it: add an input that states it (e.g. the connection's Generic or XML "
    "download as another INPUT; inputs describing the same connection are merged)"
)


class OutputError(VpnxlateError):
    """The output cannot be written (file exists without --force, directory missing, ...)."""


# ------------------------------------------------------------------ CLI terms -> API terms

# Messages name options as the command line spells them (``--local-address``, ``--to vyos``);
# the Python API renders them in its own terms (``local_address``, ``target vyos``), see api_terms().
# (Compiled when first used, through re's cache.)
_FLAG = r"(?<![\w-])--(?:(to|from) ([a-z0-9-]+)|([a-z][a-z0-9]*(?:-[a-z0-9]+)*))\b"
_API_WORD = {"to": "target", "from": "format"}


def api_terms(text: str) -> str:
    """``text`` with every command-line option name replaced by the API's name for it:
    ``--local-address`` -> ``local_address`` (the keyword argument), ``--to vyos`` -> ``target vyos``,
    ``--from aws-xml`` -> ``format aws-xml``.  The CLI prints messages as they are."""
    if "--" not in text:
        return text

    def sub(m: re.Match[str]) -> str:
        if m.group(1):
            return f"{_API_WORD[m.group(1)]} {m.group(2)}"
        return m.group(3).replace("-", "_")

    return re.sub(_FLAG, sub, text)


def in_api_terms(error: VpnxlateError) -> VpnxlateError:
    """The error with its message and source in API terms (see :func:`api_terms`); returns it."""
    error.message = api_terms(error.message)
    if error.source is not None:
        error.source = api_terms(error.source)
    return error


# ------------------------------------------------------------------ moved, still importable here

# Record, Diagnostic, VpnxlateWarning and Report live in vpnxlate.record and vpnxlate.diagnostics;
# ``from vpnxlate.errors import Report`` keeps working (resolved on first use: diagnostics imports
# this module).
_MOVED = {"Record": "record", "Diagnostic": "diagnostics", "VpnxlateWarning": "diagnostics", "Report": "diagnostics"}

if TYPE_CHECKING:
    from .diagnostics import Diagnostic as Diagnostic
    from .diagnostics import Report as Report
    from .diagnostics import VpnxlateWarning as VpnxlateWarning
    from .record import Record as Record


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__package__}.{module}"), name)
