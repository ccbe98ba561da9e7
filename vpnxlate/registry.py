"""The one registry of input formats and output targets; the API and the CLI both use it.

Adding a format is one module plus one line here.

A **parser module** (``vpnxlate/parsers/``) defines::

    NAME: str                      # as in INPUTS below
    DESCRIPTION: str
    def detect(text: str) -> bool  # cheap content sniffing; must not import lxml
    def parse(text: str, report: Report) -> list[VpnConnection]

``parse`` raises :class:`~vpnxlate.errors.VpnxlateError` subclasses with ``line``/``field``
set (the caller fills in ``source``) and reports warnings through ``report.warn``.

An **emitter module** (``vpnxlate/emitters/``) defines::

    NAME: str
    DESCRIPTION: str
    class Options(TargetOptions)   # frozen attrs class: the target's options (vpnxlate.options),
                                   # fields made by option(): CLI flag/help + converter
    OPTIONS = cli_options(Options) # their command-line forms (derived)
    def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]

The emitter does no I/O (a file an option names is read when the options are built) and writes a
pre-shared key through ``options.secret(psk)`` (``--redact``).

Heavy modules (lxml, ciscoconfparse) are imported inside the functions that need them, so
``vpnxlate convert x.txt --to json`` never loads them.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from .errors import Record

# Detection order matters: the first parser whose detect() accepts the text wins.
INPUTS: dict[str, str] = {
    "json": "vpnxlate.parsers.vpnxlate_json",
    "ec2-json": "vpnxlate.parsers.ec2_json",
    "ec2-xml": "vpnxlate.parsers.ec2_xml",
    "aws-xml": "vpnxlate.parsers.aws_xml",
    # vendor downloads (their modules set VENDOR: tried before the other-vendor check)
    "aws-cisco-asa": "vpnxlate.parsers.aws_cisco_asa",
    "aws-cisco-ios": "vpnxlate.parsers.aws_cisco_ios",
    "aws-juniper": "vpnxlate.parsers.aws_juniper",
    "aws-strongswan": "vpnxlate.parsers.aws_strongswan",
    "aws-openswan": "vpnxlate.parsers.aws_openswan",
    "vyos": "vpnxlate.parsers.vyos",
    "aws-vyatta": "vpnxlate.parsers.aws_vyatta",
    "aws-generic": "vpnxlate.parsers.aws_generic",
}

# Formats whose text always starts (after white space) with one of these characters: detection
# skips importing them for other texts, which keeps `vpnxlate convert` start-up short.
STARTS_WITH: dict[str, str] = {"json": "{", "ec2-json": "{[", "ec2-xml": "<", "aws-xml": "<"}
# Formats whose detect() accepts only a text containing this string (set-commands): the same
# shortcut for texts without it, such as a Generic download.  Keep in step with detect().
CONTAINS: dict[str, str] = {
    "vyos": "set",
    "aws-vyatta": "set",
    "aws-cisco-asa": "tunnel-group",
    "aws-cisco-ios": "protection",
    "aws-juniper": "st0",
    "aws-strongswan": "right",
    "aws-openswan": "right",
}

OUTPUTS: dict[str, str] = {
    "json": "vpnxlate.emitters.json_out",
    "aws-generic": "vpnxlate.emitters.aws_generic",
    "aws-vyatta": "vpnxlate.emitters.aws_vyatta",
    "aws-xml": "vpnxlate.emitters.aws_xml",
    "vyos": "vpnxlate.emitters.vyos",
    "strongswan": "vpnxlate.emitters.strongswan",
    "swanctl": "vpnxlate.emitters.swanctl",
    "libreswan": "vpnxlate.emitters.libreswan",
    "cisco-ios": "vpnxlate.emitters.cisco_ios",
}
#: Targets `vpnxlate sync` keeps up to date (router configurations).
SYNC_TARGETS: tuple[str, ...] = ("vyos", "strongswan", "swanctl")


class Option(Record):
    """A target option: ``--flag VALUE`` on the CLI, ``dest=VALUE`` in :func:`vpnxlate.emit` (immutable)."""

    _fields = ("flag", "help", "kind", "choices", "default", "metavar")  # constructor order
    __slots__ = _fields
    flag: str
    help: str
    kind: str  # "str", "int", "flag" (boolean switch), "list" (repeatable)
    choices: tuple[str, ...] | None
    default: Any
    metavar: str | None

    def __init__(
        self,
        flag: str,
        help: str,
        kind: str = "str",
        choices: tuple[str, ...] | None = None,
        default: Any = None,
        metavar: str | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "flag", flag)
        init(self, "help", help)
        init(self, "kind", kind)
        init(self, "choices", choices)
        init(self, "default", default)
        init(self, "metavar", metavar)

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


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


def _load(table: dict[str, str], name: str, kind: str) -> ModuleType:
    from .errors import EmitError, FormatError

    try:
        path = table[name]
    except KeyError:
        known = ", ".join(sorted(table))
        err = FormatError if kind == "input" else EmitError
        raise err(f"unknown {kind} format {name!r} (known: {known})") from None
    return importlib.import_module(path)


def input_module(name: str) -> ModuleType:
    return _load(INPUTS, name, "input")


def output_module(name: str) -> ModuleType:
    return _load(OUTPUTS, name, "output")


def input_names() -> list[str]:
    return list(INPUTS)


def detection_candidates(text: str) -> list[str]:
    """Input formats worth asking ``detect()`` about, in detection order."""
    first = _first_character(text)
    return [
        n
        for n in INPUTS
        if (n not in STARTS_WITH or (first != "" and first in STARTS_WITH[n]))
        and (n not in CONTAINS or CONTAINS[n] in text)
    ]


def _first_character(text: str) -> str:
    """The first character after white space and '#' comment lines (seen before JSON in the wild)."""
    pos, end = 0, len(text)
    while pos < end:
        ch = text[pos]
        if ch in "\ufeff \t\r\n":
            pos += 1
        elif ch == "#":
            newline = text.find("\n", pos)
            if newline < 0:
                return ""
            pos = newline + 1
        else:
            return ch
    return ""


def output_names() -> list[str]:
    return list(OUTPUTS)
