"""The names, marks and interfaces the strongSwan family gives each tunnel, as the emitted files
say them (``swan_reader.tunnel_naming``, which the live-lab tests read instead of recomputing
them): derived from the connection key and the AWS outside IP by the public building blocks of
``vpnxlate.emitters.strongswan``, the same in every target of the family."""

from __future__ import annotations

import ipaddress

import attrs
import pytest

import vpnxlate
from vpnxlate.emitters import strongswan

from .conftest import FIXTURES, fixture_text
from .swan_reader import SwanSyntaxError, TunnelNaming, tunnel_naming

TARGETS = ("strongswan", "swanctl", "libreswan")


def files(conns: list[vpnxlate.VpnConnection], target: str, **options: object) -> dict[str, str]:
    emitted, _ = vpnxlate.emit_report(conns, target, local_address="192.0.2.130", **options)
    return {f.name: f.content for f in emitted}


def expected(conns: list[vpnxlate.VpnConnection], prefix: str = "vti") -> dict[str, TunnelNaming]:
    out = {}
    for c in conns:
        key = strongswan.connection_key(c)
        for t in c.tunnels:
            ip = str(t.aws_outside_ip)
            mark = strongswan.tunnel_mark(key, t.aws_outside_ip)
            out[ip] = TunnelNaming(strongswan.section_name(f"{key}-{ip.replace('.', '-')}"), mark, f"{prefix}{mark}")
    return out


@pytest.mark.parametrize("target", TARGETS)
def test_the_canonical_tunnels_names_and_marks(target: str) -> None:
    naming = tunnel_naming(files(vpnxlate.parse(fixture_text("canonical/generic.txt")), target))
    assert naming == {  # pinned: changing the derivation renumbers every deployed tunnel
        "203.0.113.21": TunnelNaming("vpn-0c0ffee0123456789-203-0-113-21", 952493071, "vti952493071"),
        "203.0.113.22": TunnelNaming("vpn-0c0ffee0123456789-203-0-113-22", 761035124, "vti761035124"),
    }


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("fixture", ["strongswan/bgp.json", "strongswan/ikev2-aes256.json", "canonical/connection.xml"])
def test_every_target_names_every_tunnel_from_its_connection_key(target: str, fixture: str) -> None:
    conns = vpnxlate.parse((FIXTURES / fixture).read_text(encoding="utf-8"))
    assert tunnel_naming(files(conns, target)) == expected(conns)


def test_two_connections_and_a_connection_without_id() -> None:
    generic = vpnxlate.parse(fixture_text("canonical/generic.txt"))
    ikev2 = vpnxlate.parse(fixture_text("strongswan/ikev2-aes256.json"))
    anonymous = [attrs.evolve(ikev2[0], vpn_connection_id=None)]
    for conns in (generic + ikev2, generic + anonymous):
        for target in ("strongswan", "swanctl"):
            naming = tunnel_naming(files(conns, target))
            assert naming == expected(conns) and len(naming) == 4
    key = strongswan.connection_key(anonymous[0])
    assert key.startswith("aws-") and all(
        n.section.startswith(key) for ip, n in tunnel_naming(files(anonymous, "swanctl")).items()
    )


def test_xfrm_interfaces_carry_the_if_id() -> None:
    conns = vpnxlate.parse(fixture_text("canonical/generic.txt"))
    naming = tunnel_naming(files(conns, "swanctl", interface="xfrm"))
    assert naming == expected(conns, "xfrm")
    assert naming["203.0.113.21"].mark == strongswan.tunnel_mark(
        "vpn-0c0ffee0123456789", ipaddress.ip_address("203.0.113.21")
    )


def test_the_reader_refuses_what_it_cannot_vouch_for() -> None:
    swanctl = files(vpnxlate.parse(fixture_text("canonical/generic.txt")), "swanctl")["swanctl.conf"]
    with pytest.raises(SwanSyntaxError, match="mark does not match"):
        tunnel_naming({"swanctl.conf": swanctl.replace("mark_out = 952493071", "mark_out = 952493072")})
    conf = files(vpnxlate.parse(fixture_text("canonical/generic.txt")), "strongswan")["ipsec.conf"]
    with pytest.raises(SwanSyntaxError, match=r"two tunnels to 203\.0\.113\.21"):
        tunnel_naming({"ipsec.conf": conf.replace("right = 203.0.113.22", "right = 203.0.113.21")})
    with pytest.raises(SwanSyntaxError, match="without -ln"):
        tunnel_naming({"ipsec.conf": conf.replace("-ln vti", "-x vti")})
