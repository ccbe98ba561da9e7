"""Unit tests of the strongSwan targets: proposal mapping, naming/marks, NAT option, IKE version,
defaults and warnings, injection refusal, and the CLI file handling."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import attrs
import pytest

import vpnxlate
from vpnxlate.emitters import strongswan as ss
from vpnxlate.errors import EmitError, Report, ValidationError, VpnxlateError
from vpnxlate.model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection

from .conftest import FIXTURES, assert_one_line_error, run_cli

BGP_JSON = FIXTURES / "strongswan" / "bgp.json"
IKEV2_JSON = FIXTURES / "strongswan" / "ikev2-aes256.json"
STATIC_JSON = FIXTURES / "strongswan" / "static.json"


def load(path: Path) -> list[VpnConnection]:
    return vpnxlate.parse(path.read_text(encoding="utf-8"))


def tunnel(aws: str, n: int, **kw: Any) -> Tunnel:
    base: dict[str, Any] = dict(
        aws_outside_ip=aws,
        cgw_outside_ip="198.51.100.10",
        psk=f"FAKE_unit{n}.key",
        cgw_inside=f"169.254.{n}.2/30",
        aws_inside=f"169.254.{n}.1/30",
        ike=IkeOptions(
            versions=("ikev1",), encryption=("AES128",), integrity=("SHA1",), dh_groups=(2,), lifetime_s=28800
        ),
        ipsec=IpsecOptions(encryption=("AES128",), integrity=("SHA1",), pfs_dh_groups=(2,), lifetime_s=3600),
        dpd_interval_s=10,
        dpd_retries=3,
        mtu=1436,
        tcp_mss=1379,
        rekey_margin_s=270,
        rekey_fuzz_pct=100,
    )
    base.update(kw)
    return Tunnel(**base)


def conn(cid: str | None, *tunnels: Tunnel, **kw: Any) -> VpnConnection:
    return VpnConnection(tunnels=tunnels, vpn_connection_id=cid, **kw)


def emit(conns: list[VpnConnection], target: str = "strongswan", **opts: Any) -> tuple[dict[str, str], Report]:
    files, report = vpnxlate.emit_report(conns, target, **opts)
    return {f.name: f.content for f in files}, report


def conn_block(text: str, name: str) -> str:
    m = re.search(rf"^conn {re.escape(name)}\n((?:    .*\n)*)", text, re.M)
    assert m, name
    return m.group(1)


# ------------------------------------------------------------------ proposals


@pytest.mark.parametrize(
    ("group", "kw"),
    [
        (2, "modp1024"),
        (5, "modp1536"),
        (14, "modp2048"),
        (15, "modp3072"),
        (16, "modp4096"),
        (17, "modp6144"),
        (18, "modp8192"),
        (19, "ecp256"),
        (20, "ecp384"),
        (21, "ecp521"),
        (22, "modp1024s160"),
        (23, "modp2048s224"),
        (24, "modp2048s256"),
    ],
)
def test_dh_keywords(group: int, kw: str) -> None:
    assert ss.DH_KW[group] == kw
    assert ss.esp_proposals(("AES128",), ("SHA1",), (group,)) == (f"aes128-sha1-{kw}",)


def test_algorithm_keywords() -> None:
    assert ss.ENCRYPTION_KW == {
        "AES128": "aes128",
        "AES256": "aes256",
        "AES128-GCM-16": "aes128gcm16",
        "AES256-GCM-16": "aes256gcm16",
    }
    assert ss.INTEGRITY_KW == {"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512"}
    assert ss.PRF_KW["SHA2-384"] == "prfsha384"


def test_ikev2_gcm_uses_prf_and_esp_gcm_has_no_integrity() -> None:
    t = tunnel(
        "203.0.113.5",
        5,
        ike=IkeOptions(
            versions=("ikev2",),
            encryption=("AES256-GCM-16", "AES128"),
            integrity=("SHA2-256", "SHA1"),
            dh_groups=(20, 14),
            lifetime_s=28800,
        ),
        ipsec=IpsecOptions(
            encryption=("AES128", "AES256-GCM-16"), integrity=("SHA2-512",), pfs_dh_groups=(21,), lifetime_s=3600
        ),
    )
    files, _ = emit([conn("vpn-gcm", t)])
    text = files["ipsec.conf"]
    assert "    keyexchange = ikev2\n" in text
    # AEAD and non-AEAD apart, in the order of the model's lists; strict
    assert "    ike = aes256gcm16-prfsha256-prfsha1-ecp384-modp2048,aes128-sha256-sha1-ecp384-modp2048!\n" in text
    assert "    esp = aes128-sha512-ecp521,aes256gcm16-ecp521!\n" in text
    files, _ = emit([conn("vpn-gcm", t)], "swanctl")
    assert (
        "        proposals = aes256gcm16-prfsha256-prfsha1-ecp384-modp2048, aes128-sha256-sha1-ecp384-modp2048\n"
        in files["swanctl.conf"]
    )
    assert "                esp_proposals = aes128-sha512-ecp521, aes256gcm16-ecp521\n" in files["swanctl.conf"]


def test_esp_gcm_only_needs_no_integrity_and_no_warning_for_it() -> None:
    t = tunnel(
        "203.0.113.5", 5, ipsec=IpsecOptions(encryption=("AES128-GCM-16",), pfs_dh_groups=(14,), lifetime_s=3600)
    )
    files, report = emit([conn("vpn-x", t)], local_address="192.0.2.130")
    assert "    esp = aes128gcm16-modp2048!\n" in files["ipsec.conf"]
    assert not any("integrity" in m for m in report.messages())


def test_ikev1_drops_gcm_in_phase1_with_warning() -> None:
    t = tunnel(
        "203.0.113.5",
        5,
        ike=IkeOptions(
            versions=("ikev1",),
            encryption=("AES128-GCM-16", "AES256"),
            integrity=("SHA1",),
            dh_groups=(14,),
            lifetime_s=28800,
        ),
    )
    files, report = emit([conn("vpn-x", t)])
    assert "    ike = aes256-sha1-modp2048!\n" in files["ipsec.conf"]
    assert (
        "target strongswan: vpn-x tunnel 203.0.113.5: IKEv1 cannot use AES-GCM for the IKE SA; leaving out "
        "AES128-GCM-16 in phase 1"
    ) in report.messages()
    only_gcm = tunnel(
        "203.0.113.5",
        5,
        ike=IkeOptions(
            versions=("ikev1", "ikev2"),
            encryption=("AES128-GCM-16",),
            integrity=("SHA1",),
            dh_groups=(14,),
            lifetime_s=28800,
        ),
    )
    with pytest.raises(EmitError, match="only AES-GCM, which IKEv1 cannot use; use ike_version 2"):
        emit([conn("vpn-x", only_gcm)])
    files, _ = emit([conn("vpn-x", only_gcm)], ike_version="2")
    assert "    ike = aes128gcm16-prfsha1-modp2048!\n" in files["ipsec.conf"]


# ------------------------------------------------------------------ IKE version


@pytest.mark.parametrize(
    ("versions", "option", "expected"),
    [
        (("ikev1",), None, "ikev1"),
        (("ikev2",), None, "ikev2"),
        (("ikev1", "ikev2"), None, "ikev1"),
        (None, None, "ikev1"),
        (("ikev1", "ikev2"), "2", "ikev2"),
        (None, "2", "ikev2"),
        (("ikev2",), "2", "ikev2"),
        (("ikev1",), "1", "ikev1"),
    ],
)
def test_ike_version(versions: tuple[str, ...] | None, option: str | None, expected: str) -> None:
    t = tunnel("203.0.113.5", 5, ike=attrs.evolve(tunnel("203.0.113.5", 5).ike, versions=versions))
    files, report = emit([conn("vpn-x", t)], ike_version=option)
    assert f"    keyexchange = {expected}\n" in files["ipsec.conf"]
    files, _ = emit([conn("vpn-x", t)], "swanctl", ike_version=option)
    assert f"        version = {expected[-1]}\n" in files["swanctl.conf"]
    defaulted = any("IKE version (ikev1)" in m for m in report.messages())
    assert defaulted == (versions is None and option is None)


@pytest.mark.parametrize(("versions", "option"), [(("ikev1",), "2"), (("ikev2",), "1")])
def test_ike_version_option_contradicting_aws_is_an_error(versions: tuple[str, ...], option: str) -> None:
    t = tunnel("203.0.113.5", 5, ike=attrs.evolve(tunnel("203.0.113.5", 5).ike, versions=versions))
    with pytest.raises(
        EmitError, match=f"ike_version {option} contradicts the input, which allows only {versions[0]} on the AWS side"
    ):
        emit([conn("vpn-x", t)], ike_version=option)


def test_ike_version_option_is_validated() -> None:
    with pytest.raises(EmitError, match="ike_version must be 1 or 2"):
        emit(load(BGP_JSON), ike_version="3")


# ------------------------------------------------------------------ names, marks, interfaces


def _names(text: str) -> dict[str, tuple[str, str]]:
    """conn name -> (mark, updown) of every tunnel conn."""
    out = {}
    for m in re.finditer(r"^conn (vpn-\S+|aws-\S+)\n((?:    .*\n)*)", text, re.M):
        body = m.group(2)
        mark = re.search(r"mark = (\d+)", body)
        updown = re.search(r"leftupdown = (.*)", body)
        assert mark and updown
        out[m.group(1)] = (mark.group(1), updown.group(1))
    return out


def test_adding_a_connection_does_not_rename_or_renumber_others() -> None:
    a = load(BGP_JSON)
    b = load(IKEV2_JSON)
    c = load(STATIC_JSON)
    alone = _names(emit(a)[0]["ipsec.conf"])
    together = _names(emit(a + b + c)[0]["ipsec.conf"])
    assert len(alone) == 2 and len(together) == 6
    for name, value in alone.items():
        assert together[name] == value
    assert emit(a + b + c)[0] == emit(c + a + b)[0]
    sw_alone = emit(a, "swanctl")[0]["swanctl.conf"]
    sw_all = emit(c + b + a, "swanctl")[0]["swanctl.conf"]
    for name, (mark, _) in alone.items():
        assert f"mark_in = {mark}" in sw_alone and f"mark_in = {mark}" in sw_all
        assert f"    {name} {{" in sw_all


def test_names_marks_and_interfaces_come_from_connection_id_and_outside_ip() -> None:
    mark = ss.tunnel_mark("vpn-0c0ffee0123456789", vpnxlate.model.ipaddress.ip_address("203.0.113.21"))
    assert mark == 952493071  # pinned: changing the derivation renumbers every deployed tunnel
    t1, t2 = tunnel("203.0.113.21", 1), tunnel("203.0.113.22", 2)
    text = emit([conn("vpn-0c0ffee0123456789", t2, t1)])[0]["ipsec.conf"]
    block = conn_block(text, "vpn-0c0ffee0123456789-203-0-113-21")
    assert "    mark = 952493071\n" in block
    assert "-ln vti952493071 " in block
    # the same tunnel IP under another connection id gets another mark
    other = emit([conn("vpn-0000000000000beef", tunnel("203.0.113.21", 1))])[0]["ipsec.conf"]
    assert "mark = 952493071" not in other
    for m in re.finditer(r"-ln (\S+)", text + other):
        assert len(m.group(1)) <= 15


def test_interface_names_fit_in_15_characters_for_xfrm() -> None:
    text = emit(load(BGP_JSON), "swanctl", interface="xfrm")[0]["swanctl.conf"]
    names = re.findall(r"-ln (\S+)", text)
    assert names and all(n.startswith("xfrm") and len(n) <= 15 for n in names)
    assert "if_id_in = 952493071" in text and "if_id_out = 952493071" in text
    assert "mark_in" not in text
    assert " -t xfrm" in text


def test_connection_without_id_gets_a_name_from_its_outside_ips() -> None:
    c1 = conn(None, tunnel("203.0.113.5", 5), tunnel("203.0.113.6", 6))
    c2 = conn(None, tunnel("203.0.113.7", 7), tunnel("203.0.113.8", 8))
    text = emit([c1, c2])[0]["ipsec.conf"]
    key1 = ss.connection_key(c1)
    assert re.fullmatch(r"aws-[0-9a-f]{10}", key1)
    assert key1 != ss.connection_key(c2)
    assert f"conn {key1}-203-0-113-5\n" in text
    assert text == emit([c2, c1])[0]["ipsec.conf"]


def _colliding_ids(aws: str) -> tuple[str, str, int]:
    """Two connection ids whose tunnels to ``aws`` get the same mark (a birthday search over the
    9-digit marks: about 17,000 ids)."""
    ip = vpnxlate.model.ipaddress.ip_address(aws)
    seen: dict[int, str] = {}
    for i in range(1, 500_000):
        cid = f"vpn-{i:017x}"
        mark = ss.tunnel_mark(cid, ip)
        if mark in seen:
            return seen[mark], cid, mark
        seen[mark] = cid
    raise AssertionError("no collision found")


def test_mark_collision_is_an_error() -> None:
    first, second, mark = _colliding_ids("203.0.113.5")
    a, b = conn(first, tunnel("203.0.113.5", 5)), conn(second, tunnel("203.0.113.5", 6))
    for target in ("strongswan", "swanctl"):
        with pytest.raises(EmitError, match=f"would get the same mark {mark}"):
            emit([a, b], target)
        emit([a], target)  # each alone is fine


def test_name_collision_is_an_error() -> None:
    a = conn("vpn-a.b", tunnel("203.0.113.5", 5))
    b = conn("vpn-a-b", tunnel("203.0.113.5", 6))
    with pytest.raises(EmitError, match="would get the same name vpn-a-b-203-0-113-5"):
        emit([a, b])


# ------------------------------------------------------------------ NAT fix-up


def test_local_address_changes_left_but_not_the_identity() -> None:
    files, report = emit(load(BGP_JSON), local_address="192.0.2.130")
    conf = files["ipsec.conf"]
    assert "    left = 192.0.2.130\n" in conf
    assert "    leftid = 198.51.100.10\n" in conf
    assert files["ipsec.secrets"].splitlines()[2:] == [
        '198.51.100.10 203.0.113.21 : PSK "FAKE_tunnel2.key_example"',
        '198.51.100.10 203.0.113.22 : PSK "FAKE_tunnel1.key_example"',
    ]
    assert not any("local_address" in m for m in report.messages())
    sw = emit(load(BGP_JSON), "swanctl", local_address="192.0.2.130")[0]["swanctl.conf"]
    assert sw.count("        local_addrs = 192.0.2.130\n") == 2
    assert sw.count("            id = 198.51.100.10\n") == 2
    assert sw.count("        id-local = 198.51.100.10\n") == 2


def test_without_local_address_public_ip_and_warning() -> None:
    files, report = emit(load(BGP_JSON))
    assert "    left = 198.51.100.10\n    leftid = 198.51.100.10\n" in files["ipsec.conf"]
    assert (
        "target strongswan: no local_address: using the customer gateway IP (198.51.100.10) as the local "
        "address and IKE identity; a router behind NAT (an EC2 instance with an elastic IP) needs "
        "local_address PRIVATE_IP"
    ) in report.messages()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("192.0.2.300", "local_address: not an IP address"),
        ("2001:db8::1", "is not an IPv4 address"),
        ("192.0.2.1\nleft=x", "not an IP address"),
    ],
)
def test_bad_local_address(value: str, message: str) -> None:
    with pytest.raises(EmitError, match=re.escape(message)):
        emit(load(BGP_JSON), local_address=value)


# ------------------------------------------------------------------ defaults, warnings, timers


def test_missing_values_fall_back_to_aws_defaults_with_one_warning_per_tunnel() -> None:
    bare = Tunnel(
        aws_outside_ip="203.0.113.9",
        cgw_outside_ip="198.51.100.10",
        psk="FAKE_bare.key",
        cgw_inside="169.254.9.2/30",
        aws_inside="169.254.9.1/30",
    )
    files, report = emit([conn("vpn-bare", bare)], local_address="192.0.2.130")
    assert report.messages() == [
        "target strongswan: vpn-bare tunnel 203.0.113.9: not stated in the input, using AWS's defaults: "
        "IKE version (ikev1); phase 1 encryption (AES128, AES256, AES128-GCM-16, AES256-GCM-16); "
        "phase 1 integrity (SHA1, SHA2-256, SHA2-384, SHA2-512); phase 1 DH groups (2, 14, 15, 16, 17, 18, 19, "
        "20, 21, 22, 23, 24); phase 2 encryption (AES128, AES256, AES128-GCM-16, AES256-GCM-16); phase 2 "
        "integrity (SHA1, SHA2-256, SHA2-384, SHA2-512); phase 2 PFS groups (2, 5, 14, 15, 16, 17, 18, 19, 20, "
        "21, 22, 23, 24); phase 1 lifetime (28800 s); phase 2 lifetime (3600 s); DPD interval (10 s); "
        "DPD retries (3); tunnel interface MTU (1436); TCP MSS (1379)",
        "target strongswan: vpn-bare tunnel 203.0.113.9: IKEv1 cannot use AES-GCM for the IKE SA; leaving out "
        "AES128-GCM-16, AES256-GCM-16 in phase 1",
        "target strongswan: vpn-bare: BGP routing, but the input names no ASNs for its tunnels; no BGP "
        "configuration is written for it",
    ]
    conf = files["ipsec.conf"]
    groups = (
        "modp1024-modp2048-modp3072-modp4096-modp6144-modp8192-ecp256-ecp384-ecp521-modp1024s160-"
        "modp2048s224-modp2048s256"
    )
    assert f"    ike = aes128-aes256-sha1-sha256-sha384-sha512-{groups}!\n" in conf
    assert "    esp = aes128-aes256-sha1-sha256-sha384-sha512-modp1024-modp1536-" in conf
    assert ",aes128gcm16-aes256gcm16-modp1024-modp1536-" in conf
    for line in (
        "ikelifetime = 28800s",
        "lifetime = 3600s",
        "margintime = 540s",
        "dpddelay = 10s",
        "dpdtimeout = 30s",
        "dpdaction = restart",
    ):
        assert f"    {line}\n" in conf
    assert "-mtu 1436 -mss 1379" in conf
    with pytest.raises(EmitError, match="not stated in the input, using AWS's defaults"):
        vpnxlate.emit_report([conn("vpn-bare", bare)], "strongswan", strict=True, local_address="192.0.2.130")


def test_rekey_margin_and_dpd_from_the_model() -> None:
    t = tunnel(
        "203.0.113.5",
        5,
        rekey_margin_s=300,
        rekey_fuzz_pct=50,
        dpd_interval_s=15,
        dpd_timeout_s=45,
        ipsec=IpsecOptions(encryption=("AES128",), integrity=("SHA1",), pfs_dh_groups=(2,), lifetime_s=3000),
        ike=attrs.evolve(tunnel("203.0.113.5", 5).ike, lifetime_s=20000),
        replay_window=512,
    )
    files, report = emit([conn("vpn-x", t)], local_address="192.0.2.130")
    conf = files["ipsec.conf"]
    for line in (
        "ikelifetime = 20000s",
        "lifetime = 3000s",
        "margintime = 450s",
        "dpddelay = 15s",
        "dpdtimeout = 45s",
        "replay_window = 512",
    ):
        assert f"    {line}\n" in conf
    sw = emit([conn("vpn-x", t)], "swanctl", local_address="192.0.2.130")[0]["swanctl.conf"]
    for line in (
        "        rekey_time = 19550s",
        "        over_time = 450s",
        "        rand_time = 450s",
        "        dpd_delay = 15s",
        "        dpd_timeout = 45s",
        "                life_time = 3000s",
        "                rekey_time = 2550s",
        "                rand_time = 450s",
        "                replay_window = 512",
    ):
        assert line + "\n" in sw
    assert not any("default" in m for m in report.messages())


def test_rekey_margin_too_long_for_the_lifetime_is_clamped_with_warning() -> None:
    t = tunnel(
        "203.0.113.5",
        5,
        rekey_margin_s=450,
        ipsec=IpsecOptions(encryption=("AES128",), integrity=("SHA1",), pfs_dh_groups=(2,), lifetime_s=900),
    )
    files, report = emit([conn("vpn-x", t)], local_address="192.0.2.130")
    assert "    margintime = 225s\n" in files["ipsec.conf"]
    assert (
        "target strongswan: vpn-x tunnel 203.0.113.5: rekeying before AWS would need a margin of 900 s, too "
        "long for a lifetime of 900 s; using 225 s (AWS may rekey first)"
    ) in report.messages()


def test_ikev2_has_no_dpdtimeout() -> None:
    conf = emit(load(IKEV2_JSON))[0]["ipsec.conf"]
    assert "dpdtimeout" not in conf
    assert "dpd_timeout" not in emit(load(IKEV2_JSON), "swanctl")[0]["swanctl.conf"]


def test_static_routes_go_into_the_updown_with_a_metric_per_tunnel() -> None:
    # --accept names the AWS side; the connection's Routes (10.20.0.0/16) are the customer's own networks
    conf = emit(load(STATIC_JSON), local_address="192.0.2.130", accept=["10.0.0.0/16"])[0]["ipsec.conf"]
    assert '-r 10.0.0.0/16 -rm 100"' in conn_block(conf, "vpn-05a7e0000000000c1-203-0-113-61")
    assert '-r 10.0.0.0/16 -rm 200"' in conn_block(conf, "vpn-05a7e0000000000c1-203-0-113-62")
    assert "-r 10.20.0.0/16" not in conf
    conf = emit(load(STATIC_JSON), local_address="192.0.2.130", accept=["10.0.0.0/16"], prefer_tunnel="2")[0][
        "ipsec.conf"
    ]
    assert '-r 10.0.0.0/16 -rm 200"' in conn_block(conf, "vpn-05a7e0000000000c1-203-0-113-61")
    assert '-r 10.0.0.0/16 -rm 100"' in conn_block(conf, "vpn-05a7e0000000000c1-203-0-113-62")


def test_bgp_and_missing_routes_are_reported() -> None:
    files, report = emit(load(BGP_JSON))
    assert "frr.conf" in files and "daemons" in files  # BGP is configured, by FRR
    assert (
        "target strongswan: no advertise: the BGP sessions advertise nothing to AWS (OUT route-maps deny all)"
    ) in report.messages()
    static = conn("vpn-s", tunnel("203.0.113.5", 5), routing="static")
    files, report = emit([static], local_address="192.0.2.130")
    assert report.messages() == [
        "target strongswan: static connection vpn-s: no accept prefixes, so no route "
        "into the tunnels is written (add accept VPC_CIDR)"
    ]
    assert "frr.conf" not in files


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"psk": None}, "holds no pre-shared key"),
        ({"cgw_outside_ip": None}, "does not state the customer gateway IP"),
        ({"cgw_inside": None, "aws_inside": None}, "does not state the tunnel's IPv4 inside addresses"),
    ],
)
def test_unwritable_tunnels_are_errors(change: dict[str, Any], message: str) -> None:
    t = attrs.evolve(tunnel("203.0.113.5", 5), **change)
    with pytest.raises(EmitError, match=re.escape(message)):
        emit([conn("vpn-x", t)])


def test_bgp_comment_names_the_neighbor() -> None:
    t = tunnel("203.0.113.5", 5, bgp=Bgp(cgw_asn=65010, aws_asn=64512, neighbor_ip="169.254.5.1"))
    conf = emit([conn("vpn-x", t)])[0]["ipsec.conf"]
    assert (
        "# vpn-x, tunnel 203.0.113.5: vti{m} 169.254.5.2/30 <-> 169.254.5.1, BGP AS 65010 <-> AS 64512 "
        "(neighbor 169.254.5.1)\n"
    ).format(m=ss.tunnel_mark("vpn-x", t.aws_outside_ip)) in conf


# ------------------------------------------------------------------ injection refusal, secrets


@pytest.mark.parametrize(
    "bad", ["a b", "a\nb", 'a"b', "a'b", "a#b", "a;b", "a{b", "a}b", "a\tb", "", "a$b", "a\\b", "a`b"]
)
def test_safe_refuses_values_that_could_add_settings(bad: str) -> None:
    with pytest.raises(EmitError, match="refusing to write"):
        ss.safe(bad, "x")


def test_emit_time_check_refuses_a_psk_smuggled_past_the_model() -> None:
    t = tunnel("203.0.113.5", 5)
    object.__setattr__(t, "psk", 'FAKE"\n198.51.100.1 203.0.113.9 : PSK "x')
    for target in ("strongswan", "swanctl"):
        with pytest.raises(ValidationError) as info:
            emit([conn("vpn-x", t)], target)
        assert "FAKE" not in str(info.value) and "pre-shared key contains" in str(info.value)


def test_emit_time_check_refuses_unsafe_names() -> None:
    t = tunnel("203.0.113.5", 5)
    c = conn("vpn-x", t)
    object.__setattr__(c, "static_routes", ("10.0.0.0/8 dev eth0",))
    object.__setattr__(c, "routing", "static")
    with pytest.raises(EmitError, match="refusing to write"):
        emit([c])


def test_redacted_output_holds_no_key() -> None:
    out = vpnxlate.emit(load(BGP_JSON), "strongswan", redact=True, local_address="192.0.2.130")
    assert "FAKE_" not in out
    assert '198.51.100.10 203.0.113.21 : PSK "***"' in out
    assert "#### vpnxlate file: ipsec.secrets (mode 0600) ####" in out


def test_no_key_in_messages_or_repr() -> None:
    _, report = emit(load(BGP_JSON))
    assert not any("FAKE_" in m for m in report.messages())
    # the keys are kept, in the secrets file only
    files, _ = emit(load(BGP_JSON), local_address="192.0.2.130")
    keys = re.findall(r'^[\d.]+ [\d.]+ : PSK "([^"]*)"$', files["ipsec.secrets"], re.M)
    assert len(keys) == 2 and all(k.startswith("FAKE_") for k in keys)
    assert not any("FAKE_" in text for name, text in files.items() if name != "ipsec.secrets")


# ------------------------------------------------------------------ CLI


def test_cli_out_dir_modes_and_refusal(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = run_cli(
        "convert",
        str(FIXTURES / "canonical" / "generic.txt"),
        "--to",
        "strongswan",
        "--local-address",
        "192.0.2.130",
        "--out-dir",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    modes = {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in out.iterdir()}
    assert modes == {
        "ipsec.conf": 0o644,
        "ipsec.secrets": 0o600,
        "aws-updown.sh": 0o755,
        "strongswan.conf": 0o644,
        "frr.conf": 0o644,
        "daemons": 0o644,
        "99-vpnxlate-forwarding.conf": 0o644,
    }
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = run_cli("convert", str(FIXTURES / "canonical" / "generic.txt"), "--to", "strongswan", "--out-dir", str(out))
    assert_one_line_error(proc, "exists; use --force to overwrite it")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    proc = run_cli(
        "convert",
        str(FIXTURES / "canonical" / "generic.txt"),
        "--to",
        "strongswan",
        "--out-dir",
        str(out),
        "--force",
        "-q",
    )
    assert proc.returncode == 0, proc.stderr
    assert "    left = 198.51.100.10\n" in (out / "ipsec.conf").read_text()


def test_cli_nothing_half_written(tmp_path: Path) -> None:
    (tmp_path / "strongswan.conf").write_text("mine\n")
    proc = run_cli(
        "convert", str(FIXTURES / "canonical" / "generic.txt"), "--to", "swanctl", "--out-dir", str(tmp_path)
    )
    assert_one_line_error(proc, "strongswan.conf: exists")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strongswan.conf"]
    assert (tmp_path / "strongswan.conf").read_text() == "mine\n"


def test_cli_swanctl_modes_and_stdout(tmp_path: Path) -> None:
    proc = run_cli(
        "convert",
        str(FIXTURES / "canonical" / "connection.xml"),
        "--to",
        "swanctl",
        "--interface",
        "xfrm",
        "--out-dir",
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    modes = {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in tmp_path.iterdir()}
    assert modes == {
        "swanctl.conf": 0o600,
        "aws-updown.sh": 0o755,
        "strongswan.conf": 0o644,
        "frr.conf": 0o644,
        "daemons": 0o644,
        "99-vpnxlate-forwarding.conf": 0o644,
    }
    assert "vpnxlate: warning: " in proc.stderr and "not stated in the input" in proc.stderr
    proc = run_cli("convert", str(FIXTURES / "canonical" / "connection.xml"), "--to", "swanctl", "-q")
    assert proc.returncode == 0
    headers = re.findall(r"^#### vpnxlate file: (\S+) \(mode (\d+)\) ####$", proc.stdout, re.M)
    assert headers == [
        ("swanctl.conf", "0600"),
        ("aws-updown.sh", "0755"),
        ("strongswan.conf", "0644"),
        ("frr.conf", "0644"),
        ("daemons", "0644"),
        ("99-vpnxlate-forwarding.conf", "0644"),
    ]


def test_cli_option_errors() -> None:
    generic = str(FIXTURES / "canonical" / "generic.txt")
    assert_one_line_error(
        run_cli("convert", generic, "--to", "strongswan", "--interface", "xfrm"),
        "option --interface does not apply to --to strongswan",
    )
    assert_one_line_error(
        run_cli("convert", generic, "--to", "swanctl", "--ike-version", "2"),
        "--ike-version 2 contradicts the input, which allows only ikev1",
    )
    assert_one_line_error(
        run_cli("convert", generic, "--to", "swanctl", "--local-address", "nope"), "--local-address: not an IP address"
    )
    proc = run_cli("convert", generic, "--to", "strongswan", "--strict", "--local-address", "192.0.2.130")
    assert_one_line_error(proc, "no --advertise: the BGP sessions advertise nothing to AWS")


def test_errors_are_vpnxlate_errors() -> None:
    assert issubclass(EmitError, VpnxlateError)
