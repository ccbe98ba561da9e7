"""``--to vyos`` does work linear in the connections (issue 13), counted rather than timed: every
Python function and builtin call the emitter makes (``sys.setprofile``) for 4x the connections is
at most ~4x the count for 1x, for the spoke and the hub role, BGP and static connections and the
syntax of each release train.  A scan of every tunnel, route or connection made once per tunnel
(quadratic: ~16x) fails this; so would re-sorting or re-building the plan per connection.
Deterministic: the count of calls does not depend on the machine or its load."""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import vpnxlate
from vpnxlate.model import VpnConnection

from .conftest import ROOT

SIZES = (40, 160)  # connections; 4x
MAX_RATIO = 4.2  # linear: <= 4 (fixed costs make it less); quadratic ~16

OPTIONS: tuple[dict[str, Any], ...] = (  # --accept: the static connections' routes
    {"local_address": "192.0.2.1", "accept": ["172.16.0.0/12"]},
    {"local_address": "192.0.2.1", "role": "hub", "accept": ["172.16.0.0/12"]},
    {"vyos_version": "1.1", "role": "hub", "advertise": ["10.0.0.0/16"], "prefer_tunnel": 1, "accept": ["10.8.0.0/16"]},
    {"vyos_version": "1.3", "advertise": ["10.0.0.0/16", "10.1.0.0/16"], "accept": ["172.16.0.0/12", "10.9.0.0/16"]},
    {
        "vyos_version": "1.5",
        "role": "hub",
        "advertise": ["10.0.0.0/8"],
        "accept": ["172.16.0.0/12"],
        "cloud_init": True,
    },
)


def _connections(n: int) -> list[VpnConnection]:
    """n connections, every third one static (its routes come from ``--accept``)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench

    entries = bench.build_entries(n)
    for i, e in enumerate(entries):
        if i % 3 == 2:
            e["Options"]["StaticRoutesOnly"] = True
            e["Routes"] = [{"DestinationCidrBlock": f"10.{i % 250}.{i // 250}.0/24", "State": "available"}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vpnxlate.parse(json.dumps({"VpnConnections": entries}))


def calls(fn: Callable[[], Any]) -> int:
    """The Python function and builtin calls ``fn`` makes."""
    count = 0

    def profile(_frame: Any, event: str, _arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


@pytest.fixture(scope="module")
def inputs() -> dict[int, list[VpnConnection]]:
    return {n: _connections(n) for n in SIZES}


@pytest.mark.parametrize("options", OPTIONS, ids=["-".join(str(v) for v in o.values()) for o in OPTIONS])
def test_calls_grow_linearly(inputs: dict[int, list[VpnConnection]], options: dict[str, Any]) -> None:
    small, large = (inputs[n] for n in SIZES)

    def emit(conns: list[VpnConnection]) -> Callable[[], Any]:
        return lambda: vpnxlate.emit_report(conns, "vyos", **options)

    files, _report = emit(large)()
    text = files[0].content
    # the input is what it says: every connection's tunnels written, BGP and static ones
    assert text.count(" description ") >= 2 * SIZES[1]
    assert "set protocols static " in text and " neighbor 169.254." in text, "BGP and static connections"
    emit(small)()  # caches and imports warm
    few, many = calls(emit(small)), calls(emit(large))
    ratio = many / few
    assert ratio <= MAX_RATIO, f"{options}: {SIZES[1] // SIZES[0]}x the connections made {ratio:.1f}x the calls"
