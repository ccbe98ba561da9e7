"""Tests of the ``aws-xml`` parser (the CustomerGatewayConfiguration document) and its XML safety."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from pathlib import Path

import attrs
import pytest

from tests.conftest import FIXTURES, ROOT, SHARED, assert_one_line_error, fixture_text, run_cli
from vpnxlate import detect_format, parse_report, safexml
from vpnxlate.errors import ParseError, PlaceholderError, Report, ValidationError
from vpnxlate.model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection
from vpnxlate.parsers import aws_xml

IKE = IkeOptions(encryption=("AES128",), integrity=("SHA1",), dh_groups=(2,), lifetime_s=28800, mode="main")
IPSEC = IpsecOptions(
    protocol="esp", encryption=("AES128",), integrity=("SHA1",), pfs_dh_groups=(2,), lifetime_s=3600, mode="tunnel"
)
ESP_EXTRAS = {
    "dpd_interval_s": 10,
    "dpd_retries": 3,
    "tcp_mss": 1379,
    "clear_df_bit": True,
    "fragmentation_before_encryption": True,
}


def _tunnel(aws: str, cgw_ip: str, inside: str, psk: str, bgp: bool) -> Tunnel:
    net = inside.rsplit(".", 1)[0]
    return Tunnel(
        aws_outside_ip=IPv4Address(aws),
        cgw_outside_ip=IPv4Address(cgw_ip),
        psk=psk,
        cgw_inside=IPv4Interface(f"{net}.2/30"),
        aws_inside=IPv4Interface(f"{net}.1/30"),
        ike=IKE,
        ipsec=IPSEC,
        bgp=Bgp(cgw_asn=65010, aws_asn=64512, neighbor_ip=IPv4Address(f"{net}.1"), hold_time=30) if bgp else None,
        **ESP_EXTRAS,
    )


def canonical_bgp() -> VpnConnection:
    """The canonical BGP connection (fixtures/README.md) as the XML document states it."""
    return VpnConnection(
        tunnels=(
            _tunnel("203.0.113.21", "198.51.100.10", "169.254.22.0", "FAKE_tunnel2.key_example", True),
            _tunnel("203.0.113.22", "198.51.100.10", "169.254.21.0", "FAKE_tunnel1.key_example", True),
        ),
        vpn_connection_id="vpn-0c0ffee0123456789",
        vpn_gateway_id="vgw-0c0ffee0123456789",
        customer_gateway_id="cgw-0c0ffee0123456789",
        routing="bgp",
    )


def canonical_static(wrapped: bool = False) -> VpnConnection:
    """The canonical static TGW connection; the EC2 wrappers add the TGW id and the static route."""
    return VpnConnection(
        tunnels=(
            _tunnel("203.0.113.61", "192.0.2.50", "169.254.61.0", "FAKE_static1.key_example", False),
            _tunnel("203.0.113.62", "192.0.2.50", "169.254.62.0", "FAKE_static2.key_example", False),
        ),
        vpn_connection_id="vpn-05a7e0000000000c1",
        customer_gateway_id="cgw-05a7e0000000000c1",
        transit_gateway_id="tgw-05a7e0000000000c1" if wrapped else None,
        routing="static",
        static_routes=("10.20.0.0/16",) if wrapped else None,
    )


def parse(rel_or_text: str, *, text: bool = False) -> tuple[list[VpnConnection], Report]:
    report = Report("test")
    source = rel_or_text if text else fixture_text(rel_or_text)
    return aws_xml.parse(source, report), report


def doc(body_tunnels: str, head: str = "") -> str:
    return (
        f'<vpn_connection id="vpn-0123abcd">\n  <customer_gateway_id>cgw-0123abcd</customer_gateway_id>\n'
        f"  <vpn_gateway_id>vgw-0123abcd</vpn_gateway_id>\n{head}{body_tunnels}</vpn_connection>"
    )


def tunnel_xml(
    aws: str = "203.0.113.5",
    psk: str = "FAKE_inline.key_example",
    extra: str = "",
    ike: str = "<encryption_protocol>aes-128-cbc</encryption_protocol>",
) -> str:
    return (
        f"<ipsec_tunnel><customer_gateway><tunnel_outside_address><ip_address>198.51.100.5</ip_address>"
        f"</tunnel_outside_address>{extra}</customer_gateway><vpn_gateway><tunnel_outside_address>"
        f"<ip_address>{aws}</ip_address></tunnel_outside_address></vpn_gateway>"
        f"<ike>{ike}<pre_shared_key>{psk}</pre_shared_key></ike></ipsec_tunnel>\n"
    )


# ------------------------------------------------------------------ fixtures, exact values


def test_canonical_connection_exact() -> None:
    conns, report = parse("canonical/connection.xml")
    assert conns == [canonical_bgp()]
    assert report.diagnostics == []
    # the identity rule: ordered by AWS outside IP, not by file position (tunnel #1 is .22)
    assert [str(t.aws_outside_ip) for t in conns[0].tunnels] == ["203.0.113.21", "203.0.113.22"]


def test_canonical_static_exact() -> None:
    conns, report = parse("canonical/static.xml")
    assert conns == [canonical_static()]
    assert conns[0].vpn_gateway_id is None and conns[0].routing == "static"
    assert all(t.bgp is None for t in conns[0].tunnels)
    assert report.diagnostics == []


def test_canonical_formatting_like_aws() -> None:
    raw = (FIXTURES / "canonical/connection.xml").read_bytes()
    assert raw.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<vpn_connection id="vpn-0c0ffee0123456789">\n  <customer_gateway_id>'
    )
    assert raw.endswith(b"</vpn_connection>") and b"\r" not in raw and b"\t" not in raw


def test_no_declaration_leading_blank_lines() -> None:
    text = fixture_text("xml/no-declaration.xml")
    assert text.startswith("\n\n   \n  <vpn_connection")
    conns, report = parse(text, text=True)
    assert conns == [canonical_bgp()] and report.diagnostics == []


def test_declaration_after_whitespace_and_crlf_and_bytes() -> None:
    text = fixture_text("canonical/connection.xml")
    assert aws_xml.parse("\n  " + text.replace("\n", "\r\n"), Report()) == [canonical_bgp()]
    assert aws_xml.parse_document(text.encode("utf-8"), Report()) == canonical_bgp()
    assert aws_xml.parse_document(b"\xef\xbb\xbf" + text.encode("utf-8"), Report()) == canonical_bgp()


def test_moto_padded_values_and_identical_duplicate_tunnels() -> None:
    conns, report = parse("xml/moto-padded.xml")
    assert len(conns) == 1
    c = conns[0]
    assert (c.vpn_connection_id, c.vpn_gateway_id, c.customer_gateway_id, c.routing) == (
        "vpn-1a2b3c4d",
        "vgw-1a2b3c4d",
        "cgw-1a2b3c4d",
        "bgp",
    )
    assert len(c.tunnels) == 1
    t = c.tunnels[0]
    assert t.aws_outside_ip == IPv4Address("203.0.113.80") and t.cgw_outside_ip == IPv4Address("198.51.100.77")
    assert t.psk == "FAKE_moto.key_example"
    assert (t.cgw_inside, t.aws_inside) == (IPv4Interface("169.254.44.42/30"), IPv4Interface("169.254.44.41/30"))
    assert t.bgp == Bgp(cgw_asn=65000, aws_asn=64512, neighbor_ip=IPv4Address("169.254.44.41"), hold_time=30)
    assert t.tcp_mss == 1387 and t.ike == IKE and t.ipsec == IPSEC
    assert report.messages() == [
        "test:59: vpn-1a2b3c4d: two identical tunnels with AWS outside IP 203.0.113.80; keeping one"
    ]


def test_tgw_ipv6_inside_addresses() -> None:
    conns, report = parse("xml/tgw-ipv6.xml")
    (c,) = conns
    assert (c.vpn_connection_id, c.vpn_gateway_id, c.transit_gateway_id, c.routing) == (
        "vpn-0a6e0000000000006",
        None,
        None,
        "bgp",
    )
    assert [str(t.aws_outside_ip) for t in c.tunnels] == ["203.0.113.65", "203.0.113.66"]
    t65, t66 = c.tunnels
    assert t65.cgw_inside is None and t65.aws_inside is None
    assert t65.cgw_inside_v6 == IPv6Interface("fd00:0:0:65::2/126")
    assert t65.aws_inside_v6 == IPv6Interface("fd00:0:0:65::1/126")
    assert t66.cgw_inside_v6 == IPv6Interface("fd00:0:0:66::2/126")
    assert t65.bgp == Bgp(cgw_asn=65010, aws_asn=64512, neighbor_ip=IPv6Address("fd00:0:0:65::1"), hold_time=30)
    assert t66.psk == "FAKE_v6tunnel1.key_example" and t65.psk == "FAKE_v6tunnel2.key_example"
    assert report.diagnostics == []


def test_openstack_single_tunnel_aes128_spelling() -> None:
    conns, report = parse("xml/openstack-single.xml")
    (c,) = conns
    assert (c.vpn_connection_id, c.vpn_gateway_id, c.routing) == ("vpn-4a1b2c3d", "vgw-4a1b2c3d", "static")
    (t,) = c.tunnels
    assert t.aws_outside_ip == IPv4Address("203.0.113.40") and t.psk == "FAKE_openstack.key_example"
    assert t.ike == IKE and t.ipsec == IPSEC  # "aes-128" and IPsec "sha1" map to AES128/SHA1
    assert t.cgw_inside is None and t.bgp is None
    assert report.diagnostics == []


def test_missing_optional_subtrees() -> None:
    conns, report = parse("xml/missing-subtrees.xml")
    (c,) = conns
    assert (c.vpn_connection_id, c.customer_gateway_id, c.vpn_gateway_id, c.routing) == (
        "vpn-0bad5ab7ee0000001",
        None,
        "vgw-0bad5ab7ee0000001",
        "static",
    )
    t91, t92 = c.tunnels
    assert t91 == Tunnel(
        aws_outside_ip=IPv4Address("203.0.113.91"),
        cgw_outside_ip=IPv4Address("198.51.100.90"),
        psk="FAKE_missing1.key_example",
        cgw_inside=IPv4Interface("169.254.91.2/30"),
        aws_inside=IPv4Interface("169.254.91.1/30"),
        ike=IKE,
    )
    assert t92 == Tunnel(aws_outside_ip=IPv4Address("203.0.113.92"), cgw_outside_ip=IPv4Address("198.51.100.90"))
    assert report.diagnostics == []


def test_detect_and_format_detection() -> None:
    for rel in (
        "canonical/connection.xml",
        "canonical/static.xml",
        "xml/no-declaration.xml",
        "xml/moto-padded.xml",
        "xml/tgw-ipv6.xml",
        "xml/openstack-single.xml",
        "xml/missing-subtrees.xml",
        "bad/xml-xxe-file.xml",
        "bad/xml-billion-laughs.xml",
        "bad/xml-deep.xml",
    ):
        assert detect_format(fixture_text(rel)) == "aws-xml", rel
    assert not aws_xml.detect(fixture_text("canonical/ec2/describe.xml").replace("<vpnConnectionSet>", ""))
    assert not aws_xml.detect('{"VpnConnections": [{"CustomerGatewayConfiguration": "<vpn_connection id=\\"x\\">"}]}')
    assert not aws_xml.detect("Amazon Web Services\n<vpn_connection ")


def test_detect_does_not_import_lxml() -> None:
    code = (
        "import sys, vpnxlate; from vpnxlate.parsers import aws_xml, ec2_xml, ec2_json\n"
        "t = open(sys.argv[1]).read()\n"
        "assert aws_xml.detect(t) and not ec2_xml.detect(t) and not ec2_json.detect(t)\n"
        "assert 'lxml' not in sys.modules, 'lxml imported'\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(FIXTURES / "canonical/connection.xml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


# ------------------------------------------------------------------ mapping rules


def test_values_are_stripped_and_spellings_mapped() -> None:
    text = doc(
        tunnel_xml(
            ike="<authentication_protocol> hmac-sha256 </authentication_protocol>"
            "<encryption_protocol> AES-256-CBC </encryption_protocol>"
            "<perfect_forward_secrecy> group14 </perfect_forward_secrecy>"
            "<lifetime> 28800 </lifetime><mode> Main </mode>"
        )
    )
    (c,) = aws_xml.parse(text, Report())
    assert c.tunnels[0].ike == IkeOptions(
        encryption=("AES256",), integrity=("SHA2-256",), dh_groups=(14,), lifetime_s=28800, mode="main"
    )
    assert c.routing == "static" and c.tunnels[0].psk == "FAKE_inline.key_example"


def test_unknown_algorithm_names_field_and_line() -> None:
    text = doc(tunnel_xml(ike="<encryption_protocol>des-cbc</encryption_protocol>"))
    with pytest.raises(ValidationError) as exc:
        aws_xml.parse(text, Report())
    e = exc.value
    assert e.field == "ipsec_tunnel[1]/ike/encryption_protocol" and e.line == 4
    assert "des-cbc" in str(e)


def test_missing_outside_address_is_an_error() -> None:
    text = doc("<ipsec_tunnel><ike><pre_shared_key>FAKE_x.key_example</pre_shared_key></ike></ipsec_tunnel>\n")
    with pytest.raises(ParseError, match="vpn_gateway/tunnel_outside_address/ip_address") as exc:
        aws_xml.parse(text, Report())
    assert exc.value.line == 4 and exc.value.field == "ipsec_tunnel[1]"


def test_no_tunnels_is_an_error() -> None:
    with pytest.raises(ValidationError, match="no <ipsec_tunnel>"):
        aws_xml.parse(doc(""), Report())


def test_same_outside_ip_different_psk_is_an_error_without_the_key() -> None:
    text = doc(tunnel_xml(psk="FAKE_first.key_example") + tunnel_xml(psk="FAKE_second.key_example"))
    with pytest.raises(ValidationError) as exc:
        aws_xml.parse(text, Report())
    msg = str(exc.value)
    assert "203.0.113.5" in msg and "psk" in msg and exc.value.line == 5
    assert "FAKE_first" not in msg and "FAKE_second" not in msg


def test_no_bgp_attribute_wins_over_bgp_elements() -> None:
    bgp = "<bgp><asn>65000</asn><hold_time>30</hold_time></bgp>"
    text = doc(
        tunnel_xml(extra=bgp).replace(
            "</tunnel_outside_address></vpn_gateway>",
            f"</tunnel_outside_address>{bgp.replace('65000', '64512')}</vpn_gateway>",
        ),
        head="  <vpn_connection_attributes>NoBGPVPNConnection</vpn_connection_attributes>\n",
    )
    report = Report("t")
    (c,) = aws_xml.parse(text, report)
    assert c.routing == "static" and c.tunnels[0].bgp is None
    assert report.messages() == [
        "t:4: vpn-0123abcd: vpn_connection_attributes says NoBGPVPNConnection but "
        "tunnels carry <bgp> elements; reading a static connection and ignoring them"
    ]


def test_half_bgp_leaves_the_other_asn_null() -> None:  # a partial document (issue 9): warn, never guess
    text = doc(tunnel_xml(extra="<bgp><asn>65000</asn></bgp>"))
    report = Report("t")
    (c,) = aws_xml.parse(text, report)
    assert c.routing == "bgp" and c.tunnels[0].bgp == Bgp(cgw_asn=65000, aws_asn=None)
    assert report.messages() == [
        "t:4: ipsec_tunnel[1]: customer_gateway/bgp/asn is given but vpn_gateway/bgp/asn "
        "is missing (a partial document?); that ASN is not stated"
    ]


def test_mask_without_cidr_and_disagreeing_mask() -> None:
    inside = (
        "<tunnel_inside_address><ip_address>169.254.9.2</ip_address>"
        "<network_mask>255.255.255.252</network_mask></tunnel_inside_address>"
    )
    (c,) = aws_xml.parse(doc(tunnel_xml(extra=inside)), Report())
    assert c.tunnels[0].cgw_inside == IPv4Interface("169.254.9.2/30")
    bad = inside.replace("</network_mask>", "</network_mask><network_cidr>29</network_cidr>")
    with pytest.raises(ParseError, match="disagree"):
        aws_xml.parse(doc(tunnel_xml(extra=bad)), Report())


def test_placeholder_psk_is_a_placeholder_error() -> None:
    with pytest.raises(PlaceholderError):
        aws_xml.parse(doc(tunnel_xml(psk="PRE-SHARED-KEY-IN-PLAIN-TEXT")), Report())


def test_wrong_root_suggests_ec2_xml() -> None:
    text = fixture_text("canonical/ec2/describe.xml")
    with pytest.raises(ParseError, match=r"root element is <DescribeVpnConnectionsResponse>.*--from ec2-xml"):
        aws_xml.parse(text, Report())


def test_line_offset_and_fixed_line() -> None:
    text = doc(tunnel_xml(ike="<encryption_protocol>des-cbc</encryption_protocol>"))
    with pytest.raises(ValidationError) as exc:
        aws_xml.parse_document(text, Report(), line_offset=100)
    assert exc.value.line == 104
    with pytest.raises(ValidationError) as exc:
        aws_xml.parse_document(text, Report(), fixed_line=7)
    assert exc.value.line == 7


def test_swanlab_reads_our_fixtures() -> None:
    swanlab = SHARED / "swanlab"
    if not (swanlab / "swl" / "spec.py").exists():
        pytest.skip("../shared/swanlab not found")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from swl import spec\n"
        "for p in sys.argv[2:]:\n"
        "    s = spec.load(p); print(s['customer_gateway_ip'], *(t['outside_ip'] for t in s['tunnels']))\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(swanlab),
            "fixtures/canonical/connection.xml",
            "fixtures/canonical/static.xml",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "198.51.100.10 203.0.113.22 203.0.113.21",
        "192.0.2.50 203.0.113.61 203.0.113.62",
    ]


# ------------------------------------------------------------------ safety

ATTACKS = ["bad/xml-xxe-file.xml", "bad/xml-xxe-http.xml", "bad/xml-billion-laughs.xml", "bad/xml-external-dtd.xml"]


@pytest.mark.parametrize("rel", ATTACKS)
def test_dtd_attacks_refused_quickly(rel: str) -> None:
    text = fixture_text(rel)
    start = time.monotonic()
    with pytest.raises(ParseError) as exc:
        parse_report(text, source=rel)
    assert time.monotonic() - start < 2
    assert "DTDs/entities are not allowed" in str(exc.value)
    assert exc.value.line == 2
    assert "root:" not in str(exc.value)


def test_deep_nesting_refused() -> None:
    start = time.monotonic()
    with pytest.raises(ParseError, match="nested deeper than 50 elements") as exc:
        parse_report(fixture_text("bad/xml-deep.xml"))
    assert time.monotonic() - start < 2 and exc.value.line == 3
    # below libxml2's own limit: our check
    text = doc(tunnel_xml(extra="<x>" * 60 + "</x>" * 60))
    with pytest.raises(ParseError, match="nested deeper than 50 elements"):
        aws_xml.parse(text, Report())
    # 40 levels of unknown elements are fine (and ignored)
    (c,) = aws_xml.parse(doc(tunnel_xml(extra="<x>" * 40 + "</x>" * 40)), Report())
    assert c.tunnels[0].aws_outside_ip == IPv4Address("203.0.113.5")


def test_huge_text_node_refused() -> None:
    text = doc(tunnel_xml(extra="<note>" + "a" * (1024 * 1024 + 1) + "</note>"))
    start = time.monotonic()
    with pytest.raises(ParseError, match="text node") as exc:
        aws_xml.parse(text, Report())
    assert time.monotonic() - start < 2 and exc.value.line == 4


def _marker_file(tmp_path: Path) -> tuple[Path, str]:
    marker = "VPNXLATE_XXE_MARKER_7f3a9c"
    secret = tmp_path / "secret.txt"
    secret.write_text(marker + "\n")
    return secret, marker


def test_xxe_with_marker_file_never_read(tmp_path: Path) -> None:
    secret, marker = _marker_file(tmp_path)
    text = fixture_text("bad/xml-xxe-file.xml").replace("file:///etc/passwd", secret.as_uri())
    assert secret.as_uri() in text
    report = Report("x")
    with pytest.raises(ParseError) as exc:
        aws_xml.parse(text, report)
    assert marker not in str(exc.value) and marker not in repr(exc.value) and report.diagnostics == []
    # a parameter entity / entity without DOCTYPE keyword spelled in lower case is refused too
    with pytest.raises(ParseError, match="DTDs/entities"):
        aws_xml.parse(text.replace("<!DOCTYPE", "<!doctype"), Report())
    # defence in depth: even without the pre-check, the parser configuration resolves nothing
    from lxml import etree

    root = etree.fromstring(text.split("\n", 1)[1].encode(), safexml.xml_parser())
    assert marker not in etree.tostring(root, encoding="unicode")


def test_xxe_cli_with_fifo_never_opened(tmp_path: Path) -> None:
    # a FIFO blocks whoever opens it: a parser that tried to read the entity would hang
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    target = tmp_path / "xxe.xml"
    target.write_text(fixture_text("bad/xml-xxe-file.xml").replace("file:///etc/passwd", fifo.as_uri()))
    secret, marker = _marker_file(tmp_path)
    target2 = tmp_path / "xxe2.xml"
    target2.write_text(fixture_text("bad/xml-xxe-file.xml").replace("file:///etc/passwd", secret.as_uri()))
    for path in (target, target2):
        start = time.monotonic()
        proc = run_cli("convert", str(path), "--to", "json", timeout=10)
        assert time.monotonic() - start < 10
        line = assert_one_line_error(proc, f"{path}:2:", "DTDs/entities are not allowed")
        assert marker not in line and marker not in proc.stdout


def test_cli_invalid_xml_one_line_with_line_number() -> None:
    proc = run_cli("convert", "fixtures/bad/xml-invalid.xml", "--to", "json")
    assert_one_line_error(
        proc,
        "fixtures/bad/xml-invalid.xml:15: invalid XML: Opening and ending tag mismatch: "
        "tunnel_inside_address line 11 and tunnel_inside_adress",
    )


def test_cli_canonical_to_json_has_no_warnings() -> None:
    proc = run_cli("convert", "fixtures/canonical/connection.xml", "--to", "json")
    assert proc.returncode == 0 and proc.stderr == ""
    assert '"aws_outside_ip": "203.0.113.21"' in proc.stdout


def test_empty_and_declaration_only_documents() -> None:
    for text in ("", "   \n", '<?xml version="1.0" encoding="UTF-8"?>'):
        with pytest.raises(ParseError, match="no XML content"):
            aws_xml.parse_document(text, Report())


def test_psk_never_in_repr() -> None:
    conns, _ = parse("canonical/connection.xml")
    assert "FAKE_tunnel" not in repr(conns)
    assert attrs.evolve(conns[0]).tunnels[0].psk == "FAKE_tunnel2.key_example"
