"""``cli.main`` is safe to call in-process (it leaves the garbage collector alone); the program
entry points (console script, ``python -m vpnxlate``) are ``cli.program``, which freezes it."""

from __future__ import annotations

import gc
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from vpnxlate import cli

ROOT = Path(__file__).resolve().parent.parent


def test_main_without_arguments_reads_sys_argv_and_leaves_the_collector_alone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["vpnxlate", "formats"])
    frozen = gc.get_freeze_count()
    assert cli.main() == 0
    assert gc.get_freeze_count() == frozen
    assert gc.isenabled()
    assert "aws-generic" in capsys.readouterr().out


def test_program_freezes_the_start_up_objects(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["vpnxlate", "formats"])
    gc.unfreeze()
    try:
        assert cli.program() == 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert "aws-generic" in capsys.readouterr().out


def test_the_entry_points_are_the_program() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"vpnxlate": "vpnxlate.cli:program"}
    code = (
        "import gc, runpy, sys\n"
        "sys.argv = ['vpnxlate', 'formats']\n"
        "try:\n"
        "    runpy.run_module('vpnxlate', run_name='__main__')\n"
        "except SystemExit as e:\n"
        "    print('exit', e.code, 'frozen', gc.get_freeze_count() > 0, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stderr.strip() == "exit 0 frozen True"
    assert "aws-generic" in done.stdout
