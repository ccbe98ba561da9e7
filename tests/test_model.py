"""The neutral model: validators, identity rule, ordering, secrets, lint, algorithm table."""

from __future__ import annotations

import ipaddress
import re

import attrs
import pytest

from vpnxlate import algorithms
from vpnxlate.errors import Report, ValidationError
from vpnxlate.lint import lint
from vpnxlate.model import (
    Bgp,
    IkeOptions,
    IpsecOptions,
    Tunnel,
    VpnConnection,
    build_connection,
    merge_connections,
)

PSK1 = "FAKE_tunnel1.key_example"


def tunnel(
    outside: str = "203.0.113.21",
    inside: str = "169.254.22.2/30",
    aws_inside: str = "169.254.22.1/30",
    psk: str = PSK1,
    **kw: object,
) -> Tunnel:
    return Tunnel(
        aws_outside_ip=outside,
        cgw_outside_ip="198.51.100.10",
        psk=psk,
        cgw_inside=inside,
        aws_inside=aws_inside,
        ike=IkeOptions(
            versions=["ikev1"], encryption=["AES128"], integrity=["SHA1"], dh_groups=[2], lifetime_s=28800, mode="main"
        ),
        ipsec=IpsecOptions(
            protocol="esp", encryption=["AES128"], integrity=["SHA1"], pfs_dh_groups=[2], lifetime_s=3600, mode="tunnel"
        ),
        bgp=Bgp(cgw_asn=65010, aws_asn=64512, neighbor_ip=aws_inside.split("/")[0], hold_time=30),
        **kw,
    )


# ------------------------------------------------------------------ types and validators


def test_addresses_are_ipaddress_objects() -> None:
    t = tunnel()
    assert t.aws_outside_ip == ipaddress.IPv4Address("203.0.113.21")
    assert t.cgw_inside == ipaddress.IPv4Interface("169.254.22.2/30")
    assert t.bgp is not None and t.bgp.neighbor_ip == ipaddress.IPv4Address("169.254.22.1")
    assert t.ike.encryption == ("AES128",) and t.ike.dh_groups == (2,)


def test_frozen() -> None:
    t = tunnel()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        t.psk = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs, field, needle",
    [
        ({"aws_outside_ip": "not-an-ip"}, "aws_outside_ip", "expected an IP address"),
        ({"mtu": 20}, "mtu", "out of range"),
        ({"dpd_retries": True}, "dpd_retries", "expected an integer"),
        ({"cgw_inside": "2001:db8::1/126"}, "cgw_inside", "IPv4"),
        ({"startup_action": "bounce"}, "startup_action", "unknown startup action"),
    ],
)
def test_tunnel_validators_name_the_field(kwargs: dict[str, object], field: str, needle: str) -> None:
    base = {"aws_outside_ip": "203.0.113.21"}
    base.update(kwargs)
    with pytest.raises(ValidationError) as exc:
        Tunnel(**base)  # type: ignore[arg-type]
    assert exc.value.field == field
    assert needle in str(exc.value)


def test_non_canonical_algorithm_is_refused_with_its_name() -> None:
    with pytest.raises(ValidationError, match=re.escape("encryption: aes-128-cbc is not canonical (use 'AES128')")):
        IkeOptions(encryption=["aes-128-cbc"])
    with pytest.raises(ValidationError, match="unknown encryption algorithm 3des"):
        IkeOptions(encryption=["3des"])
    with pytest.raises(ValidationError, match="unsupported Diffie-Hellman group 1"):
        IpsecOptions(pfs_dh_groups=[1])


@pytest.mark.parametrize(
    "bad, what",
    [
        ("abc\ndef12345", "a newline"),
        ("abc\rdef12345", "a carriage return"),
        ("abc\x00def12345", "a NUL"),
        ("abc def12345", "a space"),
        ("abc'def12345", "'"),
        ('abc"def12345', '"'),
        ("abc#def12345", "#"),
        ("abc;def12345", ";"),
        ("abc{def12345", "{"),
        ("abc}def12345", "}"),
        ("abc\\def12345", "\\\\"),
    ],
)
def test_unsafe_psk_is_refused_without_showing_it(bad: str, what: str) -> None:
    with pytest.raises(ValidationError) as exc:
        tunnel(psk=bad)
    text = str(exc.value)
    assert what in text
    assert bad not in text and "def12345" not in text
    assert exc.value.field == "psk"


def test_psk_never_in_repr_or_str() -> None:
    t = tunnel()
    conn = VpnConnection(tunnels=[t], vpn_connection_id="vpn-0c0ffee0123456789")
    for text in (repr(t), str(t), repr(conn), str(conn)):
        assert PSK1 not in text
        assert "psk='***'" in text
    assert t.psk == PSK1


def test_vgw_or_tgw_not_both() -> None:
    with pytest.raises(ValidationError, match="not both"):
        VpnConnection(tunnels=[tunnel()], vpn_gateway_id="vgw-1", transit_gateway_id="tgw-1")


def test_connection_needs_a_tunnel_and_valid_routing() -> None:
    with pytest.raises(ValidationError, match="at least one tunnel"):
        VpnConnection(tunnels=[])
    with pytest.raises(ValidationError, match="routing must be"):
        VpnConnection(tunnels=[tunnel()], routing="ospf")  # type: ignore[arg-type]


# ------------------------------------------------------------------ identity and order


def test_tunnels_are_ordered_by_aws_outside_ip_not_position() -> None:
    t22 = tunnel("203.0.113.22", "169.254.21.2/30", "169.254.21.1/30", psk="FAKE_tunnel2.key_example")
    t21 = tunnel("203.0.113.21")
    t9 = tunnel("203.0.113.9", "169.254.30.2/30", "169.254.30.1/30")  # numeric, not string, order
    conn = VpnConnection(tunnels=[t22, t21, t9])
    assert [str(t.aws_outside_ip) for t in conn.tunnels] == ["203.0.113.9", "203.0.113.21", "203.0.113.22"]
    assert VpnConnection(tunnels=[t21, t22, t9]) == conn


def test_identical_tunnels_collapse_with_a_warning() -> None:
    report = Report("moto.xml")
    conn = build_connection([tunnel(), tunnel()], report, vpn_connection_id="vpn-1")
    assert len(conn.tunnels) == 1
    assert [d.code for d in report.diagnostics] == ["duplicate-tunnel"]
    assert "two identical tunnels with AWS outside IP 203.0.113.21" in str(report.diagnostics[0])


def test_same_outside_ip_different_psk_or_cidr_is_an_error() -> None:
    with pytest.raises(ValidationError) as exc:
        build_connection([tunnel(), tunnel(psk="FAKE_other.key_example")], Report())
    assert "203.0.113.21 differ in psk" in str(exc.value)
    assert "FAKE_other" not in str(exc.value) and PSK1 not in str(exc.value)
    with pytest.raises(ValidationError, match=re.escape("differ in cgw_inside, aws_inside, bgp.neighbor_ip")):
        build_connection([tunnel(), tunnel(inside="169.254.30.2/30", aws_inside="169.254.30.1/30")], Report())


def test_direct_construction_with_duplicate_ips_is_refused() -> None:
    with pytest.raises(ValidationError, match=re.escape("two tunnels with the AWS outside IP 203.0.113.21")):
        VpnConnection(tunnels=[tunnel(), tunnel()])


def test_merge_connections_from_two_files_each_with_one_tunnel() -> None:
    report = Report()
    a = VpnConnection(tunnels=[tunnel()], vpn_connection_id="vpn-1")
    b = VpnConnection(tunnels=[tunnel("203.0.113.22", "169.254.21.2/30", "169.254.21.1/30")], vpn_connection_id="vpn-1")
    merged = merge_connections([a, a, b], report)
    assert len(merged) == 1
    assert [str(t.aws_outside_ip) for t in merged[0].tunnels] == ["203.0.113.21", "203.0.113.22"]
    assert [d.code for d in report.diagnostics] == ["duplicate-connection"]
    with pytest.raises(ValidationError, match="vpn-1 appears twice and differs in routing"):
        merge_connections([a, attrs.evolve(a, routing="static")], Report())


# ------------------------------------------------------------------ lint (Terraform's rules, warnings)


def lint_messages(conn: VpnConnection) -> list[str]:
    report = Report("x")
    lint([conn], report)
    return [d.message for d in report.diagnostics]


def test_clean_tunnel_has_no_lint() -> None:
    assert lint_messages(VpnConnection(tunnels=[tunnel()], vpn_connection_id="vpn-1")) == []


def test_lint_rules() -> None:
    t = attrs.evolve(
        tunnel(psk="0short", inside="169.254.169.254/30", aws_inside="169.254.169.253/30"),
        ike=IkeOptions(lifetime_s=600),
        ipsec=IpsecOptions(lifetime_s=7200),
        dpd_timeout_s=10,
        bgp=Bgp(cgw_asn=64512, aws_asn=64512, neighbor_ip="169.254.169.253", hold_time=30),
    )
    msgs = lint_messages(VpnConnection(tunnels=[t], vpn_connection_id="vpn-1"))
    prefix = "vpn-1: tunnel 203.0.113.21: "
    assert msgs == [
        prefix + "psk: the pre-shared key (6 characters) is not 8-64 characters of A-Z a-z 0-9 _ . as AWS requires",
        prefix + "cgw_inside: inside CIDR 169.254.169.252/30 overlaps the reserved block 169.254.169.252/30",
        prefix + "ike.lifetime_s: phase 1 lifetime 600 s is outside AWS's 900..28800",
        prefix + "ipsec.lifetime_s: phase 2 lifetime 7200 s is outside AWS's 900..3600",
        prefix + "ipsec.lifetime_s: phase 2 lifetime 7200 s is not below phase 1's 600 s",
        prefix + "dpd_timeout_s: DPD timeout 10 s is below AWS's minimum of 30",
        prefix + "bgp.cgw_asn: the customer ASN equals the AWS ASN (64512); AWS refuses this",
    ]
    assert all("0short" not in m for m in msgs)


def test_lint_inside_address_outside_the_30_and_leading_zero_psk() -> None:
    t = tunnel(psk="0FAKE_leading_zero", inside="168.254.11.2/30", aws_inside="169.254.11.1/30")
    msgs = lint_messages(VpnConnection(tunnels=[t]))
    assert "tunnel 203.0.113.21: psk: the pre-shared key starts with 0, which AWS does not accept" in msgs
    assert "tunnel 203.0.113.21: cgw_inside: inside CIDR 168.254.11.0/30 is not inside 169.254.0.0/16" in msgs
    assert (
        "tunnel 203.0.113.21: aws_inside: AWS inside address 169.254.11.1 is not inside the customer's 168.254.11.0/30"
    ) in msgs


# ------------------------------------------------------------------ the one mapping table


@pytest.mark.parametrize(
    "spelling, canon",
    [
        ("aes-128-cbc", "AES128"),
        ("aes128", "AES128"),
        ("AES128", "AES128"),
        ("aes-128", "AES128"),
        ("aes-256-cbc", "AES256"),
        ("aes256", "AES256"),
        ("AES128-GCM-16", "AES128-GCM-16"),
        ("aes128gcm128", "AES128-GCM-16"),
        ("aes256gcm128", "AES256-GCM-16"),
        ("aes-256-gcm-16", "AES256-GCM-16"),
    ],
)
def test_encryption_spellings(spelling: str, canon: str) -> None:
    assert algorithms.encryption(spelling) == canon


@pytest.mark.parametrize(
    "spelling, canon",
    [
        ("sha1", "SHA1"),
        ("hmac-sha1-96", "SHA1"),
        ("SHA1", "SHA1"),
        ("sha256", "SHA2-256"),
        ("hmac-sha256-128", "SHA2-256"),
        ("SHA2-256", "SHA2-256"),
        ("sha384", "SHA2-384"),
        ("SHA2-512", "SHA2-512"),
        ("hmac-sha2-512-256", "SHA2-512"),
    ],
)
def test_integrity_spellings(spelling: str, canon: str) -> None:
    assert algorithms.integrity(spelling) == canon


@pytest.mark.parametrize(
    "spelling, group",
    [
        ("group2", 2),
        ("Group 2", 2),
        ("Diffie-Hellman Group 2", 2),
        ("2", 2),
        (14, 14),
        ("dh-group14", 14),
        ("group24", 24),
        ("Diffie-Hellman Group 5", 5),
    ],
)
def test_dh_spellings(spelling: str | int, group: int) -> None:
    assert algorithms.dh_group(spelling) == group


@pytest.mark.parametrize(
    "fn, value, message",
    [
        (algorithms.encryption, "3des", "unknown encryption algorithm 3des"),
        (algorithms.integrity, "md5", "unknown integrity algorithm md5"),
        (algorithms.dh_group, "group1", "unsupported Diffie-Hellman group group1"),
        (algorithms.dh_group, "modp768", "unknown Diffie-Hellman group modp768"),  # modp1024 is group 2 (strongSwan)
        (algorithms.ike_version, "IKEv3", "unknown IKE version IKEv3"),
    ],
)
def test_unknown_spellings_are_errors_naming_the_value(fn: object, value: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        fn(value)  # type: ignore[operator]
    assert message in str(exc.value)


@pytest.mark.parametrize("spelling, canon", [("IKEv1", "ikev1"), ("ikev2", "ikev2"), ("IKEv2 ", "ikev2")])
def test_ike_versions(spelling: str, canon: str) -> None:
    assert algorithms.ike_version(spelling) == canon
