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
    OPTIONS: tuple[Option, ...]    # target options, turned into CLI flags
    def emit(connections: list[VpnConnection], report: Report, **options) -> list[OutputFile]

Heavy modules (lxml, ciscoconfparse) are imported inside the functions that need them, so
``vpnxlate convert x.txt --to json`` never loads them.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import Any

import attrs

# Detection order matters: the first parser whose detect() accepts the text wins.
INPUTS: dict[str, str] = {
    "json": "vpnxlate.parsers.vpnxlate_json",
    "ec2-json": "vpnxlate.parsers.ec2_json",
    "ec2-xml": "vpnxlate.parsers.ec2_xml",
    "aws-xml": "vpnxlate.parsers.aws_xml",
    "vyos": "vpnxlate.parsers.vyos",
    "aws-vyatta": "vpnxlate.parsers.aws_vyatta",
    "aws-generic": "vpnxlate.parsers.aws_generic",
}

# Formats whose text always starts (after white space) with this character: detection skips
# importing them for other texts, which keeps `vpnxlate convert` start-up short.
STARTS_WITH: dict[str, str] = {"json": "{", "ec2-json": "{", "ec2-xml": "<", "aws-xml": "<"}
_LEADING = re.compile(r"(?:[\ufeff \t\r\n]+|#[^\n]*)*")

OUTPUTS: dict[str, str] = {
    "json": "vpnxlate.emitters.json_out",
    "aws-generic": "vpnxlate.emitters.aws_generic",
    "aws-vyatta": "vpnxlate.emitters.aws_vyatta",
    "aws-xml": "vpnxlate.emitters.aws_xml",
    "vyos": "vpnxlate.emitters.vyos",
    "strongswan": "vpnxlate.emitters.strongswan",
    "swanctl": "vpnxlate.emitters.swanctl",
}


@attrs.frozen
class Option:
    """A target option: ``--flag VALUE`` on the CLI, ``dest=VALUE`` in :func:`vpnxlate.emit`."""

    flag: str
    help: str
    kind: str = "str"  # "str", "int", "flag" (boolean switch), "list" (repeatable)
    choices: tuple[str, ...] | None = None
    default: Any = None
    metavar: str | None = None

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


@attrs.frozen
class OutputFile:
    """One generated file.  ``secret`` files are written with mode 0600."""

    name: str
    content: str
    mode: int = 0o644
    secret: bool = False

    @property
    def file_mode(self) -> int:
        return 0o600 if self.secret else self.mode


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
    # skip white space and '#' comment lines (seen before JSON in the wild)
    skip = _LEADING.match(text)
    first = text[skip.end():skip.end() + 1] if skip else text[:1]
    return [n for n in INPUTS if n not in STARTS_WITH or STARTS_WITH[n] == first]


def output_names() -> list[str]:
    return list(OUTPUTS)
