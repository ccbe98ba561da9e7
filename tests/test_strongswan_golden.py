"""Golden files for --to strongswan / --to swanctl: the exact output for a BGP and a static
connection (and a mix of connections that differ in proposals), in both formats.

Regenerate after an intended change with ``VPNXLATE_UPDATE_GOLDEN=1 python3 -m pytest
tests/test_strongswan_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import vpnxlate
from vpnxlate.model import VpnConnection

from .conftest import FIXTURES, ROOT

GOLDEN = ROOT / "tests" / "golden" / "strongswan"
UPDATE = os.environ.get("VPNXLATE_UPDATE_GOLDEN") == "1"

# case name -> (input fixtures, target, options)
CASES: dict[str, tuple[tuple[str, ...], str, dict[str, Any]]] = {
    "bgp/strongswan": (("bgp.json",), "strongswan", {}),
    "bgp/swanctl": (("bgp.json",), "swanctl", {}),
    "bgp/swanctl-xfrm": (("bgp.json",), "swanctl", {"interface": "xfrm"}),
    "static/strongswan": (("static.json",), "strongswan", {"local_address": "192.0.2.130"}),
    "static/swanctl": (("static.json",), "swanctl", {"local_address": "192.0.2.130"}),
    "multi/strongswan": (("bgp.json", "ikev2-aes256.json", "static.json"), "strongswan", {}),
    "multi/swanctl": (("bgp.json", "ikev2-aes256.json", "static.json"), "swanctl", {}),
}
SHARED_FILES = ("aws-updown.sh", "strongswan.conf")
ROUTING_FILES = ("frr.conf", "daemons", "99-vpnxlate-forwarding.conf")


def _connections(names: tuple[str, ...]) -> list[VpnConnection]:
    out: list[VpnConnection] = []
    for n in names:
        out.extend(vpnxlate.parse((FIXTURES / "strongswan" / n).read_text(encoding="utf-8")))
    return out


def _check(path: Path, text: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing; run with VPNXLATE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    inputs, target, options = CASES[case]
    files, report = vpnxlate.emit_report(_connections(inputs), target, **options)
    expected_names = ["ipsec.conf", "ipsec.secrets"] if target == "strongswan" else ["swanctl.conf"]
    ipsec_files = [*expected_names, *SHARED_FILES]
    assert [f.name for f in files][: len(ipsec_files)] == ipsec_files
    # the routing files are pinned by tests/test_routing_golden.py
    assert {f.name for f in files[len(ipsec_files) :]} <= set(ROUTING_FILES)
    files = files[: len(ipsec_files)]
    modes = {f.name: f.file_mode for f in files}
    assert modes["aws-updown.sh"] == 0o755
    assert modes["strongswan.conf"] == 0o644
    if target == "strongswan":
        assert modes["ipsec.conf"] == 0o644
        assert modes["ipsec.secrets"] == 0o600
    else:
        assert modes["swanctl.conf"] == 0o600
    for f in files:
        where = GOLDEN / f.name if f.name in SHARED_FILES else GOLDEN / case / f.name
        _check(where, f.content)
    _check(GOLDEN / case / "warnings.txt", "".join(m + "\n" for m in report.messages()))


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_is_deterministic_and_order_independent(case: str) -> None:
    inputs, target, options = CASES[case]
    conns = _connections(inputs)
    first = vpnxlate.emit(list(conns), target, **options)
    again = vpnxlate.emit(list(reversed(conns)), target, **options)
    assert first == again
