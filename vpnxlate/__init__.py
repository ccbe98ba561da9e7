"""vpnxlate: AWS Site-to-Site VPN configuration in, router configuration out.

    >>> import vpnxlate
    >>> conns = vpnxlate.parse(open("vpn-123.txt").read())      # format detected
    >>> print(vpnxlate.emit(conns, "json"))
    >>> vpnxlate.convert(text, "json", redact=True)
    >>> vpnxlate.formats()

Warnings (Terraform's lint rules, duplicate tunnels, options a target cannot express) are
issued through :mod:`warnings` as :class:`VpnxlateWarning`; ``strict=True`` turns them into
errors.  :func:`parse_report`/:func:`emit_report` return them instead.
"""

from __future__ import annotations

import contextlib as _contextlib
import gc as _gc
import warnings as _warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs as _attrs

from . import registry
from .errors import (
    Diagnostic,
    EmitError,
    FormatError,
    InputError,
    OutputError,
    ParseError,
    PlaceholderError,
    Report,
    ValidationError,
    VpnxlateError,
    VpnxlateWarning,
    in_api_terms,
)
from .model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection
from .registry import OutputFile

if TYPE_CHECKING:
    from .options import TargetOptions

__version__ = "0.1.0"

__all__ = [
    "Bgp",
    "Diagnostic",
    "EmitError",
    "FormatError",
    "IkeOptions",
    "InputError",
    "IpsecOptions",
    "OutputError",
    "OutputFile",
    "ParseError",
    "PlaceholderError",
    "Report",
    "Tunnel",
    "ValidationError",
    "VpnConnection",
    "VpnxlateError",
    "VpnxlateWarning",
    "__version__",
    "convert",
    "detect_format",
    "emit",
    "emit_report",
    "fetch",
    "formats",
    "parse",
    "parse_report",
    "render",
    "to_dict",
]

Text = str | bytes | bytearray | memoryview


def __dir__() -> list[str]:
    """``dir(vpnxlate)`` is the public API: exactly ``__all__``."""
    return sorted(__all__)


def _as_text(text: Text, source: str | None) -> str:
    """The input as text: ``str`` as it is, bytes decoded as the CLI decodes files (UTF-8 with or
    without BOM, UTF-16 with BOM; the same size limit)."""
    if isinstance(text, str):
        return text
    if isinstance(text, bytes | bytearray | memoryview):
        from .io import MAX_INPUT_BYTES, decode

        data = bytes(text)
        name = source or "<bytes>"
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; refusing it", source=name)
        return decode(data, name)
    raise InputError(f"expected the configuration as str or bytes, got {type(text).__name__}", source=source)


def to_dict(value: VpnConnection | Tunnel | Iterable[VpnConnection], *, redact: bool = False) -> Any:
    """The model as plain, JSON-ready data (the objects of ``--to json``; null = not stated):
    a dict for a connection or a tunnel, a list of dicts for several connections."""
    from .emitters.json_out import connection_dict, tunnel_dict
    from .options import TargetOptions

    options = TargetOptions(redact=True) if redact else None
    if isinstance(value, Tunnel):
        return tunnel_dict(value, options)
    if isinstance(value, VpnConnection):
        return connection_dict(value, options)
    return [to_dict(c, redact=redact) for c in value]


@_contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during one parse or emit: it creates many objects that all
    stay alive, and the collector would traverse them again and again (~10% of the time)."""
    if not _gc.isenabled():
        yield
        return
    _gc.disable()
    try:
        yield
    finally:
        _gc.enable()


def formats() -> dict[str, list[dict[str, str]]]:
    """The registered input formats and output targets with their descriptions."""

    def describe(names: list[str], load: Any) -> list[dict[str, str]]:
        return [{"name": n, "description": load(n).DESCRIPTION} for n in names]

    return {
        "inputs": describe(registry.input_names(), registry.input_module),
        "outputs": describe(registry.output_names(), registry.output_module),
    }


def detect_format(text: Text, *, source: str | None = None) -> str:
    """Name of the input format of ``text`` (str or bytes), or :class:`FormatError` saying what it looks like."""
    try:
        return _detect_format(_as_text(text, source), source=source)
    except VpnxlateError as e:
        raise in_api_terms(e) from None


def _detect_format(text: str, *, source: str | None = None) -> str:
    from .parsers._common import find_placeholder, looks_like_aws, normalize_newlines, placeholder_label, sniff_vendor

    plain = normalize_newlines(text)
    if not plain.strip():
        raise FormatError("empty input", source=source)

    def other_vendor(vendor: str) -> FormatError:
        read = {getattr(registry.input_module(n), "VENDOR", None) for n in registry.input_names()}
        if vendor in read:
            return FormatError(
                f"this looks like AWS's configuration download for {vendor}, but it lacks the "
                "statements vpnxlate reads it by (truncated or edited download?)",
                source=source,
            )
        return FormatError(
            f"this looks like AWS's configuration download for {vendor}; vpnxlate reads the Generic, "
            "Vyatta, XML, Cisco IOS/ASA, Juniper JunOS, strongSwan and Openswan downloads (choose one of "
            "those in the console, or use 'aws ec2 describe-vpn-connections')",
            source=source,
        )

    # Vendor downloads vpnxlate reads (modules with VENDOR) come first; the other-vendor check
    # runs before the remaining parsers, which could mistake a vendor file for their own.
    sniffed = plain.lstrip().startswith(("{", "<"))
    for name in registry.detection_candidates(text):
        module = registry.input_module(name)
        if not sniffed and not getattr(module, "VENDOR", None):
            sniffed = True
            vendor = sniff_vendor(plain, structural_only=True)
            if vendor:
                raise other_vendor(vendor)
        if module.detect(text):
            return name
    vendor = sniff_vendor(plain)
    if vendor:
        raise other_vendor(vendor)
    placeholder = find_placeholder(plain)
    if placeholder:
        raise PlaceholderError(
            f"placeholder {placeholder_label(placeholder)} instead of a configuration", source=source
        )
    if looks_like_aws(plain):
        raise FormatError(
            "mentions AWS VPN terms but is in none of the formats vpnxlate reads (truncated or edited download?)",
            source=source,
        )
    raise FormatError(
        "not an AWS Site-to-Site VPN configuration (Generic, Vyatta, XML or DescribeVpnConnections output expected)",
        source=source,
    )


def parse_report(
    text: Text,
    format: str | None = None,
    *,
    source: str | None = None,
    strict: bool = False,
    lint: bool = True,
) -> tuple[list[VpnConnection], Report]:
    """Parse ``text`` (str, or bytes decoded like the CLI's input files); returns the connections
    and the warnings.  Messages name options in API terms (``local_address``, ``target vyos``)."""
    try:
        connections, report = _parse_report(_as_text(text, source), format, source=source, strict=strict, lint=lint)
    except VpnxlateError as e:
        raise in_api_terms(e) from None
    return connections, report.in_api_terms()


def _parse_report(
    text: str,
    format: str | None = None,
    *,
    source: str | None = None,
    strict: bool = False,
    lint: bool = True,
) -> tuple[list[VpnConnection], Report]:
    """:func:`parse_report` for the CLI: str input, messages in CLI terms."""
    from .lint import lint as run_lint
    from .model import merge_connections

    report = Report(source, strict=strict)
    try:
        name = format or _detect_format(text, source=source)
        with _gc_paused():
            connections = registry.input_module(name).parse(text, report)
        connections = merge_connections(connections, report)
        if not connections:
            raise ParseError("no VPN connection found", source=source)
        if lint:
            run_lint(connections, report)
    except VpnxlateError as e:
        raise e.located(source=source) from None
    return connections, report


def fetch(
    *ids: str,
    region: str | None = None,
    profile: str | None = None,
    filters: Sequence[str] = (),
    include_pending: bool = False,
    strict: bool = False,
) -> list[VpnConnection]:
    """VPN connections straight from the EC2 API (boto3: ``pip install 'vpnxlate[aws]'``).

    ``ids`` (``vpn-…``, also written ``aws:vpn-…``) name connections; none means every connection
    of the region.  ``filters`` are ``NAME=VALUE[,VALUE…]`` EC2 filters (``tag:Name=hub``).  Only
    ``available`` connections are returned (``include_pending`` adds ``pending`` ones).  Raises
    :class:`vpnxlate.aws.AwsError` (an :class:`InputError`) with a one-line message on API errors.
    """
    from .aws import PREFIX, connection_ids, fetch_report

    wanted = connection_ids(i if i.startswith(PREFIX) else PREFIX + i for i in ids) if ids else ()
    connections, report, _fetched = fetch_report(
        wanted, region=region, profile=profile, filters=filters, include_pending=include_pending, strict=strict
    )
    _issue(report)
    return connections


def _issue(report: Report) -> None:
    for d in report.diagnostics:
        _warnings.warn(VpnxlateWarning(d), stacklevel=3)


def parse(
    text: Text, format: str | None = None, *, source: str | None = None, strict: bool = False
) -> list[VpnConnection]:
    """Parse an AWS VPN configuration (str, or bytes decoded like the CLI's input files) into
    connections (format detected unless given).

    Raises :class:`VpnxlateError` subclasses carrying ``source``, ``line`` and ``field``.
    """
    connections, report = parse_report(text, format, source=source, strict=strict)
    _issue(report)
    return connections


def emit_report(
    connections: Iterable[VpnConnection],
    target: str,
    options: TargetOptions | None = None,
    *,
    redact: bool = False,
    strict: bool = False,
    report: Report | None = None,
    **kwargs: Any,
) -> tuple[list[OutputFile], Report]:
    """Write ``connections`` for ``target``; returns the files and the warnings.

    ``options``: the target's options object (``vpnxlate.emitters.vyos.Options(...)``, see
    :mod:`vpnxlate.options`), or keyword arguments (``local_address="10.0.1.5"``), which are
    turned into it.  ``report`` may carry the parse warnings so that targets that list warnings
    (json) show them.  Messages name options in API terms (``local_address``, ``target vyos``).
    """
    try:
        files, report = _emit_report(
            connections, target, options, redact=redact, strict=strict, report=report, **kwargs
        )
    except VpnxlateError as e:
        raise in_api_terms(e) from None
    return files, report.in_api_terms()


def _emit_report(
    connections: Iterable[VpnConnection],
    target: str,
    options: TargetOptions | None = None,
    *,
    redact: bool = False,
    strict: bool = False,
    report: Report | None = None,
    **kwargs: Any,
) -> tuple[list[OutputFile], Report]:
    """:func:`emit_report` for the CLI: messages in CLI terms."""
    from .options import check_keywords, from_kwargs

    module = registry.output_module(target)
    cls = module.Options
    if options is None:
        check_keywords(cls, kwargs, target)
    elif kwargs:
        flags = ", ".join("--" + k.replace("_", "-") for k in sorted(kwargs))
        raise EmitError(f"give the options of --to {target} as an options object or as {flags}, not both")
    elif not isinstance(options, cls):
        raise EmitError(f"--to {target} takes {cls.__module__}.Options, not {type(options).__name__}")
    conns = list(connections)
    if not conns:
        raise EmitError("nothing to write: no VPN connection")
    if report is None:
        report = Report(f"--to {target}", strict=strict)
    if options is None:
        options = from_kwargs(cls, kwargs, target=target, report=report, redact=redact)
    elif redact and not options.redact:
        options = _attrs.evolve(options, redact=True)
    with _gc_paused():
        files = module.emit(conns, report, options)
    if options.redact:
        files = [OutputFile(f.name, f.content, f.mode, secret=False) for f in files]
    return files, report


def render(files: Sequence[OutputFile]) -> str:
    """One file as it is; several under a header line each (the stdout form of the CLI)."""
    if len(files) == 1:
        return files[0].content
    parts = []
    for f in files:
        parts.append(f"#### vpnxlate file: {f.name} (mode {f.file_mode:04o}) ####\n")
        parts.append(f.content if f.content.endswith("\n") else f.content + "\n")
    return "".join(parts)


def emit(
    connections: Iterable[VpnConnection],
    target: str,
    options: TargetOptions | None = None,
    *,
    redact: bool = False,
    strict: bool = False,
    **kwargs: Any,
) -> str:
    """Write ``connections`` for ``target`` and return the text (several files under headers).

    ``options``: the target's options object, or keyword arguments turned into it (see :func:`emit_report`)."""
    files, report = emit_report(connections, target, options, redact=redact, strict=strict, **kwargs)
    _issue(report)
    return render(files)


def convert(
    text: Text,
    to: str,
    *,
    format: str | None = None,
    source: str | None = None,
    options: TargetOptions | None = None,
    redact: bool = False,
    strict: bool = False,
    **kwargs: Any,
) -> str:
    """``emit(parse(text), to, options)`` in one call."""
    connections, report = parse_report(text, format, source=source, strict=strict)
    files, report = emit_report(connections, to, options, redact=redact, strict=strict, report=report, **kwargs)
    _issue(report)
    return render(files)
