"""The one registry of input formats and output targets; the API and the CLI both use it.

Adding a format is one module plus one line here.

A **parser module** (``vpnxlate/parsers/``) defines::

    NAME: str                      # as in INPUTS below
    DESCRIPTION: str
    def detect(text: str) -> int   # a score of vpnxlate.detect: NO (0) .. CERTAIN (4); cheap, no lxml
    def parse(text: str, report: Report) -> list[VpnConnection]
    VENDOR: str                    # optional: the vendor of an AWS vendor download it reads
    def unwrap(text: str) -> Embedded | None  # optional: the download a wrapper holds

``detect`` scores the text from the format's own grammar only (never stepping aside for a
sibling); :mod:`vpnxlate.detect` asks every candidate and takes the highest score (a tie is an
error).  ``STARTS_WITH``/``CONTAINS`` below are optional hints that spare importing a parser for
texts it can never score.  ``unwrap`` returns the download embedded in a wrapper document;
:func:`vpnxlate.detect.read` detects and parses it (a parser never calls back into the package).

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
pre-shared key through ``options.secret(psk)`` (``--redact``).  ``PER_CONNECTION = True``
(optional): each connection's output stands alone, so :mod:`vpnxlate.stream` may convert one at a time.

Heavy modules (lxml, ciscoconfparse) are imported inside the functions that need them, so
``vpnxlate convert x.txt --to json`` never loads them.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

# The order is the order of `vpnxlate formats`; detection (vpnxlate/detect.py) does not depend on it.
INPUTS: dict[str, str] = {
    "json": "vpnxlate.parsers.vpnxlate_json",
    "jsonl": "vpnxlate.parsers.vpnxlate_jsonl",
    "ec2-json": "vpnxlate.parsers.ec2_json",
    "ec2-xml": "vpnxlate.parsers.ec2_xml",
    "aws-xml": "vpnxlate.parsers.aws_xml",
    # vendor downloads (their modules set VENDOR: the other-vendor check does not refuse them)
    "aws-cisco-asa": "vpnxlate.parsers.aws_cisco_asa",
    "aws-cisco-ios": "vpnxlate.parsers.aws_cisco_ios",
    "aws-juniper": "vpnxlate.parsers.aws_juniper",
    "aws-strongswan": "vpnxlate.parsers.aws_strongswan",
    "aws-openswan": "vpnxlate.parsers.aws_openswan",
    "vyos": "vpnxlate.parsers.vyos",
    "aws-vyatta": "vpnxlate.parsers.aws_vyatta",
    "aws-generic": "vpnxlate.parsers.aws_generic",
}

# Optional detection hints, read by vpnxlate/detect.py.  Formats whose text always starts (after
# white space and '#' comment lines) with one of these characters: detection skips importing
# them for other texts, which keeps `vpnxlate convert` start-up short.
STARTS_WITH: dict[str, str] = {"json": "{", "jsonl": "{", "ec2-json": "{[", "ec2-xml": "<", "aws-xml": "<"}
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
    "json": "vpnxlate.emitters.vpnxlate_json",
    "jsonl": "vpnxlate.emitters.vpnxlate_jsonl",
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


# OutputFile lives in the emitter layer (vpnxlate.emitters._base); ``from vpnxlate.registry import
# OutputFile`` keeps working (resolved on first use).
if TYPE_CHECKING:
    from .emitters._base import OutputFile as OutputFile
    from .options import Option as Option


def __getattr__(name: str) -> Any:
    if name == "OutputFile":
        from .emitters._base import OutputFile

        return OutputFile
    if name == "Option":  # lives with the typed options (vpnxlate.options)
        from .options import Option

        return Option
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def output_names() -> list[str]:
    return list(OUTPUTS)
