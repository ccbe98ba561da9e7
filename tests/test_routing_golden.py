"""Golden files for the routing output of the strongSwan targets: FRR for a BGP spoke and a hub
(two connections with different customer ASNs), and the static routes of a static connection.

Regenerate after an intended change with ``VPNXLATE_UPDATE_GOLDEN=1 python3 -m pytest
tests/test_routing_golden.py`` and review the diff.
"""

from __future__ import annotations

from typing import Any

import pytest

import vpnxlate
from vpnxlate.model import VpnConnection

from .conftest import FIXTURES, ROOT
from .test_strongswan_golden import _check

GOLDEN = ROOT / "tests" / "golden" / "routing"
HUB_SECOND = "routing/second-vpc-asn65020.json"

# case -> (inputs under fixtures/, target, options, files pinned)
CASES: dict[str, tuple[tuple[str, ...], str, dict[str, Any], tuple[str, ...]]] = {
    "bgp-spoke": (
        ("strongswan/bgp.json",),
        "strongswan",
        {
            "local_address": "10.0.1.5",
            "advertise": ["10.0.0.0/16"],
            "advertise_next_hop": "10.0.1.1",
            "prefer_tunnel": "1",
        },
        ("frr.conf", "daemons", "99-vpnxlate-forwarding.conf"),
    ),
    "bgp-hub": (
        ("strongswan/bgp.json", HUB_SECOND),
        "swanctl",
        {
            "local_address": "10.0.1.5",
            "role": "hub",
            "advertise": ["172.16.0.0/12"],
            "accept": ["vpn-0c0ffee0123456789=10.1.0.0/16"],
            "max_prefix": 50,
        },
        ("frr.conf",),
    ),
    "static": (
        ("strongswan/static.json",),
        "strongswan",
        {"local_address": "192.0.2.130", "accept": ["10.0.0.0/16", "10.1.0.0/16"], "prefer_tunnel": "2"},
        ("ipsec.conf", "99-vpnxlate-forwarding.conf"),
    ),
}


def _connections(names: tuple[str, ...]) -> list[VpnConnection]:
    out: list[VpnConnection] = []
    for n in names:
        out.extend(vpnxlate.parse((FIXTURES / n).read_text(encoding="utf-8")))
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_routing_golden(case: str) -> None:
    inputs, target, options, pinned = CASES[case]
    files, report = vpnxlate.emit_report(_connections(inputs), target, **options)
    by_name = {f.name: f for f in files}
    assert ("frr.conf" in by_name) is case.startswith("bgp")
    for name in pinned:
        _check(GOLDEN / case / name, by_name[name].content)
    _check(GOLDEN / case / "warnings.txt", "".join(m + "\n" for m in report.messages()))


@pytest.mark.parametrize("case", sorted(CASES))
def test_routing_output_is_order_independent(case: str) -> None:
    inputs, target, options, _ = CASES[case]
    conns = _connections(inputs)
    assert vpnxlate.emit(conns, target, **options) == vpnxlate.emit(list(reversed(conns)), target, **options)


def test_docs_show_the_golden_frr_conf() -> None:
    inputs, target, options, _ = CASES["bgp-spoke"]
    doc = (ROOT / "docs" / "strongswan.md").read_text(encoding="utf-8")
    assert "```text\n" + (GOLDEN / "bgp-spoke" / "frr.conf").read_text(encoding="utf-8") + "```" in doc
    # the command shown above it is the golden case's
    assert (
        f"vpnxlate convert fixtures/{inputs[0]} --to {target} --local-address {options['local_address']} \\\n"
        f"    --advertise {options['advertise'][0]} --advertise-next-hop {options['advertise_next_hop']} "
        f"--prefer-tunnel {options['prefer_tunnel']} --out-dir out"
    ) in doc
