"""The speed-ups of issue 13 change no output: every case of :mod:`tests.differential` (fixtures,
generated describe-vpn-connections documents with and without TunnelOptions, EC2 XML, and
mutations of all of them) gives the digests recorded from the code before the speed-ups, for
the parse (warnings, or the error line) and for every target (file names, modes, bytes,
warnings).  Re-record only after an intended output change: ``python3 -m tests.differential
--record`` (and review why each digest changed)."""

from __future__ import annotations

import json

import pytest

from . import differential


@pytest.fixture(scope="module")
def golden() -> dict[str, dict[str, str]]:
    return json.loads(differential.GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def current() -> dict[str, dict[str, str]]:
    return differential.run()


def test_same_cases(golden: dict[str, dict[str, str]], current: dict[str, dict[str, str]]) -> None:
    assert sorted(current) == sorted(golden)
    # the harness exercises both paths: documents that parse (and are written) and ones that fail
    assert sum(1 for v in current.values() if len(v) > 1) > 150
    assert sum(1 for v in current.values() if len(v) == 1) > 150


def test_outputs_identical(golden: dict[str, dict[str, str]], current: dict[str, dict[str, str]]) -> None:
    diffs = [
        f"{name} {step}"
        for name in sorted(golden)
        for step in sorted(set(golden[name]) | set(current[name]))
        if golden[name].get(step) != current.get(name, {}).get(step)
    ]
    assert not diffs, f"{len(diffs)} outputs changed, e.g. {diffs[:10]}"
