"""``vpnxlate`` command line.

    vpnxlate convert INPUT [INPUT ...] [--from FORMAT] --to TARGET [-o FILE | --out-dir DIR]
                     [--force] [--redact] [--strict] [--error-on CODE] [--ignore CODE] [target options]
    vpnxlate convert aws:[vpn-ID ...] --to TARGET [--region R] [--profile P] [--filter NAME=VALUE]
    vpnxlate fetch aws:[vpn-ID ...] [-o FILE] [--include-psk] [--region R] ...
    vpnxlate sync INPUT... --to vyos|strongswan|swanctl --state DIR [--once | --interval SECONDS]
    vpnxlate formats
    vpnxlate codes

Bad input: exit status 2 and one line ``vpnxlate: error: FILE[:LINE]: what is wrong`` on
stderr.  Warnings go to stderr as ``vpnxlate: warning: ... [CODE]``; stdout carries only output.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from . import registry
from .errors import EmitError, Report, VpnxlateError

if TYPE_CHECKING:
    import argparse

    from .diagnostics import Policy
    from .options import Option

PROG = "vpnxlate"
EXIT_OK, EXIT_INPUT, EXIT_INTERNAL = 0, 2, 3


def _target_options(targets: Sequence[str] | None = None) -> dict[str, tuple[Option, list[str]]]:
    """Target options (of every target, or of ``targets``), with the targets that take each."""
    from .options import cli_options

    out: dict[str, tuple[Option, list[str]]] = {}
    for name in targets if targets is not None else registry.output_names():
        for opt in cli_options(registry.output_module(name).Options):
            if opt.dest in out:
                out[opt.dest][1].append(name)
            else:
                out[opt.dest] = (opt, [name])
    return out


def _peek_target(argv: Sequence[str]) -> str | None:
    """The --to value, read before the real parse so that only that target's module is imported."""
    for i, arg in enumerate(argv):
        if arg == "--to" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--to="):
            return arg[5:]
    return None


_COMMANDS = ("convert", "fetch", "sync", "formats", "codes")


def _peek_command(argv: Sequence[str]) -> str | None:
    """The sub-command, read before the real parse so that only its parser is built (None: unknown)."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in _COMMANDS else None


# The flags of convert that _quick_args reads (dest of each); every other command line (another
# flag, --help, an abbreviation, --flag=value, a repeated or a missing value, any error) goes to
# argparse.  tests/test_cli_quick.py checks that both read every command line alike.
_QUICK_VALUES = {
    "--from": "input_format",
    "--to": "target",
    "-o": "output",
    "--output": "output",
    "--out-dir": "out_dir",
    "--region": "region",
    "--profile": "profile",
}
_QUICK_SWITCHES = {
    "--force": "force",
    "--redact": "redact",
    "--strict": "strict",
    "-q": "quiet",
    "--quiet": "quiet",
    "--include-pending": "include_pending",
}
_QUICK_LISTS = {"--error-on": "error_on", "--ignore": "ignore", "--filter": "filters"}


def _quick_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """``convert INPUT... --to TARGET`` with only the plain flags above, read as argparse reads it
    without importing argparse (start-up); None for any other command line."""
    if len(argv) < 4 or argv[0] != "convert":
        return None
    values: dict[str, Any] = dict.fromkeys(_QUICK_VALUES.values())
    values.update(dict.fromkeys(_QUICK_SWITCHES.values(), False))
    values.update({dest: [] for dest in _QUICK_LISTS.values()})
    inputs: list[str] = []
    given: set[str] = set()
    i, last_input = 1, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "-" or not arg.startswith("-"):  # an input: they come in one run, as argparse takes them
            if inputs and last_input != i - 1:
                return None
            inputs.append(arg)
            last_input = i
        elif arg in _QUICK_SWITCHES:
            values[_QUICK_SWITCHES[arg]] = True
        elif arg in _QUICK_VALUES or arg in _QUICK_LISTS:
            if i + 1 == len(argv) or (argv[i + 1] != "-" and argv[i + 1].startswith("-")):
                return None
            i += 1
            if arg in _QUICK_LISTS:
                values[_QUICK_LISTS[arg]].append(argv[i])
            elif _QUICK_VALUES[arg] in given:
                return None
            else:
                given.add(_QUICK_VALUES[arg])
                values[_QUICK_VALUES[arg]] = argv[i]
        else:
            return None
        i += 1
    target, fmt = values["target"], values["input_format"]
    if not inputs or target not in registry.OUTPUTS or (fmt is not None and fmt not in registry.INPUTS):
        return None
    if values["output"] is not None and values["out_dir"] is not None:
        return None
    from types import SimpleNamespace

    from .options import cli_options

    values.update(dict.fromkeys(o.dest for o in cli_options(registry.output_module(target).Options)))
    return cast("argparse.Namespace", SimpleNamespace(command="convert", inputs=inputs, **values))


def build_parser(target: str | None = None, command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``target``, only that target's options, with ``command`` only
    that sub-command's parser in full (fast start-up)."""
    from . import __version__
    from ._cliparser import Parser as _Parser

    top = _Parser(prog=PROG, description="Turn AWS Site-to-Site VPN configuration into router configuration.")
    top._sub = "convert" if target else ""
    top._target = target
    top.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, prog=PROG)
    if command in (None, "convert"):
        _add_convert_parser(sub, target)
    if command in (None, "fetch"):
        _add_fetch_parser(sub)
    if command in (None, "sync"):
        _add_sync_parser(sub, target)
    if command in (None, "formats"):
        fmts = sub.add_parser("formats", help="list input formats and output targets")
        fmts.add_argument("--json", action="store_true", help="machine-readable list")
    if command in (None, "codes"):
        codes = sub.add_parser("codes", help="list the warning codes (for --error-on and --ignore)")
        codes._sub = "codes"
        codes.add_argument("--json", action="store_true", help="machine-readable list")
    return top


def _add_convert_parser(sub: Any, target: str | None) -> None:
    conv = sub.add_parser("convert", help="convert AWS VPN configuration to a target")
    conv._target = target
    conv.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="input file(s); - reads standard input; aws: / aws:vpn-ID fetches from the EC2 API",
    )
    conv.add_argument(
        "--from",
        dest="input_format",
        choices=registry.input_names(),
        metavar="FORMAT",
        help="input format (default: detected): " + ", ".join(registry.input_names()),
    )
    conv.add_argument(
        "--to",
        dest="target",
        required=True,
        choices=registry.output_names(),
        metavar="TARGET",
        help="output target: " + ", ".join(registry.output_names()),
    )
    out = conv.add_mutually_exclusive_group()
    out.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the output (one file) to FILE (- = standard output); only a regular file is ever replaced",
    )
    out.add_argument(
        "--out-dir",
        metavar="DIR",
        help="write the output files into DIR, all or nothing (created if missing; a symbolic link is refused)",
    )
    conv.add_argument("--force", action="store_true", help="overwrite existing output files (regular files only)")
    conv.add_argument("--redact", action="store_true", help="replace every pre-shared key with ***")
    conv.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _add_policy_options(conv)
    conv.add_argument("-q", "--quiet", action="store_true", help="do not print warnings")
    _add_aws_options(conv)
    _add_target_options(conv, [target] if target else None)


def _add_policy_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--error-on",
        action="append",
        default=[],
        metavar="CODE",
        help="treat warnings with CODE as errors (repeatable; all = every code; see 'vpnxlate codes')",
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODE",
        help="do not report warnings with CODE (repeatable; all = every code)",
    )


def _policy(args: argparse.Namespace) -> Policy:
    from .diagnostics import Policy

    return Policy.of(strict=args.strict, error_on=args.error_on, ignore=args.ignore)


def _add_target_options(conv: argparse.ArgumentParser, names: Sequence[str] | None) -> None:
    """The flags of the targets' options classes (each flag once, its help naming the targets)."""
    from .options import add_arguments

    group = conv.add_argument_group("target options")
    targets = registry.output_names() if names is None else names
    add_arguments(group, {n: registry.output_module(n).Options for n in targets})


def _add_aws_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("aws: inputs (boto3: pip install 'vpnxlate[aws]'; see docs/aws-fetch.md)")
    g.add_argument("--region", help="AWS region (default: AWS_REGION or the profile's)")
    g.add_argument("--profile", help="AWS profile (default: AWS_PROFILE or the standard credential chain)")
    g.add_argument(
        "--filter",
        dest="filters",
        action="append",
        default=[],
        metavar="NAME=VALUE[,VALUE]",
        help="EC2 filter, e.g. tag:Name=hub, customer-gateway-id=cgw-0123abcd (repeatable)",
    )
    g.add_argument(
        "--include-pending",
        action="store_true",
        help="translate connections in state pending too (default: available only)",
    )


def _add_fetch_parser(sub: Any) -> None:
    p = sub.add_parser("fetch", help="save VPN connections fetched from the EC2 API as JSON, for review")
    p._sub = "fetch"
    p.add_argument("inputs", nargs="+", metavar="aws:[vpn-ID]", help="aws: (every connection) or aws:vpn-ID")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (mode 0600; default: standard output)")
    p.add_argument("--include-psk", action="store_true", help="keep the pre-shared keys (default: ***)")
    p.add_argument("--force", action="store_true", help="overwrite an existing FILE")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print progress and skipped connections")
    _add_aws_options(p)


def _add_sync_parser(sub: Any, target: str | None) -> None:
    targets = registry.SYNC_TARGETS
    p = sub.add_parser("sync", help="keep a router's configuration in step with its VPN connections")
    p._sub = "sync"
    p._target = target
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="as for convert; usually aws:")
    p.add_argument(
        "--from",
        dest="input_format",
        choices=registry.input_names(),
        metavar="FORMAT",
        help="input format of files (default: detected)",
    )
    p.add_argument(
        "--to",
        dest="target",
        required=True,
        choices=targets,
        metavar="TARGET",
        help="output target: " + ", ".join(targets),
    )
    p.add_argument(
        "--state",
        required=True,
        metavar="DIR",
        help="state directory (0700): DIR/current holds the last output written",
    )
    when = p.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="poll once and exit (the default)")
    when.add_argument("--interval", type=float, metavar="SECONDS", help="keep polling every SECONDS")
    p.add_argument("--max-polls", type=int, metavar="N", help="with --interval: stop after N polls")
    p.add_argument(
        "--apply",
        metavar="CMD",
        help="run CMD (split like a shell would, but no shell) after "
        "a successful write; a failure restores the previous state",
    )
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _add_policy_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors and the change summary")
    _add_aws_options(p)
    # only the options of the target named (none for a --to that sync refuses anyway: fast start-up)
    _add_target_options(p, [target] if target in targets else [] if target else list(targets))


def _warn(report: Report, quiet: bool) -> None:
    if quiet:
        return
    for d in report.diagnostics:
        sys.stderr.write(f"{PROG}: warning: {_one_line(str(d))} [{d.code}]\n")


def _convert(args: argparse.Namespace) -> int:
    from . import _emit_report as emit_report  # CLI terms in messages (--local-address)
    from . import render
    from .io import write_file, write_files
    from .options import from_namespace

    report = Report(None, policy=_policy(args))
    if _streamed(args):
        return _convert_streamed(args, report)
    connections = _read_inputs(args, report)
    options = from_namespace(
        registry.output_module(args.target).Options, args, target=args.target, report=report, redact=args.redact
    )
    files, report = emit_report(connections, args.target, options, strict=args.strict, report=report)
    if args.out_dir:
        written = write_files(files, args.out_dir, force=args.force)
        _warn(report, args.quiet)
        if not args.quiet:
            for p in written:
                sys.stderr.write(f"{PROG}: wrote {_one_line(p)}\n")
        return EXIT_OK
    if args.output and args.output != "-":  # -o - is standard output, as without -o
        if len(files) != 1:
            names = ", ".join(f.name for f in files)
            raise EmitError(f"--to {args.target} writes {len(files)} files ({names}); use --out-dir DIR")
        f = files[0]
        write_file(args.output, f.content, mode=f.file_mode, force=args.force)
        _warn(report, args.quiet)
        return EXIT_OK
    _warn(report, args.quiet)
    sys.stdout.write(render(files))
    sys.stdout.flush()
    return EXIT_OK


def _streamed(args: argparse.Namespace) -> bool:
    """``--to jsonl`` (to standard output or -o) of directories and JSON Lines files: streamed."""
    from .io import is_streamed

    if args.target != "jsonl" or args.out_dir or any(p.startswith("aws:") for p in args.inputs):
        return False
    return any(is_streamed(p, args.input_format) for p in args.inputs)


def _convert_streamed(args: argparse.Namespace, report: Report) -> int:
    """Each connection read, converted and written in turn (vpnxlate.stream), warnings as they come."""
    from .io import write_file
    from .options import from_namespace
    from .stream import chunks, emit_each

    def warn(rep: Report) -> None:
        rep.check()
        _warn(rep, args.quiet)

    options = from_namespace(
        registry.output_module(args.target).Options, args, target=args.target, report=report, redact=args.redact
    )
    warn(report)
    stream = chunks(args.inputs, args.input_format, policy=report.policy)
    texts = (f.content for f in emit_each(stream, args.target, options, report.policy, warn))
    if args.output and args.output != "-":  # 0600 unless --redact: a key may come in any line
        write_file(args.output, texts, mode=0o644 if args.redact else 0o600, force=args.force)
    else:  # all or nothing here too: spooled (memory, then a 0600 temporary file) until the last line
        import shutil
        import tempfile

        with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8", newline="") as spool:
            for text in texts:
                spool.write(text)
            spool.seek(0)
            shutil.copyfileobj(spool, sys.stdout)
        sys.stdout.flush()
    return EXIT_OK


def _chosen_options(args: argparse.Namespace) -> dict[str, Any]:
    """The target options given on the command line, as keyword arguments."""
    from .options import namespace_values

    return namespace_values(registry.output_module(args.target).Options, args)


def _progress(args: argparse.Namespace) -> Any:
    if args.quiet:
        return None
    return lambda text: sys.stderr.write(f"{PROG}: {text}\n")


def _read_inputs(args: argparse.Namespace, report: Report) -> list[Any]:
    """The connections of every INPUT (files, -, aws:…), merged and linted when there are several
    (the API's pipeline, :func:`vpnxlate.parse_many_report`)."""
    from . import _parse_many_report as parse_many_report  # CLI terms in messages

    if args.inputs.count("-") > 1:
        raise EmitError("standard input (-) can be read only once")
    several = len(args.inputs) > 1
    aws_inputs = [p for p in args.inputs if p.startswith("aws:")]
    read: list[tuple[list[Any], str]] = []
    if aws_inputs:
        from . import aws

        fetched = _describe(args, aws_inputs)
        conns, rep = aws.to_connections(fetched, policy=report.policy, progress=_progress(args))
        report.extend(rep)
        read.append((conns, "aws:"))
    files = [p for p in args.inputs if not p.startswith("aws:")]
    connections, _ = parse_many_report(
        files, args.input_format, policy=report.policy, report=report, read=read, merge=several
    )
    return connections


def _describe(args: argparse.Namespace, inputs: Sequence[str]) -> Any:
    """One DescribeVpnConnections call for the aws: inputs; the skipped connections listed on stderr."""
    from . import aws

    fetched = aws.describe(
        aws.connection_ids(inputs),
        region=args.region,
        profile=args.profile,
        filters=[aws.parse_filter(f) for f in args.filters],
        include_pending=args.include_pending,
    )
    if not args.quiet:
        for line in fetched.skipped_lines():
            sys.stderr.write(f"{PROG}: {line}\n")
    return fetched


def _fetch(args: argparse.Namespace) -> int:
    from . import aws
    from .io import write_file

    if not all(aws.is_aws_input(p) for p in args.inputs):
        raise EmitError("fetch reads aws: inputs only (aws: or aws:vpn-ID)")
    fetched = _describe(args, args.inputs)
    text = aws.saved_json(fetched, include_psk=args.include_psk)
    if args.output and args.output != "-":
        write_file(args.output, text, mode=0o600, force=args.force)
        if not args.quiet:
            keys = "with" if args.include_psk else "without"
            sys.stderr.write(
                f"{PROG}: {fetched.source}: saved {len(fetched.selected)} connections ({keys} "
                f"pre-shared keys) to {args.output}\n"
            )
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return EXIT_OK


def _sync(args: argparse.Namespace) -> int:
    from . import sync

    options = _chosen_options(args)
    if args.max_polls is not None and (args.interval is None or args.max_polls < 1):
        raise EmitError("--max-polls N (N >= 1) goes with --interval")
    if args.interval is not None and args.interval <= 0:
        raise EmitError("--interval must be a positive number of seconds")

    policy = _policy(args)

    def poll() -> int:
        report = Report(None, policy=policy)
        try:
            connections = _read_inputs(args, report)
            result = sync.sync(connections, args.target, args.state, report=report, options=options, apply=args.apply)
        except VpnxlateError as e:
            sys.stderr.write(f"{PROG}: error: {_one_line(str(e))} (the last good state is kept)\n")
            return EXIT_INPUT
        if result.changed:
            _warn(report, args.quiet)
            for change in result.changes:
                sys.stderr.write(f"{PROG}: sync: {change}\n")
            if not result.changes and not result.first:
                sys.stderr.write(
                    f"{PROG}: sync: the output changed, the connections did not (other target "
                    "options or vpnxlate version)\n"
                )
            if result.delta is not None:
                sys.stdout.write("".join(line + "\n" for line in result.delta))
                sys.stdout.flush()
        sys.stderr.write(f"{PROG}: sync: {result.summary()}\n")
        if result.changed:
            sys.stderr.write(f"{PROG}: sync: reload: {result.reload}\n")
        return EXIT_OK

    if args.interval is None:
        return poll()
    import signal
    import threading

    stop = threading.Event()

    def on_wait(seconds: float, failures: int) -> None:
        if failures and not args.quiet:
            sys.stderr.write(f"{PROG}: sync: poll failed ({failures} in a row); retrying in {seconds:g} s\n")

    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        return sync.loop(poll, args.interval, max_polls=args.max_polls, stop=stop, on_wait=on_wait)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _formats(args: argparse.Namespace) -> int:
    from . import formats

    table = formats()
    if args.json:
        import json

        sys.stdout.write(json.dumps(table, indent=2) + "\n")
        return EXIT_OK
    for kind, label in (("inputs", "Input formats (--from)"), ("outputs", "Output targets (--to)")):
        sys.stdout.write(f"{label}:\n")
        for entry in table[kind]:
            sys.stdout.write(f"  {entry['name']:<14} {entry['description']}\n")
    return EXIT_OK


def _codes(args: argparse.Namespace) -> int:
    from .diagnostics import AREAS, CODES

    if args.json:
        import json

        table = [{"code": c.name, "area": c.area, "description": c.description} for c in CODES.values()]
        sys.stdout.write(json.dumps(table, indent=2) + "\n")
        return EXIT_OK
    for area, title in AREAS.items():
        sys.stdout.write(f"{title}:\n")
        for c in CODES.values():
            if c.area == area:
                sys.stdout.write(f"  {c.name:<23} {c.description}\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (None: ``sys.argv[1:]``) and return the exit status.  Safe to
    call from a host program: it leaves the garbage collector as it found it (the installed
    ``vpnxlate`` command and ``python -m vpnxlate`` run :func:`program`)."""
    return _main(sys.argv[1:] if argv is None else argv)


def program() -> int:
    """The ``vpnxlate`` command (console script) and ``python -m vpnxlate``: :func:`main` of the
    process's own command line, in a process that ends with this call.  The cyclic garbage
    collector never looks at the objects made so far (modules, classes: all alive until exit),
    nor, at interpreter exit, at any object left: traversing them once more is a good part of a
    short run's start-up and shut-down.  (Not for a host program: its heap would stay frozen.)"""
    import gc

    gc.freeze()
    try:
        return _main(sys.argv[1:])
    finally:
        gc.freeze()


def _main(argv: Sequence[str]) -> int:
    try:
        args_list = list(argv)
        args = _quick_args(args_list)
        if args is None:
            target = _peek_target(args_list)
            wants_help = any(a in ("-h", "--help") for a in args_list)
            parser = build_parser(
                target if target in registry.OUTPUTS and not wants_help else None,
                None if wants_help else _peek_command(args_list),
            )
            args = parser.parse_args(args_list)
        if args.command == "convert":
            return _convert(args)
        if args.command == "formats":
            return _formats(args)
        if args.command == "codes":
            return _codes(args)
        if args.command == "fetch":
            return _fetch(args)
        if args.command == "sync":
            return _sync(args)
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    except VpnxlateError as e:
        sys.stderr.write(f"{PROG}: error: {_one_line(str(e))}\n")
        return EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except RecursionError:
        sys.stderr.write(f"{PROG}: error: input nested too deeply\n")
        return EXIT_INPUT
    except MemoryError:
        sys.stderr.write(f"{PROG}: error: input too large to process\n")
        return EXIT_INPUT
    except Exception as e:  # a bug: still one line, never a traceback, but a distinct status
        sys.stderr.write(
            f"{PROG}: internal error: {type(e).__name__} (please report this with the input "
            f"format, not the file, which holds keys)\n"
        )
        return EXIT_INTERNAL


def _one_line(text: str) -> str:
    """The last line of defence of every message: control and format characters escaped (an ESC
    sequence must not rewrite the terminal, a CR/LF must not fake a ``vpnxlate:`` line)."""
    from .errors import escape_text

    return escape_text(text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
