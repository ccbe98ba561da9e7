"""Connection lists of any size, one item at a time: JSON Lines files and directories of files.

The CLI reads a single input of at most 50 MB (``io.MAX_INPUT_BYTES``) whole.  Here an input
is split into **items**, each read, parsed and linted on its own, at most 50 MB each:

* a **JSON Lines file** (``--to jsonl`` output: name ending ``.jsonl``/``.ndjson``, or format
  ``jsonl``; ``-`` with format ``jsonl`` is standard input): each line is an item, read line by
  line, so the file may be of any size; errors name ``FILE:LINE``;
* a **directory**: each regular file directly in it, in name order (names starting with ``.``
  and subdirectories skipped), is an item (a JSON Lines file among them read line by line);
* any other file, or a ``(source, text)`` pair: one item, read whole.

:func:`iter_parse` yields the connections item by item: memory holds one item, not the list.
Targets that write one file per connection (``PER_CONNECTION = True`` in their module: jsonl,
aws-generic, aws-vyatta, aws-xml) convert that way with bounded memory (:func:`iter_convert`;
the CLI's ``--to jsonl``).  Streamed, connections are neither merged nor sorted (a connection
id that comes again is an error; lines come in input order) and the cross-connection lint (inside
CIDRs used twice) does not run.  The router targets (vyos, strongswan, swanctl, libreswan,
cisco-ios) and json need every connection at once (one router: duplicate and colliding inside
addresses, one document); for them the items are collected and merged as ``parse_many`` merges
files: the input may exceed 50 MB, memory grows with the connections.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from . import registry
from .errors import EmitError, InputError, ParseError, Report, VpnxlateError
from .io import is_jsonl

if TYPE_CHECKING:
    from .diagnostics import Policy
    from .emitters._base import OutputFile
    from .model import VpnConnection

    #: one input: a path (file, directory, ``-``), ``(source, text)``, or an open file read as JSON Lines
    Item = str | os.PathLike[str] | tuple[str, Any] | IO[Any]
    #: one item read: its source, its connections, their warnings
    Chunk = tuple[str, list[VpnConnection], Report]


def per_connection(target: str) -> bool:
    """True for a target whose output for several connections is each connection's output."""
    return bool(getattr(registry.output_module(target), "PER_CONNECTION", False))


def chunks(
    inputs: Item | Iterable[Item], format: str | None = None, *, policy: Policy | None = None
) -> Iterator[Chunk]:
    """Every item of ``inputs`` (one input or several) read, parsed and linted, in order."""
    several: Iterable[Any] = (
        [inputs] if isinstance(inputs, str | os.PathLike | tuple) or hasattr(inputs, "readline") else inputs
    )
    for item in several:
        if hasattr(item, "readline"):
            yield from _lines(item, getattr(item, "name", None) or "<stream>", policy)
        elif isinstance(item, tuple):
            yield _whole(item, format, policy)
        elif isinstance(item, str | os.PathLike):
            yield from _path(os.fspath(item), format, policy)
        else:
            raise InputError(f"expected a path, a (source, text) pair or an open file, got {type(item).__name__}")


def _path(path: str, format: str | None, policy: Policy | None) -> Iterator[Chunk]:
    if path == "-" and format == "jsonl":
        import sys

        yield from _lines(sys.stdin.buffer, "<stdin>", policy)
    elif path != "-" and os.path.isdir(path):
        names = _directory(path)
        if not names:
            raise InputError("is a directory without files (names starting with '.' are skipped)", source=path)
        for name in names:
            yield from _path(os.path.join(path, name), format, policy)
    elif is_jsonl(path, format):
        try:
            f = open(path, "rb")  # noqa: SIM115 (closed below, also when the consumer stops early)
        except (OSError, ValueError):  # (ValueError: a NUL in the name)
            from .io import read_input

            read_input(path)  # the CLI's message for a missing, unreadable or invalid file name
            raise
        with f:
            yield from _lines(f, path, policy)
    else:
        yield _whole(path, format, policy)


def _directory(path: str) -> list[str]:
    try:
        with os.scandir(path) as entries:
            return sorted(e.name for e in entries if not e.name.startswith(".") and e.is_file())
    except OSError as e:
        raise InputError(f"cannot read the directory: {e.strerror}", source=path) from None


def _whole(item: str | tuple[str, Any], format: str | None, policy: Policy | None) -> Chunk:
    """One input read whole (at most 50 MB) and parsed as :func:`vpnxlate.parse_report` does."""
    from . import _parse_report, _read

    source, text = _read(item)
    connections, report = _parse_report(text, format, source=source, policy=policy)
    return source, connections, report


def _lines(stream: IO[Any], source: str, policy: Policy | None) -> Iterator[Chunk]:
    """Each non-blank line of a JSON Lines stream (bytes or text) as one item, at most 50 MB."""
    from .io import MAX_INPUT_BYTES, decode
    from .lint import lint
    from .parsers.vpnxlate_jsonl import parse

    number, found = 0, False
    while raw := stream.readline(MAX_INPUT_BYTES + 1):
        number += 1
        if len(raw) > MAX_INPUT_BYTES:
            raise InputError(
                f"line is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; refusing it", source=source, line=number
            )
        try:
            text = raw if isinstance(raw, str) else decode(raw, source)
        except VpnxlateError as e:
            e.line = number
            raise
        if not text.strip():
            continue
        report, linted = Report(source, policy=policy), Report(source, policy=policy)
        try:
            connections = parse(text, report, first_line=number)
            lint(connections, linted)
        except VpnxlateError as e:
            raise e.located(source=source, line=number) from None
        for d in linted.diagnostics:  # named by the line too
            report.warn(d.message, line=number, field=d.field, code=d.code)
        found = True
        yield source, connections, report
    if not found:
        raise ParseError("no VPN connection found (no line holds one)", source=source)


def emit_each(
    stream: Iterable[Chunk], target: str, options: Any, policy: Policy | None, warn: Callable[[Report], None]
) -> Iterator[OutputFile]:
    """The files of each connection emitted alone (a :func:`per_connection` target, options
    built); ``warn`` gets the warnings of each item, then those of each emit, as they come."""
    from . import _emit_report

    if not per_connection(target):
        raise EmitError(
            f"--to {target} needs every connection at once (one router or one document); streamed "
            "conversion writes only the targets that write each connection on its own (jsonl, aws-*)"
        )
    empty, seen = True, set()  # (the ids written: a repeat is refused, not merged, not written twice)
    for source, connections, rep in stream:
        warn(rep)
        for c in connections:
            empty = False
            if c.vpn_connection_id is not None:
                if c.vpn_connection_id in seen:
                    raise EmitError(
                        f"{c.vpn_connection_id} comes again: streamed conversion does not merge connections "
                        "(remove the repeat, or convert to a target that needs every connection at once)",
                        source=source,
                    )
                seen.add(c.vpn_connection_id)
            files, emitted = _emit_report([c], target, options, report=Report(f"--to {target}", policy=policy))
            warn(emitted)
            yield from files
    if empty:
        raise ParseError("no VPN connection found")
