"""Tests of the ``aws-generic`` parser (AWS's Generic text download) on every fixture variant."""

from __future__ import annotations

import importlib
import ipaddress
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path

import attrs
import pytest

from tests.conftest import FIXTURES, assert_one_line_error, fixture_text, run_cli
from vpnxlate import registry
from vpnxlate.detect import NO
from vpnxlate.errors import FormatError, ParseError, PlaceholderError, Report, ValidationError
from vpnxlate.model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection
from vpnxlate.parsers import aws_generic

GENERIC_FIXTURES = [
    "canonical/generic.txt",
    "canonical/generic-2009.txt",
    "canonical/static-generic.txt",
    "generic/bgp-2014.txt",
    "generic/bgp-ikev2-custom.txt",
    "generic/doc-2018-bgp.txt",
    "generic/canonical-crlf.txt",
    "generic/static-tunnel1-only.txt",
    "bad/generic-placeholders.txt",
    "bad/generic-truncated.txt",
]

DEFAULT_IKE_V1 = IkeOptions(
    versions=("ikev1",), encryption=("AES128",), integrity=("SHA1",), dh_groups=(2,), lifetime_s=28800, mode="main"
)
DEFAULT_IPSEC = IpsecOptions(
    protocol="esp", encryption=("AES128",), integrity=("SHA1",), pfs_dh_groups=(2,), lifetime_s=3600, mode="tunnel"
)


def raw(rel: str) -> str:
    """A fixture exactly as stored (CRLF kept)."""
    return (FIXTURES / rel).read_bytes().decode("utf-8")


def parse(text: str, report: Report | None = None) -> list[VpnConnection]:
    return aws_generic.parse(text, report if report is not None else Report("test"))


def one(text: str, report: Report | None = None) -> VpnConnection:
    conns = parse(text, report)
    assert len(conns) == 1
    return conns[0]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the n-th occurrence of needle."""
    seen = 0
    for n, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return n
    raise AssertionError(f"{needle!r} #{occurrence} not in text")


def canonical_tunnel(
    aws_ip: str, net: int, psk: str, *, ike: IkeOptions = DEFAULT_IKE_V1, mtu: int | None = 1436
) -> Tunnel:
    return Tunnel(
        aws_outside_ip=IPv4Address(aws_ip),
        cgw_outside_ip=IPv4Address("198.51.100.10"),
        psk=psk,
        cgw_inside=IPv4Interface(f"169.254.{net}.2/30"),
        aws_inside=IPv4Interface(f"169.254.{net}.1/30"),
        ike=ike,
        ipsec=DEFAULT_IPSEC,
        dpd_interval_s=10,
        dpd_retries=3,
        mtu=mtu,
        tcp_mss=1379,
        clear_df_bit=True,
        fragmentation_before_encryption=True,
        bgp=Bgp(cgw_asn=65010, aws_asn=64512, neighbor_ip=IPv4Address(f"169.254.{net}.1"), hold_time=30),
    )


CANONICAL = VpnConnection(
    tunnels=(
        canonical_tunnel("203.0.113.22", 21, "FAKE_tunnel1.key_example"),
        canonical_tunnel("203.0.113.21", 22, "FAKE_tunnel2.key_example"),
    ),
    vpn_connection_id="vpn-0c0ffee0123456789",
    vpn_gateway_id="vgw-0c0ffee0123456789",
    customer_gateway_id="cgw-0c0ffee0123456789",
    routing="bgp",
)


def static_tunnel(aws_ip: str, net: int, psk: str) -> Tunnel:
    return Tunnel(
        aws_outside_ip=IPv4Address(aws_ip),
        cgw_outside_ip=IPv4Address("192.0.2.50"),
        psk=psk,
        cgw_inside=IPv4Interface(f"169.254.{net}.2/30"),
        aws_inside=IPv4Interface(f"169.254.{net}.1/30"),
        ike=DEFAULT_IKE_V1,
        ipsec=DEFAULT_IPSEC,
        dpd_interval_s=10,
        dpd_retries=3,
        mtu=1436,
        tcp_mss=1379,
        clear_df_bit=True,
        fragmentation_before_encryption=True,
        bgp=None,
    )


# ------------------------------------------------------------------ every fixture, exact values


def test_canonical_2018_layout() -> None:
    report = Report("t")
    conn = one(fixture_text("canonical/generic.txt"), report)
    assert conn == CANONICAL
    # spelled out once more, field by field, so a model default cannot hide a parsing gap
    assert conn.vpn_connection_id == "vpn-0c0ffee0123456789"
    assert conn.vpn_gateway_id == "vgw-0c0ffee0123456789"
    assert conn.customer_gateway_id == "cgw-0c0ffee0123456789"
    assert conn.transit_gateway_id is None
    assert conn.routing == "bgp"
    assert conn.static_routes is None
    # ordered by AWS outside IP: file tunnel #2 (203.0.113.21) comes first
    assert [str(t.aws_outside_ip) for t in conn.tunnels] == ["203.0.113.21", "203.0.113.22"]
    first, second = conn.tunnels
    assert first.psk == "FAKE_tunnel2.key_example"
    assert second.psk == "FAKE_tunnel1.key_example"
    assert first.cgw_inside == IPv4Interface("169.254.22.2/30")
    assert first.aws_inside == IPv4Interface("169.254.22.1/30")
    assert second.cgw_inside == IPv4Interface("169.254.21.2/30")
    assert first.ike.versions == ("ikev1",)
    assert first.ike.encryption == ("AES128",) and first.ike.integrity == ("SHA1",)
    assert first.ike.dh_groups == (2,) and first.ike.lifetime_s == 28800 and first.ike.mode == "main"
    assert first.ipsec.protocol == "esp" and first.ipsec.encryption == ("AES128",)
    assert first.ipsec.integrity == ("SHA1",) and first.ipsec.pfs_dh_groups == (2,)
    assert first.ipsec.lifetime_s == 3600 and first.ipsec.mode == "tunnel"
    assert (first.dpd_interval_s, first.dpd_retries, first.mtu, first.tcp_mss) == (10, 3, 1436, 1379)
    assert first.clear_df_bit is True and first.fragmentation_before_encryption is True
    assert first.bgp == Bgp(cgw_asn=65010, aws_asn=64512, neighbor_ip=IPv4Address("169.254.22.1"), hold_time=30)
    assert first.cgw_inside_v6 is None and first.aws_inside_v6 is None
    assert report.diagnostics == []


def test_canonical_2009_xslt_layout() -> None:
    conn = one(fixture_text("canonical/generic-2009.txt"))
    # no IKE version line and no MTU line in 2009: None, everything else equal
    expected = attrs.evolve(
        CANONICAL,
        tunnels=tuple(attrs.evolve(t, mtu=None, ike=attrs.evolve(t.ike, versions=None)) for t in CANONICAL.tunnels),
    )
    assert conn == expected
    assert conn.vpn_gateway_id == "vgw-0c0ffee0123456789"  # from "Your VPN Gateway ID"
    assert all(t.ike.versions is None and t.mtu is None for t in conn.tunnels)
    assert all(t.ike.dh_groups == (2,) for t in conn.tunnels)  # IKE-block "Perfect Forward Secrecy"
    assert [t.bgp.aws_asn for t in conn.tunnels if t.bgp] == [64512, 64512]  # "- VPN Gateway ASN"


def test_2009_layout_has_its_quirks() -> None:
    text = fixture_text("canonical/generic-2009.txt")
    assert "Your VPN Gateway ID          : vgw-0c0ffee0123456789\n" in text
    assert "  - Customer Gateway:        : 198.51.100.10 \n" in text
    assert "  - VPN Gateway              : 169.254.21.1/30\t\n" in text  # trailing TAB after the value
    assert "  - Perfect Forward Secrecy  : Diffie-Hellman Group 2\n\n#2: IPSec Configuration" in text
    assert "IKE version" not in text and "MTU" not in text


def test_canonical_static_transit_gateway() -> None:
    report = Report("t")
    conn = one(fixture_text("canonical/static-generic.txt"), report)
    assert conn == VpnConnection(
        tunnels=(
            static_tunnel("203.0.113.61", 61, "FAKE_static1.key_example"),
            static_tunnel("203.0.113.62", 62, "FAKE_static2.key_example"),
        ),
        vpn_connection_id="vpn-05a7e0000000000c1",
        vpn_gateway_id=None,
        customer_gateway_id="cgw-05a7e0000000000c1",
        routing="static",
    )
    assert conn.vpn_gateway_id is None  # "Your Virtual Private Gateway ID          : " (empty)
    assert conn.routing == "static" and all(t.bgp is None for t in conn.tunnels)
    assert report.diagnostics == []


def test_2014_template() -> None:
    text = fixture_text("generic/bgp-2014.txt")
    assert "  - Virtual Private  Gateway ASN          : 7224 \n" in text
    assert "  - Perfect Forward Secrecy  : Diffie-Hellman Group 2\n\n#2:" in text
    conn = one(text)
    assert (conn.vpn_connection_id, conn.vpn_gateway_id, conn.customer_gateway_id) == (
        "vpn-1a2b3c4d",
        "vgw-5e6f7a8b",
        "cgw-9c0d1e2f",
    )
    assert conn.routing == "bgp"
    assert [str(t.aws_outside_ip) for t in conn.tunnels] == ["198.51.100.66", "198.51.100.77"]
    a, b = conn.tunnels
    assert (a.psk, b.psk) == ("FAKE_era2014_t2_key", "FAKE_era2014_t1_key")
    assert a.cgw_outside_ip == b.cgw_outside_ip == IPv4Address("192.0.2.140")
    assert (a.cgw_inside, a.aws_inside) == (IPv4Interface("169.254.45.2/30"), IPv4Interface("169.254.45.1/30"))
    assert (b.cgw_inside, b.aws_inside) == (IPv4Interface("169.254.44.2/30"), IPv4Interface("169.254.44.1/30"))
    for t in conn.tunnels:
        assert t.ike == attrs.evolve(DEFAULT_IKE_V1, versions=None)
        assert t.ipsec == DEFAULT_IPSEC
        assert (t.mtu, t.tcp_mss, t.dpd_interval_s, t.dpd_retries) == (1436, 1387, 10, 3)
        assert t.clear_df_bit is True and t.fragmentation_before_encryption is True
    assert a.bgp == Bgp(cgw_asn=65301, aws_asn=7224, neighbor_ip=IPv4Address("169.254.45.1"), hold_time=30)
    assert b.bgp == Bgp(cgw_asn=65301, aws_asn=7224, neighbor_ip=IPv4Address("169.254.44.1"), hold_time=30)


def test_ikev2_custom_algorithms() -> None:
    conn = one(fixture_text("generic/bgp-ikev2-custom.txt"))
    assert (conn.vpn_connection_id, conn.vpn_gateway_id, conn.customer_gateway_id) == (
        "vpn-0abcdef1234567890",
        "vgw-0abcdef1234567890",
        "cgw-0abcdef1234567890",
    )
    assert [str(t.aws_outside_ip) for t in conn.tunnels] == ["192.0.2.31", "192.0.2.32"]
    assert [t.psk for t in conn.tunnels] == ["FAKE_ikev2.tunnel1_key", "FAKE_ikev2.tunnel2_key"]
    for t, net in zip(conn.tunnels, (131, 132), strict=True):
        assert t.cgw_outside_ip == IPv4Address("203.0.113.200")
        assert t.cgw_inside == IPv4Interface(f"169.254.{net}.2/30")
        assert t.ike == IkeOptions(
            versions=("ikev2",),
            encryption=("AES256",),
            integrity=("SHA2-256",),
            dh_groups=(14,),
            lifetime_s=14400,
            mode="main",
        )
        assert t.ipsec == IpsecOptions(
            protocol="esp",
            encryption=("AES256",),
            integrity=("SHA2-256",),
            pfs_dh_groups=(14,),
            lifetime_s=1800,
            mode="tunnel",
        )
        assert t.bgp == Bgp(
            cgw_asn=65020, aws_asn=4200000000, neighbor_ip=IPv4Address(f"169.254.{net}.1"), hold_time=30
        )
        assert (t.mtu, t.tcp_mss) == (1436, 1379)


def test_aws_documentation_copy() -> None:
    text = fixture_text("generic/doc-2018-bgp.txt")
    assert "IPsec Tunnel #1\n" in text and "\n![" in text and "- Customer Gateway:        : " in text
    report = Report("t")
    conn = one(text, report)
    assert (conn.vpn_connection_id, conn.vpn_gateway_id, conn.customer_gateway_id) == (
        "vpn-0d0c0000000000001",
        "vgw-0d0c0000000000001",
        "cgw-0d0c0000000000001",
    )
    assert conn.routing == "bgp"
    assert [str(t.aws_outside_ip) for t in conn.tunnels] == ["198.51.100.201", "198.51.100.202"]
    assert [t.psk for t in conn.tunnels] == ["FAKE_doc_copy_one", "FAKE_doc_copy_two"]
    for t, net in zip(conn.tunnels, (33, 34), strict=True):
        assert t.cgw_outside_ip == IPv4Address("198.51.100.99")  # "Customer Gateway:        :"
        assert (t.cgw_inside, t.aws_inside) == (
            IPv4Interface(f"169.254.{net}.2/30"),
            IPv4Interface(f"169.254.{net}.1/30"),
        )
        assert t.ike == DEFAULT_IKE_V1 and t.ipsec == DEFAULT_IPSEC
        assert (t.mtu, t.tcp_mss, t.dpd_interval_s, t.dpd_retries) == (1436, 1387, 10, 3)
        assert t.bgp == Bgp(cgw_asn=65000, aws_asn=64512, neighbor_ip=IPv4Address(f"169.254.{net}.1"), hold_time=30)
    assert report.diagnostics == []


def test_copy_with_tunnel_1_only() -> None:
    text = fixture_text("generic/static-tunnel1-only.txt")
    assert "IPSec Tunnel #2" not in text and "Inside IP Addresses:\n" in text
    conn = one(text)
    assert conn == VpnConnection(
        tunnels=(static_tunnel("203.0.113.61", 61, "FAKE_static1.key_example"),),
        vpn_connection_id="vpn-05a7e0000000000c1",
        vpn_gateway_id=None,
        customer_gateway_id="cgw-05a7e0000000000c1",
        routing="static",
    )


def test_crlf_fixture_equals_lf() -> None:
    crlf = raw("generic/canonical-crlf.txt")
    assert crlf.count("\r\n") == crlf.count("\n") > 200
    assert parse(crlf) == parse(raw("canonical/generic.txt")) == [CANONICAL]


@pytest.mark.parametrize(
    "rel",
    [
        "canonical/generic.txt",
        "canonical/generic-2009.txt",
        "canonical/static-generic.txt",
        "generic/bgp-2014.txt",
        "generic/doc-2018-bgp.txt",
    ],
)
def test_crlf_and_lf_give_the_same_model(rel: str) -> None:
    lf = raw(rel)
    assert "\r" not in lf
    assert parse(lf.replace("\n", "\r\n")) == parse(lf)
    assert parse("\ufeff" + lf) == parse(lf)  # a BOM from Windows editors


def test_tab_only_lines_and_trailing_spaces_are_really_there() -> None:
    text = fixture_text("canonical/generic.txt")
    assert "\n\t\t\t\t\nIPSec Tunnel #1\n" in text
    assert "Your VPN Connection ID\t\t         : vpn-0c0ffee0123456789\n" in text
    assert "  - Customer Gateway \t\t        : 198.51.100.10 \n" in text
    assert "  - IKE version              : IKEv1 \n" in text
    assert "firewall !rules to unblock" in text
    assert "  - Neighbor IP Address     \t\t  : 169.254.21.1\n" in text


def test_several_downloads_in_one_file() -> None:
    text = fixture_text("canonical/generic.txt") + fixture_text("canonical/static-generic.txt")
    conns = parse(text)
    assert [c.vpn_connection_id for c in conns] == ["vpn-0c0ffee0123456789", "vpn-05a7e0000000000c1"]
    assert conns[0] == CANONICAL
    assert conns[1].routing == "static" and conns[1].vpn_gateway_id is None


# ------------------------------------------------------------------ detection


@pytest.mark.parametrize("rel", GENERIC_FIXTURES)
def test_detect_generic(rel: str) -> None:
    assert aws_generic.detect(raw(rel)) != NO


STRONGSWAN_STYLE = """Amazon Web Services
Virtual Private Cloud

AWS utilizes unique identifiers to manipulate the configuration of
a VPN Connection. Each VPN Connection is assigned an identifier and is
associated with two other identifiers, namely the
Customer Gateway Identifier and Virtual Private Gateway Identifier.

Your VPN Connection ID                  : vpn-0c0ffee0123456789
Your Virtual Private Gateway ID         : vgw-0c0ffee0123456789
Your Customer Gateway ID                : cgw-0c0ffee0123456789

This configuration consists of two tunnels. Both tunnels must be configured on your Customer Gateway.

At this time this configuration has been tested for Strongswan 5.5.1 on the Ubuntu 16.04 LTS operating system.

--------------------------------------------------------------------------------------------------------------------
IPSEC Tunnel #1
--------------------------------------------------------------------------------------------------------------------

conn Tunnel1
\tauto=start
\tleft=%defaultroute
\tleftid=198.51.100.10
\tright=203.0.113.22
\tike=aes128-sha1-modp1024

198.51.100.10 203.0.113.22 : PSK "FAKE_tunnel1.key_example"
"""

VYATTA_STYLE = """! Amazon Web Services
! Virtual Private Cloud
!
! Your VPN Connection ID                  : vpn-0c0ffee0123456789
! Your Virtual Private Gateway ID         : vgw-0c0ffee0123456789
! Your Customer Gateway ID                : cgw-0c0ffee0123456789
!
! --------------------------------------------------------------------------------
! IPSec Tunnel #1
! --------------------------------------------------------------------------------
! #1: Internet Key Exchange (IKE) Configuration
!
set vpn ipsec ike-group AWS lifetime '28800'
set vpn ipsec site-to-site peer 203.0.113.22 authentication pre-shared-secret 'FAKE_tunnel1.key_example'
"""


def test_detect_rejects_strongswan_and_vyatta() -> None:
    assert aws_generic.detect(STRONGSWAN_STYLE) == NO
    assert aws_generic.detect(VYATTA_STYLE) == NO
    assert aws_generic.detect(VYATTA_STYLE.replace("\n", "\r\n")) == NO
    # but the same tunnel heading in Generic spelling is claimed
    assert aws_generic.detect(STRONGSWAN_STYLE.replace("IPSEC Tunnel", "IPSec Tunnel").split("conn Tunnel1")[0]) != NO


@pytest.mark.parametrize(
    "rel",
    [
        "other-vendors/strongswan.txt",
        "other-vendors/openswan.txt",
        "other-vendors/cisco-ios.txt",
        "other-vendors/juniper-srx.txt",
        "canonical/vyatta.txt",
        "canonical/connection.xml",
        "vyatta/crlf.txt",
    ],
)
def test_detect_rejects_other_downloads(rel: str) -> None:
    assert aws_generic.detect(raw(rel)) == NO


def test_detect_plain_text() -> None:
    assert aws_generic.detect("") == NO
    assert aws_generic.detect("hello\nworld\n") == NO
    assert aws_generic.detect("VPN Connection Configuration\n") == NO  # title alone is not enough


def test_registered() -> None:
    assert registry.INPUTS["aws-generic"].module == "vpnxlate.parsers.aws_generic"
    assert aws_generic.NAME == "aws-generic"
    assert aws_generic.DESCRIPTION


# ------------------------------------------------------------------ errors


def test_placeholders_psk_first() -> None:
    text = fixture_text("bad/generic-placeholders.txt")
    with pytest.raises(PlaceholderError) as info:
        parse(text)
    e = info.value
    assert (e.line, e.field) == (34, "tunnel1.psk")
    assert e.line == line_of(text, "PRE-SHARED-KEY-IN-PLAIN-TEXT")
    assert "PRE-SHARED-KEY-IN-PLAIN-TEXT" in e.message


def test_placeholder_uplink_address() -> None:
    text = fixture_text("bad/generic-placeholders.txt").replace("PRE-SHARED-KEY-IN-PLAIN-TEXT", "FAKE_filled_in")
    with pytest.raises(PlaceholderError) as info:
        parse(text)
    assert info.value.field == "tunnel1.cgw_outside_ip"
    assert info.value.line == line_of(text, "YOUR_UPLINK_ADDRESS") == 76
    assert "YOUR_UPLINK_ADDRESS" in info.value.message


def test_placeholder_bgp_asn() -> None:
    text = (
        fixture_text("bad/generic-placeholders.txt")
        .replace("PRE-SHARED-KEY-IN-PLAIN-TEXT", "FAKE_filled_in")
        .replace("YOUR_UPLINK_ADDRESS", "198.51.100.99")
    )
    with pytest.raises(PlaceholderError) as info:
        parse(text)
    assert info.value.field == "tunnel1.bgp.cgw_asn"
    assert info.value.line == line_of(text, "YOUR_BGP_ASN") == 95


def test_placeholder_hidden_key() -> None:
    text = fixture_text("canonical/generic.txt").replace("FAKE_tunnel2.key_example", "[ hidden ]")
    with pytest.raises(PlaceholderError) as info:
        parse(text)
    assert info.value.field == "tunnel2.psk"
    assert info.value.line == line_of(text, "[ hidden ]")


def test_placeholder_in_header_id() -> None:
    text = fixture_text("canonical/generic.txt").replace("cgw-0c0ffee0123456789", "YOUR_CGW_ID")
    with pytest.raises(PlaceholderError) as info:
        parse(text)
    assert (info.value.field, info.value.line) == ("customer_gateway_id", 13)


def test_truncated() -> None:
    text = fixture_text("bad/generic-truncated.txt")
    assert "Your Customer Gateway ID" in text and "Tunnel #" not in text
    with pytest.raises(ParseError) as info:
        parse(text)
    e = info.value
    assert type(e) is ParseError
    assert (e.line, e.field) == (16, "tunnels")
    assert e.message.startswith("no tunnel found")


def test_unknown_ike_encryption() -> None:
    text = fixture_text("canonical/generic.txt").replace(
        "  - Encryption Algorithm     : aes-128-cbc", "  - Encryption Algorithm     : 3des-cbc", 1
    )
    with pytest.raises(ValidationError) as info:
        parse(text)
    e = info.value
    assert (e.field, e.line) == ("tunnel1.ike.encryption", line_of(text, "3des-cbc")) == ("tunnel1.ike.encryption", 36)
    assert "unknown encryption algorithm" in e.message and "3des-cbc" in e.message


def test_unknown_ipsec_integrity_in_tunnel_2() -> None:
    text = fixture_text("canonical/generic.txt").replace("hmac-sha1-96", "hmac-md5-96")
    with pytest.raises(ValidationError) as info:
        parse(text)
    assert (info.value.field, info.value.line) == ("tunnel1.ipsec.integrity", line_of(text, "hmac-md5-96"))
    text = fixture_text("canonical/generic.txt")
    second = line_of(text, "hmac-sha1-96", 2)
    lines = text.split("\n")
    lines[second - 1] = lines[second - 1].replace("hmac-sha1-96", "hmac-md5-96")
    with pytest.raises(ValidationError) as info:
        parse("\n".join(lines))
    assert (info.value.field, info.value.line) == ("tunnel2.ipsec.integrity", second)


def test_unsupported_dh_group() -> None:
    text = fixture_text("canonical/generic.txt").replace(
        "  - Diffie-Hellman           : Group 2", "  - Diffie-Hellman           : Group 1", 1
    )
    with pytest.raises(ValidationError) as info:
        parse(text)
    assert (info.value.field, info.value.line) == ("tunnel1.ike.dh_groups", 39)
    assert info.value.line == line_of(text, ": Group 1")


def test_out_of_range_lifetime_gets_its_line() -> None:
    text = fixture_text("canonical/generic.txt").replace("3600 seconds", "9999999 seconds", 1)
    with pytest.raises(ValidationError) as info:
        parse(text)
    assert (info.value.field, info.value.line) == ("tunnel1.ipsec.lifetime_s", line_of(text, "9999999"))


def test_conflicting_duplicate_tunnel_never_shows_keys() -> None:
    text = fixture_text("canonical/generic.txt").replace(": 203.0.113.21\n", ": 203.0.113.22\n")
    with pytest.raises(ValidationError) as info:
        parse(text)
    e = info.value
    assert (e.field, e.line) == ("tunnels", line_of(text, "IPSec Tunnel #2"))
    assert "203.0.113.22" in e.message and "psk" in e.message
    assert "FAKE_" not in str(e)


def test_identical_duplicate_tunnel_collapses_with_warning() -> None:
    text = fixture_text("canonical/generic.txt")
    start = text.index("IPSec Tunnel #1")
    end = text.index("\t\t\t\t\nIPSec Tunnel #2")
    tunnel1 = text[start:end]
    doubled = (
        text[:end]
        + "\t\t\t\t\n"
        + tunnel1.replace("IPSec Tunnel #1", "IPSec Tunnel #2")
        + text[text.index("Additional Notes") :]
    )
    report = Report("t")
    conn = one(doubled, report)
    assert [str(t.aws_outside_ip) for t in conn.tunnels] == ["203.0.113.22"]
    assert [d.code for d in report.diagnostics] == ["duplicate-tunnel"]
    assert report.diagnostics[0].line == line_of(doubled, "IPSec Tunnel #2")


def test_missing_outside_address() -> None:
    text = fixture_text("canonical/generic.txt").replace("  - Virtual Private Gateway\t        : 203.0.113.22\n", "", 1)
    with pytest.raises(ParseError) as info:
        parse(text)
    assert (info.value.field, info.value.line) == ("tunnel1.aws_outside_ip", line_of(text, "IPSec Tunnel #1"))


def test_bad_outside_address() -> None:
    text = fixture_text("canonical/generic.txt").replace(": 203.0.113.21\n", ": 203.0.113.300\n")
    with pytest.raises(ParseError) as info:
        parse(text)
    assert (info.value.field, info.value.line) == ("tunnel2.aws_outside_ip", line_of(text, "203.0.113.300"))


def test_value_stated_twice_differently() -> None:
    text = fixture_text("canonical/generic.txt").replace(
        "  - DPD Retries              : 3\n", "  - DPD Retries              : 3\n  - DPD Retries : 5\n", 1
    )
    with pytest.raises(ParseError) as info:
        parse(text)
    assert (info.value.field, info.value.line) == ("tunnel1.dpd_retries", line_of(text, "DPD Retries : 5"))


def test_empty_value_is_an_error_except_the_gateway_id() -> None:
    text = fixture_text("canonical/generic.txt").replace(
        "Pre-Shared Key           : FAKE_tunnel1.key_example", "Pre-Shared Key           : "
    )
    with pytest.raises(ParseError) as info:
        parse(text)
    assert (info.value.field, info.value.line, info.value.message) == ("tunnel1.psk", 34, "empty value")


def test_bgp_section_without_asn() -> None:
    text = fixture_text("canonical/generic.txt").replace("  - Customer Gateway ASN\t          : 65010 \n", "", 1)
    with pytest.raises(ParseError) as info:
        parse(text)
    assert (info.value.field, info.value.line) == ("tunnel1.bgp.cgw_asn", line_of(text, "#4: Border Gateway Protocol"))


def test_tunnels_disagree_on_routing() -> None:
    bgp = fixture_text("canonical/generic.txt")
    head, _tunnel2 = bgp.split("\t\t\t\t\nIPSec Tunnel #2", 1)
    static = fixture_text("canonical/static-generic.txt")
    static_t2 = static.split("\t\t\t\t\nIPSec Tunnel #2", 1)[1].replace("203.0.113.62", "203.0.113.21")
    text = head + "\t\t\t\t\nIPSec Tunnel #2" + static_t2
    with pytest.raises(ParseError) as info:
        parse(text)
    assert (info.value.field, info.value.line) == ("routing", line_of(text, "#4: Static Routing Configuration"))


def test_no_routing_section_assumes_static_with_warning() -> None:
    text = fixture_text("canonical/static-generic.txt")
    cut = "\n".join(line for line in text.split("\n") if "#4:" not in line and "Next hop" not in line)
    report = Report("t")
    conn = one(cut, report)
    assert conn.routing == "static"
    assert [(d.code, d.line) for d in report.diagnostics] == [("assumed-routing", line_of(cut, "IPSec Tunnel #1"))]


def test_unknown_field_is_a_warning() -> None:
    text = fixture_text("canonical/generic.txt").replace(
        "  - Mode                     : tunnel\n",
        "  - Mode                     : tunnel\n  - Replay Window : 1024\n",
        1,
    )
    report = Report("t")
    assert one(text, report) == CANONICAL
    assert [(d.code, d.line, d.field) for d in report.diagnostics] == [
        ("unknown-field", line_of(text, "Replay Window"), "tunnel1.replay_window")
    ]


def test_forced_on_other_text() -> None:
    with pytest.raises(FormatError) as info:
        parse("just some text\n")
    assert (info.value.line, info.value.field) == (1, "format")


def test_psk_never_in_repr() -> None:
    conn = one(fixture_text("canonical/generic.txt"))
    assert "FAKE_" not in repr(conn)


# ------------------------------------------------------------------ CLI


def test_cli_placeholders(tmp_path: Path) -> None:
    proc = run_cli("convert", str(FIXTURES / "bad/generic-placeholders.txt"), "--from", "aws-generic", "--to", "json")
    line = assert_one_line_error(proc, "generic-placeholders.txt:34:", "tunnel1.psk", "placeholder")
    assert "PRE-SHARED-KEY-IN-PLAIN-TEXT" in line


def test_cli_truncated() -> None:
    proc = run_cli("convert", str(FIXTURES / "bad/generic-truncated.txt"), "--from", "aws-generic", "--to", "json")
    assert_one_line_error(proc, "generic-truncated.txt:16:", "no tunnel found")


def test_cli_unknown_algorithm(tmp_path: Path) -> None:
    bad = tmp_path / "3des.txt"
    bad.write_text(fixture_text("canonical/generic.txt").replace("aes-128-cbc", "3des-cbc"), encoding="utf-8")
    proc = run_cli("convert", str(bad), "--from", "aws-generic", "--to", "json")
    line = assert_one_line_error(proc, "3des.txt:36:", "tunnel1.ike.encryption", "3des-cbc")
    assert "FAKE_" not in line


def test_cli_conflict_names_no_key(tmp_path: Path) -> None:
    bad = tmp_path / "dup.txt"
    text = fixture_text("canonical/generic.txt").replace(": 203.0.113.21\n", ": 203.0.113.22\n")
    bad.write_text(text, encoding="utf-8")
    proc = run_cli("convert", str(bad), "--from", "aws-generic", "--to", "json")
    line = assert_one_line_error(proc, f"dup.txt:{line_of(text, 'IPSec Tunnel #2')}:")
    assert "FAKE_" not in line


def test_cli_converts_canonical() -> None:
    proc = run_cli("convert", str(FIXTURES / "canonical/generic.txt"), "--from", "aws-generic", "--to", "json")
    assert proc.returncode == 0, proc.stderr
    assert '"vpn_connection_id": "vpn-0c0ffee0123456789"' in proc.stdout
    assert proc.stdout.index('"aws_outside_ip": "203.0.113.21"') < proc.stdout.index('"aws_outside_ip": "203.0.113.22"')


@pytest.mark.parametrize(
    "rel",
    [
        "canonical/generic.txt",
        "canonical/generic-2009.txt",
        "canonical/static-generic.txt",
        "generic/canonical-crlf.txt",
        "generic/doc-2018-bgp.txt",
    ],
)
def test_detected_among_all_formats(rel: str) -> None:
    from vpnxlate import detect_format

    assert detect_format(raw(rel)) == "aws-generic"
    proc = run_cli("convert", str(FIXTURES / rel), "--to", "json")
    assert proc.returncode == 0, proc.stderr


def test_cli_detected_placeholders() -> None:
    proc = run_cli("convert", str(FIXTURES / "bad/generic-placeholders.txt"), "--to", "json")
    assert_one_line_error(proc, "generic-placeholders.txt:34:")


# ------------------------------------------------------------------ swanlab reads the canonical files too


@pytest.mark.parametrize(
    ("rel", "aws_ips", "cgw_ip"),
    [
        ("canonical/generic.txt", ["203.0.113.22", "203.0.113.21"], "198.51.100.10"),
        ("canonical/static-generic.txt", ["203.0.113.61", "203.0.113.62"], "192.0.2.50"),
    ],
)
def test_swanlab_reads_canonical(rel: str, aws_ips: list[str], cgw_ip: str) -> None:
    import sys

    from tests.conftest import SWANLAB

    if not SWANLAB.exists():
        pytest.skip("../shared/swanlab not found")
    sys.path.insert(0, str(SWANLAB.parent))
    try:
        spec = importlib.import_module("swl.spec")
        loaded = spec.load(str(FIXTURES / rel))
    finally:
        sys.path.remove(str(SWANLAB.parent))
    conn = one(fixture_text(rel))
    assert loaded["customer_gateway_ip"] == cgw_ip
    assert [t["outside_ip"] for t in loaded["tunnels"]] == aws_ips
    by_ip = {str(t.aws_outside_ip): t for t in conn.tunnels}
    for t in loaded["tunnels"]:
        ours = by_ip[t["outside_ip"]]
        assert t["psk"] == ours.psk
        assert ipaddress.ip_address(t["vgw_inside_ip"]) == ours.aws_inside.ip
        assert ipaddress.ip_address(t["cgw_inside_ip"]) == ours.cgw_inside.ip
        assert t["ike_versions"] == ["ikev1"]
        assert t["ike_proposals"] == ["aes128-sha1-modp1024"]
        assert t["esp_proposals"] == ["aes128-sha1-modp1024"]


def test_second_download_pasted_without_title() -> None:
    first = fixture_text("generic/static-tunnel1-only.txt")  # ends inside tunnel 1, no footer
    canonical = fixture_text("canonical/generic.txt")
    second = canonical[canonical.index("Your VPN Connection ID") :]
    conns = parse(first + second)
    assert [c.vpn_connection_id for c in conns] == ["vpn-05a7e0000000000c1", "vpn-0c0ffee0123456789"]
    assert [str(t.aws_outside_ip) for t in conns[0].tunnels] == ["203.0.113.61"]
    assert conns[1] == CANONICAL
