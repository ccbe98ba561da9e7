"""Golden files for --to libreswan: the exact output for a BGP connection (with FRR) and a static
connection (routes in the updown, NAT), plus IKEv2 for Libreswan 5.x and XFRM interfaces.

Regenerate after an intended change with ``VPNXLATE_UPDATE_GOLDEN=1 python3 -m pytest
tests/test_libreswan_golden.py`` and review the diff.
"""

from __future__ import annotations

from typing import Any

import pytest

import vpnxlate

from .conftest import ROOT
from .test_strongswan_golden import _check, _connections

GOLDEN = ROOT / "tests" / "golden" / "libreswan"
LAN, VPC = "192.0.2.64/26", "192.0.2.0/26"

# case name -> (input fixtures under fixtures/strongswan/, options)
CASES: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "bgp": (("bgp.json",), {"advertise": [LAN]}),
    "static": (("static.json",), {"local_address": "192.0.2.130", "accept": [VPC], "prefer_tunnel": "2"}),
    "ikev2-v5-xfrm": (("ikev2-aes256.json",), {"libreswan_version": "5", "interface": "xfrm", "advertise": [LAN]}),
}
SHARED_FILES = ("aws-libreswan-updown", "ipsec.secrets")


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    inputs, options = CASES[case]
    files, report = vpnxlate.emit_report(_connections(inputs), "libreswan", **options)
    for f in files:
        where = GOLDEN / f.name if f.name in SHARED_FILES else GOLDEN / case / f.name
        _check(where, f.content)
        assert f.file_mode == (0o600 if f.name.endswith(".secrets") else 0o755 if f.name in SHARED_FILES else 0o644)
    _check(GOLDEN / case / "warnings.txt", "".join(m + "\n" for m in report.messages()))
    expected = sorted(p.name for p in (GOLDEN / case).iterdir() if p.name != "warnings.txt")
    assert sorted(f.name for f in files if f.name not in SHARED_FILES) == expected


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_is_order_independent(case: str) -> None:
    inputs, options = CASES[case]
    conns = _connections(inputs)
    assert vpnxlate.emit(list(conns), "libreswan", **options) == vpnxlate.emit(
        list(reversed(conns)), "libreswan", **options
    )
