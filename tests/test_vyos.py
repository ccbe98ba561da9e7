"""--to vyos (VyOS 1.1-1.5 set-commands) and the vyos input format (parse-back)."""

from __future__ import annotations

import difflib
import ipaddress
import re
from pathlib import Path

import attrs
import pytest

import vpnxlate
from vpnxlate import Bgp, EmitError, IkeOptions, IpsecOptions, Report, Tunnel, VpnConnection
from vpnxlate.emitters import vyos as vy
from vpnxlate.parsers import vyos as vyos_parser
from vpnxlate.vyos_configboot import interface_address

from .conftest import FIXTURES, SHARED, assert_one_line_error, fixture_text, run_cli, shared_file, vyos_check

VERSIONS = ("1.1", "1.2", "1.3", "1.4", "1.5")
CONN = "vpn-0c0ffee0123456789"
TAG = "0c0ffee0123456789"


def parsed(rel: str) -> list[VpnConnection]:
    conns, _ = vpnxlate.parse_report(fixture_text(rel), lint=False)
    return conns


def emit(conns: list[VpnConnection], **options: object) -> tuple[str, Report]:
    files, report = vpnxlate.emit_report(conns, "vyos", **options)
    assert len(files) == 1
    return files[0].content, report


def commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("set ")]


def spoke(asn: int = 65010) -> VpnConnection:
    """A second made-up BGP connection (another VPC), same customer ASN."""
    ike = IkeOptions(
        versions=("ikev2",), encryption=("AES256",), integrity=("SHA2-256",), dh_groups=(14,), lifetime_s=28800
    )
    ipsec = IpsecOptions(
        protocol="esp",
        encryption=("AES256",),
        integrity=("SHA2-256",),
        pfs_dh_groups=(14,),
        lifetime_s=3600,
        mode="tunnel",
    )
    tunnels = [
        Tunnel(
            aws_outside_ip=f"203.0.113.{n}",
            cgw_outside_ip="198.51.100.10",
            psk=f"FAKE_spoke{n}.key",
            cgw_inside=f"169.254.{n}.6/30",
            aws_inside=f"169.254.{n}.5/30",
            ike=ike,
            ipsec=ipsec,
            dpd_interval_s=10,
            dpd_retries=3,
            mtu=1436,
            bgp=Bgp(cgw_asn=asn, aws_asn=64513, neighbor_ip=f"169.254.{n}.5", hold_time=30),
        )
        for n in (71, 72)
    ]
    return VpnConnection(
        tunnels=tunnels,
        vpn_connection_id="vpn-0babe00000000beef",
        vpn_gateway_id="vgw-0babe00000000beef",
        customer_gateway_id="cgw-0babe00000000beef",
        routing="bgp",
    )


# ------------------------------------------------------------------ every fixture x version x role passes the checker

MATRIX = [
    (
        "canonical/generic.txt",
        "spoke",
        {"advertise": ("10.10.0.0/16",), "accept": ("10.1.0.0/16",), "prefer_tunnel": "1"},
    ),
    ("canonical/generic.txt", "hub", {"advertise": ("172.16.0.0/12",), "accept": (f"{CONN}=10.1.0.0/16",)}),
    ("canonical/vyatta.txt", "spoke", {"advertise": ("10.10.0.0/16",), "advertise_next_hop": "10.0.1.1"}),
    ("canonical/vyatta.txt", "spoke", {}),
    ("canonical/connection.xml", "hub", {"advertise": ("172.16.0.0/12",), "prefer_tunnel": "2"}),
    ("canonical/ec2/describe-cli.json", "spoke", {"accept": ("10.1.0.0/16",)}),
    ("canonical/static-generic.txt", "spoke", {"accept": ("10.20.0.0/16", "10.21.0.0/16"), "prefer_tunnel": "1"}),
    ("canonical/static.xml", "hub", {"accept": ("10.20.0.0/16",)}),
]


@pytest.mark.parametrize("version", VERSIONS)
def test_checker_accepts_every_fixture_role_and_version(version: str, tmp_path: Path) -> None:
    blocks = []
    for rel, role, opts in MATRIX:
        text, _ = emit(parsed(rel), vyos_version=version, role=role, local_address="10.0.1.5", **opts)
        assert len(commands(text)) == len(set(commands(text))), rel  # never a repeated line
        blocks.append(f"# ---- {rel} {role} {opts}\n{text}")
    two, _ = emit(
        [*parsed("canonical/generic.txt"), spoke()],
        vyos_version=version,
        role="hub",
        advertise=("172.16.0.0/12",),
        accept=(f"{CONN}=10.1.0.0/16", "vpn-0babe00000000beef=10.2.0.0/16"),
    )
    blocks.append(two)
    path = tmp_path / f"all-{version}.txt"
    path.write_text("\n".join(blocks))
    assert sum(len(commands(b)) for b in blocks) > 400
    proc = vyos_check(path, version)
    assert proc.returncode == 0 and "ERROR" not in proc.stdout, proc.stdout + proc.stderr
    # the checker does reject: the AWS download's 1.1 syntax fails on 1.2+
    guide = SHARED / "vyos-samples" / "aws-vyatta-download-2tunnels.txt"
    assert vyos_check(guide, version).returncode == (0 if version == "1.1" else 1)


def test_acceptance_command(tmp_path: Path) -> None:
    proc = run_cli(
        "convert",
        "fixtures/canonical/vyatta.txt",
        "--to",
        "vyos",
        "--vyos-version",
        "1.4",
        "--local-address",
        "10.0.1.5",
        "--advertise",
        "10.0.0.0/16",
        "--advertise-next-hop",
        "10.0.1.1",
    )
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "vyos.txt"
    out.write_text(proc.stdout)
    assert len(commands(proc.stdout)) == 85
    check = vyos_check(out, "1.4")
    assert check.returncode == 0 and "ERROR" not in check.stdout, check.stdout


# ------------------------------------------------------------------ exact lines


def test_local_address_fixup_keeps_public_ip_as_identity() -> None:
    text, report = emit(parsed("canonical/generic.txt"), vyos_version="1.4", local_address="10.0.1.5")
    peer = f"set vpn ipsec site-to-site peer AWS-{TAG}-T1"
    psk = f"set vpn ipsec authentication psk AWS-{TAG}-T1"
    for line in (
        f"{peer} local-address '10.0.1.5'",
        f"{peer} authentication local-id '198.51.100.10'",
        f"{peer} authentication remote-id '203.0.113.21'",
        f"{peer} remote-address '203.0.113.21'",
        f"{psk} id '198.51.100.10'",
        f"{psk} id '203.0.113.21'",
        f"{psk} secret 'FAKE_tunnel2.key_example'",
    ):
        assert line in commands(text)
    assert "# local address 10.0.1.5 from --local-address (NAT fix-up); IKE identity 198.51.100.10" in text
    assert not [d for d in report.diagnostics if d.code == "vyos-no-local-address"]

    old, _ = emit(parsed("canonical/generic.txt"), vyos_version="1.3", local_address="10.0.1.5")
    assert "set vpn ipsec site-to-site peer 203.0.113.21 local-address '10.0.1.5'" in commands(old)
    assert "set vpn ipsec site-to-site peer 203.0.113.21 authentication id '198.51.100.10'" in commands(old)


def test_without_fixup_warns_and_uses_public_ip() -> None:
    text, report = emit(parsed("canonical/generic.txt"), vyos_version="1.2")
    assert "set vpn ipsec site-to-site peer 203.0.113.22 local-address '198.51.100.10'" in commands(text)
    msgs = [d.message for d in report.diagnostics if d.code == "vyos-no-local-address"]
    assert msgs == [
        "no local_address or router_config: local-address is the public customer gateway IP as "
        "AWS prints it (198.51.100.10); behind NAT (EC2, most clouds) give the router's private address"
    ]
    with pytest.raises(vpnxlate.VpnxlateError, match="no local_address"):
        vpnxlate.emit_report(parsed("canonical/generic.txt"), "vyos", strict=True)


def test_spoke_policies_exact() -> None:
    text, _ = emit(
        parsed("canonical/generic.txt"),
        vyos_version="1.4",
        local_address="10.0.1.5",
        advertise=("10.10.0.0/16",),
        accept=("10.1.0.0/16", "10.3.0.0/16"),
    )
    pol = [c for c in commands(text) if c.startswith(("set policy", "set protocols"))]
    out, inn = f"AWS-{TAG}-OUT", f"AWS-{TAG}-IN"
    assert pol == [
        f"set policy prefix-list {out} rule 10 action 'permit'",
        f"set policy prefix-list {out} rule 10 prefix '10.10.0.0/16'",
        f"set policy route-map {out} rule 10 action 'permit'",
        f"set policy route-map {out} rule 10 match ip address prefix-list '{out}'",
        f"set policy route-map {out} rule 20 action 'deny'",
        f"set policy prefix-list {inn} rule 10 action 'permit'",
        f"set policy prefix-list {inn} rule 10 prefix '10.1.0.0/16'",
        f"set policy prefix-list {inn} rule 20 action 'permit'",
        f"set policy prefix-list {inn} rule 20 prefix '10.3.0.0/16'",
        f"set policy route-map {inn} rule 10 action 'permit'",
        f"set policy route-map {inn} rule 10 match ip address prefix-list '{inn}'",
        f"set policy route-map {inn} rule 20 action 'deny'",
        "set protocols bgp system-as '65010'",
        "set protocols bgp parameters router-id '10.0.1.5'",
        f"set protocols bgp neighbor 169.254.22.1 description '{CONN} tunnel 1'",
        "set protocols bgp neighbor 169.254.22.1 remote-as '64512'",
        "set protocols bgp neighbor 169.254.22.1 address-family ipv4-unicast maximum-prefix '1000'",
        f"set protocols bgp neighbor 169.254.22.1 address-family ipv4-unicast route-map export '{out}'",
        f"set protocols bgp neighbor 169.254.22.1 address-family ipv4-unicast route-map import '{inn}'",
        "set protocols bgp neighbor 169.254.22.1 address-family ipv4-unicast soft-reconfiguration inbound",
        "set protocols bgp neighbor 169.254.22.1 timers holdtime '30'",
        "set protocols bgp neighbor 169.254.22.1 timers keepalive '10'",
        "set protocols bgp neighbor 169.254.22.1 timers connect '10'",
        f"set protocols bgp neighbor 169.254.21.1 description '{CONN} tunnel 2'",
        "set protocols bgp neighbor 169.254.21.1 remote-as '64512'",
        "set protocols bgp neighbor 169.254.21.1 address-family ipv4-unicast maximum-prefix '1000'",
        f"set protocols bgp neighbor 169.254.21.1 address-family ipv4-unicast route-map export '{out}'",
        f"set protocols bgp neighbor 169.254.21.1 address-family ipv4-unicast route-map import '{inn}'",
        "set protocols bgp neighbor 169.254.21.1 address-family ipv4-unicast soft-reconfiguration inbound",
        "set protocols bgp neighbor 169.254.21.1 timers holdtime '30'",
        "set protocols bgp neighbor 169.254.21.1 timers keepalive '10'",
        "set protocols bgp neighbor 169.254.21.1 timers connect '10'",
        "set protocols bgp address-family ipv4-unicast network 10.10.0.0/16",
        "set protocols static route 10.10.0.0/16 blackhole distance '254'",
    ]
    assert "0.0.0.0/0" not in text


def test_no_advertise_denies_everything_and_accepts_all_but_a_default_route() -> None:
    text, report = emit(parsed("canonical/generic.txt"), vyos_version="1.1", local_address="10.0.1.5")
    pol = [c for c in commands(text) if c.startswith("set policy")]
    inn = f"AWS-{TAG}-IN"
    assert pol == [
        f"set policy route-map AWS-{TAG}-OUT rule 10 action 'deny'",
        f"set policy prefix-list {inn} rule 10 action 'deny'",
        f"set policy prefix-list {inn} rule 10 prefix '0.0.0.0/0'",
        f"set policy prefix-list {inn} rule 20 action 'permit'",
        f"set policy prefix-list {inn} rule 20 prefix '0.0.0.0/0'",
        f"set policy prefix-list {inn} rule 20 le '32'",
        f"set policy route-map {inn} rule 10 action 'permit'",
        f"set policy route-map {inn} rule 10 match ip address prefix-list '{inn}'",
        f"set policy route-map {inn} rule 20 action 'deny'",
    ]
    assert "network" not in text
    assert any(d.code == "no-advertise" for d in report.diagnostics)


@pytest.mark.parametrize(("version", "prepend"), [("1.3", "set as-path-prepend"), ("1.4", "set as-path prepend")])
def test_prefer_tunnel_prepends_on_the_other_tunnel(version: str, prepend: str) -> None:
    text, _ = emit(
        parsed("canonical/generic.txt"),
        vyos_version=version,
        local_address="10.0.1.5",
        advertise=("10.10.0.0/16",),
        advertise_next_hop="10.0.1.1",
        prefer_tunnel="1",
    )
    pre = f"AWS-{TAG}-OUT-PREPEND"
    cmds = commands(text)
    assert [c for c in cmds if pre + " " in c and "route-map" in c and "policy" in c] == [
        f"set policy route-map {pre} rule 10 action 'permit'",
        f"set policy route-map {pre} rule 10 match ip address prefix-list 'AWS-{TAG}-OUT'",
        f"set policy route-map {pre} rule 10 {prepend} '65010 65010'",
        f"set policy route-map {pre} rule 20 action 'deny'",
    ]
    bgp = "set protocols bgp 65010 neighbor" if version == "1.3" else "set protocols bgp neighbor"
    assert f"{bgp} 169.254.22.1 address-family ipv4-unicast route-map export 'AWS-{TAG}-OUT'" in cmds
    assert f"{bgp} 169.254.21.1 address-family ipv4-unicast route-map export '{pre}'" in cmds
    assert "set protocols static route 10.10.0.0/16 next-hop 10.0.1.1" in cmds


def test_hub_naming_two_spokes() -> None:
    conns = [*parsed("canonical/generic.txt"), spoke()]
    text, _ = emit(
        conns,
        vyos_version="1.4",
        role="hub",
        local_address="10.0.1.5",
        advertise=("172.16.0.0/12",),
        accept=(f"{CONN}=10.1.0.0/16", "0babe00000000beef=10.2.0.0/16"),
    )
    cmds = commands(text)
    assert [c for c in cmds if c.startswith("set policy prefix-list")] == [
        "set policy prefix-list AWS-HUB-OUT rule 10 action 'permit'",
        "set policy prefix-list AWS-HUB-OUT rule 10 prefix '172.16.0.0/12'",
        "set policy prefix-list AWS-0babe00000000beef-IN rule 10 action 'permit'",
        "set policy prefix-list AWS-0babe00000000beef-IN rule 10 prefix '10.2.0.0/16'",
        f"set policy prefix-list AWS-{TAG}-IN rule 10 action 'permit'",
        f"set policy prefix-list AWS-{TAG}-IN rule 10 prefix '10.1.0.0/16'",
    ]
    imports = [c for c in cmds if "route-map import" in c or "route-map export" in c]
    assert imports == [
        "set protocols bgp neighbor 169.254.71.5 address-family ipv4-unicast route-map export 'AWS-HUB-OUT'",
        "set protocols bgp neighbor 169.254.71.5 address-family ipv4-unicast route-map import "
        "'AWS-0babe00000000beef-IN'",
        "set protocols bgp neighbor 169.254.72.5 address-family ipv4-unicast route-map export 'AWS-HUB-OUT'",
        "set protocols bgp neighbor 169.254.72.5 address-family ipv4-unicast route-map import "
        "'AWS-0babe00000000beef-IN'",
        "set protocols bgp neighbor 169.254.22.1 address-family ipv4-unicast route-map export 'AWS-HUB-OUT'",
        f"set protocols bgp neighbor 169.254.22.1 address-family ipv4-unicast route-map import 'AWS-{TAG}-IN'",
        "set protocols bgp neighbor 169.254.21.1 address-family ipv4-unicast route-map export 'AWS-HUB-OUT'",
        f"set protocols bgp neighbor 169.254.21.1 address-family ipv4-unicast route-map import 'AWS-{TAG}-IN'",
    ]
    # two proposal sets -> two ike-groups and two esp-groups, the interface once, no repeated line
    assert len({c.split()[4] for c in cmds if c.startswith("set vpn ipsec ike-group")}) == 2
    assert len({c.split()[4] for c in cmds if c.startswith("set vpn ipsec esp-group")}) == 2
    assert cmds.count("set vpn ipsec interface 'eth0'") == 1
    assert len(cmds) == len(set(cmds))


def test_one_group_for_identical_proposals() -> None:
    text, _ = emit(parsed("canonical/generic.txt"), vyos_version="1.4", local_address="10.0.1.5")
    ike = [c for c in commands(text) if c.startswith("set vpn ipsec ike-group")]
    assert len({c.split()[4] for c in ike}) == 1 and len(ike) == 8
    assert sum(" ike-group '" in c for c in commands(text)) == 2


def test_1_1_versus_1_4_diff_is_pinned() -> None:
    conns = parsed("canonical/generic.txt")
    old, _ = emit(conns, vyos_version="1.1", local_address="10.0.1.5", advertise=("10.10.0.0/16",))
    new, _ = emit(conns, vyos_version="1.4", local_address="10.0.1.5", advertise=("10.10.0.0/16",))
    diff = [
        d
        for d in difflib.unified_diff(commands(old), commands(new), lineterm="", n=0)
        if d[:1] in "+-" and not d.startswith(("+++", "---"))
    ]
    ike = "AWS-IKE-614a78c2"  # named by the proposal, not by the version
    p1, p2, n1, n2 = "203.0.113.21", "203.0.113.22", "169.254.22.1", "169.254.21.1"
    removed = sorted(d[1:] for d in diff if d[0] == "-")
    added = sorted(d[1:] for d in diff if d[0] == "+")
    peer_old = "set vpn ipsec site-to-site peer"
    name1, name2 = f"AWS-{TAG}-T1", f"AWS-{TAG}-T2"
    expect_removed = [
        "set vpn ipsec esp-group AWS-ESP-d7c65a4f compression 'disable'",
        "set vpn ipsec ipsec-interfaces interface 'eth0'",
        "set vpn ipsec ike-group AWS-IKE-614a78c2 dead-peer-detection interval '15'",
    ]
    expect_added = [
        "set vpn ipsec interface 'eth0'",
        "set vpn ipsec options disable-route-autoinstall",
        "set vpn ipsec ike-group AWS-IKE-614a78c2 dead-peer-detection interval '10'",
        "set protocols bgp system-as '65010'",
    ]
    for p, name, key in ((p1, name1, "FAKE_tunnel2.key_example"), (p2, name2, "FAKE_tunnel1.key_example")):
        for rest in (
            "connection-type 'initiate'",
            f"ike-group '{ike}'",
            "local-address '10.0.1.5'",
            "vti esp-group 'AWS-ESP-d7c65a4f'",
            "authentication mode 'pre-shared-secret'",
            f"authentication remote-id '{p}'",
        ):
            expect_removed.append(f"{peer_old} {p} {rest}")
            expect_added.append(f"{peer_old} {name} {rest}")
        expect_removed += [
            f"{peer_old} {p} authentication id '198.51.100.10'",
            f"{peer_old} {p} authentication pre-shared-secret '{key}'",
        ]
        expect_added += [
            f"{peer_old} {name} authentication local-id '198.51.100.10'",
            f"{peer_old} {name} remote-address '{p}'",
            f"set vpn ipsec authentication psk {name} id '198.51.100.10'",
            f"set vpn ipsec authentication psk {name} id '{p}'",
            f"set vpn ipsec authentication psk {name} secret '{key}'",
        ]
    vti = {p1: "vti1408", p2: "vti1344"}
    for p, name, n, i in ((p1, name1, n1, 1), (p2, name2, n2, 2)):
        expect_removed += [f"{peer_old} {p} description '{CONN} tunnel {i}'", f"{peer_old} {p} vti bind '{vti[p]}'"]
        expect_added += [
            f"{peer_old} {name} description '{CONN} tunnel {i}'",
            f"{peer_old} {name} vti bind '{vti[p]}'",
            f"set interfaces vti {vti[p]} ip adjust-mss '1379'",
        ]  # ≤1.3: a warning instead
        for rest in (
            f"description '{CONN} tunnel {i}'",
            "remote-as '64512'",
            "timers holdtime '30'",
            "timers keepalive '10'",
            "timers connect '10'",
        ):
            expect_removed.append(f"set protocols bgp 65010 neighbor {n} {rest}")
            expect_added.append(f"set protocols bgp neighbor {n} {rest}")
        for rest in (
            f"route-map export 'AWS-{TAG}-OUT'",
            f"route-map import 'AWS-{TAG}-IN'",
            "soft-reconfiguration inbound",
            "maximum-prefix '1000'",
        ):
            expect_removed.append(f"set protocols bgp 65010 neighbor {n} {rest}")
            expect_added.append(f"set protocols bgp neighbor {n} address-family ipv4-unicast {rest}")
    expect_removed.append("set protocols bgp 65010 network 10.10.0.0/16")
    expect_removed += [
        "set protocols bgp 65010 parameters router-id '10.0.1.5'",
        "set vpn ipsec nat-traversal 'enable'",
    ]  # 1.1 behind NAT
    expect_added.append("set protocols bgp parameters router-id '10.0.1.5'")
    expect_added.append("set protocols bgp address-family ipv4-unicast network 10.10.0.0/16")
    assert all(ike in c for c in commands(old) + commands(new) if c.startswith("set vpn ipsec ike-group"))
    assert removed == sorted(expect_removed)
    assert added == sorted(expect_added)


def test_static_connection_routes() -> None:
    conns = parsed("canonical/static-generic.txt")
    old, _ = emit(conns, vyos_version="1.3", local_address="10.0.1.5", accept=("10.20.0.0/16",), prefer_tunnel="2")
    new, _ = emit(conns, vyos_version="1.4", local_address="10.0.1.5", accept=("10.20.0.0/16",))
    assert [c for c in commands(old) if "protocols" in c] == [
        "set protocols static interface-route 10.20.0.0/16 next-hop-interface vti3904 distance '10'",
        "set protocols static interface-route 10.20.0.0/16 next-hop-interface vti3968",
    ]
    # without --prefer-tunnel tunnel 1 is preferred; the other one is the backup (distance 10)
    assert [c for c in commands(new) if "protocols" in c] == [
        "set protocols static route 10.20.0.0/16 interface vti3904",
        "set protocols static route 10.20.0.0/16 interface vti3968 distance '10'",
    ]
    assert "bgp" not in new and "policy" not in new


def test_gcm_needs_1_2() -> None:
    t = parsed("canonical/generic.txt")[0]
    gcm = attrs.evolve(
        t, tunnels=[attrs.evolve(x, ipsec=attrs.evolve(x.ipsec, encryption=("AES256-GCM-16",))) for x in t.tunnels]
    )
    with pytest.raises(EmitError, match=r"AES-GCM .* needs VyOS 1\.2"):
        emit([gcm], vyos_version="1.1", local_address="10.0.1.5")
    text, _ = emit([gcm], vyos_version="1.2", local_address="10.0.1.5")
    assert any(c.endswith("proposal 1 encryption 'aes256gcm128'") for c in commands(text))
    mixed = attrs.evolve(
        t,
        tunnels=[
            attrs.evolve(x, ipsec=attrs.evolve(x.ipsec, encryption=("AES256-GCM-16", "AES128"))) for x in t.tunnels
        ],
    )
    text, report = emit([mixed], vyos_version="1.1", local_address="10.0.1.5")
    assert "gcm" not in text
    assert any("VyOS 1.1 has no AES-GCM" in d.message for d in report.diagnostics)


def test_dpd_clamped_on_1_1() -> None:
    text, report = emit(parsed("canonical/generic.txt"), vyos_version="1.1", local_address="10.0.1.5")
    assert any(c.endswith("dead-peer-detection interval '15'") for c in commands(text))
    assert any(c.endswith("dead-peer-detection timeout '30'") for c in commands(text))
    clamps = [d.message for d in report.diagnostics if d.code == "vyos-clamp"]
    assert clamps == ["VyOS 1.1 accepts a DPD interval of 15..86400; writing 15 instead of 10"]


# ------------------------------------------------------------------ config.boot


def test_router_config_reads_interface_address() -> None:
    boot = str(FIXTURES / "vyos" / "config.boot")
    text, report = emit(parsed("canonical/generic.txt"), vyos_version="1.4", router_config=boot)
    assert f"set vpn ipsec site-to-site peer AWS-{TAG}-T1 local-address '10.0.1.5'" in commands(text)
    assert f"# local address 10.0.1.5 from {boot} (eth0 10.0.1.5/24) (NAT fix-up); IKE identity 198.51.100.10" in text
    text, report = emit(
        parsed("canonical/generic.txt"), vyos_version="1.3", router_config=boot, local_interface="eth1.100"
    )
    assert "set vpn ipsec ipsec-interfaces interface 'eth1.100'" in commands(text)
    assert "set vpn ipsec site-to-site peer 203.0.113.21 local-address '192.168.100.1'" in commands(text)
    assert [str(d) for d in report.diagnostics if d.field == "router_config"] == [
        f"{boot}:12: interface eth1.100 also has address 192.168.101.1/24; using 192.168.100.1/24"
    ]


def test_router_config_errors_name_file_and_line(tmp_path: Path) -> None:
    text = (FIXTURES / "vyos" / "config.boot").read_text()
    with pytest.raises(vpnxlate.ParseError) as e:
        interface_address(text, "eth1", "cb")
    assert str(e.value) == (
        "cb:7: interface eth1 has no static IPv4 address (it uses 'address dhcp'); give the "
        "router's private address with --local-address"
    )
    with pytest.raises(vpnxlate.ParseError, match=r"^cb: interface eth9 not found .*eth0, eth1, lo\)"):
        interface_address(text, "eth9", "cb")
    broken = tmp_path / "config.boot"
    broken.write_text("interfaces {\n    ethernet eth0 {\n        address 10.0.1.5/24\n}\n")
    proc = run_cli("convert", "fixtures/canonical/generic.txt", "--to", "vyos", "--router-config", str(broken))
    assert_one_line_error(proc, f"{broken}:1: 'interfaces {{' is never closed")
    proc = run_cli(
        "convert", "fixtures/canonical/generic.txt", "--to", "vyos", "--router-config", str(tmp_path / "missing")
    )
    assert_one_line_error(proc, "missing: no such file")


# ------------------------------------------------------------------ cloud-init, quoting, injection


def test_cloud_init() -> None:
    files, _ = vpnxlate.emit_report(
        parsed("canonical/generic.txt"), "vyos", vyos_version="1.4", local_address="10.0.1.5", cloud_init=True
    )
    (f,) = files
    assert f.name == "vyos-cloud-init.yaml" and f.secret
    lines = f.content.splitlines()
    assert lines[0] == "#cloud-config"
    assert "vyos_config_commands:" in lines
    assert "  - 'set vpn ipsec interface ''eth0'''" in lines
    assert "  - 'set vpn ipsec options disable-route-autoinstall'" in lines
    plain, _ = emit(parsed("canonical/generic.txt"), vyos_version="1.4", local_address="10.0.1.5")
    body = [ln for ln in lines if ln.startswith("  - ")]
    assert [b[5:-1].replace("''", "'") for b in body] == commands(plain)
    back, _ = vpnxlate.parse_report(f.content, lint=False)
    assert back[0].tunnels[0].psk == "FAKE_tunnel2.key_example"


def test_quote_and_word_refuse_breaking_values() -> None:
    assert vy.quote("FAKE_key.1") == "'FAKE_key.1'"
    for bad in ("a'b", "a\nb", "a\rb", "\x00", "", "a\x7fb"):
        with pytest.raises(EmitError, match="refusing"):
            vy.quote(bad)
    for bad in ("eth0'", "a b", "x;y", "-x"):
        with pytest.raises(EmitError, match="refusing"):
            vy.word(bad)


def test_injection_refused() -> None:
    conns = parsed("canonical/generic.txt")
    t = conns[0].tunnels[0]
    object.__setattr__(t, "psk", "FAKE'\nset system login user evil")  # bypass the model's own check
    try:
        with pytest.raises(EmitError) as e:
            emit(conns, local_address="10.0.1.5")
        assert "evil" not in str(e.value) and "FAKE" not in str(e.value)
    finally:
        object.__setattr__(t, "psk", "FAKE_tunnel2.key_example")
    proc = run_cli("convert", "fixtures/canonical/generic.txt", "--to", "vyos", "--local-interface", "eth0'x")
    assert_one_line_error(proc, "--local-interface: not an interface name")
    proc = run_cli("convert", "fixtures/canonical/generic.txt", "--to", "vyos", "--advertise", "10.0.0.1/16")
    assert_one_line_error(proc, "--advertise: not a network prefix")
    proc = run_cli("convert", "fixtures/canonical/generic.txt", "--to", "vyos", "--accept", "vpn-nope=10.10.0.0/16")
    assert_one_line_error(proc, "--accept: no connection vpn-nope")


def test_different_customer_asns_use_local_as() -> None:
    text, _ = emit([*parsed("canonical/generic.txt"), spoke(65099)], local_address="10.0.1.5")
    cmds = commands(text)
    assert "set protocols bgp system-as '65010'" in cmds
    assert [c for c in cmds if "local-as" in c] == [
        "set protocols bgp neighbor 169.254.71.5 local-as 65099 no-prepend replace-as",
        "set protocols bgp neighbor 169.254.72.5 local-as 65099 no-prepend replace-as",
    ]


# ------------------------------------------------------------------ determinism and stability


def test_deterministic_and_input_order_independent() -> None:
    a, b = parsed("canonical/generic.txt")[0], spoke()
    one, _ = emit([a, b], local_address="10.0.1.5", advertise=("172.16.0.0/12",))
    two, _ = emit([b, a], local_address="10.0.1.5", advertise=("172.16.0.0/12",))
    assert one == two


@pytest.mark.parametrize("version", ["1.1", "1.4"])
def test_adding_a_connection_changes_nothing_of_the_others(version: str) -> None:
    a = parsed("canonical/generic.txt")[0]
    # a new connection whose id sorts FIRST must not renumber or rename the existing ones
    alone, _ = emit([a], vyos_version=version, local_address="10.0.1.5", advertise=("172.16.0.0/12",))
    both, _ = emit([a, spoke()], vyos_version=version, local_address="10.0.1.5", advertise=("172.16.0.0/12",))
    assert TAG > "0babe"
    assert set(commands(alone)) <= set(commands(both))


def test_vti_numbers_follow_inside_address_and_hash_fallback() -> None:
    a = parsed("canonical/generic.txt")[0]
    assert [vy.vti_number(t, TAG, 0) for t in a.tunnels] == [(1408, True), (1344, True)]
    assert vy.vti_number(a.tunnels[0], TAG, 100) == (1508, True)
    odd = attrs.evolve(
        a.tunnels[0],
        cgw_inside=ipaddress.IPv4Interface("10.99.0.2/30"),
        aws_inside=ipaddress.IPv4Interface("10.99.0.1/30"),
    )
    number, by_inside = vy.vti_number(odd, TAG, 0)
    assert not by_inside and vy.HASH_VTI_BASE <= number < 2 * vy.HASH_VTI_BASE
    assert vy.vti_number(odd, TAG, 0) == (number, False)


def test_inside_address_clash_refused() -> None:
    b = spoke()
    clash = attrs.evolve(
        b,
        vpn_connection_id="vpn-0dead00000000beef",
        tunnels=[attrs.evolve(t, aws_outside_ip=f"192.0.2.{i}") for i, t in enumerate(b.tunnels, 1)],
    )
    with pytest.raises(EmitError, match=r"inside network 169\.254\.71\.4/30 is also used by"):
        emit([b, clash], local_address="10.0.1.5")


# ------------------------------------------------------------------ parse-back


def _essentials(c: VpnConnection) -> list[tuple[object, ...]]:
    return [
        (
            t.aws_outside_ip,
            t.cgw_outside_ip,
            t.psk,
            t.cgw_inside,
            t.aws_inside,
            t.bgp,
            t.ike.encryption,
            t.ike.integrity,
            t.ike.dh_groups,
            t.ike.lifetime_s,
            t.ipsec.encryption,
            t.ipsec.integrity,
            t.ipsec.pfs_dh_groups,
            t.ipsec.lifetime_s,
            t.mtu,
        )
        for t in c.tunnels
    ]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("rel", ["canonical/generic.txt", "canonical/static-generic.txt"])
def test_parse_back_every_version(version: str, rel: str) -> None:
    original = parsed(rel)
    conns = [*original, spoke()] if "static" not in rel else original
    text, _ = emit(
        conns, vyos_version=version, local_address="10.0.1.5", advertise=("10.10.0.0/16",), accept=("10.20.0.0/16",)
    )
    assert vpnxlate.detect_format(text) == "vyos"
    back, _ = vpnxlate.parse_report(text, lint=False)
    by_id = {c.vpn_connection_id: c for c in back}
    assert sorted(by_id) == sorted(c.vpn_connection_id for c in conns)
    for c in conns:
        got = by_id[c.vpn_connection_id]
        assert got.routing == c.routing
        assert (got.vpn_gateway_id, got.customer_gateway_id) == (c.vpn_gateway_id, c.customer_gateway_id)
        assert _essentials(got) == _essentials(c)
        assert [t.ike.versions for t in got.tunnels] == [t.ike.versions or ("ikev1",) for t in c.tunnels]
    # and writing what was read gives the same bytes again
    again, _ = emit(
        back, vyos_version=version, local_address="10.0.1.5", advertise=("10.10.0.0/16",), accept=("10.20.0.0/16",)
    )
    if version == "1.1":  # DPD 10 s was written as 1.1's minimum 15 s: another proposal, another name
        again, text = (sorted(re.sub(r"AWS-IKE-[0-9a-f]{8}", "AWS-IKE-x", t).splitlines()) for t in (again, text))
    assert again == text


def test_detect_leaves_aws_vyatta_downloads_alone() -> None:
    for path in [
        FIXTURES / "canonical" / "vyatta.txt",
        *sorted((FIXTURES / "vyatta").glob("*.txt")),
        *sorted((SHARED / "vyos-samples").glob("aws-vyatta-*.txt")),
    ]:
        assert not vyos_parser.detect(path.read_text()), path
        assert vpnxlate.detect_format(path.read_text()) != "vyos"
    assert vyos_parser.detect(shared_file("vyos-samples", "rewrite-1.4.txt").read_text())


def test_parse_third_party_named_peer_config() -> None:
    conns, _ = vpnxlate.parse_report(shared_file("vyos-samples", "rewrite-1.4.txt").read_text(), lint=False)
    (c,) = conns
    (t,) = c.tunnels
    assert (str(t.aws_outside_ip), t.psk, str(t.cgw_inside), str(t.aws_inside)) == (
        "203.0.113.10",
        "XX1",
        "169.254.10.2/30",
        "169.254.10.1/30",
    )
    assert t.bgp == Bgp(cgw_asn=65001, aws_asn=7224, neighbor_ip="169.254.10.1", hold_time=30)
    assert str(t.cgw_outside_ip) == "10.0.0.5"  # no local-id there: the local address is all we have


def test_parse_errors_are_located() -> None:
    text, _ = emit(parsed("canonical/generic.txt"), vyos_version="1.4", local_address="10.0.1.5")
    broken = text.replace("set vpn ipsec ike-group", "set vpn ipsec ike-grp", 1)
    lines = text.splitlines()
    bad = "\n".join([*lines[:8], "set vpn ipsec ike-group X lifetime 'oops", *lines[8:]]) + "\n"
    with pytest.raises(vpnxlate.ParseError) as e:
        vpnxlate.parse_report(bad, lint=False)
    assert e.value.line == 9 and "unterminated quote" in str(e.value)
    assert vpnxlate.parse_report(broken, lint=False)  # an unknown path is ignored, the rest still reads


def test_docs_examples_are_the_tools_output(tmp_path: Path) -> None:
    import shlex

    doc = (FIXTURES.parent / "docs" / "vyos.md").read_text()
    blocks = re.findall(r"```console\n\$ (vpnxlate [^\n]+)\n(.*?)```", doc, re.DOTALL)
    assert len(blocks) == 4
    for command, output in blocks:
        proc = run_cli(*shlex.split(command)[1:])
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == output, command
        assert vpnxlate.detect_format(proc.stdout) == "vyos"
        m = re.search(r"--vyos-version (\S+)", command)
        path = tmp_path / "doc.txt"
        path.write_text(proc.stdout)
        check = vyos_check(path, m.group(1) if m else "1.4")
        assert check.returncode == 0 and "ERROR" not in check.stdout, check.stdout


def test_pfs_group_and_ikev2() -> None:
    c = parsed("canonical/generic.txt")[0]
    t = [
        attrs.evolve(
            x,
            ike=attrs.evolve(x.ike, versions=("ikev2",), dh_groups=(14,)),
            ipsec=attrs.evolve(x.ipsec, pfs_dh_groups=(5, 14)),
        )
        for x in c.tunnels
    ]
    text, report = emit([attrs.evolve(c, tunnels=t)], vyos_version="1.3", local_address="10.0.1.5")
    cmds = commands(text)
    assert sum(c.endswith("key-exchange 'ikev2'") for c in cmds) == 1
    assert sum(c.endswith("pfs 'dh-group5'") for c in cmds) == 1
    assert sum(c.endswith("proposal 1 dh-group '14'") for c in cmds) == 1
    assert "VyOS takes one PFS group per esp-group; using group 5 (AWS also accepts 14)" in " ".join(
        d.message for d in report.diagnostics
    )
