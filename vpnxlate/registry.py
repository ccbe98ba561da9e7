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
error).  The optional ``starts_with``/``contains`` hints of a format's :class:`Input` line spare
importing its parser for texts it can never score.  ``unwrap`` returns the download embedded in a wrapper document;
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
pre-shared key through ``options.secret(psk)`` (``--redact``).

Heavy modules (lxml, ciscoconfparse) are imported inside the functions that need them, so
``vpnxlate convert x.txt --to json`` never loads them.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .record import Record


class Input(Record):
    """One input format: its parser module and the optional detection hints (vpnxlate/detect.py).

    The hints spare importing a parser for texts it can never score, which keeps `vpnxlate
    convert` start-up short:

    * ``starts_with``: the format's text always starts (after white space and '#' comment lines)
      with one of these characters;
    * ``contains``: the format's ``detect()`` accepts only a text containing this string (keep it
      in step with ``detect()``; tests/test_detect.py checks every fixture).
    """

    _fields = ("module", "starts_with", "contains")
    __slots__ = _fields
    module: str
    starts_with: str | None
    contains: str | None

    def __init__(self, module: str, *, starts_with: str | None = None, contains: str | None = None) -> None:
        if starts_with == "" or contains == "":
            raise ValueError("a detection hint is None or a non-empty string")
        init = object.__setattr__
        init(self, "module", module)
        init(self, "starts_with", starts_with)
        init(self, "contains", contains)


# The order is the order of `vpnxlate formats`; detection (vpnxlate/detect.py) does not depend on it.
INPUTS: dict[str, Input] = {
    "json": Input("vpnxlate.parsers.vpnxlate_json", starts_with="{"),
    "jsonl": Input("vpnxlate.parsers.vpnxlate_jsonl", starts_with="{"),
    "ec2-json": Input("vpnxlate.parsers.ec2_json", starts_with="{["),
    "ec2-xml": Input("vpnxlate.parsers.ec2_xml", starts_with="<"),
    "aws-xml": Input("vpnxlate.parsers.aws_xml", starts_with="<"),
    # vendor downloads (their modules set VENDOR: the other-vendor check does not refuse them)
    "aws-cisco-asa": Input("vpnxlate.parsers.aws_cisco_asa", contains="tunnel-group"),
    "aws-cisco-ios": Input("vpnxlate.parsers.aws_cisco_ios", contains="protection"),
    "aws-juniper": Input("vpnxlate.parsers.aws_juniper", contains="st0"),
    "aws-strongswan": Input("vpnxlate.parsers.aws_strongswan", contains="right"),
    "aws-openswan": Input("vpnxlate.parsers.aws_openswan", contains="right"),
    "vyos": Input("vpnxlate.parsers.vyos", contains="set"),
    "aws-vyatta": Input("vpnxlate.parsers.aws_vyatta", contains="set"),
    "aws-generic": Input("vpnxlate.parsers.aws_generic"),
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


def _load(table: dict[str, str] | dict[str, Input], name: str, kind: str) -> ModuleType:
    from .errors import EmitError, FormatError

    try:
        entry = table[name]
    except KeyError:
        known = ", ".join(sorted(table))
        err = FormatError if kind == "input" else EmitError
        raise err(f"unknown {kind} format {name!r} (known: {known})") from None
    return importlib.import_module(entry if isinstance(entry, str) else entry.module)


def input_module(name: str) -> ModuleType:
    return _load(INPUTS, name, "input")


def output_module(name: str) -> ModuleType:
    return _load(OUTPUTS, name, "output")


def input_names() -> list[str]:
    return list(INPUTS)


def output_names() -> list[str]:
    return list(OUTPUTS)
