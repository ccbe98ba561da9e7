"""Tests of the EC2 wrappers: ``ec2-xml`` (Query API responses) and ``ec2-json`` (CLI / boto3 output)."""

from __future__ import annotations

import copy
import json
import time
from ipaddress import IPv4Address, IPv4Interface, IPv6Interface
from pathlib import Path

import attrs
import pytest

from tests.conftest import assert_one_line_error, fixture_text, run_cli
from tests.test_parser_xml import IKE, IPSEC, canonical_bgp, canonical_static
from vpnxlate import detect_format, parse_report
from vpnxlate.errors import FormatError, ParseError, PlaceholderError, Report, ValidationError
from vpnxlate.model import TUNNEL_OPTION_LISTS, Bgp, IkeOptions, IpsecOptions, VpnConnection
from vpnxlate.parsers import aws_generic, ec2_json, ec2_xml


def parse(rel: str, text: str | None = None) -> tuple[list[VpnConnection], Report]:
    source = text if text is not None else fixture_text(rel)
    conns, report = parse_report(source, source=rel, lint=False)
    return conns, report


def cli_doc() -> dict:
    return json.loads(fixture_text("canonical/ec2/describe-cli.json"))


# ------------------------------------------------------------------ every canonical form


@pytest.mark.parametrize(
    "rel, fmt",
    [
        ("canonical/ec2/describe.xml", "ec2-xml"),
        ("canonical/ec2/describe-cli.json", "ec2-json"),
        ("xml/terraform-u003c.json", "ec2-json"),
    ],
)
def test_describe_with_both_canonical_connections(rel: str, fmt: str) -> None:
    text = fixture_text(rel)
    assert detect_format(text) == fmt
    conns, report = parse(rel)
    wanted = [canonical_bgp(), canonical_static(wrapped=True)]
    if rel.startswith("xml/terraform"):
        wanted = [canonical_static(wrapped=True)]
        assert "\\u003cvpn_connection" in text and "<vpn_connection" not in text
    assert conns == wanted
    assert report.diagnostics == []


@pytest.mark.parametrize(
    "rel, fmt",
    [
        ("canonical/ec2/create.xml", "ec2-xml"),
        ("xml/ec2-2013-10-15.xml", "ec2-xml"),
        ("canonical/ec2/boto3-single.json", "ec2-json"),
        ("xml/double-escaped.json", "ec2-json"),
        ("xml/comments.json", "ec2-json"),
    ],
)
def test_single_canonical_connection(rel: str, fmt: str) -> None:
    assert detect_format(fixture_text(rel)) == fmt
    conns, report = parse(rel)
    assert conns == [canonical_bgp()]
    assert report.diagnostics == []


def test_fixture_shapes_are_what_they_claim() -> None:
    create = fixture_text("canonical/ec2/create.xml")
    assert '<CreateVpnConnectionResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15">' in create
    assert "&lt;vpn_connection id=&quot;vpn-0c0ffee0123456789&quot;&gt;" in create
    old = fixture_text("xml/ec2-2013-10-15.xml")
    assert 'xmlns="http://ec2.amazonaws.com/doc/2013-10-15/"' in old
    boto3 = json.loads(fixture_text("canonical/ec2/boto3-single.json"))
    assert boto3["VpnConnection"]["VgwTelemetry"][0]["LastStatusChange"] == "2023-05-02 10:47:58+00:00"
    dbl = json.loads(fixture_text("xml/double-escaped.json"))["VpnConnections"][0]["CustomerGatewayConfiguration"]
    assert "\n" not in dbl and "\\n" in dbl and "<\\/ip_address>" in dbl
    assert fixture_text("xml/comments.json").startswith("# Output of: aws ec2 describe-vpn-connections")


def test_ids_and_routes_from_the_wrapper() -> None:
    conns, _ = parse("canonical/ec2/describe.xml")
    static = conns[1]
    assert static.transit_gateway_id == "tgw-05a7e0000000000c1" and static.vpn_gateway_id is None
    assert [str(n) for n in static.static_routes or ()] == ["10.20.0.0/16"]
    assert conns[0].static_routes is None and conns[0].routing == "bgp"


# ------------------------------------------------------------------ TunnelOptions


def test_tunnel_options_merged_by_outside_ip_not_by_index() -> None:
    doc = json.loads(fixture_text("xml/tunnel-options.json"))
    options = doc["VpnConnections"][0]["Options"]["TunnelOptions"]
    cfg = doc["VpnConnections"][0]["CustomerGatewayConfiguration"]
    # the fixture lists TunnelOptions in the reverse order of the document's tunnels
    assert [o["OutsideIpAddress"] for o in options] == ["203.0.113.21", "203.0.113.22"]
    assert cfg.index("203.0.113.22") < cfg.index("203.0.113.21")
    conns, report = parse("xml/tunnel-options.json")
    (c,) = conns
    custom_ike = IkeOptions(
        versions=("ikev2",),
        encryption=("AES256",),
        integrity=("SHA2-256",),
        dh_groups=(14,),
        lifetime_s=14400,
        mode="main",
    )
    custom_ipsec = IpsecOptions(
        protocol="esp",
        encryption=("AES256",),
        integrity=("SHA2-256",),
        pfs_dh_groups=(14,),
        lifetime_s=1800,
        mode="tunnel",
    )
    extras = {
        "ike": custom_ike,
        "ipsec": custom_ipsec,
        "rekey_margin_s": 540,
        "rekey_fuzz_pct": 100,
        "replay_window": 1024,
        "dpd_timeout_s": 30,
        "dpd_timeout_action": "restart",
        "startup_action": "start",
        # the algorithm lists TunnelOptions state are AWS's complete accepted sets
        "stated_tunnel_options": tuple(sorted(k for k in options[0] if k in TUNNEL_OPTION_LISTS)),
    }
    assert len(extras["stated_tunnel_options"]) == 7
    base = canonical_bgp()
    t21, t22 = base.tunnels
    assert c == attrs.evolve(
        base, tunnels=(attrs.evolve(t21, psk="FAKE_tunnel2.rotated_key", **extras), attrs.evolve(t22, **extras))
    )
    # inside addresses stay with their own tunnel (index pairing would have swapped them)
    assert c.tunnels[0].cgw_inside == IPv4Interface("169.254.22.2/30")
    msgs = report.messages()
    assert len(msgs) == 2
    m21, m22 = msgs
    assert m21.startswith(
        "xml/tunnel-options.json:4: vpn-0c0ffee0123456789: tunnel 203.0.113.21: "
        "Options.TunnelOptions disagree with the embedded CustomerGatewayConfiguration in "
        "PreSharedKey (values not shown); Phase1EncryptionAlgorithms (document AES128, "
        "TunnelOptions AES256); "
    )
    for field in (
        "Phase1IntegrityAlgorithms (document SHA1, TunnelOptions SHA2-256)",
        "Phase1DHGroupNumbers (document 2, TunnelOptions 14)",
        "Phase2EncryptionAlgorithms (document AES128, TunnelOptions AES256)",
        "Phase2IntegrityAlgorithms (document SHA1, TunnelOptions SHA2-256)",
        "Phase2DHGroupNumbers (document 2, TunnelOptions 14)",
        "Phase1LifetimeSeconds (document 28800, TunnelOptions 14400)",
        "Phase2LifetimeSeconds (document 3600, TunnelOptions 1800)",
    ):
        assert field in m21 and field in m22
    assert "tunnel 203.0.113.22:" in m22 and "PreSharedKey" not in m22  # same key there: no complaint
    for m in msgs:
        assert "FAKE_" not in m and "IkeVersions" not in m  # the document states no IKE version


def _with_options(options: list[dict], cfg: str | None = None, **conn: object) -> str:
    doc = cli_doc()
    c = doc["VpnConnections"][0]
    c["Options"]["TunnelOptions"] = options
    if cfg is not None:
        c["CustomerGatewayConfiguration"] = cfg
    c.update(conn)
    doc["VpnConnections"] = [c]
    return json.dumps(doc, indent=4)


def test_tunnel_options_inside_cidr_disagreement_moves_bgp_neighbor() -> None:
    text = _with_options([{"OutsideIpAddress": "203.0.113.22", "TunnelInsideCidr": "169.254.99.0/30"}])
    conns, report = parse("t.json", text)
    t22 = conns[0].tunnels[1]
    assert (t22.cgw_inside, t22.aws_inside) == (IPv4Interface("169.254.99.2/30"), IPv4Interface("169.254.99.1/30"))
    assert t22.bgp == Bgp(cgw_asn=65010, aws_asn=64512, neighbor_ip=IPv4Address("169.254.99.1"), hold_time=30)
    assert conns[0].tunnels[0] == canonical_bgp().tunnels[0]
    assert report.messages() == [
        "t.json:4: vpn-0c0ffee0123456789: tunnel 203.0.113.22: Options.TunnelOptions disagree with the embedded "
        "CustomerGatewayConfiguration in TunnelInsideCidr (document 169.254.21.2/30, TunnelOptions "
        "169.254.99.2/30); using TunnelOptions (AWS does not update the document when tunnel options change)"
    ]


def test_tunnel_options_ipv6_cidr_and_unknown_outside_ip() -> None:
    text = _with_options(
        [
            {"OutsideIpAddress": "203.0.113.21", "TunnelInsideIpv6Cidr": "fd00:0:0:21::/126"},
            {"OutsideIpAddress": "203.0.113.99", "PreSharedKey": "FAKE_other.key_example"},
            {"TunnelInsideCidr": "169.254.50.0/30"},
        ]
    )
    conns, report = parse("t.json", text)
    t21 = conns[0].tunnels[0]
    assert (t21.cgw_inside_v6, t21.aws_inside_v6) == (
        IPv6Interface("fd00:0:0:21::2/126"),
        IPv6Interface("fd00:0:0:21::1/126"),
    )
    assert t21.bgp is not None and t21.bgp.neighbor_ip == IPv4Address("169.254.22.1")  # IPv4 session stays
    assert [str(t.aws_outside_ip) for t in conns[0].tunnels] == ["203.0.113.21", "203.0.113.22"]
    assert report.messages() == [
        "t.json:4: vpn-0c0ffee0123456789: Options.TunnelOptions[1] is for outside IP 203.0.113.99, which no tunnel "
        "of the embedded document has; ignored",
        "t.json:4: vpn-0c0ffee0123456789: Options.TunnelOptions[2] has no OutsideIpAddress; it cannot be matched "
        "to a tunnel and is ignored",
    ]


def test_tunnels_built_from_tunnel_options_when_document_has_none() -> None:
    cfg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<vpn_connection id="vpn-0c0ffee0123456789">\n'
        "  <customer_gateway_id>cgw-0c0ffee0123456789</customer_gateway_id>\n"
        "  <vpn_gateway_id>vgw-0c0ffee0123456789</vpn_gateway_id>\n</vpn_connection>"
    )
    options = [
        {
            "OutsideIpAddress": "203.0.113.22",
            "TunnelInsideCidr": "169.254.21.0/30",
            "PreSharedKey": "FAKE_tunnel1.key_example",
            "IkeVersions": [{"Value": "ikev2"}],
        },
        {"OutsideIpAddress": "203.0.113.21", "TunnelInsideCidr": "169.254.22.0/30"},
    ]
    text = _with_options(options, cfg, Options={"StaticRoutesOnly": True, "TunnelOptions": options})
    conns, report = parse("t.json", text)
    (c,) = conns
    assert c.routing == "static"
    (t,) = c.tunnels
    assert (t.aws_outside_ip, t.psk, t.cgw_inside, t.aws_inside, t.ike.versions) == (
        IPv4Address("203.0.113.22"),
        "FAKE_tunnel1.key_example",
        IPv4Interface("169.254.21.2/30"),
        IPv4Interface("169.254.21.1/30"),
        ("ikev2",),
    )
    assert report.messages() == [
        "t.json:4: vpn-0c0ffee0123456789: Options.TunnelOptions[1] (tunnel 203.0.113.21) lacks TunnelInsideCidr "
        "or PreSharedKey; cannot build a tunnel from it"
    ]


def test_bad_tunnel_option_value_is_located() -> None:
    text = _with_options([{"OutsideIpAddress": "203.0.113.21", "Phase1DHGroupNumbers": [{"Value": 1}]}])
    with pytest.raises(ValidationError) as exc:
        parse("t.json", text)
    assert exc.value.field == "Options.TunnelOptions[0].Phase1DHGroupNumbers"
    assert "vpn-0c0ffee0123456789" in str(exc.value) and exc.value.line == 4


def test_ec2_xml_tunnel_option_set_merged_by_outside_ip() -> None:
    items = "".join(
        f"<item><outsideIpAddress>{ip}</outsideIpAddress><tunnelInsideCidr>{cidr}</tunnelInsideCidr>"
        "<phase1EncryptionAlgorithmSet><item><value>AES256</value></item></phase1EncryptionAlgorithmSet>"
        "<phase2DHGroupNumberSet><item><value>14</value></item><item><value>15</value></item>"
        "</phase2DHGroupNumberSet><ikeVersionSet><item><value>ikev2</value></item></ikeVersionSet>"
        "<phase1LifetimeSeconds>14400</phase1LifetimeSeconds></item>"
        for ip, cidr in (("203.0.113.21", "169.254.22.0/30"), ("203.0.113.22", "169.254.21.0/30"))
    )
    text = fixture_text("canonical/ec2/create.xml").replace(
        "</staticRoutesOnly>", f"</staticRoutesOnly><tunnelOptionSet>{items}</tunnelOptionSet>"
    )
    conns, report = parse("c.xml", text)
    ike = attrs.evolve(IKE, encryption=("AES256",), versions=("ikev2",), lifetime_s=14400)
    ipsec = attrs.evolve(IPSEC, pfs_dh_groups=(14, 15))
    base = canonical_bgp()
    stated = ("IkeVersions", "Phase1EncryptionAlgorithms", "Phase2DHGroupNumbers")
    tunnels = tuple(attrs.evolve(t, ike=ike, ipsec=ipsec, stated_tunnel_options=stated) for t in base.tunnels)
    assert conns == [attrs.evolve(base, tunnels=tunnels)]
    assert len(report.diagnostics) == 2
    assert report.messages()[0].startswith(
        "c.xml:4: vpn-0c0ffee0123456789: tunnel 203.0.113.21: options/tunnelOptionSet disagree with the embedded "
        "CustomerGatewayConfiguration in Phase1EncryptionAlgorithms (document AES128, TunnelOptions AES256); "
        "Phase2DHGroupNumbers (document 2, TunnelOptions 14,15); Phase1LifetimeSeconds"
    )


# ------------------------------------------------------------------ wrapper rules


def test_wrapper_ids_win_with_a_warning() -> None:
    text = fixture_text("canonical/ec2/describe.xml").replace(
        "<customerGatewayId>cgw-0c0ffee0123456789</customerGatewayId>",
        "<customerGatewayId>cgw-0aaaaaaaaaaaaaaaa</customerGatewayId>",
    )
    conns, report = parse("d.xml", text)
    assert conns[0].customer_gateway_id == "cgw-0aaaaaaaaaaaaaaaa"
    assert report.messages() == [
        "d.xml:5: vpn-0c0ffee0123456789: the wrapper's customerGatewayId cgw-0aaaaaaaaaaaaaaaa differs from the "
        "document's customer_gateway_id cgw-0c0ffee0123456789; using cgw-0aaaaaaaaaaaaaaaa"
    ]


def test_static_routes_only_overrides_bgp_document() -> None:
    doc = cli_doc()
    c = doc["VpnConnections"][0]
    c["Options"]["StaticRoutesOnly"] = True
    c["Routes"] = [
        {"DestinationCidrBlock": "10.30.0.0/16", "State": "available"},
        {"DestinationCidrBlock": "10.31.0.0/16", "State": "deleted"},
    ]
    conns, report = parse("s.json", json.dumps({"VpnConnections": [c]}, indent=4))
    (conn,) = conns
    assert conn.routing == "static" and all(t.bgp is None for t in conn.tunnels)
    assert [str(n) for n in conn.static_routes or ()] == ["10.30.0.0/16"]
    assert report.messages() == [
        "s.json:4: vpn-0c0ffee0123456789: static route 10.31.0.0/16 is deleted; left out",
        "s.json:4: vpn-0c0ffee0123456789: Options.StaticRoutesOnly is true but the document has BGP settings; "
        "reading a static connection and ignoring them",
    ]


def test_deleted_connection_without_document_is_skipped() -> None:
    doc = cli_doc()
    gone = copy.deepcopy(doc["VpnConnections"][0])
    gone.update(VpnConnectionId="vpn-0dead0000000000de", State="deleted")
    del gone["CustomerGatewayConfiguration"]
    doc["VpnConnections"].insert(0, gone)
    conns, report = parse("d.json", json.dumps(doc, indent=4))
    assert conns == [canonical_bgp(), canonical_static(wrapped=True)]
    assert report.messages() == ["d.json: vpn-0dead0000000000de is deleted and has no configuration; skipped"]
    # only deleted connections: nothing to convert
    with pytest.raises(ParseError, match="no VPN connection found"):
        parse("d.json", json.dumps({"VpnConnections": [gone]}))
    xml = fixture_text("bad/ec2-truncated.xml").replace("<state>available</state>", "<state>deleting</state>")
    xml = xml.replace('&lt;?xml version="1.0" encoding="UTF-8"?&gt;', "")
    with pytest.raises(ParseError, match="no VPN connection found"):
        parse("d.xml", xml)


def test_vpn_connections_as_object_and_bare_list() -> None:
    doc = cli_doc()
    as_object = json.dumps({"VpnConnections": doc["VpnConnections"][0]})
    assert parse("o.json", as_object)[0] == [canonical_bgp()]
    bare = json.dumps(doc["VpnConnections"], indent=2)  # --query 'VpnConnections'
    assert ec2_json.detect(bare)
    conns, _ = parse_report(bare, "ec2-json", source="l.json", lint=False)
    assert conns == [canonical_bgp(), canonical_static(wrapped=True)]


def test_detect_does_not_claim_vpnxlate_json() -> None:
    assert not ec2_json.detect('{"connections": [{"tunnels": []}]}')
    assert not ec2_json.detect('{"vpnxlate_json": 1, "connections": []}')
    assert detect_format('{"vpnxlate_json": 1, "connections": []}') == "json"
    assert ec2_json.detect('# note\n{"VpnConnection": {}}')
    assert not ec2_json.detect("<vpn_connection>")
    assert not ec2_xml.detect(fixture_text("canonical/connection.xml"))
    assert ec2_xml.detect('<ec2:DescribeVpnConnectionsResponse xmlns:ec2="x">')


# ------------------------------------------------------------------ sample configuration


def test_device_sample_configuration_delegates_to_text_parsers() -> None:
    generic = fixture_text("canonical/generic.txt")
    text = json.dumps({"VpnConnectionDeviceSampleConfiguration": generic}, indent=4)
    conns, report = parse("sample.json", text)
    generic_report = Report()
    assert conns == aws_generic.parse(generic, generic_report)
    assert len(report.diagnostics) == len(generic_report.diagnostics)
    assert conns[0].vpn_connection_id == "vpn-0c0ffee0123456789"
    vyatta = fixture_text("canonical/vyatta.txt")
    conns2, _ = parse("sample.json", json.dumps({"VpnConnectionDeviceSampleConfiguration": vyatta}))
    assert [str(t.aws_outside_ip) for t in conns2[0].tunnels] == ["203.0.113.21", "203.0.113.22"]


def test_device_sample_configuration_errors() -> None:
    with pytest.raises(PlaceholderError, match="no embedded configuration"):
        parse("p.json", '{\n  "VpnConnectionDeviceSampleConfiguration": "contents-of-the-sample-configuration-file"\n}')
    with pytest.raises(FormatError) as exc:
        parse("p.json", '{\n  "VpnConnectionDeviceSampleConfiguration": "hello world"\n}')
    assert exc.value.line == 2 and "VpnConnectionDeviceSampleConfiguration" in str(exc.value)


# ------------------------------------------------------------------ bad inputs


def test_truncated_ec2_response() -> None:
    with pytest.raises(ParseError) as exc:
        parse("bad/ec2-truncated.xml")
    assert exc.value.line == 8
    assert str(exc.value) == (
        "bad/ec2-truncated.xml:8: customerGatewayConfiguration: vpn-44a8938f: no embedded "
        "configuration (the element holds only an XML declaration; truncated response?)"
    )


def test_placeholder_json() -> None:
    with pytest.raises(PlaceholderError) as exc:
        parse("bad/json-placeholder.json")
    assert "no embedded configuration" in str(exc.value) and exc.value.line == 3
    assert "...configuration information..." in str(exc.value)


def test_embedded_document_error_lines() -> None:
    # XML: the inner line number is mapped onto the response's lines
    text = fixture_text("canonical/ec2/create.xml").replace("aes-128-cbc", "des-cbc", 1)
    with pytest.raises(ValidationError) as exc:
        parse("c.xml", text)
    inner_line = next(n for n, line in enumerate(text.splitlines(), 1) if "des-cbc" in line)
    assert exc.value.line == inner_line
    assert "vpn-0c0ffee0123456789: customerGatewayConfiguration:" in str(exc.value)
    # JSON: the line of the CustomerGatewayConfiguration string
    with pytest.raises(ValidationError) as exc:
        parse("c.json", fixture_text("canonical/ec2/describe-cli.json").replace("aes-128-cbc", "des-cbc", 1))
    assert exc.value.line == 4


@pytest.mark.parametrize(
    "attack", ["bad/xml-xxe-file.xml", "bad/xml-billion-laughs.xml", "bad/xml-external-dtd.xml", "bad/xml-xxe-http.xml"]
)
def test_attacks_inside_wrappers_refused(attack: str, tmp_path: Path) -> None:
    from xml.sax.saxutils import escape

    marker = "VPNXLATE_XXE_MARKER_wrapped"
    secret = tmp_path / "secret.txt"
    secret.write_text(marker)
    inner = fixture_text(attack).replace("file:///etc/passwd", secret.as_uri())
    create = fixture_text("canonical/ec2/create.xml")
    start_tag = "<customerGatewayConfiguration>"
    head, rest = create.split(start_tag)
    tail = rest.split("</customerGatewayConfiguration>")[1]
    wrapped_xml = f"{head}{start_tag}{escape(inner)}</customerGatewayConfiguration>{tail}"
    doc = cli_doc()
    doc["VpnConnections"][0]["CustomerGatewayConfiguration"] = inner
    for name, text in (
        ("w.xml", wrapped_xml),
        ("w.json", json.dumps(doc, indent=2)),
        (
            "outer.xml",
            create.replace(
                "<CreateVpnConnectionResponse",
                f'<!DOCTYPE x [<!ENTITY e SYSTEM "{secret.as_uri()}">]>\n<CreateVpnConnectionResponse',
            ),
        ),
    ):
        start = time.monotonic()
        with pytest.raises(ParseError, match="DTDs/entities are not allowed") as exc:
            parse(name, text)
        assert time.monotonic() - start < 2
        assert marker not in str(exc.value)


def test_cli_invalid_json_one_line_with_line_number() -> None:
    proc = run_cli("convert", "fixtures/bad/json-invalid.json", "--to", "json")
    assert_one_line_error(proc, "fixtures/bad/json-invalid.json:6: invalid JSON: Expecting ',' delimiter")


def test_cli_placeholder_and_truncated_one_line() -> None:
    assert_one_line_error(
        run_cli("convert", "fixtures/bad/json-placeholder.json", "--to", "json"),
        "fixtures/bad/json-placeholder.json:3:",
        "no embedded configuration",
    )
    assert_one_line_error(
        run_cli("convert", "fixtures/bad/ec2-truncated.xml", "--to", "json"),
        "fixtures/bad/ec2-truncated.xml:8:",
        "no embedded configuration",
    )


def test_cli_tunnel_options_warnings_never_show_keys() -> None:
    proc = run_cli("convert", "fixtures/xml/tunnel-options.json", "--to", "json", "--redact")
    assert proc.returncode == 0
    warnings = [line for line in proc.stderr.splitlines() if "TunnelOptions disagree" in line]
    assert len(warnings) == 2 and all(w.startswith("vpnxlate: warning: ") for w in warnings)
    assert "FAKE_" not in proc.stderr and "FAKE_" not in proc.stdout
