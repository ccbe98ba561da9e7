"""Leniency where other tools' files are odd (issue 9, section 4): parse, warn (file, line,
field), never guess.  Fixtures: fixtures/lenient/."""

from __future__ import annotations

import json
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path

import attrs
import pytest

import vpnxlate
from vpnxlate.errors import EmitError, Report, ValidationError
from vpnxlate.model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection, merge_connections, merge_tunnels
from vpnxlate.parsers import ec2_json

from .conftest import FIXTURES, assert_one_line_error, run_cli

LENIENT = FIXTURES / "lenient"
GENERIC = FIXTURES / "canonical" / "generic.txt"


def parse_file(path: Path) -> tuple[list[VpnConnection], list[str]]:
    conns, report = vpnxlate.parse_report(path.read_text(), source=path.name, lint=False)
    return conns, report.messages()


# ------------------------------------------------------------------ inside CIDR with host bits set


def test_ec2_json_inside_cidr_with_host_bits() -> None:
    conns, messages = parse_file(LENIENT / "host-bits.json")
    canonical, _ = parse_file(FIXTURES / "canonical" / "ec2" / "describe-cli.json")
    assert conns == canonical[:1]  # the same model as the CIDR written without host bits
    t = next(t for t in conns[0].tunnels if t.aws_outside_ip == IPv4Address("203.0.113.22"))
    assert (t.cgw_inside, t.aws_inside) == (IPv4Interface("169.254.21.2/30"), IPv4Interface("169.254.21.1/30"))
    assert messages == [
        "host-bits.json:21: Options.TunnelOptions[0].TunnelInsideCidr: 169.254.21.1/30 has host bits set; read as "
        "the network 169.254.21.0/30 (customer gateway 169.254.21.2/30, AWS 169.254.21.1/30)"
    ]


def test_ec2_json_options_only_host_bits_exact_values() -> None:
    conns, messages = parse_file(LENIENT / "host-bits-options-only.json")
    (c,) = conns
    assert [(str(t.aws_outside_ip), str(t.cgw_inside), str(t.aws_inside), t.psk) for t in c.tunnels] == [
        ("203.0.113.15", "169.254.15.194/30", "169.254.15.193/30", "FAKE_hostbits1.key_example"),
        ("203.0.113.16", "169.254.16.2/30", "169.254.16.1/30", "FAKE_hostbits2.key_example"),
    ]
    assert c.routing == "static" and [str(n) for n in c.static_routes or ()] == ["10.1.0.0/16"]
    assert messages == [
        "host-bits-options-only.json: vpn-0a1b2c3d4e5f60718: no CustomerGatewayConfiguration; tunnels built from "
        "Options.TunnelOptions alone",
        "host-bits-options-only.json:14: Options.TunnelOptions[0].TunnelInsideCidr: 169.254.15.193/30 has host "
        "bits set; read as the network 169.254.15.192/30 (customer gateway 169.254.15.194/30, AWS "
        "169.254.15.193/30)",
    ]


def test_ec2_xml_inside_cidr_with_host_bits() -> None:
    conns, messages = parse_file(LENIENT / "host-bits.xml")
    canonical, _ = parse_file(FIXTURES / "canonical" / "ec2" / "describe.xml")
    assert conns == canonical[:1]
    assert messages == [
        "host-bits.xml:146: options/tunnelOptionSet[0].TunnelInsideCidr: 169.254.21.1/30 has host bits set; read "
        "as the network 169.254.21.0/30 (customer gateway 169.254.21.2/30, AWS 169.254.21.1/30)"
    ]


def test_inside_cidr_host_bits_strict_is_an_error() -> None:
    proc = run_cli("convert", str(LENIENT / "host-bits.json"), "--to", "json", "--strict")
    assert_one_line_error(proc, "host-bits.json:21: ", "TunnelInsideCidr: 169.254.21.1/30 has host bits set")


def test_inside_cidr_wrong_size_still_refused() -> None:
    doc = json.loads((LENIENT / "host-bits-options-only.json").read_text())
    doc["VpnConnections"][0]["Options"]["TunnelOptions"][0]["TunnelInsideCidr"] = "169.254.15.193/31"
    with pytest.raises(ValidationError, match=r"169\.254\.15\.192/31 is not an IPv4 tunnel inside CIDR"):
        vpnxlate.parse(json.dumps(doc))


# ------------------------------------------------------------------ partial XML documents

PARTIAL_WARNINGS = [
    "partial.xml:23: ipsec_tunnel[1]: vpn_gateway/bgp/asn is given but customer_gateway/bgp/asn is missing (a "
    "partial document?); that ASN is not stated",
    "partial.xml:50: ipsec_tunnel[2]: vpn_gateway/bgp/asn is given but customer_gateway/bgp/asn is missing (a "
    "partial document?); that ASN is not stated",
]


def test_partial_xml_values_not_stated_are_null() -> None:
    conns, messages = parse_file(LENIENT / "partial.xml")
    assert conns == [
        VpnConnection(
            routing="bgp",
            tunnels=[
                Tunnel(
                    aws_outside_ip="203.0.113.21",
                    cgw_outside_ip="198.51.100.10",
                    psk="FAKE_tunnel2.key_example",
                    cgw_inside="169.254.22.2/30",
                    aws_inside="169.254.22.1/30",
                    bgp=Bgp(cgw_asn=None, aws_asn=64512, neighbor_ip="169.254.22.1", hold_time=30),
                ),
                Tunnel(
                    aws_outside_ip="203.0.113.22",
                    cgw_outside_ip="198.51.100.10",
                    psk="FAKE_tunnel1.key_example",
                    cgw_inside="169.254.21.2/30",
                    aws_inside="169.254.21.1/30",
                    bgp=Bgp(cgw_asn=None, aws_asn=64512, neighbor_ip="169.254.21.1", hold_time=30),
                ),
            ],
        )
    ]
    assert conns[0].tunnels[0].ike == IkeOptions() and conns[0].tunnels[0].ipsec == IpsecOptions()
    assert messages == PARTIAL_WARNINGS


def test_partial_xml_emitters_that_need_a_value_name_it() -> None:
    hint = (
        "no option supplies it: add an input that states it (e.g. the connection's Generic or XML download "
        "as another INPUT; inputs describing the same connection are merged)"
    )
    vyos = run_cli("convert", str(LENIENT / "partial.xml"), "--to", "vyos", "-q")
    assert assert_one_line_error(vyos) == (
        "vpnxlate: error: bgp.cgw_asn: connection to 203.0.113.21 tunnel 1 (203.0.113.21): the input does not "
        f"state the customer gateway (this router's) ASN; {hint}"
    )
    vyatta = run_cli("convert", str(LENIENT / "partial.xml"), "--to", "aws-vyatta", "-q")
    assert assert_one_line_error(vyatta) == (
        "vpnxlate: error: bgp.cgw_asn: connection to 203.0.113.21: tunnel 1 (203.0.113.21): the input does not "
        f"state the BGP ASN bgp.cgw_asn, which aws-vyatta writes in its commands; {hint}"
    )
    swan = run_cli("convert", str(LENIENT / "no-keys.xml"), "--to", "strongswan", "-q")
    line = assert_one_line_error(swan, "cgw_outside_ip: ", "does not state the customer gateway IP", hint)
    assert "--local-address is the router's own address, not the identity" in line
    nokey = run_cli("convert", str(LENIENT / "no-keys.xml"), "--to", "vyos", "--local-address", "10.0.1.5", "-q")
    assert assert_one_line_error(nokey) == (
        f"vpnxlate: error: psk: connection to 203.0.113.21 tunnel 1 (203.0.113.21): no pre-shared key in the "
        f"input; {hint}"
    )
    # a target that does not need the ASN writes the partial connection
    ok = run_cli("convert", str(LENIENT / "partial.xml"), "--to", "strongswan", "--redact", "-q")
    assert ok.returncode == 0, ok.stderr
    assert "BGP AS ? <-> AS 64512 (neighbor 169.254.22.1)" in ok.stdout


# ------------------------------------------------------------------ the same connection in two inputs


def test_partial_xml_and_generic_merge_to_the_generic_model() -> None:
    both = run_cli("convert", str(LENIENT / "partial.xml"), str(GENERIC), "--to", "json")
    alone = run_cli("convert", str(GENERIC), "--to", "json")
    assert both.returncode == 0, both.stderr
    assert json.loads(both.stdout)["connections"] == json.loads(alone.stdout)["connections"]
    filled = (
        "ike.versions, ike.encryption, ike.integrity, ike.dh_groups, ike.lifetime_s, ike.mode, ipsec.protocol, "
        "ipsec.encryption, ipsec.integrity, ipsec.pfs_dh_groups, ipsec.lifetime_s, ipsec.mode, dpd_interval_s, "
        "dpd_retries, mtu, tcp_mss, clear_df_bit, fragmentation_before_encryption, bgp.cgw_asn"
    )
    pair = f"({LENIENT / 'partial.xml'} and {GENERIC})"
    assert json.loads(both.stdout)["warnings"][2:] == [
        f"vpn-0c0ffee0123456789: tunnel 203.0.113.21 is given twice {pair}; merged: the second states {filled}, "
        "which the first leaves out",
        f"vpn-0c0ffee0123456789: tunnel 203.0.113.22 is given twice {pair}; merged: the second states {filled}, "
        "which the first leaves out",
        f"connection vpn-0c0ffee0123456789 appears twice {pair}; merged: the second states vpn_connection_id, "
        "vpn_gateway_id, customer_gateway_id, which the first leaves out",
    ]
    reverse = run_cli("convert", str(GENERIC), str(LENIENT / "partial.xml"), "--to", "json", "-q")
    assert json.loads(reverse.stdout)["connections"] == json.loads(alone.stdout)["connections"]


def test_conflicting_stated_values_name_both_files() -> None:
    proc = run_cli("convert", str(GENERIC), str(LENIENT / "conflict.xml"), "--to", "json")
    g, x = GENERIC, LENIENT / "conflict.xml"
    assert assert_one_line_error(proc) == (
        f"vpnxlate: error: {x}: tunnels: vpn-0c0ffee0123456789: two tunnels with AWS outside IP 203.0.113.21 "
        f"differ in cgw_inside (169.254.22.2/30 in {g}, 169.254.23.2/30 in {x}), aws_inside (169.254.22.1/30 in "
        f"{g}, 169.254.23.1/30 in {x}), bgp.neighbor_ip (169.254.22.1 in {g}, 169.254.23.1 in {x}); a tunnel is "
        "identified by its AWS outside IP"
    )


def _t(**kw: object) -> Tunnel:
    return Tunnel(aws_outside_ip="203.0.113.21", **kw)  # type: ignore[arg-type]


def test_merge_is_recursive_and_never_shows_a_key() -> None:
    a = _t(psk="FAKE_one.key_example", ike=IkeOptions(lifetime_s=28800), bgp=Bgp(cgw_asn=None, aws_asn=64512))
    b = _t(
        cgw_outside_ip="198.51.100.10",
        ike=IkeOptions(encryption=("AES128",)),
        bgp=Bgp(cgw_asn=65010, aws_asn=64512, hold_time=30),
    )
    report = Report()
    (merged,) = merge_tunnels([a, b], report, sources=["a.txt", "b.xml"])
    assert merged == _t(
        psk="FAKE_one.key_example",
        cgw_outside_ip="198.51.100.10",
        ike=IkeOptions(lifetime_s=28800, encryption=("AES128",)),
        bgp=Bgp(cgw_asn=65010, aws_asn=64512, hold_time=30),
    )
    assert report.messages() == [
        "tunnel 203.0.113.21 is given twice (a.txt and b.xml); merged: the second states cgw_outside_ip, "
        "ike.encryption, bgp.cgw_asn, bgp.hold_time, which the first leaves out"
    ]
    with pytest.raises(ValidationError) as err:
        merge_tunnels([a, _t(psk="FAKE_two.key_example")], Report(), sources=["a.txt", "b.xml"])
    assert str(err.value) == (
        "b.xml: tunnels: two tunnels with AWS outside IP 203.0.113.21 differ in psk "
        "(different keys in a.txt and b.xml); a tunnel is identified by its AWS outside IP"
    )
    with pytest.raises(
        ValidationError,
        match=r"^tunnels: two tunnels with AWS outside IP 203.0.113.21 differ in "
        r"ike.lifetime_s; a tunnel",
    ):
        merge_tunnels([a, _t(ike=IkeOptions(lifetime_s=3600))], Report())  # one input: no file names


def test_merge_connections_anonymous_by_outside_ip_and_fields() -> None:
    named = VpnConnection(tunnels=[_t(psk="FAKE_one.key_example")], vpn_connection_id="vpn-1", routing="static")
    anonymous = VpnConnection(tunnels=[_t(cgw_outside_ip="198.51.100.10")], vpn_gateway_id="vgw-1", routing="static")
    report = Report()
    (c,) = merge_connections([anonymous, named], report, sources=["x.xml", "y.txt"])
    assert c == VpnConnection(
        tunnels=[_t(psk="FAKE_one.key_example", cgw_outside_ip="198.51.100.10")],
        vpn_connection_id="vpn-1",
        vpn_gateway_id="vgw-1",
        routing="static",
    )
    assert [d.code for d in report.diagnostics] == ["merged-tunnel", "merged-connection"]
    with pytest.raises(ValidationError) as err:
        merge_connections([named, attrs.evolve(named, routing="bgp")], Report(), sources=["y.txt", "z.json"])
    assert str(err.value) == (
        "z.json: connections: connection vpn-1 appears twice and differs in routing (static in y.txt, bgp in z.json)"
    )
    other = VpnConnection(tunnels=[_t()], vpn_connection_id="vpn-2")  # another id: never merged
    assert len(merge_connections([named, other], Report())) == 2


# ------------------------------------------------------------------ DescribeVpnConnections nested in JSON


def test_captured_responses_nested_and_collapsed() -> None:
    text = (LENIENT / "captured.json").read_text()
    assert ec2_json.detect(text) and vpnxlate.detect_format(text) == "ec2-json"
    conns, messages = parse_file(LENIENT / "captured.json")
    canonical, _ = parse_file(FIXTURES / "canonical" / "generic.txt")
    assert [c.vpn_connection_id for c in conns] == ["vpn-0c0ffee0123456789"]
    assert [t.psk for t in conns[0].tunnels] == [t.psk for t in canonical[0].tunnels]
    assert [(t.cgw_inside, t.aws_inside) for t in conns[0].tunnels] == [
        (t.cgw_inside, t.aws_inside) for t in canonical[0].tunnels
    ]
    assert messages == [
        "captured.json: connection vpn-0c0ffee0123456789 appears twice with the same content; keeping one"
    ]


def test_response_in_a_json_string_body() -> None:
    conns, messages = parse_file(LENIENT / "lambda-body.json")
    canonical, _ = parse_file(FIXTURES / "canonical" / "ec2" / "describe-cli.json")
    assert conns == canonical and messages == []


def test_nested_key_far_into_the_text_and_bare_list() -> None:
    inner = json.loads((FIXTURES / "canonical" / "ec2" / "describe-cli.json").read_text())
    padded = json.dumps({"log": ["x" * 1000] * 80, "result": {"data": inner}})  # the key after 64 KB
    assert padded.index("VpnConnections") > 65536
    assert vpnxlate.detect_format(padded) == "ec2-json"
    assert vpnxlate.parse(padded) == vpnxlate.parse(json.dumps(inner))
    bare = json.dumps(inner["VpnConnections"])  # aws ec2 describe-vpn-connections --query VpnConnections
    assert vpnxlate.detect_format(bare) == "ec2-json"
    assert vpnxlate.parse(bare) == vpnxlate.parse(json.dumps(inner))


def test_ec2_xml_document_escaped_twice() -> None:
    conns, messages = parse_file(LENIENT / "double-escaped.xml")
    canonical, _ = parse_file(FIXTURES / "canonical" / "ec2" / "describe.xml")
    assert conns == canonical
    assert messages == [
        "double-escaped.xml:12: vpn-0c0ffee0123456789: customerGatewayConfiguration is XML-escaped "
        "twice; read after unescaping it once more"
    ]
    assert "&amp;lt;vpn_connection" in (LENIENT / "double-escaped.xml").read_text()


def test_nested_without_connections_is_one_error() -> None:
    proc = run_cli("convert", "-", "--to", "json", "--from", "ec2-json", stdin='{"response": {"Other": []}}')
    assert_one_line_error(proc, "no VpnConnections, VpnConnection or VpnConnectionDeviceSampleConfiguration key")


# ------------------------------------------------------------------ --vyos-version by series


@pytest.mark.parametrize(
    ("given", "series"),
    [
        ("1.4.1", "1.4"),
        ("1.5-rolling-202411050024", "1.5"),
        ("1.3.8", "1.3"),
        ("1.2.9-S1", "1.2"),
        ("sagitta", "1.4"),
        ("1.1", "1.1"),
    ],
)
def test_vyos_version_by_series(given: str, series: str) -> None:
    proc = run_cli("convert", str(GENERIC), "--to", "vyos", "--vyos-version", given, "--redact", "-q")
    same = run_cli("convert", str(GENERIC), "--to", "vyos", "--vyos-version", series, "--redact", "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == same.stdout
    assert f"# vpnxlate: VyOS {series} set-commands" in proc.stdout


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("1.6", "--vyos-version: 1.6: unknown VyOS release train (known: 1.1, 1.2, 1.3, 1.4, 1.5)"),
        (
            "2.0.1",
            "--vyos-version: 2.0.1 (release train 2.0): unknown VyOS release train (known: 1.1, 1.2, 1.3, 1.4, 1.5)",
        ),
        (
            "1.4;reboot",
            "--vyos-version: 1.4;reboot is not a VyOS version (use a release train 1.1, 1.2, 1.3, 1.4, "
            "1.5 or a release such as 1.4.1)",
        ),
    ],
)
def test_vyos_version_unknown(given: str, message: str) -> None:
    proc = run_cli("convert", str(GENERIC), "--to", "vyos", "--vyos-version", given)
    assert assert_one_line_error(proc) == f"vpnxlate: error: {message}"
    with pytest.raises(EmitError, match=r"unknown VyOS release train|is not a VyOS version"):
        vpnxlate.emit(vpnxlate.parse(GENERIC.read_text()), "vyos", vyos_version=given)
