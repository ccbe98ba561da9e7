"""Shared test helpers: paths, running the CLI in a subprocess, the VyOS checker, swanlab."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = Path(os.environ.get("VPNXLATE_SHARED", ROOT.parent / "shared")).resolve()
VYOS_CHECK = SHARED / "tools" / "vyos_check.py"
SWANLAB = SHARED / "swanlab" / "swanlab.py"


def shared_file(*parts: str) -> Path:
    """A path under ../shared (VPNXLATE_SHARED); skips the test with a reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not found (../shared must sit beside the checkout, or set VPNXLATE_SHARED)")
    return path


def fixture_text(rel: str) -> str:
    return (FIXTURES / rel).read_text(encoding="utf-8")


def run_cli(
    *args: str, stdin: str | bytes | None = None, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m vpnxlate ARGS`` the way a user would; returns the completed process."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "vpnxlate", *args], input=data, capture_output=True, cwd=cwd or ROOT, timeout=timeout
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit status 2, exactly one stderr line starting 'vpnxlate: error:', no traceback, no stdout."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("vpnxlate: error: "), lines[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def vyos_check(path: Path, version: str) -> subprocess.CompletedProcess[str]:
    """Run ../shared/tools/vyos_check.py on a file of set-commands."""
    if not VYOS_CHECK.exists():
        pytest.skip(f"{VYOS_CHECK} not found (../shared must sit beside the checkout)")
    return subprocess.run(
        [sys.executable, str(VYOS_CHECK), "--version", version, "-q", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES
