"""The shared routing policy and its FRR writer, through their public face vpnxlate.routing
(implemented in vpnxlate/emitters/_policy.py and _frr.py)."""

from __future__ import annotations

import ipaddress

import pytest

import vpnxlate
from vpnxlate import Bgp, EmitError, Report, Tunnel, VpnConnection, routing
from vpnxlate.routing import build_policy

from .conftest import fixture_text

TAG = "0c0ffee0123456789"
CONN = f"vpn-{TAG}"


def parsed(rel: str) -> list[VpnConnection]:
    conns, _ = vpnxlate.parse_report(fixture_text(rel), lint=False)
    return conns


def bgp_conn(cid: str, asn: int, third: int, aws_asn: int = 64512) -> VpnConnection:
    tunnels = [
        Tunnel(
            aws_outside_ip=f"203.0.113.{third + n}",
            cgw_outside_ip="198.51.100.10",
            psk="FAKE_k.example",
            cgw_inside=f"169.254.{third + n}.2/30",
            aws_inside=f"169.254.{third + n}.1/30",
            bgp=Bgp(cgw_asn=asn, aws_asn=aws_asn, hold_time=30),
        )
        for n in (0, 1)
    ]
    return VpnConnection(tunnels=tunnels, vpn_connection_id=cid, routing="bgp")


def policy(conns: list[VpnConnection], report: Report | None = None, **options: object) -> routing.RoutingPolicy:
    return build_policy(
        conns,
        options,
        report if report is not None else Report("test"),
        router_addresses=[ipaddress.ip_address("10.0.1.5")],
    )


# ------------------------------------------------------------------ OUT / IN policy


def test_spoke_out_and_in_policy() -> None:
    pol = policy(parsed("canonical/generic.txt"), advertise=["192.0.2.64/26"])
    assert pol.router_asn == 65010 and pol.router_id == ipaddress.ip_address("10.0.1.5")
    lists = {pl.name: pl.rules for pl in pol.prefix_lists}
    net = ipaddress.ip_network
    assert lists[f"AWS-{TAG}-OUT"] == (routing.PrefixRule(10, "permit", net("192.0.2.64/26")),)
    # without --accept: everything but a default route and our own prefixes
    assert lists[f"AWS-{TAG}-IN"] == (
        routing.PrefixRule(10, "deny", net("0.0.0.0/0")),
        routing.PrefixRule(20, "deny", net("192.0.2.64/26"), le=32),
        routing.PrefixRule(30, "permit", net("0.0.0.0/0"), le=32),
    )
    assert [
        (
            n.index,
            str(n.address),
            n.remote_asn,
            n.local_as,
            n.hold_time,
            n.keepalive,
            n.export_map,
            n.import_map,
            n.max_prefix,
        )
        for n in pol.neighbors
    ] == [
        (1, "169.254.22.1", 64512, None, 30, 10, f"AWS-{TAG}-OUT", f"AWS-{TAG}-IN", 1000),
        (2, "169.254.21.1", 64512, None, 30, 10, f"AWS-{TAG}-OUT", f"AWS-{TAG}-IN", 1000),
    ]
    assert pol.origins == (routing.Origin(net("192.0.2.64/26"), None, 254),)


def test_allow_default_and_accept_and_max_prefix() -> None:
    conns = parsed("canonical/generic.txt")
    with pytest.raises(
        EmitError,
        match=r"--accept 0\.0\.0\.0/0: a default route from AWS is refused unless "
        r"--allow-default",
    ):
        policy(conns, accept=["0.0.0.0/0"])
    pol = policy(conns, accept=["0.0.0.0/0", "10.1.0.0/16"], allow_default=True, max_prefix=5)
    lists = {pl.name: pl.rules for pl in pol.prefix_lists}
    assert [(r.action, str(r.prefix), r.le) for r in lists[f"AWS-{TAG}-IN"]] == [
        ("permit", "0.0.0.0/0", None),
        ("permit", "10.1.0.0/16", None),
    ]
    assert {n.max_prefix for n in pol.neighbors} == {5}
    pol = policy(conns, allow_default=True)
    assert [
        (r.action, str(r.prefix), r.le) for r in {pl.name: pl.rules for pl in pol.prefix_lists}[f"AWS-{TAG}-IN"]
    ] == [("permit", "0.0.0.0/0", 32)]
    for bad in (0, -1, True, "7"):
        with pytest.raises(EmitError, match="--max-prefix"):
            policy(conns, max_prefix=bad)


def test_no_advertise_denies_all_out() -> None:
    report = Report("test")
    pol = policy(parsed("canonical/generic.txt"), report)
    assert {rm.name: rm.rules for rm in pol.route_maps}[f"AWS-{TAG}-OUT"] == (routing.RouteMapRule(10, "deny"),)
    assert pol.origins == () and pol.advertise == ()
    assert [d.code for d in report.diagnostics] == ["no-advertise"]


def test_prefer_tunnel_steers_both_directions() -> None:
    pol = policy(parsed("canonical/generic.txt"), advertise=["192.0.2.64/26"], prefer_tunnel="2")
    maps = {rm.name: rm.rules for rm in pol.route_maps}
    one, two = pol.neighbors
    # out: the other tunnel's announcements carry our ASN twice more
    assert (one.export_map, two.export_map) == (f"AWS-{TAG}-OUT-PREPEND", f"AWS-{TAG}-OUT")
    assert maps[f"AWS-{TAG}-OUT-PREPEND"] == (
        routing.RouteMapRule(10, "permit", f"AWS-{TAG}-OUT", prepend=(65010, 65010)),
        routing.RouteMapRule(20, "deny"),
    )
    # in: the preferred tunnel's routes win locally, so we also send through it
    assert (one.import_map, two.import_map) == (f"AWS-{TAG}-IN", f"AWS-{TAG}-IN-PREFERRED")
    assert maps[f"AWS-{TAG}-IN-PREFERRED"][0] == routing.RouteMapRule(
        10, "permit", f"AWS-{TAG}-IN", local_preference=200
    )
    with pytest.raises(EmitError, match="--prefer-tunnel with BGP needs --advertise"):
        policy(parsed("canonical/generic.txt"), prefer_tunnel="1")


def test_hub_with_mixed_asns_uses_local_as() -> None:
    conns = [bgp_conn("vpn-0000000000000000a", 65001, 40), bgp_conn("vpn-0000000000000000b", 65002, 50)]
    pol = policy(conns, role="hub", advertise=["172.16.0.0/12"], prefer_tunnel="1")
    assert pol.router_asn == 65001
    assert [(n.tag, n.local_asn, n.local_as, n.export_map) for n in pol.neighbors] == [
        ("0000000000000000a", 65001, None, "AWS-HUB-OUT"),
        ("0000000000000000a", 65001, None, "AWS-HUB-OUT-PREPEND-65001"),
        ("0000000000000000b", 65002, 65002, "AWS-HUB-OUT"),
        ("0000000000000000b", 65002, 65002, "AWS-HUB-OUT-PREPEND-65002"),
    ]
    maps = {rm.name: rm.rules for rm in pol.route_maps}
    assert maps["AWS-HUB-OUT-PREPEND-65002"][0].prepend == (65002, 65002)
    assert policy(conns, role="hub", router_asn=65002).router_asn == 65002
    with pytest.raises(EmitError, match="--router-asn"):
        policy(conns, router_asn=0)


def test_same_asn_on_both_sides_is_refused() -> None:
    with pytest.raises(EmitError, match="customer ASN and the AWS ASN are both 64512"):
        policy([bgp_conn("vpn-0000000000000000a", 64512, 40)])


# ------------------------------------------------------------------ how an advertised prefix gets into the RIB


def test_router_inside_advertised_prefix_needs_a_next_hop() -> None:
    conns = parsed("canonical/generic.txt")
    with pytest.raises(
        EmitError,
        match=r"--advertise 10\.0\.0\.0/16 contains the router's own address 10\.0\.1\.5: "
        r"a blackhole route .* give --advertise-next-hop",
    ):
        policy(conns, advertise=["10.0.0.0/16"])
    pol = policy(conns, advertise=["10.0.0.0/16"], advertise_next_hop="10.0.1.1")
    assert pol.origins == (routing.Origin(ipaddress.ip_network("10.0.0.0/16"), ipaddress.ip_address("10.0.1.1"), None),)
    report = Report("test")
    pol = build_policy(
        conns,
        {"advertise": ["10.0.0.0/16"]},
        report,
        router_addresses=[ipaddress.ip_address("10.0.1.5")],
        derived_next_hop=(ipaddress.ip_address("10.0.1.1"), "config.boot"),
    )
    assert pol.origins[0].next_hop == ipaddress.ip_address("10.0.1.1")
    assert [d.code for d in report.diagnostics] == ["advertise-next-hop"]
    assert "routing it via 10.0.1.1 (config.boot)" in report.diagnostics[0].message


# ------------------------------------------------------------------ static connections


def test_static_routes_are_the_accept_prefixes_preferred_first() -> None:
    conns = parsed("canonical/static-generic.txt")
    report = Report("test")
    pol = policy(conns, report)
    assert pol.static_routes == () and [d.code for d in report.diagnostics] == ["no-static-route"]
    pol = policy(conns, accept=["192.0.2.0/26"])
    assert [(r.index, str(r.prefix), r.preferred) for r in pol.static_routes] == [
        (1, "192.0.2.0/26", True),
        (2, "192.0.2.0/26", False),
    ]
    pol = policy(conns, accept=["192.0.2.0/26"], prefer_tunnel="2")
    assert [(r.index, r.preferred) for r in pol.static_routes] == [(1, False), (2, True)]
    assert pol.neighbors == () and pol.router_asn is None
    # the connection's own Routes are the customer's networks: accepting one is flagged
    conns = parsed("strongswan/static.json")
    own = conns[0].static_routes
    assert own == (ipaddress.ip_network("10.20.0.0/16"),)
    report = Report("test")
    policy(conns, report, accept=["10.20.0.0/16"])
    assert [d.code for d in report.diagnostics] == ["accept-own-network"]


# ------------------------------------------------------------------ FRR writer


def test_frr_conf_exact_for_a_spoke() -> None:
    conns = parsed("canonical/generic.txt")
    pol = policy(conns, advertise=["192.0.2.64/26"], prefer_tunnel="1")
    links = [routing.TunnelLink(TAG, "203.0.113.21", "vti1"), routing.TunnelLink(TAG, "203.0.113.22", "vti2")]
    text = routing.render_frr_conf(pol, links)
    body = text[text.index("frr defaults") :]
    assert body.splitlines() == [
        "frr defaults traditional",
        "log syslog informational",
        "!",
        f"! {CONN} tunnel 1 over vti1: 169.254.22.2/30 <-> 169.254.22.1, AS 65010 <-> AS 64512",
        f"! {CONN} tunnel 2 over vti2: 169.254.21.2/30 <-> 169.254.21.1, AS 65010 <-> AS 64512",
        "!",
        f"ip prefix-list AWS-{TAG}-OUT seq 10 permit 192.0.2.64/26",
        "!",
        f"ip prefix-list AWS-{TAG}-IN seq 10 deny 0.0.0.0/0",
        f"ip prefix-list AWS-{TAG}-IN seq 20 deny 192.0.2.64/26 le 32",
        f"ip prefix-list AWS-{TAG}-IN seq 30 permit 0.0.0.0/0 le 32",
        "!",
        f"route-map AWS-{TAG}-OUT permit 10",
        f" match ip address prefix-list AWS-{TAG}-OUT",
        "exit",
        f"route-map AWS-{TAG}-OUT deny 20",
        "exit",
        "!",
        f"route-map AWS-{TAG}-IN permit 10",
        f" match ip address prefix-list AWS-{TAG}-IN",
        "exit",
        f"route-map AWS-{TAG}-IN deny 20",
        "exit",
        "!",
        f"route-map AWS-{TAG}-IN-PREFERRED permit 10",
        f" match ip address prefix-list AWS-{TAG}-IN",
        " set local-preference 200",
        "exit",
        f"route-map AWS-{TAG}-IN-PREFERRED deny 20",
        "exit",
        "!",
        f"route-map AWS-{TAG}-OUT-PREPEND permit 10",
        f" match ip address prefix-list AWS-{TAG}-OUT",
        " set as-path prepend 65010 65010",
        "exit",
        f"route-map AWS-{TAG}-OUT-PREPEND deny 20",
        "exit",
        "!",
        "ip route 192.0.2.64/26 blackhole 254",
        "!",
        "router bgp 65010",
        " bgp router-id 10.0.1.5",
        " bgp log-neighbor-changes",
        " neighbor 169.254.22.1 remote-as 64512",
        f" neighbor 169.254.22.1 description {CONN} tunnel 1",
        " neighbor 169.254.22.1 timers 10 30",
        " neighbor 169.254.22.1 timers connect 10",
        " neighbor 169.254.21.1 remote-as 64512",
        f" neighbor 169.254.21.1 description {CONN} tunnel 2",
        " neighbor 169.254.21.1 timers 10 30",
        " neighbor 169.254.21.1 timers connect 10",
        " !",
        " address-family ipv4 unicast",
        "  network 192.0.2.64/26",
        "  neighbor 169.254.22.1 soft-reconfiguration inbound",
        "  neighbor 169.254.22.1 maximum-prefix 1000",
        f"  neighbor 169.254.22.1 route-map AWS-{TAG}-IN-PREFERRED in",
        f"  neighbor 169.254.22.1 route-map AWS-{TAG}-OUT out",
        "  neighbor 169.254.21.1 soft-reconfiguration inbound",
        "  neighbor 169.254.21.1 maximum-prefix 1000",
        f"  neighbor 169.254.21.1 route-map AWS-{TAG}-IN in",
        f"  neighbor 169.254.21.1 route-map AWS-{TAG}-OUT-PREPEND out",
        " exit-address-family",
        "exit",
        "!",
    ]


def test_frr_local_as_and_next_hop_origin() -> None:
    conns = [bgp_conn("vpn-0000000000000000a", 65001, 40), bgp_conn("vpn-0000000000000000b", 65002, 50)]
    pol = policy(conns, role="hub", advertise=["10.0.0.0/16"], advertise_next_hop="10.0.1.1")
    text = routing.render_frr_conf(pol)
    assert " neighbor 169.254.50.1 local-as 65002 no-prepend replace-as" in text.splitlines()
    assert " neighbor 169.254.40.1 local-as" not in text
    assert "ip route 10.0.0.0/16 10.0.1.1" in text.splitlines()
    assert "blackhole" not in text


def test_frr_files_only_with_bgp() -> None:
    report = Report("test")
    assert routing.frr_files(policy(parsed("canonical/static-generic.txt"), accept=["192.0.2.0/26"]), [], report) == []
    files = routing.frr_files(policy(parsed("canonical/generic.txt"), advertise=["192.0.2.64/26"]), [], report)
    assert [(f.name, f.file_mode) for f in files] == [("frr.conf", 0o644), ("daemons", 0o644)]
    daemons = dict(
        line.split("=", 1) for line in files[1].content.splitlines() if "=" in line and not line.startswith("#")
    )
    assert daemons["bgpd"] == "yes" and daemons["frr_profile"] == '"traditional"'
    assert report.diagnostics == []


@pytest.mark.parametrize("bad", ["a b", "x\nrouter bgp 1", "!comment", ""])
def test_frr_word_refuses_what_could_add_a_line(bad: str) -> None:
    with pytest.raises(EmitError, match="refusing to write"):
        routing.frr_word(bad)


def test_options_are_shared_by_every_routing_target() -> None:
    from vpnxlate import registry

    for target in ("strongswan", "swanctl", "vyos"):
        opts = registry.output_module(target).OPTIONS
        assert all(any(o is r for o in opts) for r in routing.ROUTING_OPTIONS), target
