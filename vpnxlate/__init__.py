"""vpnxlate: AWS Site-to-Site VPN configuration in, router configuration out.

    >>> import vpnxlate
    >>> conns = vpnxlate.parse(open("vpn-123.txt").read())      # format detected
    >>> print(vpnxlate.emit(conns, "json"))
    >>> vpnxlate.convert(text, "json", redact=True)
    >>> conns = vpnxlate.parse_many(["tunnel1.txt", ("t2", text2)])  # merged as the CLI merges
    >>> for conn in vpnxlate.iter_parse("vpns.jsonl"): ...      # any size: one line at a time
    >>> vpnxlate.formats()

Warnings (Terraform's lint rules, duplicate tunnels, options a target cannot express) are
issued through :mod:`warnings` as :class:`VpnxlateWarning`; ``strict=True`` turns them into
errors.  :func:`parse_report`/:func:`emit_report` return them instead.  Each carries a code
(docs/diagnostics.md); ``level=`` (:class:`ErrorLevel`), ``error_on=`` and ``ignore=`` (codes,
or ``"all"``) choose what becomes of them.
"""

from __future__ import annotations

import contextlib as _contextlib
import gc as _gc
import os as _os
import warnings as _warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

import attrs as _attrs

from . import registry
from .diagnostics import Diagnostic, DiagnosticsError, ErrorLevel, Policy, Report, VpnxlateWarning, relocate
from .emitters._base import OutputFile
from .errors import (
    EmitError,
    FormatError,
    InputError,
    OutputError,
    ParseError,
    PlaceholderError,
    ValidationError,
    VpnxlateError,
    api_terms,
    in_api_terms,
)
from .model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection

if TYPE_CHECKING:
    from .options import TargetOptions

__version__ = "0.1.0"

__all__ = [
    "Bgp",
    "Diagnostic",
    "DiagnosticsError",
    "EmitError",
    "ErrorLevel",
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
    "iter_convert",
    "iter_parse",
    "parse",
    "parse_many",
    "parse_many_report",
    "parse_report",
    "render",
    "to_dict",
]

Text = str | bytes | bytearray | memoryview
Codes = Iterable[str]


def _policy(strict: bool, level: ErrorLevel | str | None, error_on: Codes, ignore: Codes) -> Policy:
    """The :class:`Policy` of the API's keyword arguments (errors in API terms)."""
    try:
        return Policy.of(strict=strict, level=level, error_on=error_on, ignore=ignore)
    except VpnxlateError as e:
        raise in_api_terms(e) from None


#: one input of :func:`parse_many`: a file path (``-`` = standard input), or ``(source name, text)``
Input = str | _os.PathLike[str] | tuple[str, Text]
#: one input of :func:`iter_parse`: an :data:`Input`, or an open file read as JSON Lines
StreamInput = Input | IO[Any]


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
    from .emitters.vpnxlate_json import connection_dict, tunnel_dict
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
    from .detect import detect_format as detect

    try:
        return detect(_as_text(text, source), source=source)
    except VpnxlateError as e:
        raise in_api_terms(e) from None


def parse_report(
    text: Text,
    format: str | None = None,
    *,
    source: str | None = None,
    strict: bool = False,
    lint: bool = True,
    level: ErrorLevel | str | None = None,
    error_on: Codes = (),
    ignore: Codes = (),
) -> tuple[list[VpnConnection], Report]:
    """Parse ``text`` (str, or bytes decoded like the CLI's input files); returns the connections
    and the warnings.  Messages name options in API terms (``local_address``, ``target vyos``).
    ``level``/``error_on``/``ignore``: what becomes of warnings (:class:`ErrorLevel`, codes)."""
    policy = _policy(strict, level, error_on, ignore)
    try:
        connections, report = _parse_report(_as_text(text, source), format, source=source, lint=lint, policy=policy)
        report.check()
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
    policy: Policy | None = None,
) -> tuple[list[VpnConnection], Report]:
    """:func:`parse_report` for the CLI: str input, messages in CLI terms."""
    from .detect import read
    from .lint import lint as run_lint
    from .model import merge_connections

    report = Report(source, strict=strict, policy=policy)
    try:
        with _gc_paused():
            connections = read(text, format, report, source=source)
        connections = merge_connections(connections, report)
        if not connections:
            raise ParseError("no VPN connection found", source=source)
        if lint:
            run_lint(connections, report)
    except VpnxlateError as e:
        raise relocate(e, source=source) from None
    return connections, report


def parse_many_report(
    inputs: Sequence[Input],
    format: str | None = None,
    *,
    strict: bool = False,
    lint: bool = True,
    level: ErrorLevel | str | None = None,
    error_on: Codes = (),
    ignore: Codes = (),
) -> tuple[list[VpnConnection], Report]:
    """Parse several inputs as the CLI's ``convert A B`` does: each read (a path like the CLI's
    files, a ``(source, text)`` pair as it is; a directory file by file and JSON Lines line by
    line, each item at most 50 MB, as :func:`iter_parse` reads them) and parsed, then the connections merged (the same
    connection in two inputs collapses; two stated values that differ are an error naming both
    inputs) and linted once.  Returns the connections and the warnings, in API terms.
    ``level``/``error_on``/``ignore`` as for :func:`parse_report`."""
    policy = _policy(strict, level, error_on, ignore)
    try:
        connections, report = _parse_many_report(inputs, format, lint=lint, policy=policy)
        report.check()
    except VpnxlateError as e:
        raise in_api_terms(e) from None
    return connections, report.in_api_terms()


def parse_many(
    inputs: Sequence[Input],
    format: str | None = None,
    *,
    strict: bool = False,
    level: ErrorLevel | str | None = None,
    error_on: Codes = (),
    ignore: Codes = (),
) -> list[VpnConnection]:
    """:func:`parse_many_report`, the warnings issued through :mod:`warnings`."""
    connections, report = parse_many_report(
        inputs, format, strict=strict, level=level, error_on=error_on, ignore=ignore
    )
    _issue(report)
    return connections


def _read(item: Input) -> tuple[str, str]:
    """``(source, text)`` of one input of :func:`parse_many`."""
    if isinstance(item, tuple):
        source, text = item
        return source, _as_text(text, source)
    if isinstance(item, str | _os.PathLike):
        from .io import read_input

        return read_input(_os.fspath(item))
    raise InputError(f"expected a path or a (source, text) pair, got {type(item).__name__}")


def _parse_many_report(
    inputs: Sequence[Input],
    format: str | None = None,
    *,
    lint: bool = True,
    policy: Policy | None = None,
    report: Report | None = None,
    read: Sequence[tuple[list[VpnConnection], str]] = (),
    merge: bool | None = None,
) -> tuple[list[VpnConnection], Report]:
    """The pipeline of :func:`parse_many_report` (also the CLI's), messages in CLI terms.

    ``read`` holds connections read elsewhere (the CLI's ``aws:`` inputs, linted there) with
    their source, taken first; ``merge`` (default: more than one input) merges them all and
    lints the result too, adding only warnings no input gave already (each warning once, named
    by its input where it came from one)."""
    from .lint import lint as run_lint
    from .model import merge_connections

    if report is None:
        report = Report(None, policy=policy)
    policy = report.policy
    several = len(inputs) + len(read) > 1 if merge is None else merge
    connections: list[VpnConnection] = []
    sources: list[str | None] = []
    for conns, source in read:
        connections.extend(conns)
        sources.extend([source] * len(conns))
    given = {_lint_key(d) for d in report.diagnostics}
    for item in inputs:
        if _streams(item, format):  # a directory or JSON Lines: item by item (vpnxlate.stream), linted each
            from .stream import chunks

            several = True
            for source, conns, rep in chunks(item, format, policy=policy):
                report.extend(rep)
                given.update(_lint_key(d) for d in rep.diagnostics)
                connections.extend(conns)
                sources.extend([source] * len(conns))
            continue
        source, text = _read(item)
        conns, rep = _parse_report(text, format, source=source, lint=False, policy=policy)
        report.extend(rep)
        if lint:
            linted = Report(source, policy=policy)
            run_lint(conns, linted)
            _add_new(report, linted, given)
        connections.extend(conns)
        sources.extend([source] * len(conns))
    if several:
        connections = merge_connections(connections, report, sources=sources)
        if lint:
            linted = Report(None, policy=policy)
            run_lint(connections, linted)  # the merged connections, and across the inputs
            _add_new(report, linted, given)
    return connections, report


def _streams(item: Input, format: str | None) -> bool:
    """True for a path read item by item: a directory, or JSON Lines (:mod:`vpnxlate.stream`)."""
    from .io import is_streamed

    return isinstance(item, str | _os.PathLike) and is_streamed(_os.fspath(item), format)


def _lint_key(d: Diagnostic) -> tuple[str, str | None, str]:
    """A lint warning is given once: the same message of a JSON Lines line (named by its line)
    and of the merged connections is one warning."""
    return d.message, d.field, d.code


def _add_new(report: Report, linted: Report, given: set[tuple[str, str | None, str]]) -> None:
    """The warnings of ``linted`` that no input gave already (whatever their source) go to ``report``."""
    for d in linted.diagnostics:
        if _lint_key(d) not in given:
            given.add(_lint_key(d))
            report.warn(d.message, line=d.line, field=d.field, source=d.source, code=d.code)


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
    text: Text,
    format: str | None = None,
    *,
    source: str | None = None,
    strict: bool = False,
    level: ErrorLevel | str | None = None,
    error_on: Codes = (),
    ignore: Codes = (),
) -> list[VpnConnection]:
    """Parse an AWS VPN configuration (str, or bytes decoded like the CLI's input files) into
    connections (format detected unless given).

    Raises :class:`VpnxlateError` subclasses carrying ``source``, ``line`` and ``field``.
    """
    connections, report = parse_report(
        text, format, source=source, strict=strict, level=level, error_on=error_on, ignore=ignore
    )
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
    level: ErrorLevel | str | None = None,
    error_on: Codes = (),
    ignore: Codes = (),
    **kwargs: Any,
) -> tuple[list[OutputFile], Report]:
    """Write ``connections`` for ``target``; returns the files and the warnings.

    ``options``: the target's options object (``vpnxlate.emitters.vyos.Options(...)``, see
    :mod:`vpnxlate.options`), or keyword arguments (``local_address="10.0.1.5"``), which are
    turned into it.  ``report`` may carry the parse warnings so that targets that list warnings
    (json) show them (its policy is kept unless ``strict``/``level``/``error_on``/``ignore`` are
    given).  Messages name options in API terms (``local_address``, ``target vyos``).
    """
    error_on, ignore = tuple(error_on), tuple(ignore)
    given = strict or level is not None or bool(error_on) or bool(ignore)
    policy = _policy(strict, level, error_on, ignore) if report is None or given else None
    if report is None:  # named in API terms at once: in_api_terms has no warning to make again
        report = Report(api_terms(f"--to {target}"), policy=policy)
    try:
        files, report = _emit_report(
            connections, target, options, redact=redact, report=report, policy=policy, **kwargs
        )
        report.check()
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
    policy: Policy | None = None,
    **kwargs: Any,
) -> tuple[list[OutputFile], Report]:
    """:func:`emit_report` for the CLI: messages in CLI terms.  ``policy`` replaces the one of
    ``report`` (or makes that of the new report)."""
    module = registry.output_module(target)
    _check_options(target, options, kwargs)
    conns = list(connections)
    if not conns:
        raise EmitError("nothing to write: no VPN connection")
    if report is None:
        report = Report(f"--to {target}", strict=strict, policy=policy)
    elif policy is not None:
        report.policy = policy
    options = _target_options(target, options, kwargs, report, redact)
    with _gc_paused():
        files = module.emit(conns, report, options)
    if options.redact:
        files = [OutputFile(f.name, f.content, f.mode, secret=False) for f in files]
    return files, report


def _check_options(target: str, options: TargetOptions | None, kwargs: dict[str, Any]) -> None:
    """The options of ``target``: an options object of its class, or keyword arguments it takes."""
    from .options import check_keywords

    cls = registry.output_module(target).Options
    if options is None:
        check_keywords(cls, kwargs, target)
    elif kwargs:
        flags = ", ".join("--" + k.replace("_", "-") for k in sorted(kwargs))
        raise EmitError(f"give the options of --to {target} as an options object or as {flags}, not both")
    elif not isinstance(options, cls):
        raise EmitError(f"--to {target} takes {cls.__module__}.Options, not {type(options).__name__}")


def _target_options(
    target: str, options: TargetOptions | None, kwargs: dict[str, Any], report: Report, redact: bool
) -> TargetOptions:
    """The options object of ``target`` (checked by :func:`_check_options`), ``redact`` applied."""
    from .options import from_kwargs

    if options is None:
        built: TargetOptions = from_kwargs(
            registry.output_module(target).Options, kwargs, target=target, report=report, redact=redact
        )
        return built
    return _attrs.evolve(options, redact=True) if redact and not options.redact else options


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
    level: ErrorLevel | str | None = None,
    error_on: Codes = (),
    ignore: Codes = (),
    **kwargs: Any,
) -> str:
    """Write ``connections`` for ``target`` and return the text (several files under headers).

    ``options``: the target's options object, or keyword arguments turned into it (see :func:`emit_report`)."""
    files, report = emit_report(
        connections,
        target,
        options,
        redact=redact,
        strict=strict,
        level=level,
        error_on=error_on,
        ignore=ignore,
        **kwargs,
    )
    _issue(report)
    return render(files)


def convert(
    text: Text | list[Input] | tuple[Input, ...],
    to: str,
    *,
    format: str | None = None,
    source: str | None = None,
    options: TargetOptions | None = None,
    redact: bool = False,
    strict: bool = False,
    level: ErrorLevel | str | None = None,
    error_on: Codes = (),
    ignore: Codes = (),
    **kwargs: Any,
) -> str:
    """``emit(parse(text), to)`` in one call; ``text`` may also be a list of inputs
    (``emit(parse_many(inputs), to)``, ``source`` then unused); at ``level="raise"`` the warnings
    of both are raised together at the end."""
    policy = _policy(strict, level, error_on, ignore)
    try:
        if isinstance(text, list | tuple):
            connections, report = _parse_many_report(text, format, policy=policy)
        else:
            connections, report = _parse_report(_as_text(text, source), format, source=source, policy=policy)
        report.in_api_terms()  # the parse warnings a json output lists, as parse_report returns them
        files, report = _emit_report(connections, to, options, redact=redact, report=report, **kwargs)
        report.check()
    except VpnxlateError as e:
        raise in_api_terms(e) from None
    _issue(report.in_api_terms())
    return render(files)


def iter_parse(
    inputs: StreamInput | Iterable[StreamInput],
    format: str | None = None,
    *,
    strict: bool = False,
    level: ErrorLevel | str | None = None,
    error_on: Codes = (),
    ignore: Codes = (),
) -> Iterator[VpnConnection]:
    """The connections of ``inputs`` one item at a time, in bounded memory (see
    :mod:`vpnxlate.stream`): ``inputs`` is a path or an iterable of paths, ``(source, text)``
    pairs and open files.  A JSON Lines file (``.jsonl``, ``format="jsonl"``, an open file) is read
    line by line, a directory file by file; each item is at most 50 MB, the whole of any size.
    Connections are not merged across items; warnings are issued item by item."""
    from .stream import chunks

    policy = _policy(strict, level, error_on, ignore)
    try:
        for _source, connections, report in chunks(inputs, format, policy=policy):
            report.check()
            _issue(report.in_api_terms())
            yield from connections
    except VpnxlateError as e:
        raise in_api_terms(e) from None


def iter_convert(
    inputs: StreamInput | Iterable[StreamInput],
    to: str,
    options: TargetOptions | None = None,
    *,
    format: str | None = None,
    redact: bool = False,
    strict: bool = False,
    level: ErrorLevel | str | None = None,
    error_on: Codes = (),
    ignore: Codes = (),
    **kwargs: Any,
) -> Iterator[OutputFile]:
    """:func:`iter_parse` of ``inputs``, each connection written alone as it is read: the files
    of a target that writes each connection on its own (``jsonl``: one line each; ``aws-*``: one
    file each), in bounded memory.  Targets that need every connection at once (vyos,
    strongswan, json, ...) are refused: use ``emit(iter_parse(inputs), to)``."""
    from .stream import chunks, emit_each

    policy = _policy(strict, level, error_on, ignore)

    def warn(report: Report) -> None:
        report.check()
        _issue(report.in_api_terms())

    try:
        _check_options(to, options, kwargs)
        report = Report(f"--to {to}", policy=policy)
        built = _target_options(to, options, kwargs, report, redact)
        warn(report)
        yield from emit_each(chunks(inputs, format, policy=policy), to, built, policy, warn)
    except VpnxlateError as e:
        raise in_api_terms(e) from None
