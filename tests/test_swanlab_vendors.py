"""Proof with real strongSwan for the vendor downloads: AWS's Cisco IOS and Juniper downloads of
the canonical connection, converted with ``vpnxlate convert … --to strongswan|swanctl``, bring both
tunnels up against swanlab's emulated AWS endpoints (whose side is the equivalent Generic
download).  Reuses tests/test_swanlab.py's helpers; two lab runs, two at a time."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import FIXTURES
from .swan_reader import tunnel_naming
from .test_swanlab import CANONICAL, CANONICAL_ID, NAT_PRIVATE, Case, _describe, lab_cases

pytestmark = pytest.mark.swanlab

VENDORS = FIXTURES / "vendors"
CASES: dict[str, Case] = {
    "cisco-ios-ipsec": Case(
        (VENDORS / "cisco-ios" / "ikev1-bgp.txt",), "strongswan", CANONICAL / "generic.txt", CANONICAL_ID
    ),
    "juniper-swanctl-nat": Case(
        (VENDORS / "juniper" / "srx-set.txt",), "swanctl", CANONICAL / "generic.txt", CANONICAL_ID, nat=True
    ),
}


@pytest.fixture(scope="module")
def lab_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return lab_cases(CASES, tmp_path_factory, "swanlab-vendors")


@pytest.mark.parametrize("name", list(CASES))
def test_both_tunnels_up_from_a_vendor_download(lab_results: dict[str, dict[str, Any]], name: str) -> None:
    case = CASES[name]
    r = lab_results[name]
    assert "generate_error" not in r, _describe(r)
    res = r["result"]
    assert r["rc"] == 0 and res is not None and res["ok"] is True, _describe(r)
    assert res["errors"] == [] and res["nat"] is case.nat
    tunnels = res["tunnels"]
    assert sorted(t["aws_outside_ip"] for t in tunnels) == ["203.0.113.21", "203.0.113.22"]
    for t in tunnels:
        assert t["pass"] is True and t["ike_up"] is True and t["child_up"] is True
        assert t["ping_inside"]["ok"] is True and t["ping_inside"]["received"] == t["ping_inside"]["sent"] > 0
        assert t["ping_inside"]["plaintext_icmp_on_wire"] == 0
        assert t["ike"]["version"] == "1"
        assert (t["ike"]["encr-alg"], t["ike"]["encr-keysize"]) == ("AES_CBC", "128")
        assert t["ike"]["integ-alg"] == "HMAC_SHA1_96"
        assert t["child"]["dh-group"] == "MODP_1024"
        named = tunnel_naming(r["config"])[t["aws_outside_ip"]]  # what vpnxlate wrote for the tunnel
        assert named.section.startswith(case.conn_id + "-")
        assert t["cgw_interface"] == named.interface == f"vti{named.mark}"
        assert t["cgw_vti"]["local"] == (NAT_PRIVATE if case.nat else "198.51.100.10")
        assert t["ike"]["remote-id"] == "198.51.100.10"
