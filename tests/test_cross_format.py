"""The same connection written as Generic, Vyatta, XML and inside the EC2 wrappers parses to
equal models.

Where two formats carry the same information the models are compared with ``==``.  The
formats do not all state the same fields (the XML has no MTU and no IKE version; the Vyatta
download has no DPD, MSS, clear-DF, fragmentation or IKE mode — its DPD 15/30 are template
constants), so for those pairs the test asserts (1) that every value both state is equal and
(2) that the fields one leaves unstated are exactly the ones its format cannot express.
"""

from __future__ import annotations

import warnings
from typing import Any

import attrs
import pytest

import vpnxlate
from vpnxlate.model import VpnConnection

from .conftest import FIXTURES


def load(rel: str) -> list[VpnConnection]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the canonical fixtures are clean: no warning at all
        return vpnxlate.parse((FIXTURES / rel).read_text(encoding="utf-8"), source=rel)


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Model object -> {"tunnels[0].ike.lifetime_s": 28800, ...}."""
    out: dict[str, Any] = {}
    for f in attrs.fields(type(obj)):
        value = getattr(obj, f.name)
        if attrs.has(type(value)):
            out.update(flatten(value, f"{prefix}{f.name}."))
        elif isinstance(value, tuple) and value and attrs.has(type(value[0])):
            for i, item in enumerate(value):
                out.update(flatten(item, f"{prefix}{f.name}[{i}]."))
        else:
            out[prefix + f.name] = value
    return out


def unstated_pairs(a: VpnConnection, b: VpnConnection) -> tuple[set[str], set[str]]:
    """Assert every field stated by both is equal; return the fields only b / only a leaves None."""
    fa, fb = flatten(a), flatten(b)
    assert fa.keys() == fb.keys()
    for key in fa:
        if fa[key] is not None and fb[key] is not None:
            assert fa[key] == fb[key], key
    only_b_none = {
        k.split(".", 1)[1] if k.startswith("tunnels[") else k for k in fa if fa[k] is not None and fb[k] is None
    }
    only_a_none = {
        k.split(".", 1)[1] if k.startswith("tunnels[") else k for k in fa if fa[k] is None and fb[k] is not None
    }
    return only_b_none, only_a_none


def test_generic_2009_and_xml_are_equal() -> None:
    # the 2009 template states exactly what the XML holds (it was rendered from it by AWS's XSLT)
    assert load("canonical/generic-2009.txt") == load("canonical/connection.xml")


def test_generic_2018_and_xml_differ_only_in_what_xml_cannot_state() -> None:
    (generic,) = load("canonical/generic.txt")
    (xml,) = load("canonical/connection.xml")
    xml_lacks, generic_lacks = unstated_pairs(generic, xml)
    assert xml_lacks == {"ike.versions", "mtu"}
    assert generic_lacks == set()
    assert generic == attrs.evolve(
        xml, tunnels=[attrs.evolve(t, mtu=1436, ike=attrs.evolve(t.ike, versions=("ikev1",))) for t in xml.tunnels]
    )


def test_vyatta_states_a_subset_and_agrees_on_all_of_it() -> None:
    (generic,) = load("canonical/generic.txt")
    (vyatta,) = load("canonical/vyatta.txt")
    vyatta_lacks, generic_lacks = unstated_pairs(generic, vyatta)
    assert vyatta_lacks == {
        "ike.versions",
        "ike.mode",
        "dpd_interval_s",
        "dpd_retries",
        "tcp_mss",
        "clear_df_bit",
        "fragmentation_before_encryption",
    }
    assert generic_lacks == set()


def test_tunnel_order_is_by_outside_ip_in_every_format() -> None:
    # tunnel #1 of every canonical file is 203.0.113.22; the model puts 203.0.113.21 first
    for rel in (
        "canonical/generic.txt",
        "canonical/generic-2009.txt",
        "canonical/vyatta.txt",
        "canonical/connection.xml",
    ):
        (conn,) = load(rel)
        assert [str(t.aws_outside_ip) for t in conn.tunnels] == ["203.0.113.21", "203.0.113.22"], rel
        assert [t.psk for t in conn.tunnels] == ["FAKE_tunnel2.key_example", "FAKE_tunnel1.key_example"], rel
        assert [str(t.cgw_inside) for t in conn.tunnels] == ["169.254.22.2/30", "169.254.21.2/30"], rel


@pytest.mark.parametrize("wrapper", ["canonical/ec2/describe.xml", "canonical/ec2/describe-cli.json"])
def test_ec2_wrappers_hold_the_same_connections(wrapper: str) -> None:
    conns = {c.vpn_connection_id: c for c in load(wrapper)}
    (xml,) = load("canonical/connection.xml")
    (static,) = load("canonical/static.xml")
    assert set(conns) == {"vpn-0c0ffee0123456789", "vpn-05a7e0000000000c1"}
    # the wrappers add what only they state: the transit gateway id and the static routes
    assert conns["vpn-0c0ffee0123456789"] == xml
    assert conns["vpn-05a7e0000000000c1"] == attrs.evolve(
        static, transit_gateway_id="tgw-05a7e0000000000c1", static_routes=["10.20.0.0/16"]
    )


def test_static_generic_and_xml() -> None:
    (generic,) = load("canonical/static-generic.txt")
    (xml,) = load("canonical/static.xml")
    xml_lacks, generic_lacks = unstated_pairs(generic, xml)
    assert xml_lacks == {"ike.versions", "mtu"} and generic_lacks == set()
    assert generic.routing == xml.routing == "static"
    assert generic.vpn_gateway_id is None and generic.transit_gateway_id is None
    assert all(t.bgp is None for t in generic.tunnels)
