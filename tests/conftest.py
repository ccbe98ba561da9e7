"""Shared test helpers: paths, running the CLI in a subprocess, the VyOS checker, swanlab."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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


#: Live-lab test modules are named so (tests/test_tooling.py checks that every swanlab-marked
#: module is): the xdist scheduler below sends all of them to one worker.
LAB_MODULE_PREFIX = "test_swanlab"
#: The longest property-test modules (no module-scoped fixtures): spread test by test over the
#: workers instead of one module per worker, which made test_roundtrip.py the long pole.
SPREAD_MODULES = frozenset({"test_roundtrip.py", "test_hostile.py", "test_injection.py"})


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadscope`` (pyproject addopts): one test module per work unit, and every
    live-lab module in one unit.

    A module's module-scoped fixtures (a differential run, a lab run) are then set up on one
    worker only.  The lab modules start their lab runs in such fixtures, two at a time; one worker
    runs all of them, one module after another, so the lab never has more than two runs going
    however many workers there are, while the other worker runs the rest of the suite.  (An
    ``xdist_group`` mark cannot do it: pytest-xdist 3.8 renames node ids to carry the group,
    which pytest 9 ignores.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesLabTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            name = module.rpartition("/")[2]
            if name.startswith(LAB_MODULE_PREFIX):
                return "swanlab"
            if name in SPREAD_MODULES:
                return nodeid  # no module-scoped fixture: each test may go to either worker
            return module

    return ModulesLabTogether(config, log)
