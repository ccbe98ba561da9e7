"""The aws-vyatta parser: AWS's Vyatta download (set-commands)."""

from __future__ import annotations

import ipaddress

import attrs
import pytest

import vpnxlate
from vpnxlate.detect import NO
from vpnxlate.errors import ParseError, PlaceholderError, Report, ValidationError, VpnxlateError
from vpnxlate.model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection
from vpnxlate.parsers import aws_vyatta

from .conftest import FIXTURES, SHARED, assert_one_line_error, fixture_text, run_cli

AES128_SHA1_G2_IKE = IkeOptions(encryption=("AES128",), integrity=("SHA1",), dh_groups=(2,), lifetime_s=28800)
AES128_SHA1_G2_ESP = IpsecOptions(
    protocol="esp", encryption=("AES128",), integrity=("SHA1",), pfs_dh_groups=(2,), lifetime_s=3600, mode="tunnel"
)


def tunnel(
    aws: str,
    cgw: str | None,
    psk: str,
    inside: str,
    *,
    bgp: tuple[int, int] | None = (65010, 64512),
    ike: IkeOptions = AES128_SHA1_G2_IKE,
    ipsec: IpsecOptions = AES128_SHA1_G2_ESP,
) -> Tunnel:
    """A tunnel as the Vyatta template states it: inside ``169.254.X.2/30`` (CGW) / ``.1`` (AWS)."""
    net = ipaddress.ip_network(inside)
    cgw_inside = ipaddress.ip_interface(f"{net.network_address + 2}/{net.prefixlen}")
    aws_ip = net.network_address + 1
    return Tunnel(
        aws_outside_ip=aws,
        cgw_outside_ip=cgw,
        psk=psk,
        cgw_inside=cgw_inside,
        aws_inside=ipaddress.ip_interface(f"{aws_ip}/{net.prefixlen}") if bgp else None,
        ike=ike,
        ipsec=ipsec,
        mtu=1436,
        bgp=Bgp(cgw_asn=bgp[0], aws_asn=bgp[1], neighbor_ip=aws_ip, hold_time=30) if bgp else None,
    )


CANON_T1 = tunnel("203.0.113.22", "198.51.100.10", "FAKE_tunnel1.key_example", "169.254.21.0/30")
CANON_T2 = tunnel("203.0.113.21", "198.51.100.10", "FAKE_tunnel2.key_example", "169.254.22.0/30")
CANONICAL = VpnConnection(
    tunnels=(CANON_T1, CANON_T2),
    vpn_connection_id="vpn-0c0ffee0123456789",
    vpn_gateway_id="vgw-0c0ffee0123456789",
    customer_gateway_id="cgw-0c0ffee0123456789",
    routing="bgp",
)


def parse_text(text: str, *, strict: bool = False) -> tuple[list[VpnConnection], Report]:
    report = Report("test", strict=strict)
    return aws_vyatta.parse(text, report), report


def parse_fixture(rel: str) -> tuple[VpnConnection, Report]:
    conns, report = parse_text(fixture_text(rel))
    assert len(conns) == 1
    return conns[0], report


def error_of(text: str) -> VpnxlateError:
    with pytest.raises(VpnxlateError) as info:
        parse_text(text)
    return info.value


# ------------------------------------------------------------------ fixtures, exact values


def test_canonical() -> None:
    conn, report = parse_fixture("canonical/vyatta.txt")
    assert conn == CANONICAL
    # ordered by AWS outside IP: tunnel #1 of the file (203.0.113.22) comes second
    assert [str(t.aws_outside_ip) for t in conn.tunnels] == ["203.0.113.21", "203.0.113.22"]
    assert conn.tunnels[1].psk == "FAKE_tunnel1.key_example"
    assert conn.tunnels[1].aws_inside == ipaddress.ip_interface("169.254.21.1/30")
    # what the Vyatta template cannot state stays None (DPD 15/30 are template constants)
    for t in conn.tunnels:
        assert (t.dpd_interval_s, t.dpd_retries, t.tcp_mss, t.clear_df_bit, t.fragmentation_before_encryption) == (
            None,
            None,
            None,
            None,
            None,
        )
        assert t.ike.mode is None and t.ike.versions is None
    assert conn.transit_gateway_id is None and conn.static_routes is None
    assert report.diagnostics == []


def test_canonical_through_api_has_no_warnings() -> None:
    conns, report = vpnxlate.parse_report(fixture_text("canonical/vyatta.txt"), "aws-vyatta", source="x")
    assert conns == [CANONICAL]
    assert report.messages() == []


def test_crlf_equals_lf() -> None:
    raw = (FIXTURES / "vyatta/crlf.txt").read_bytes()
    assert b"\r\n" in raw and raw.replace(b"\r\n", b"\n") == (FIXTURES / "canonical/vyatta.txt").read_bytes()
    assert parse_fixture("vyatta/crlf.txt")[0] == CANONICAL
    # and with a byte-order mark
    assert parse_text("\ufeff" + fixture_text("canonical/vyatta.txt"))[0] == [CANONICAL]


def test_tab_padded_header() -> None:
    text = fixture_text("vyatta/tab-header.txt")
    assert "! Your VPN Connection ID \t\t  : vpn-0c0ffee0123456789" in text
    assert parse_fixture("vyatta/tab-header.txt")[0] == CANONICAL


def test_tunnel1_only() -> None:
    conn, report = parse_fixture("vyatta/tunnel1-only.txt")
    assert conn.tunnels == (CANON_T1,)
    assert conn.vpn_connection_id == "vpn-0c0ffee0123456789"
    assert conn.routing == "bgp"
    assert report.diagnostics == []


def test_transit_gateway_empty_vgw_id() -> None:
    conn, _ = parse_fixture("vyatta/transit-gateway.txt")
    assert conn == VpnConnection(
        tunnels=(
            tunnel("192.0.2.71", "198.51.100.70", "FAKE_tgw1.key_example", "169.254.71.0/30", bgp=(65070, 64513)),
            tunnel("192.0.2.72", "198.51.100.70", "FAKE_tgw2.key_example", "169.254.72.0/30", bgp=(65070, 64513)),
        ),
        vpn_connection_id="vpn-0a7e0000000000b6c",
        vpn_gateway_id=None,
        transit_gateway_id=None,
        customer_gateway_id="cgw-0a7e0000000000b6c",
        routing="bgp",
    )


def test_user_edited() -> None:
    conn, report = parse_fixture("vyatta/user-edited.txt")
    aes256 = dict(encryption=("AES256",))
    assert conn == VpnConnection(
        tunnels=(
            tunnel(
                "203.0.113.31",
                "172.16.1.200",
                "FAKE_edited1.key_example",
                "169.254.31.0/30",
                bgp=(65000, 64512),
                ike=IkeOptions(**aes256, integrity=("SHA1",), dh_groups=(2,), lifetime_s=28800),
                ipsec=IpsecOptions(
                    protocol="esp", **aes256, integrity=("SHA1",), pfs_dh_groups=(2,), lifetime_s=3600, mode="tunnel"
                ),
            ),
        ),
        routing="bgp",
    )
    # the router's own static routes have no place in the model: warned with their lines
    assert report.messages() == [
        "test:94: 'set protocols static route 203.0.113.31/32 next-hop …' has no place in vpnxlate's model; ignored",
        "test:95: 'set protocols static interface-route 0.0.0.0/0 next-hop-interface …' has no place in "
        "vpnxlate's model; ignored",
    ]


def test_two_proposals_in_proposal_order() -> None:
    conn, _ = parse_fixture("vyatta/two-proposals.txt")
    ike = IkeOptions(
        encryption=("AES256", "AES128"), integrity=("SHA2-256", "SHA1"), dh_groups=(14, 2), lifetime_s=28800
    )
    esp = IpsecOptions(
        protocol="esp",
        encryption=("AES256", "AES128"),
        integrity=("SHA2-256", "SHA1"),
        pfs_dh_groups=(14, 2),
        lifetime_s=3600,
        mode="tunnel",
    )  # pfs 'enable' = the IKE groups
    assert [t.ike for t in conn.tunnels] == [ike, ike]
    assert [t.ipsec for t in conn.tunnels] == [esp, esp]


def test_static_without_bgp() -> None:
    conn, report = parse_fixture("vyatta/static.txt")
    assert conn == VpnConnection(
        tunnels=(
            tunnel("203.0.113.61", "192.0.2.50", "FAKE_static1.key_example", "169.254.61.0/30", bgp=None),
            tunnel("203.0.113.62", "192.0.2.50", "FAKE_static2.key_example", "169.254.62.0/30", bgp=None),
        ),
        vpn_connection_id="vpn-05a7e0000000000c1",
        customer_gateway_id="cgw-05a7e0000000000c1",
        routing="static",
    )
    # the AWS inside address is not invented from the /30
    assert [t.aws_inside for t in conn.tunnels] == [None, None]
    assert report.diagnostics == []


@pytest.mark.parametrize("name", ["aws-vyatta-download-2tunnels.txt", "aws-vyatta-download-tunnel1-noppy.txt"])
def test_real_samples(name: str) -> None:
    path = SHARED / "vyos-samples" / name
    if not path.exists():
        pytest.skip(f"{path} not found")
    conns, _ = parse_text(path.read_text(encoding="utf-8"))
    (conn,) = conns
    assert conn.routing == "bgp" and conn.vpn_connection_id is None
    assert all(t.bgp is not None and t.bgp.cgw_asn == 65000 and t.bgp.aws_asn == 64512 for t in conn.tunnels)
    assert all(t.mtu == 1436 and t.ipsec.pfs_dh_groups == (2,) for t in conn.tunnels)
    assert len(conn.tunnels) == (2 if "2tunnels" in name else 1)


def test_vyos_12_13_spellings_are_known() -> None:
    text = (
        fixture_text("vyatta/tunnel1-only.txt")
        .replace(
            "neighbor 169.254.21.1 soft-reconfiguration 'inbound'",
            "neighbor 169.254.21.1 address-family ipv4-unicast soft-reconfiguration 'inbound'",
        )
        .replace(
            "set protocols bgp 65010 network 0.0.0.0/0",
            "set protocols bgp 65010 address-family ipv4-unicast network 0.0.0.0/0",
        )
    )
    assert "address-family ipv4-unicast network" in text
    conns, report = parse_text(text)
    assert conns[0].tunnels == (CANON_T1,)
    assert report.diagnostics == []


# ------------------------------------------------------------------ bad fixtures


def test_bad_conflict() -> None:
    with pytest.raises(ValidationError) as info:
        parse_fixture("bad/vyatta-conflict.txt")
    e = info.value
    assert (e.line, e.field) == (125, "ike-group AWS lifetime")
    assert str(e) == (
        "<input>:125: ike-group AWS lifetime: 28800 on line 34 conflicts with 14400 on line 125; "
        "a repeated line must repeat the same value"
    )


def test_bad_placeholders() -> None:
    with pytest.raises(PlaceholderError) as info:
        parse_fixture("bad/vyatta-placeholders.txt")
    assert (info.value.line, info.value.field) == (42, "peer 203.0.113.22 local-address")
    assert "YOUR_UPLINK_ADDRESS" in info.value.message


def test_bad_truncated() -> None:
    text = fixture_text("bad/vyatta-truncated.txt")
    assert text.endswith("set interfaces vti vti1 address '169.254.22")
    with pytest.raises(ParseError) as info:
        parse_text(text)
    assert info.value.line == 167 == text.count("\n") + 1
    assert info.value.message == "unterminated ' quote (truncated or edited download?)"


@pytest.mark.parametrize(
    ("rel", "needles"),
    [
        ("bad/vyatta-conflict.txt", ("vyatta-conflict.txt:125: ike-group AWS lifetime: 28800 on line 34 conflicts",)),
        (
            "bad/vyatta-placeholders.txt",
            ("vyatta-placeholders.txt:42: peer 203.0.113.22 local-address: placeholder 'YOUR_UPLINK_ADDRESS'",),
        ),
        ("bad/vyatta-truncated.txt", ("vyatta-truncated.txt:167: unterminated ' quote",)),
    ],
)
def test_cli_one_line_errors(rel: str, needles: tuple[str, ...]) -> None:
    proc = run_cli("convert", str(FIXTURES / rel), "--from", "aws-vyatta", "--to", "json")
    line = assert_one_line_error(proc, *needles)
    assert "FAKE_" not in line


def test_cli_converts_canonical() -> None:
    proc = run_cli(
        "convert", str(FIXTURES / "canonical/vyatta.txt"), "--from", "aws-vyatta", "--to", "json", "--redact"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    back = vpnxlate.parse(proc.stdout, "json")
    assert back == [CANONICAL.redacted()]


def test_cli_detects_the_format() -> None:
    assert vpnxlate.detect_format(fixture_text("canonical/vyatta.txt")) == "aws-vyatta"
    proc = run_cli("convert", str(FIXTURES / "bad/vyatta-conflict.txt"), "--to", "json")
    assert_one_line_error(proc, "vyatta-conflict.txt:125: ike-group AWS lifetime")


# ------------------------------------------------------------------ detect()


@pytest.mark.parametrize(
    "rel",
    [
        "canonical/vyatta.txt",
        "vyatta/crlf.txt",
        "vyatta/tab-header.txt",
        "vyatta/tunnel1-only.txt",
        "vyatta/transit-gateway.txt",
        "vyatta/user-edited.txt",
        "vyatta/two-proposals.txt",
        "vyatta/static.txt",
        "bad/vyatta-conflict.txt",
        "bad/vyatta-placeholders.txt",
        "bad/vyatta-truncated.txt",
    ],
)
def test_detect_true(rel: str) -> None:
    assert aws_vyatta.detect(fixture_text(rel)) != NO


def test_detect_header_only_and_peer_only() -> None:
    # AWS header, no peer: claimed (and then "no tunnel found")
    assert aws_vyatta.detect(
        "! Amazon Web Services\n! Virtual Private Cloud\nset vpn ipsec ike-group AWS lifetime '28800'\n"
    )
    # no header, peers named by IP
    assert aws_vyatta.detect("configure\nset vpn ipsec site-to-site peer 192.0.2.1 ike-group 'AWS'\n")
    # set-commands without header or IP-named peer: not claimed
    assert not aws_vyatta.detect("set vpn ipsec ike-group AWS lifetime '28800'\n")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Amazon Web Services\nVirtual Private Cloud\n\nVPN Connection Configuration\n",
        '<?xml version="1.0" encoding="UTF-8"?>\n<vpn_connection id="vpn-1"></vpn_connection>\n',
        '{"VpnConnections": []}',
        # Juniper: same header style, 'set security ike'
        "# Amazon Web Services\nset security ike proposal ike-prop-vpn-1 authentication-method pre-shared-keys\n",
        # Juniper output that happens to start with a vti-like line but has 'set security ike'
        "set interfaces vti vti0 mtu 1436\nset security ike gateway gw-1 address 192.0.2.1\n",
        # Palo Alto
        "! Amazon Web Services\nset network ike gateway ike-vpn-1 peer-address ip 192.0.2.1\n",
        # VyOS >= 1.4: named peers with remote-address
        "set vpn ipsec site-to-site peer AWS-TUN1 remote-address '192.0.2.1'\n"
        "set vpn ipsec site-to-site peer AWS-TUN1 ike-group 'AWS'\n",
        "! Amazon Web Services\nset vpn ipsec ike-group AWS lifetime '28800'\n"
        "set vpn ipsec site-to-site peer peer_192-0-2-1 ike-group 'AWS'\n",
        "! Amazon Web Services\nset protocols bgp system-as '65000'\n",
        # Cisco download: '!' header but IOS commands
        "! Amazon Web Services\n! Virtual Private Cloud\ncrypto isakmp policy 200\n",
    ],
)
def test_detect_false(text: str) -> None:
    assert aws_vyatta.detect(text) == NO


@pytest.mark.parametrize("name", ["nakamura3104-1.4-rolling-user.txt", "rewrite-1.4.txt"])
def test_detect_refuses_vyos_14_samples(name: str) -> None:
    path = SHARED / "vyos-samples" / name
    if not path.exists():
        pytest.skip(f"{path} not found")
    assert aws_vyatta.detect(path.read_text(encoding="utf-8")) == NO


@pytest.mark.parametrize(
    "rel",
    [
        "other-vendors/juniper-srx.txt",
        "other-vendors/cisco-ios.txt",
        "other-vendors/strongswan.txt",
        "other-vendors/not-aws.txt",
    ],
)
def test_detect_other_vendor_fixtures(rel: str) -> None:
    assert aws_vyatta.detect(fixture_text(rel)) == NO


# ------------------------------------------------------------------ tokenizer


@pytest.mark.parametrize(
    ("line", "tokens"),
    [
        ("set a 'b c'", ["set", "a", "b c"]),
        ('set a "b c"', ["set", "a", "b c"]),
        ("set a\t b", ["set", "a", "b"]),
        ("set a 'it''s'", ["set", "a", "its"]),
        ("set a x'y z'w", ["set", "a", "xy zw"]),
        ('set a "it\'s"', ["set", "a", "it's"]),
        ("set a 'hello!world' ''", ["set", "a", "hello!world", ""]),
    ],
)
def test_tokenize(line: str, tokens: list[str]) -> None:
    assert aws_vyatta.tokenize(line) == tokens


def test_tokenize_unterminated_hides_the_line() -> None:
    with pytest.raises(ParseError) as info:
        aws_vyatta.tokenize("set x pre-shared-secret 'FAKE_secret", 7)
    assert info.value.line == 7
    assert "FAKE_" not in str(info.value)


# ------------------------------------------------------------------ edge cases (inline inputs)

HEAD = "! Amazon Web Services\n! Your VPN Connection ID                  : vpn-0123456789abcdef0"


def mini(
    *extra: str,
    peer: str = "203.0.113.5",
    psk: str = "FAKE_mini.key",
    pfs: str = "enable",
    vti_addr: str = "169.254.50.2/30",
    neighbor: str | None = "169.254.50.1",
) -> str:
    """One tunnel in Vyatta syntax (unquoted and double-quoted values on purpose)."""
    lines = [
        HEAD,
        "set vpn ipsec ike-group AWS lifetime 28800",
        "set vpn ipsec ike-group AWS proposal 1 dh-group '14'",
        'set vpn ipsec ike-group AWS proposal 1 encryption "aes256"',
        "set vpn ipsec ike-group AWS proposal 1 hash sha256",
        f"set vpn ipsec site-to-site peer {peer} authentication mode 'pre-shared-secret'",
        f"set vpn ipsec site-to-site peer {peer} authentication pre-shared-secret '{psk}'",
        f"set vpn ipsec site-to-site peer {peer} description 'tunnel with a ! inside'",
        f"set vpn ipsec site-to-site peer {peer} ike-group 'AWS'",
        f"set vpn ipsec site-to-site peer {peer} local-address '198.51.100.5'",
        f"set vpn ipsec site-to-site peer {peer} vti bind 'vti0'",
        f"set vpn ipsec site-to-site peer {peer} vti esp-group 'AWS'",
        "set vpn ipsec esp-group AWS lifetime '3600'",
        "set vpn ipsec esp-group AWS mode 'tunnel'",
        f"set vpn ipsec esp-group AWS pfs '{pfs}'",
        "set vpn ipsec esp-group AWS proposal 1 encryption 'aes256'",
        "set vpn ipsec esp-group AWS proposal 1 hash 'sha256'",
        f"set interfaces vti vti0 address '{vti_addr}'",
        "set interfaces vti vti0 mtu '1436'",
    ]
    if neighbor:
        lines += [
            f"set protocols bgp 65001 neighbor {neighbor} remote-as '64512'",
            f"set protocols bgp 65001 neighbor {neighbor} timers holdtime '30'",
        ]
    return "\n".join([*lines, *extra]) + "\n"


def test_mini_values() -> None:
    (conn,), report = parse_text(mini())
    (t,) = conn.tunnels
    assert t.ike == IkeOptions(encryption=("AES256",), integrity=("SHA2-256",), dh_groups=(14,), lifetime_s=28800)
    assert t.ipsec == IpsecOptions(
        protocol="esp",
        encryption=("AES256",),
        integrity=("SHA2-256",),
        pfs_dh_groups=(14,),
        lifetime_s=3600,
        mode="tunnel",
    )
    assert t.bgp == Bgp(cgw_asn=65001, aws_asn=64512, neighbor_ip=ipaddress.ip_address("169.254.50.1"), hold_time=30)
    assert (str(t.cgw_inside), str(t.aws_inside)) == ("169.254.50.2/30", "169.254.50.1/30")
    assert report.diagnostics == []


def test_header_without_peer_is_no_tunnel() -> None:
    e = error_of(HEAD + "\nset vpn ipsec ike-group AWS lifetime '28800'\n")
    assert isinstance(e, ParseError)
    assert e.message.startswith("no tunnel found")


def test_key_exchange_sets_versions() -> None:
    (conn,), _ = parse_text(mini("set vpn ipsec ike-group AWS key-exchange 'ikev2'"))
    assert conn.tunnels[0].ike.versions == ("ikev2",)


def test_pfs_spellings() -> None:
    (conn,), _ = parse_text(mini(pfs="dh-group19"))
    assert conn.tunnels[0].ipsec.pfs_dh_groups == (19,)
    (conn,), report = parse_text(mini(pfs="disable"))
    assert conn.tunnels[0].ipsec.pfs_dh_groups is None
    assert report.messages() == [
        "test:16: esp-group AWS pfs 'disable': AWS requires perfect forward secrecy in "
        "phase 2; the tunnel's PFS groups are left unset"
    ]
    with pytest.raises(ValidationError):
        parse_text(mini(pfs="disable"), strict=True)


def test_unknown_lines_warn_unrelated_ignored() -> None:
    (conn,), report = parse_text(
        mini(
            "set vpn ipsec nat-traversal 'enable'",
            "set vpn ipsec site-to-site peer 203.0.113.5 authentication id '198.51.100.5'",
            "set interfaces ethernet eth0 address 'dhcp'",
            "set system host-name 'edge'",
            "set service ssh port '22'",
            "set firewall name IN default-action 'drop'",
            "commit",
            "save",
        )
    )
    assert conn.tunnels[0].psk == "FAKE_mini.key"
    assert report.messages() == [
        "test:23: 'set vpn ipsec nat-traversal …' has no place in vpnxlate's model; ignored",
        "test:24: 'set vpn ipsec site-to-site peer 203.0.113.5 authentication id …' has no place in vpnxlate's "
        "model; ignored",
        "test:25: 'set interfaces ethernet eth0 address …' has no place in vpnxlate's model; ignored",
    ]


def test_unknown_line_never_shows_a_secret() -> None:
    _, report = parse_text(
        mini("set vpn ipsec site-to-site peer 203.0.113.5 authentication pre-shared-secret 'FAKE_x' extra")
    )
    assert report.messages() == [
        "test:23: 'set vpn ipsec site-to-site peer 203.0.113.5 authentication pre-shared-secret …' has no place "
        "in vpnxlate's model; ignored"
    ]


def test_conflicting_psk_repeat_hides_both_keys() -> None:
    e = error_of(mini("set vpn ipsec site-to-site peer 203.0.113.5 authentication pre-shared-secret 'FAKE_other'"))
    assert isinstance(e, ValidationError)
    assert (e.line, e.field) == (23, "peer 203.0.113.5 authentication pre-shared-secret")
    assert "FAKE_" not in str(e) and "lines 8 and 23" in str(e)


def test_identical_repeats_are_fine() -> None:
    (conn,), report = parse_text(
        mini("set vpn ipsec ike-group AWS lifetime '28800'", "set interfaces vti vti0 address 169.254.50.2/30")
    )
    assert conn.tunnels[0].ike.lifetime_s == 28800 and report.diagnostics == []


@pytest.mark.parametrize(
    ("extra", "kwargs", "cls", "line", "field", "needle"),
    [
        (
            ("set vpn ipsec ike-group AWS proposal 1 encryption '3des'",),
            {},
            ValidationError,
            23,
            "ike-group AWS proposal 1 encryption",
            "aes256 on line 5 conflicts with 3des on line 23",
        ),
        ((), {"pfs": "dh-group1"}, ValidationError, 16, "esp-group AWS pfs", "Diffie-Hellman group"),
        (
            ("set vpn ipsec esp-group AWS proposal 2 hash 'md5'",),
            {},
            ValidationError,
            23,
            "esp-group AWS proposal hash",
            "unknown integrity algorithm md5",
        ),
        (
            ("set interfaces vti vti0 address '169.254.60.2/30'",),
            {},
            ValidationError,
            23,
            "interfaces vti vti0 address",
            "169.254.50.2/30 on line 19 conflicts with 169.254.60.2/30 on line 23",
        ),
        (
            ("set protocols bgp 65002 network 10.0.0.0/8",),
            {},
            ValidationError,
            23,
            "protocols bgp",
            "local ASN 65001 on line 21 conflicts with 65002 on line 23",
        ),
        ((), {"peer": "YOUR_VGW_ADDRESS"}, PlaceholderError, 7, "site-to-site peer", "YOUR_VGW_ADDRESS"),
        ((), {"peer": "AWS-TUN1"}, ParseError, 7, "site-to-site peer", "is not an IP address"),
        (
            (),
            {"psk": "FAKE has space"},
            ValidationError,
            8,
            "peer 203.0.113.5 authentication pre-shared-secret",
            "a space",
        ),
        ((), {"neighbor": "169.254.50.2"}, ValidationError, 21, "bgp neighbor 169.254.50.2", "own inside address"),
        (
            ("set protocols bgp 65001 neighbor 169.254.50.1 timers holdtime 'soon'",),
            {},
            ValidationError,
            23,
            "bgp neighbor 169.254.50.1 timers holdtime",
            "conflicts",
        ),
        (("set vpn ipsec esp-group AWS mode 'beet'",), {}, ValidationError, 23, "esp-group AWS mode", "conflicts"),
        (("set protocols bgp system-as 65001",), {}, ParseError, 23, "protocols bgp", "VyOS 1.4+"),
        (
            ("set vpn ipsec site-to-site peer 203.0.113.5 authentication mode 'x509'",),
            {},
            ValidationError,
            23,
            "peer 203.0.113.5 authentication mode",
            "not supported",
        ),
    ],
)
def test_errors_have_line_and_field(
    extra: tuple[str, ...], kwargs: dict[str, str], cls: type, line: int, field: str, needle: str
) -> None:
    e = error_of(mini(*extra, **kwargs))
    assert type(e) is cls, e
    assert (e.line, e.field) == (line, field), str(e)
    assert needle in str(e)
    assert "FAKE" not in str(e)


def test_model_range_errors_are_located() -> None:
    text = mini().replace("ike-group AWS lifetime 28800", "ike-group AWS lifetime 999999999")
    e = error_of(text)
    assert (type(e), e.line, e.field) == (ValidationError, 3, "ike-group AWS lifetime")
    e = error_of(mini().replace("mtu '1436'", "mtu '20'"))
    assert (type(e), e.line) == (ValidationError, 20)
    e = error_of(mini().replace("mode 'tunnel'", "mode 'beet'"))
    assert (type(e), e.line, e.field) == (ValidationError, 15, "esp-group AWS mode")


def test_missing_vti_interface_is_truncation() -> None:
    text = "\n".join(line for line in mini().splitlines() if not line.startswith("set interfaces vti")) + "\n"
    e = error_of(text)
    assert isinstance(e, ParseError)
    assert (e.line, e.field) == (12, "peer 203.0.113.5 vti bind")
    assert "no 'set interfaces vti vti0 address' line" in e.message


def test_missing_psk_and_groups() -> None:
    def without(word: str) -> str:
        return "\n".join(line for line in mini().splitlines() if word not in line) + "\n"

    e = error_of(without("pre-shared-secret '"))
    assert (type(e), e.line, e.field) == (ParseError, 7, "peer 203.0.113.5 authentication pre-shared-secret")
    e = error_of(without("peer 203.0.113.5 ike-group"))
    assert (type(e), e.line, e.field) == (ParseError, 7, "peer 203.0.113.5 ike-group")
    e = error_of(mini().replace("ike-group 'AWS'", "ike-group 'OTHER'"))
    assert (type(e), e.line) == (ParseError, 10) and "does not define ike-group OTHER" in e.message
    e = error_of(without("esp-group AWS"))
    assert (type(e), e.line) == (ParseError, 13) and "does not define esp-group AWS" in e.message


def test_stray_neighbor_warns() -> None:
    (conn,), report = parse_text(mini("set protocols bgp 65001 neighbor 10.0.0.2 remote-as '65001'"))
    assert conn.tunnels[0].bgp is not None
    assert report.messages() == ["test:23: BGP neighbor 10.0.0.2 is inside no tunnel's vti network; ignored"]


def test_static_mini_leaves_aws_inside_unset() -> None:
    (conn,), _ = parse_text(mini(neighbor=None))
    assert conn.routing == "static"
    assert conn.tunnels[0].aws_inside is None and conn.tunnels[0].bgp is None


def test_comments_and_bang_inside_values() -> None:
    text = mini("  ! an indented comment with 'an unterminated quote", "# a hash comment", "!rules")
    (conn,), report = parse_text(text)
    assert report.diagnostics == [] and len(conn.tunnels) == 1


def test_conflicting_header_ids() -> None:
    e = error_of(mini("! Your VPN Connection ID : vpn-0fedcba9876543210"))
    assert (type(e), e.line, e.field) == (ValidationError, 23, "vpn_connection_id")


def test_psk_never_in_repr_or_messages() -> None:
    for rel in ("canonical/vyatta.txt", "vyatta/user-edited.txt"):
        conn, report = parse_fixture(rel)
        assert "FAKE_" not in repr(conn)
        assert all("FAKE_" not in m for m in report.messages())


def test_matches_the_generic_canonical_on_what_vyatta_states() -> None:
    """The canonical Generic download and the canonical Vyatta download are the same connection;
    the Vyatta template cannot state IKE version/mode, DPD, TCP MSS, clear-DF and fragmentation."""
    generic, _ = vpnxlate.parse_report(fixture_text("canonical/generic.txt"), "aws-generic")
    reduced = [
        attrs.evolve(
            t,
            ike=attrs.evolve(t.ike, versions=None, mode=None),
            dpd_interval_s=None,
            dpd_retries=None,
            tcp_mss=None,
            clear_df_bit=None,
            fragmentation_before_encryption=None,
        )
        for t in generic[0].tunnels
    ]
    assert attrs.evolve(generic[0], tunnels=tuple(reduced)) == CANONICAL


def test_more_structure_errors() -> None:
    # a second neighbor in the same /30
    e = error_of(mini("set protocols bgp 65001 neighbor 169.254.50.3 remote-as '64512'"))
    assert (type(e), e.line, e.field) == (ValidationError, 23, "bgp neighbor 169.254.50.3")
    assert "with BGP neighbor 169.254.50.1" in e.message
    # a neighbor without remote-as
    e = error_of(mini().replace("neighbor 169.254.50.1 remote-as '64512'", "neighbor 169.254.50.1 description 'x'"))
    assert (type(e), e.line, e.field) == (ParseError, 21, "bgp neighbor 169.254.50.1 remote-as")
    # two peers bound to one vti
    second = mini().split("\n", 2)[2].replace("203.0.113.5", "203.0.113.6").replace("FAKE_mini", "FAKE_two")
    e = error_of(mini() + second)
    assert type(e) is ValidationError and e.field == "peer 203.0.113.6 vti bind"
    assert "203.0.113.5 and 203.0.113.6 are both bound to vti0" in e.message


def test_local_address_any_and_2009_header_label() -> None:
    text = mini().replace("local-address '198.51.100.5'", "local-address 'any'") + (
        "! Your VPN Gateway ID          : vgw-0123456789abcdef0\n"
    )
    (conn,), report = parse_text(text)
    assert conn.tunnels[0].cgw_outside_ip is None
    assert conn.vpn_gateway_id == "vgw-0123456789abcdef0"
    assert report.messages() == [
        "test:11: peer 203.0.113.5 local-address any does not state the customer gateway's address"
    ]
