"""The vendor-download parsers (aws-cisco-ios, aws-cisco-asa, aws-juniper, aws-strongswan,
aws-openswan): detection, exact values per variant, edited files, placeholders, errors."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
import warnings
from typing import Any

import attrs
import pytest

import vpnxlate
from vpnxlate.errors import ParseError, PlaceholderError, VpnxlateError
from vpnxlate.model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection

from .conftest import FIXTURES, ROOT, assert_one_line_error, fixture_text, run_cli

ID = "vpn-0c0ffee0123456789"
VGW = "vgw-0c0ffee0123456789"
CGW = "cgw-0c0ffee0123456789"
IKE = IkeOptions(versions=("ikev1",), encryption=("AES128",), integrity=("SHA1",), dh_groups=(2,), lifetime_s=28800)
ESP = IpsecOptions(
    protocol="esp", encryption=("AES128",), integrity=("SHA1",), pfs_dh_groups=(2,), lifetime_s=3600, mode="tunnel"
)
PSK1, PSK2 = "FAKE_tunnel1.key_example", "FAKE_tunnel2.key_example"


def tunnel(
    aws: str, psk: str, net: str | None, *, cgw: str | None = "198.51.100.10", bgp: bool = True, **kw: Any
) -> Tunnel:
    inside: dict[str, Any] = {}
    b = None
    if net is not None:
        n = ipaddress.ip_network(net)
        inside = {"cgw_inside": f"{n.network_address + 2}/30", "aws_inside": f"{n.network_address + 1}/30"}
        if bgp:
            b = Bgp(cgw_asn=65010, aws_asn=64512, neighbor_ip=n.network_address + 1, hold_time=30)
    return Tunnel(aws_outside_ip=aws, cgw_outside_ip=cgw, psk=psk, bgp=b, **inside, **kw)


def parse(rel: str, *, expect_warnings: bool = False) -> tuple[str, list[VpnConnection]]:
    text = fixture_text(rel)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        conns = vpnxlate.parse(text, source=rel)
    if not expect_warnings:
        assert [str(w.message) for w in caught] == []
    return vpnxlate.detect_format(text), conns


# ------------------------------------------------------------------ Cisco IOS

IOS_COMMON = {
    "ike": IKE,
    "ipsec": ESP,
    "dpd_interval_s": 10,
    "tcp_mss": 1379,
    "clear_df_bit": True,
    "fragmentation_before_encryption": True,
    "replay_window": 128,
}
IOS_T1 = tunnel("203.0.113.22", PSK1, "169.254.21.0/30", **IOS_COMMON)
IOS_T2 = tunnel("203.0.113.21", PSK2, "169.254.22.0/30", **IOS_COMMON)
IOS = VpnConnection(tunnels=(IOS_T1, IOS_T2), vpn_connection_id=ID, vpn_gateway_id=VGW, customer_gateway_id=CGW)


def test_ios_ikev1_download_exact() -> None:
    fmt, conns = parse("vendors/cisco-ios/ikev1-bgp.txt")
    assert fmt == "aws-cisco-ios"
    assert conns == [IOS]


def test_ios_ikev2_variant_exact() -> None:
    fmt, conns = parse("vendors/cisco-ios/ikev2-bgp.txt")
    assert fmt == "aws-cisco-ios"
    ike2 = attrs.evolve(IKE, versions=("ikev2",))
    assert conns == [attrs.evolve(IOS, tunnels=[attrs.evolve(t, ike=ike2) for t in IOS.tunnels])]


def test_ios_edited_running_config() -> None:
    """No header, comments gone, interfaces renamed (Tunnel100/200), tunnel source an interface,
    unrelated configuration and an unrelated ISAKMP policy (which IOS offers to every peer)."""
    fmt, conns = parse("vendors/cisco-ios/running-config-edited.txt", expect_warnings=True)
    assert fmt == "aws-cisco-ios"
    (conn,) = conns
    ike = attrs.evolve(IKE, encryption=("AES256", "AES128"), integrity=("SHA2-256", "SHA1"), dh_groups=(14, 2))
    assert conn == VpnConnection(tunnels=[attrs.evolve(t, ike=ike) for t in IOS.tunnels], vpn_connection_id=ID)


def test_ios_edited_warns_about_unrelated_policy() -> None:
    _, report = vpnxlate.parse_report(fixture_text("vendors/cisco-ios/running-config-edited.txt"))
    assert [m for m in report.messages() if "no IKE policy" in m] == [
        "<input>:17: Tunnel100: no IKE policy 299; reading every policy (10, 200, 201), as the router offers "
        "them all to this peer",
        "<input>:17: Tunnel200: no IKE policy 399; reading every policy (10, 200, 201), as the router offers "
        "them all to this peer",
    ]


def test_ios_two_connections_in_one_running_config() -> None:
    _, conns = parse("vendors/cisco-ios/two-connections.txt")
    first, second = conns
    assert first == IOS
    static = {**IOS_COMMON}
    assert second == VpnConnection(
        tunnels=[
            tunnel(
                "203.0.113.61", "FAKE_static1.key_example", "169.254.61.0/30", cgw="192.0.2.50", bgp=False, **static
            ),
            tunnel(
                "203.0.113.62", "FAKE_static2.key_example", "169.254.62.0/30", cgw="192.0.2.50", bgp=False, **static
            ),
        ],
        vpn_connection_id="vpn-05a7e0000000000c1",
        customer_gateway_id="cgw-05a7e0000000000c1",
        routing="static",
    )
    # the commented example route is not a configured prefix
    assert second.static_routes is None


def test_ios_static_routes_and_mtu_read() -> None:
    text = (
        fixture_text("vendors/cisco-ios/ikev1-bgp.txt").replace(
            "  ip tcp adjust-mss 1379 \n", "  ip mtu 1400\n  ip tcp adjust-mss 1379 \n"
        )
        + "ip route 10.20.0.0 255.255.0.0 Tunnel1\nip route 10.30.0.0 255.255.0.0 Tunnel2 track 200\n"
    )
    (conn,) = vpnxlate.parse(text)
    assert conn.static_routes == (ipaddress.ip_network("10.20.0.0/16"), ipaddress.ip_network("10.30.0.0/16"))
    assert [t.mtu for t in conn.tunnels] == [1400, 1400]


@pytest.mark.parametrize(
    ("rel", "needle"),
    [
        ("bad/cisco-ios-placeholders.txt", ":119: cgw_outside_ip: placeholder 'YOUR_UPLINK_ADDRESS'"),
        ("bad/cisco-ios-placeholder-asn.txt", ":145: bgp.cgw_asn: placeholder 'YOUR_BGP_ASN'"),
        ("bad/juniper-placeholders.txt", ":44: cgw_outside_ip: placeholder 'YOUR_UPLINK_ADDRESS'"),
        ("bad/openswan-placeholder.txt", ":58: psk: placeholder 'PRE-SHARED-KEY-IN-PLAIN-TEXT'"),
    ],
)
def test_placeholders_refused_naming_the_field(rel: str, needle: str) -> None:
    path = f"fixtures/{rel}"
    line = assert_one_line_error(run_cli("convert", path, "--to", "json"), path)
    assert needle in line


def test_ios_placeholder_uplink_names_the_field() -> None:
    text = fixture_text("vendors/cisco-ios/ikev1-bgp.txt").replace(
        "  local-address 198.51.100.10\n", "  local-address YOUR_UPLINK_ADDRESS\n", 1
    )
    with pytest.raises(PlaceholderError) as e:
        vpnxlate.parse(text)
    assert e.value.field == "cgw_outside_ip" and e.value.line == 44


def test_ios_errors_are_located() -> None:
    text = fixture_text("vendors/cisco-ios/ikev1-bgp.txt")
    with pytest.raises(ParseError) as e:
        vpnxlate.parse(
            text.replace(
                "tunnel protection ipsec profile ipsec-vpn-0c0ffee0123456789-0",
                "tunnel protection ipsec profile nope",
                1,
            )
        )
    assert "IPsec profile 'nope', which is not defined" in str(e.value) and e.value.line == 122
    with pytest.raises(VpnxlateError) as e2:
        vpnxlate.parse(text.replace("  encryption aes 128\n", "  encryption 3des\n", 1))
    assert e2.value.field == "ike.encryption" and e2.value.line == 33
    # a conflicting repeat of a value (timers in and outside the address family) names both lines
    with pytest.raises(ParseError) as e3:
        vpnxlate.parse(
            text.replace("    neighbor 169.254.21.1 timers 10 30 30", "    neighbor 169.254.21.1 timers 10 40 40")
        )
    assert e3.value.field == "bgp.hold_time"


def test_ios_psk_never_in_errors() -> None:
    text = fixture_text("vendors/cisco-ios/ikev1-bgp.txt").replace("key FAKE_tunnel1.key_example", 'key FAKE"x', 1)
    with pytest.raises(VpnxlateError) as e:
        vpnxlate.parse(text)
    assert "FAKE" not in str(e.value) and e.value.field == "psk"


# ------------------------------------------------------------------ Cisco ASA

ASA_COMMON = {
    "ike": IKE,
    "ipsec": attrs.evolve(ESP, mode=None),
    "dpd_interval_s": 10,
    "tcp_mss": 1379,
    "clear_df_bit": True,
    "fragmentation_before_encryption": True,
    "replay_window": 128,
}


def test_asa_vti_exact() -> None:
    fmt, conns = parse("vendors/cisco-asa/vti-bgp.txt")
    assert fmt == "aws-cisco-asa"
    assert conns == [
        VpnConnection(
            tunnels=[
                tunnel("203.0.113.22", PSK1, "169.254.21.0/30", cgw=None, **ASA_COMMON),
                tunnel("203.0.113.21", PSK2, "169.254.22.0/30", cgw=None, **ASA_COMMON),
            ],
            vpn_connection_id=ID,
            vpn_gateway_id=VGW,
            customer_gateway_id=CGW,
        )
    ]


def test_asa_crypto_map_exact() -> None:
    fmt, conns = parse("vendors/cisco-asa/crypto-map.txt")
    assert fmt == "aws-cisco-asa"
    assert conns == [
        VpnConnection(
            tunnels=[
                tunnel("203.0.113.61", "FAKE_static1.key_example", None, cgw="192.0.2.50", bgp=False, **ASA_COMMON),
                tunnel("203.0.113.62", "FAKE_static2.key_example", None, cgw="192.0.2.50", bgp=False, **ASA_COMMON),
            ],
            vpn_connection_id="vpn-05a7e0000000000c1",
            customer_gateway_id="cgw-05a7e0000000000c1",
            routing="static",
        )
    ]


def test_asa_edited_running_config() -> None:
    """`show running-config` with the download pasted in: no comments or header, interfaces
    renamed (no policy 199+N: every ISAKMP policy is read, with a warning), 'outside' for the
    placeholder interface, unrelated configuration around."""
    fmt, conns = parse("vendors/cisco-asa/running-config-edited.txt", expect_warnings=True)
    assert fmt == "aws-cisco-asa"
    assert conns == [
        VpnConnection(
            tunnels=[
                tunnel("203.0.113.22", PSK1, "169.254.21.0/30", cgw=None, **ASA_COMMON),
                tunnel("203.0.113.21", PSK2, "169.254.22.0/30", cgw=None, **ASA_COMMON),
            ],
            vpn_connection_id=ID,
        )
    ]


def test_asa_ikev2_tunnel_group_key() -> None:
    text = fixture_text("vendors/cisco-asa/vti-bgp.txt").replace(
        "   ikev1 pre-shared-key FAKE_tunnel1.key_example",
        "   ikev2 remote-authentication pre-shared-key FAKE_remote.key\n"
        "   ikev2 local-authentication pre-shared-key FAKE_local.key",
    )
    (conn,) = vpnxlate.parse(text)
    assert conn.tunnels[1].psk == "FAKE_remote.key"


# ------------------------------------------------------------------ Juniper

JUNOS_COMMON = {
    "ike": attrs.evolve(IKE, mode="main"),
    "ipsec": attrs.evolve(ESP, mode=None),
    "mtu": 1436,
    "tcp_mss": 1379,
    "clear_df_bit": True,
}
JUNOS = VpnConnection(
    tunnels=[
        tunnel("203.0.113.22", PSK1, "169.254.21.0/30", **JUNOS_COMMON),
        tunnel("203.0.113.21", PSK2, "169.254.22.0/30", **JUNOS_COMMON),
    ],
    vpn_connection_id=ID,
    vpn_gateway_id=VGW,
    customer_gateway_id=CGW,
)


def test_juniper_set_download_exact() -> None:
    fmt, conns = parse("vendors/juniper/srx-set.txt")
    assert fmt == "aws-juniper"
    assert conns == [JUNOS]


def test_juniper_brace_form_exact() -> None:
    """The same configuration as `show configuration` prints it: no comment with the customer
    address, a block written on one line, a quoted key with ## SECRET-DATA."""
    fmt, conns = parse("vendors/juniper/srx-brace.txt")
    assert fmt == "aws-juniper"
    assert conns == [attrs.evolve(JUNOS, tunnels=[attrs.evolve(t, cgw_outside_ip=None) for t in JUNOS.tunnels])]


def test_juniper_jseries_references_resolved_by_definition_with_warnings() -> None:
    _, conns = parse("vendors/juniper/jseries-references.txt", expect_warnings=True)
    assert conns == [JUNOS]
    _, report = vpnxlate.parse_report(fixture_text("vendors/juniper/jseries-references.txt"))
    assert len([m for m in report.messages() if "AWS's J-Series naming" in m]) == 6


def test_juniper_edited_set_commands() -> None:
    _, conns = parse("vendors/juniper/set-edited.txt")
    assert conns == [
        VpnConnection(
            tunnels=[attrs.evolve(t, dpd_interval_s=10, dpd_retries=3) for t in JUNOS.tunnels], vpn_connection_id=ID
        )
    ]


def test_juniper_screenos_is_not_junos() -> None:
    text = (
        "set ike p1-proposal ike-prop-vpn-1 preshare group2 esp aes128 sha-1 second 28800\n"
        "set ike gateway gw-vpn-1 address 203.0.113.22 id 198.51.100.10 main outgoing-interface e0/0\n"
    )
    with pytest.raises(VpnxlateError) as e:
        vpnxlate.detect_format(text)
    assert "ScreenOS" in str(e.value)


def test_juniper_encrypted_key_refused() -> None:
    text = fixture_text("vendors/juniper/srx-brace.txt").replace('"FAKE_tunnel1.key_example"', '"$9$abcDEF"')
    with pytest.raises(ParseError) as e:
        vpnxlate.parse(text)
    assert e.value.field == "psk" and e.value.line == 35 and "encrypted" in str(e.value)


# ------------------------------------------------------------------ strongSwan / Openswan

SWAN_COMMON = {
    "ike": IKE,
    "ipsec": ESP,
    "dpd_interval_s": 10,
    "dpd_retries": 3,
    "dpd_timeout_s": 30,
    "dpd_timeout_action": "restart",
    "startup_action": "start",
    "mtu": 1419,
}


def test_strongswan_download_exact() -> None:
    fmt, conns = parse("vendors/strongswan/download.txt")
    assert fmt == "aws-strongswan"
    assert conns == [
        VpnConnection(
            tunnels=[
                tunnel("203.0.113.22", PSK1, "169.254.21.0/30", bgp=False, **SWAN_COMMON),
                tunnel("203.0.113.21", PSK2, "169.254.22.0/30", bgp=False, **SWAN_COMMON),
            ],
            vpn_connection_id=ID,
            vpn_gateway_id=VGW,
            customer_gateway_id=CGW,
            routing="static",
        )
    ]


def test_strongswan_edited() -> None:
    _, conns = parse("vendors/strongswan/edited.txt")
    (conn,) = conns
    t1, t2 = sorted(conn.tunnels, key=lambda t: str(t.aws_outside_ip), reverse=True)
    assert t1 == tunnel(
        "203.0.113.22",
        PSK1,
        "169.254.21.0/30",
        bgp=False,
        **{
            **SWAN_COMMON,
            "ike": attrs.evolve(
                IKE, encryption=("AES128", "AES256"), integrity=("SHA1", "SHA2-256"), dh_groups=(2, 14)
            ),
        },
    )
    assert t2 == tunnel(
        "203.0.113.21",
        PSK2,
        "169.254.22.0/30",
        bgp=False,
        **{**SWAN_COMMON, "ike": attrs.evolve(IKE, versions=("ikev2",))},
    )
    assert conn.vpn_connection_id is None


def test_openswan_download_exact() -> None:
    fmt, conns = parse("vendors/openswan/download.txt")
    assert fmt == "aws-openswan"
    common = {**SWAN_COMMON, "dpd_timeout_action": None}
    del common["mtu"]
    assert conns == [
        VpnConnection(
            tunnels=[
                tunnel("203.0.113.22", PSK1, None, bgp=False, **common),
                tunnel("203.0.113.21", PSK2, None, bgp=False, **common),
            ],
            vpn_connection_id=ID,
            vpn_gateway_id=VGW,
            customer_gateway_id=CGW,
            routing="static",
        )
    ]


def test_openswan_edited_renamed_conns_and_secrets_spacing() -> None:
    _, conns = parse("vendors/openswan/edited.txt")
    (conn,) = conns
    assert [(str(t.aws_outside_ip), t.psk) for t in conn.tunnels] == [("203.0.113.21", PSK2), ("203.0.113.22", PSK1)]
    assert conn.tunnels[0].ike == IKE and conn.tunnels[0].ipsec == ESP


# ------------------------------------------------------------------ detection / start-up


@pytest.mark.parametrize(
    ("rel", "fmt"),
    [
        ("vendors/cisco-ios/ikev1-bgp.txt", "aws-cisco-ios"),
        ("vendors/cisco-ios/ikev2-bgp.txt", "aws-cisco-ios"),
        ("vendors/cisco-asa/vti-bgp.txt", "aws-cisco-asa"),
        ("vendors/cisco-asa/crypto-map.txt", "aws-cisco-asa"),
        ("vendors/juniper/srx-set.txt", "aws-juniper"),
        ("vendors/juniper/srx-brace.txt", "aws-juniper"),
        ("vendors/strongswan/download.txt", "aws-strongswan"),
        ("vendors/openswan/download.txt", "aws-openswan"),
        ("canonical/generic.txt", "aws-generic"),
        ("canonical/vyatta.txt", "aws-vyatta"),
    ],
)
def test_detection(rel: str, fmt: str) -> None:
    assert vpnxlate.detect_format(fixture_text(rel)) == fmt


def test_other_vendor_still_refused() -> None:
    line = assert_one_line_error(run_cli("convert", "fixtures/other-vendors/pfsense.txt", "--to", "json"))
    assert "this looks like AWS's configuration download for pfSense;" in line


@pytest.mark.parametrize(
    "rel",
    ["canonical/generic.txt", "canonical/vyatta.txt", "canonical/connection.xml", "canonical/ec2/describe-cli.json"],
)
def test_ciscoconfparse_not_imported_for_other_inputs(rel: str) -> None:
    code = (
        "import sys, vpnxlate; vpnxlate.convert(open(sys.argv[1]).read(), 'json'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ciscoconfparse', 'loguru')))"
    )
    with warnings.catch_warnings():
        out = subprocess.run(
            [sys.executable, "-c", code, str(FIXTURES / rel)], capture_output=True, text=True, cwd=ROOT, check=True
        )
    assert out.stdout.strip() == "[]"


def test_ciscoconfparse_imported_only_by_parse() -> None:
    code = (
        "import sys, vpnxlate; t = open(sys.argv[1]).read(); vpnxlate.detect_format(t); "
        "a = 'ciscoconfparse' in sys.modules; vpnxlate.parse(t); print(a, 'ciscoconfparse' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(FIXTURES / "vendors/cisco-ios/ikev1-bgp.txt")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert out.stdout.strip() == "False True"
    assert out.stderr == ""  # ciscoconfparse's logger is silenced


@pytest.mark.parametrize(("rel", "vendor"), [("other-vendors/cisco-ios.txt", "Cisco")])
def test_truncated_vendor_download_says_so(rel: str, vendor: str) -> None:
    path = f"fixtures/{rel}"
    line = assert_one_line_error(run_cli("convert", path, "--to", "json"), path)
    assert line.endswith(
        f"this looks like AWS's configuration download for {vendor}, but it lacks the statements "
        "vpnxlate reads it by (truncated or edited download?)"
    )


def test_truncated_juniper_download_is_a_parse_error() -> None:
    line = assert_one_line_error(run_cli("convert", "fixtures/other-vendors/juniper-srx.txt", "--to", "json"))
    assert line == "vpnxlate: error: fixtures/other-vendors/juniper-srx.txt: no 'security ipsec vpn' found"


# ------------------------------------------------------------------ config.boot: why not ciscoconfparse


def test_ciscoconfparse_brace_syntax_does_not_read_config_boot_correctly() -> None:
    """The evaluation behind keeping the hand-written config.boot reader (--router-config):
    ciscoconfparse's brace ('junos') syntax accepts an unclosed block without an error, leaves a
    block written on one line unsplit and keeps the quotes of quoted values."""
    from ciscoconfparse import CiscoConfParse

    from vpnxlate import vyos_configboot

    def lines(text: str, *, top: bool) -> list[str]:  # as the vendor parsers call ciscoconfparse
        parsed = CiscoConfParse(text.split("\n"), syntax="junos", comment="!#", ignore_blank_lines=False)
        return [o.text.strip() for o in parsed.ConfigObjs if (o.parent is o or not top) and o.text.strip()]

    unclosed = "interfaces {\n    ethernet eth0 {\n        address 10.0.1.5/24\n}\n"
    with pytest.raises(ParseError, match=r"'interfaces \{' is never closed"):
        vyos_configboot.parse(unclosed, "cb")
    assert lines(unclosed, top=True) == ["interfaces"]  # no error
    one_line = "interfaces { ethernet eth0 { address 10.0.1.5/24 } }\n"
    assert lines(one_line, top=True) == [one_line.strip()]
    assert vyos_configboot.interface_address(one_line, "eth0", "cb")[0] == ipaddress.ip_interface("10.0.1.5/24")
    quoted = fixture_text("vyos/config.boot")
    assert 'description "outside (EIP 198.51.100.10)"' in lines(quoted, top=False)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "crypto keyring x\n tunnel protection ipsec profile p\n" + "".join(" " * i + "a\n" for i in range(1, 200)),
            35,
        ),
        ("set interfaces st0.1 x\nsecurity {\n" + "x {\n" * 200 + "}\n" * 200, 34),
    ],
)
def test_deep_nesting_refused_before_ciscoconfparse(text: str, line: int) -> None:
    """ciscoconfparse's time grows with the square of the nesting depth; deeper than any
    configuration is refused first (this text used to take minutes at 3,000 levels)."""
    with pytest.raises(ParseError) as e:
        vpnxlate.parse(text)
    assert str(e.value) == f"<input>:{line}: configuration nested more than 32 levels deep"


@pytest.mark.parametrize(
    ("rel", "old", "new", "field"),
    [
        (
            "vendors/cisco-ios/ikev1-bgp.txt",
            "  tunnel source 198.51.100.10\n",
            "  tunnel source CUSTOMER_IP\n",
            "cgw_outside_ip",
        ),
        ("vendors/cisco-ios/ikev1-bgp.txt", "key FAKE_tunnel1.key_example", "key PASSWORD", "psk"),
        (
            "vendors/cisco-asa/vti-bgp.txt",
            "ikev1 pre-shared-key FAKE_tunnel1.key_example",
            "ikev1 pre-shared-key pre-shared-key",
            "psk",
        ),
        (
            "vendors/cisco-asa/crypto-map.txt",
            "set peer 203.0.113.61 203.0.113.62",
            "set peer AWS_ENDPOINT_1 AWS_ENDPOINT_2",
            "aws_outside_ip",
        ),
    ],
)
def test_vendor_sample_placeholders_refused(rel: str, old: str, new: str, field: str) -> None:
    text = fixture_text(rel)
    assert old in text
    with pytest.raises(PlaceholderError) as e:
        vpnxlate.parse(text.replace(old, new, 1))
    assert e.value.field == field


def test_stray_closing_brace_in_ios_is_ignored(tmp_path: Any) -> None:
    """ciscoconfparse pairs braces even in IOS syntax and raises on a stray '}' (its loguru
    decorator printing a traceback); braces mean nothing in IOS, so the line is ignored."""
    path = tmp_path / "brace.txt"
    path.write_text(fixture_text("vendors/cisco-ios/ikev1-bgp.txt") + "}\n")
    proc = run_cli("convert", str(path), "--to", "json")
    assert proc.returncode == 0 and proc.stderr == ""
    assert vpnxlate.parse(path.read_text()) == [IOS]


def test_ciscoconfparse_logging_silenced_on_errors(tmp_path: Any) -> None:
    path = tmp_path / "deep.txt"
    path.write_text(
        "crypto keyring x\n tunnel protection ipsec profile p\n" + "".join(" " * i + "a\n" for i in range(1, 40))
    )
    line = assert_one_line_error(run_cli("convert", str(path), "--to", "json"))
    assert line == f"vpnxlate: error: {path}:35: configuration nested more than 32 levels deep"


@pytest.mark.parametrize(
    "rel",
    [
        "vendors/cisco-ios/ikev1-bgp.txt",
        "vendors/cisco-ios/ikev2-bgp.txt",
        "vendors/cisco-asa/vti-bgp.txt",
        "vendors/juniper/srx-set.txt",
        "vendors/juniper/srx-brace.txt",
        "vendors/strongswan/download.txt",
        "vendors/openswan/download.txt",
    ],
)
def test_cli_bad_address_one_line_error_without_keys(tmp_path: Any, rel: str) -> None:
    path = tmp_path / "in.txt"
    path.write_text(fixture_text(rel).replace("203.0.113.21", "203.0.113.321"))
    line = assert_one_line_error(run_cli("convert", str(path), "--to", "json"), str(path), "203.0.113.321")
    assert PSK1 not in line and PSK2 not in line


@pytest.mark.parametrize(
    ("fn", "spelling", "canon"),
    [
        ("encryption", "aes 128", "AES128"),
        ("encryption", "esp-aes 128", "AES128"),
        ("encryption", "esp-aes", "AES128"),
        ("encryption", "esp-aes 256", "AES256"),
        ("encryption", "aes-cbc-256", "AES256"),
        ("encryption", "esp-gcm 256", "AES256-GCM-16"),
        ("encryption", "aes-gcm-128", "AES128-GCM-16"),
        ("integrity", "sha", "SHA1"),
        ("integrity", "esp-sha-hmac", "SHA1"),
        ("integrity", "esp-sha256-hmac", "SHA2-256"),
        ("integrity", "hmac-sha-256-128", "SHA2-256"),
        ("integrity", "sha-384", "SHA2-384"),
        ("dh_group", "group 2", 2),
        ("dh_group", "group14", 14),
        ("dh_group", "modp1024", 2),
        ("dh_group", "modp2048", 14),
        ("dh_group", "ecp384", 20),
        ("dh_group", "modp2048s256", 24),
    ],
)
def test_vendor_spellings_in_the_one_table(fn: str, spelling: str, canon: object) -> None:
    from vpnxlate import algorithms

    assert getattr(algorithms, fn)(spelling) == canon
