"""Start-up of the command line: ``vpnxlate convert FILE --to TARGET`` with plain flags is read
without argparse, and the cold path imports only what it needs.

The differential test runs every generated command line twice: as generated (read without
argparse when it can be) and with its values attached (``--to=json``, ``-oFILE``: always read by
argparse), and requires the same exit status, output, messages and files.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from vpnxlate import cli

from . import strategies
from .conftest import FIXTURES, ROOT

GENERIC = str(FIXTURES / "canonical" / "generic.txt")
VYATTA = str(FIXTURES / "canonical" / "vyatta.txt")

_SWITCHES = ["--force", "--redact", "--strict", "-q", "--quiet", "--include-pending"]
_VALUES = {
    "--from": st.sampled_from(["aws-generic", "aws-vyatta", "json", "nope"]),
    "--region": st.sampled_from(["eu-west-1", "x"]),
    "--profile": st.sampled_from(["default", "p"]),
}
_LISTS = {
    "--error-on": st.sampled_from(["all", "unknown-field", "no-advertise", "nope"]),
    "--ignore": st.sampled_from(["all", "vyos-no-local-address", "nope"]),
    "--filter": st.sampled_from(["tag:Name=hub", "x"]),
}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """``convert`` command lines, mostly of the flags the quick reading takes; now and then with
    what it leaves to argparse (a repeated or missing value, an unknown target, a target option,
    ``-h``, ``--``, inputs split by a flag, no input)."""
    odd = draw(st.integers(0, 9)) == 0
    words: list[list[str]] = [["--to", draw(st.sampled_from(["json", "vyos", "strongswan", "aws-generic"]))]]
    words += [[s] for s in draw(st.lists(st.sampled_from(_SWITCHES), max_size=3))]
    for flag in draw(st.lists(st.sampled_from(sorted(_VALUES)), max_size=2, unique=not odd)):
        words.append([flag, draw(_VALUES[flag])])
    for flag in draw(st.lists(st.sampled_from(sorted(_LISTS)), max_size=3)):
        words.append([flag, draw(_LISTS[flag])])
    out = draw(st.sampled_from([None, "-o", "--output", "--out-dir", *(["both"] if odd else [])]))
    if out == "both":
        words += [["-o", "OUT/one"], ["--out-dir", "OUT/dir"]]
    elif out is not None:
        words.append([out, "OUT/dir" if out == "--out-dir" else "OUT/one"])
    if odd:
        words.append(draw(st.sampled_from([["--local-address", "192.0.2.1"], ["--bogus"], ["-h"], ["--"], ["--to"]])))
    words = draw(st.permutations(words))
    inputs = draw(st.lists(st.sampled_from([GENERIC, VYATTA, "missing.txt"]), min_size=0 if odd else 1, max_size=2))
    at = draw(st.integers(0, len(words)))
    before, after = [w for g in words[:at] for w in g], [w for g in words[at:] for w in g]
    if odd and len(inputs) == 2 and after:  # inputs split by a flag: argparse refuses the second
        return ["convert", *before, inputs[0], *after[:1], inputs[1], *after[1:]]
    return ["convert", *before, *inputs, *after]


def _attached(argv: list[str]) -> list[str]:
    """The same command line with every option value attached to its flag: argparse reads it."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":  # the rest are inputs, whatever they look like: left as they are
            out += argv[i:]
            break
        value = argv[i + 1] if i + 1 < len(argv) else "-x"  # (a flag: not a value argparse would take)
        takes = value == "-" or not value.startswith("-")
        if takes and arg in (*_VALUES, *_LISTS, "--to", "--output", "--out-dir"):
            out.append(f"{arg}={value}")
            i += 2
        elif takes and arg == "-o":
            out.append(f"-o{value}")
            i += 2
        else:
            out.append(arg)
            i += 1
    return out


def _run(argv: list[str], work: Path) -> tuple[object, str, str, dict[str, tuple[str, int]]]:
    """Exit status, stdout, stderr and the files written (text and mode) of ``cli.main(argv)`` in ``work``."""
    out_dir = work / "OUT"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir()
    stdout, stderr = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(work)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                status: object = cli.main(argv)
            except SystemExit as e:  # argparse: --help, usage errors
                status = ("exit", e.code)
    finally:
        os.chdir(cwd)
    files = {
        str(p.relative_to(work)): (p.read_text(), p.stat().st_mode & 0o777) for p in out_dir.rglob("*") if p.is_file()
    }
    return status, stdout.getvalue(), stderr.getvalue(), files


@settings(parent=settings.get_profile(strategies.PROFILE))
@given(command_lines())
def test_quick_reading_matches_argparse(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        attached = _attached(argv)
        head = argv[: argv.index("--")] if "--" in argv else argv  # (after "--": inputs only)
        assert attached != argv or "--to" not in head[:-1]
        assert _run(argv, work) == _run(attached, work)


def test_quick_reading_is_used_and_argparse_not_imported(tmp_path: Path) -> None:
    """The cold path of a plain conversion: no argparse (nor gettext, locale, shutil, tempfile)."""
    code = (
        "import contextlib, io, sys\n"
        "import vpnxlate.cli as c\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert c.main(sys.argv[1:]) == 0\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    argv = ["convert", GENERIC, "--to", "json", "-q", "--redact", "--ignore", "all", "-o", str(tmp_path / "out.json")]
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split())
    assert "vpnxlate.cli" in loaded
    assert not loaded & {"argparse", "gettext", "locale", "shutil", "tempfile", "vpnxlate._cliparser"}
    assert '"psk": "***"' in (tmp_path / "out.json").read_text()


def test_help_and_errors_still_come_from_argparse() -> None:
    """Command lines the quick reading leaves alone: help, a usage error, a target option."""
    for argv, status, needle in (
        (["convert", "--help"], ("exit", 0), "usage: vpnxlate convert"),
        (["convert", GENERIC, "--to", "nope"], ("exit", 2), "argument --to: invalid choice: 'nope'"),
        (
            ["convert", GENERIC, "--to", "json", "--local-address", "192.0.2.1"],
            ("exit", 2),
            "does not apply to --to json",
        ),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            got, out, err, _files = _run(argv, Path(tmp))
        assert got == status, (argv, got, err)
        assert needle in out + err, (argv, out, err)
