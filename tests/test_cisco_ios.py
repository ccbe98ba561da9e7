"""The cisco-ios target: exact output for the canonical connection, the round trip through the
aws-cisco-ios parser (hypothesis), what IOS cannot carry, the policy options, CLI use."""

from __future__ import annotations

import warnings
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import vpnxlate
from vpnxlate import EmitError, VpnConnection, emit_report, parse_report
from vpnxlate.algorithms import GCM_ENCRYPTIONS
from vpnxlate.emitters import cisco_ios

from .conftest import fixture_text, run_cli
from .strategies import connections_for, project


def _canonical() -> list[VpnConnection]:
    return parse_report(fixture_text("canonical/generic.txt"), lint=False)[0]


def _ios(conns: list[VpnConnection], **options: Any) -> tuple[str, vpnxlate.Report]:
    files, report = emit_report(conns, "cisco-ios", **options)
    assert [f.name for f in files] == ["cisco-ios.cfg"]
    assert files[0].secret
    return files[0].content, report


def _block(text: str, start: str) -> list[str]:
    lines = text.splitlines()
    i = lines.index(start)
    j = lines.index("exit", i)
    return lines[i : j + 1]


def test_canonical_connection_exact_stanzas() -> None:
    text, report = _ios(_canonical(), advertise=("10.1.0.0/16",))
    # tunnels in the model's order (by AWS outside IP): Tunnel1 is 203.0.113.21
    assert _block(text, "crypto isakmp policy 200") == [
        "crypto isakmp policy 200",
        "  encryption aes 128",
        "  authentication pre-share",
        "  group 2",
        "  lifetime 28800",
        "  hash sha",
        "exit",
    ]
    assert _block(text, "crypto keyring keyring-vpn-0c0ffee0123456789-1") == [
        "crypto keyring keyring-vpn-0c0ffee0123456789-1",
        "  local-address 198.51.100.10",
        "  pre-shared-key address 203.0.113.22 key FAKE_tunnel1.key_example",
        "exit",
    ]
    assert _block(text, "crypto ipsec profile ipsec-vpn-0c0ffee0123456789-0") == [
        "crypto ipsec profile ipsec-vpn-0c0ffee0123456789-0",
        "  set pfs group2",
        "  set security-association lifetime seconds 3600",
        "  set transform-set ipsec-prop-vpn-0c0ffee0123456789-0",
        "  set isakmp-profile isakmp-vpn-0c0ffee0123456789-0",
        "exit",
    ]
    assert _block(text, "interface Tunnel2") == [
        "interface Tunnel2",
        "  ip address 169.254.21.2 255.255.255.252",
        "  ip mtu 1436",
        "  ip virtual-reassembly",
        "  tunnel source 198.51.100.10",
        "  tunnel destination 203.0.113.22",
        "  tunnel mode ipsec ipv4",
        "  tunnel protection ipsec profile ipsec-vpn-0c0ffee0123456789-1",
        "  crypto ipsec df-bit clear",
        "  crypto ipsec fragmentation before-encryption",
        "  ip tcp adjust-mss 1379",
        "  no shutdown",
        "exit",
    ]
    assert "  neighbor 169.254.21.1 timers 10 30 30" in text.splitlines()
    assert "    network 10.1.0.0 mask 255.255.0.0" in text.splitlines()
    # DPD retries have no IOS statement: said, not dropped silently
    assert [d.field for d in report.diagnostics] == ["dpd_retries", "dpd_retries"]


def test_canonical_reads_back_and_converts_to_every_target() -> None:
    conns = _canonical()
    text, _ = _ios(conns, advertise=("10.1.0.0/16",))
    assert vpnxlate.detect_format(text) == "aws-cisco-ios"
    back, _ = parse_report(text, lint=False)
    expected = [
        attrs.evolve(
            c, tunnels=[attrs.evolve(t, dpd_retries=None, ike=attrs.evolve(t.ike, mode=None)) for t in c.tunnels]
        )
        for c in conns
    ]
    assert back == expected


def _ios_carriable(conns: list[VpnConnection]) -> list[VpnConnection]:
    """Models IOS can configure: IKEv1 without AES-GCM, DH groups IOS has (others -> 14)."""
    out = []
    for c in conns:
        tunnels = []
        for t in c.tunnels:
            ike = t.ike
            if ike.versions == ("ikev1",) and ike.encryption and ike.encryption[0] in GCM_ENCRYPTIONS:
                ike = attrs.evolve(ike, encryption=(ike.encryption[0].split("-")[0],))
            fix = lambda gs: (  # noqa: E731
                None if gs is None else tuple(dict.fromkeys(g if g in cisco_ios.DH_GROUPS else 14 for g in gs))
            )
            tunnels.append(
                attrs.evolve(
                    t,
                    ike=attrs.evolve(ike, dh_groups=fix(ike.dh_groups)),
                    ipsec=attrs.evolve(t.ipsec, pfs_dh_groups=fix(t.ipsec.pfs_dh_groups)),
                )
            )
        out.append(attrs.evolve(c, tunnels=tuple(tunnels)))
    return out


@given(conns=connections_for("cisco-ios", one_router=True, max_size=3).map(_ios_carriable))
def test_roundtrip_exact(conns: list[VpnConnection]) -> None:
    """parse(emit(m)) == m for every model IOS can carry, without a warning."""
    files, report = emit_report(conns, "cisco-ios", accept=())
    text = files[0].content
    assert vpnxlate.detect_format(text) == "aws-cisco-ios"
    got, _ = parse_report(text, lint=False)
    assert sorted(got, key=lambda c: c.vpn_connection_id or "") == sorted(
        conns, key=lambda c: c.vpn_connection_id or ""
    )
    # routing advice and IOS's IKEv2 policy choice by local address (a true warning) only
    assert [
        d for d in report.diagnostics if d.code not in ("ios-no-advertise", "ios-no-route", "ios-ikev2-policy")
    ] == []


@given(conns=connections_for("json", one_router=True, max_size=2).map(_ios_carriable))
def test_fuller_models_lose_only_the_projection(conns: list[VpnConnection]) -> None:
    """A TunnelOptions-style model (lists, EC2-only options): what comes back is the projection,
    every value left out is warned about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            files, report = emit_report(conns, "cisco-ios")
        except EmitError:
            return  # a value IOS refuses (MSS, keepalive range): tested below
    got, _ = parse_report(files[0].content, lint=False)
    assert sorted(got, key=lambda c: c.vpn_connection_id or "") == sorted(
        project(conns, "cisco-ios"), key=lambda c: c.vpn_connection_id or ""
    )
    fields = {d.field for d in report.diagnostics}
    for c in conns:
        for t in c.tunnels:
            if t.dpd_retries is not None:
                assert "dpd_retries" in fields
            if t.rekey_margin_s is not None:
                assert "rekey_margin_s" in fields


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tcp_mss": 1500}, "tcp_mss: Cisco IOS accepts 500..1460, not 1500"),
        ({"dpd_interval_s": 5}, "dpd_interval_s: Cisco IOS accepts 10..3600, not 5"),
        ({"psk": None}, "psk: not stated; a Cisco IOS keyring needs the pre-shared key"),
        ({"psk": "abc?def"}, "refusing to write the pre-shared key as one Cisco IOS word"),
        (
            {"ike": {"encryption": ("AES128-GCM-16",)}},
            "Cisco IOS ISAKMP policy (IKEv1 has no AES-GCM on IOS) cannot use AES128-GCM-16",
        ),
        ({"ike": {"dh_groups": (22,)}}, "Cisco IOS has no Diffie-Hellman group 22"),
    ],
)
def test_values_ios_cannot_carry_are_refused(change: dict[str, Any], message: str) -> None:
    conn = _canonical()[0]
    t = conn.tunnels[0]
    kw = {k: attrs.evolve(getattr(t, k), **v) if isinstance(v, dict) else v for k, v in change.items()}
    conn = attrs.evolve(conn, tunnels=(attrs.evolve(t, **kw), *conn.tunnels[1:]))
    with pytest.raises(EmitError) as e:
        _ios([conn])
    assert message in str(e.value)
    assert "FAKE" not in str(e.value) and "abc" not in str(e.value)


def test_one_bgp_process() -> None:
    a = _canonical()[0]
    b = attrs.evolve(
        a,
        vpn_connection_id="vpn-0000000000000000b",
        tunnels=[
            attrs.evolve(t, aws_outside_ip=f"192.0.2.{i}", bgp=attrs.evolve(t.bgp, cgw_asn=65011))
            for i, t in enumerate(a.tunnels, 1)
        ],
    )
    with pytest.raises(EmitError, match="one BGP process; these connections have customer ASNs 65010, 65011"):
        _ios([a, b])


def test_static_connection_routes_and_sla() -> None:
    static = parse_report(fixture_text("canonical/static.xml"), lint=False)[0]
    text, _ = _ios(static, accept=("10.20.0.0/16",), prefer_tunnel="1", first_tunnel=10)
    lines = text.splitlines()
    assert "   icmp-echo 169.254.61.1 source-interface Tunnel10" in lines
    assert "ip route 10.20.0.0 255.255.0.0 Tunnel10 track 10" in lines
    assert "ip route 10.20.0.0 255.255.0.0 Tunnel11 10 track 11" in lines
    assert "crypto isakmp policy 209" in lines
    back, _ = parse_report(text, lint=False)
    assert back[0].static_routes == (vpnxlate.model.ipaddress.ip_network("10.20.0.0/16"),)
    assert [str(t.aws_inside) for t in back[0].tunnels] == ["169.254.61.1/30", "169.254.62.1/30"]


def test_bgp_policy_options() -> None:
    text, _ = _ios(_canonical(), advertise=("10.1.0.0/16",), accept=("10.20.0.0/16",), prefer_tunnel="2")
    lines = text.splitlines()
    assert "ip prefix-list VPNXLATE-IN-1 permit 10.20.0.0/16 le 32" in lines
    assert "    neighbor 169.254.22.1 route-map VPNXLATE-OUT-BACKUP out" in lines
    assert "    neighbor 169.254.21.1 route-map VPNXLATE-OUT out" in lines
    assert "  set as-path prepend 65010 65010" in lines
    assert "    neighbor 169.254.21.1 prefix-list VPNXLATE-IN-1 in" in lines
    with pytest.raises(EmitError, match="prefer_tunnel with BGP needs advertise"):
        _ios(_canonical(), prefer_tunnel="1")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"local_address": "eth0"}, "local_address: not an IPv4 address"),
        ({"source_interface": "Gi0/0 x"}, "source_interface: not an interface name"),
        ({"first_tunnel": -1}, "first_tunnel: must be 0..9000"),
        ({"accept": ("vpn-nope=10.0.0.0/8",)}, "accept: no connection vpn-nope "),
        ({"advertise": ("10.0.0.0/33",)}, "advertise: not an IPv4 prefix"),
    ],
)
def test_option_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(EmitError, match=message):
        _ios(_canonical(), **options)


def test_source_interface_and_local_address() -> None:
    text, _ = _ios(_canonical(), local_address="10.1.0.5", source_interface="GigabitEthernet0/0")
    lines = text.splitlines()
    assert "  tunnel source GigabitEthernet0/0" in lines
    assert "  local-address 10.1.0.5" in lines


@pytest.mark.parametrize("fixture", ["vendors/cisco-ios/ikev1-bgp.txt", "vendors/cisco-ios/ikev2-bgp.txt"])
def test_ios_download_to_ios_is_stable(fixture: str) -> None:
    conns = parse_report(fixture_text(fixture), lint=False)[0]
    text, _ = _ios(conns)
    again, _ = _ios(parse_report(text, lint=False)[0])
    assert again == text


def test_cli_converts_ios_download_to_vyos_and_strongswan(tmp_path: Any) -> None:
    src = "fixtures/vendors/cisco-ios/ikev1-bgp.txt"
    proc = run_cli("convert", src, "--to", "vyos", "--advertise", "10.1.0.0/16")
    assert proc.returncode == 0, proc.stderr
    peer = "set vpn ipsec site-to-site peer AWS-0c0ffee0123456789-T2 remote-address '203.0.113.22'"
    assert peer in proc.stdout.splitlines()
    out = tmp_path
    proc = run_cli("convert", src, "--to", "strongswan", "--out-dir", str(out))
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert "ipsec.secrets" in names
    secrets = (out / "ipsec.secrets").read_text().splitlines()
    assert '198.51.100.10 203.0.113.22 : PSK "FAKE_tunnel1.key_example"' in secrets


@given(st.sampled_from(["\n", "\r", "\x00", "?", '"', "'", " "]))
def test_word_refuses_line_breaking_characters(ch: str) -> None:
    with pytest.raises(EmitError):
        cisco_ios.word(f"abc{ch}def", "psk")
