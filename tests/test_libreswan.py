"""Unit tests of ``--to libreswan``: files and modes, Libreswan's DH limits (warnings, the refusal
naming the AWS tunnel option), proposal spelling, IKE version spelling per major version, NAT,
XFRM interfaces, deduplication, quoting; and, when an unpacked Libreswan is on this machine
(swanlab's /opt/swanlab/libreswan), its own parsers: ``addconn --checkconfig`` on the output and
``algparse`` on every proposal string."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import attrs
import pytest

import vpnxlate
from vpnxlate.emitters import libreswan as lsw
from vpnxlate.emitters import strongswan as ss
from vpnxlate.errors import EmitError, Report
from vpnxlate.model import IkeOptions, IpsecOptions, VpnConnection

from .conftest import FIXTURES, assert_one_line_error, run_cli
from .test_strongswan import BGP_JSON, IKEV2_JSON, STATIC_JSON, conn, load, tunnel

BGP_ID = "vpn-0c0ffee0123456789"
LSW_ROOT = Path(os.environ.get("SWANLAB_LIBRESWAN") or "/opt/swanlab/libreswan")
LSW_BIN = LSW_ROOT / "usr" / "libexec" / "ipsec"


def emit(conns: list[VpnConnection], **opts: Any) -> tuple[dict[str, str], Report]:
    files, report = vpnxlate.emit_report(conns, "libreswan", **opts)
    return {f.name: f.content for f in files}, report


def conn_block(text: str, name: str) -> dict[str, str]:
    m = re.search(rf"^conn {re.escape(name)}\n((?:    .*\n)*)", text, re.M)
    assert m, name
    out = {}
    for line in m.group(1).splitlines():
        key, _, value = line.strip().partition("=")
        assert key not in out, line
        out[key] = value
    return out


def messages(report: Report, code: str) -> list[str]:
    return [d.message for d in report.diagnostics if d.code == code]


def both_versions(conns: list[VpnConnection]) -> list[VpnConnection]:
    """The connections with both IKE versions allowed on the AWS side (AWS's default)."""
    return [
        attrs.evolve(
            c, tunnels=tuple(attrs.evolve(t, ike=attrs.evolve(t.ike, versions=("ikev1", "ikev2"))) for t in c.tunnels)
        )
        for c in conns
    ]


def ec2_with_options(**tunnel_options: Any) -> str:
    """The canonical EC2 CLI JSON with extra TunnelOptions on both tunnels."""
    doc = json.loads((FIXTURES / "canonical" / "ec2" / "describe-cli.json").read_text(encoding="utf-8"))
    entry = doc["VpnConnections"][0]
    doc["VpnConnections"] = [entry]
    for opts in entry["Options"]["TunnelOptions"]:
        for key, values in tunnel_options.items():
            opts[key] = [{"Value": v} for v in values]
    return json.dumps(doc)


# ------------------------------------------------------------------ files


def test_files_modes_and_layout() -> None:
    files, _ = vpnxlate.emit_report(load(BGP_JSON), "libreswan")
    modes = {f.name: f.file_mode for f in files}
    assert modes == {
        "ipsec.conf": 0o644,
        "ipsec.secrets": 0o600,
        f"aws-{BGP_ID}.conf": 0o644,
        f"aws-{BGP_ID}.secrets": 0o600,
        "aws-libreswan-updown": 0o755,
        # the routing half, shared with the strongSwan targets
        "frr.conf": 0o644,
        "daemons": 0o644,
        "99-vpnxlate-forwarding.conf": 0o644,
    }
    by = {f.name: f.content for f in files}
    assert by["ipsec.secrets"].splitlines()[-1] == "include /etc/ipsec.d/*.secrets"
    assert by["ipsec.conf"].splitlines()[-1] == "include /etc/ipsec.d/*.conf"
    assert "FAKE_" not in repr(files)


def test_one_conn_per_tunnel_route_based() -> None:
    files, _ = emit(load(BGP_JSON))
    text = files[f"aws-{BGP_ID}.conf"]
    for aws, inside in (("203.0.113.21", "169.254.22.2/30"), ("203.0.113.22", "169.254.21.2/30")):
        mark = ss.tunnel_mark(BGP_ID, vpnxlate.model.ipaddress.ip_address(aws))
        block = conn_block(text, f"{BGP_ID}-{aws.replace('.', '-')}")
        assert block["also"] == f"{BGP_ID}-shared"
        assert block["right"] == block["rightid"] == aws
        assert block["mark"] == f"{mark}/0xffffffff"  # pluto refuses a bare mark
        assert block["vti-interface"] == f"vti{mark}"
        assert block["leftvti"] == inside
        assert block["auto"] == "start"
        assert block["leftupdown"] == (
            f'"/usr/local/sbin/aws-libreswan-updown -ln vti{mark} -ll {inside} -mtu 1436 -mss 1379"'
        )
    shared = conn_block(text, f"{BGP_ID}-shared")
    assert "auto" not in shared and "right" not in shared
    assert shared["vti-routing"] == "no" and shared["vti-shared"] == "no"
    assert shared["leftsubnet"] == shared["rightsubnet"] == "0.0.0.0/0"
    assert (shared["authby"], shared["type"], shared["pfs"]) == ("secret", "tunnel", "yes")
    assert (shared["ikelifetime"], shared["salifetime"]) == ("28800s", "3600s")
    # AWS rekeys 270..540 s before expiry; Libreswan (fuzz 100 %) 540..1080 s: Libreswan is first
    assert (shared["rekeymargin"], shared["rekeyfuzz"]) == ("540s", "100%")
    assert (shared["dpddelay"], shared["dpdtimeout"], shared["dpdaction"]) == ("10", "30", "restart")
    assert shared["keyingtries"] == "%forever"
    assert "conn %default" not in text  # a drop-in must not change the host's other conns


def test_secrets_keyed_by_public_ids() -> None:
    files, _ = emit(load(BGP_JSON), local_address="192.0.2.130")
    lines = [ln for ln in files[f"aws-{BGP_ID}.secrets"].splitlines() if not ln.startswith("#")]
    assert lines == [
        '198.51.100.10 203.0.113.21 : PSK "FAKE_tunnel2.key_example"',
        '198.51.100.10 203.0.113.22 : PSK "FAKE_tunnel1.key_example"',
    ]


def test_nat_fixup_left_private_leftid_public() -> None:
    files, report = emit(load(BGP_JSON), local_address="192.0.2.130")
    shared = conn_block(files[f"aws-{BGP_ID}.conf"], f"{BGP_ID}-shared")
    assert (shared["left"], shared["leftid"]) == ("192.0.2.130", "198.51.100.10")
    assert not messages(report, "no-local-address")
    files, report = emit(load(BGP_JSON))
    shared = conn_block(files[f"aws-{BGP_ID}.conf"], f"{BGP_ID}-shared")
    assert shared["left"] == shared["leftid"] == "198.51.100.10"
    assert messages(report, "no-local-address")


# ------------------------------------------------------------------ DH groups and proposals


def test_download_group2_gets_strongest_aws_default_with_warning() -> None:
    files, report = emit(load(BGP_JSON))
    shared = conn_block(files[f"aws-{BGP_ID}.conf"], f"{BGP_ID}-shared")
    assert shared["ike"] == "aes128-sha1;dh21"  # ECP-521: the strongest AWS and Libreswan share
    assert shared["phase2alg"] == "aes128-sha1;modp8192"  # IKEv1 quick mode: one MODP group
    msgs = messages(report, "libreswan-dh")
    assert len(msgs) == 2  # one per tunnel, both phases in it
    for m in msgs:
        assert "MODP1024" in m and "modify-vpn-tunnel-options" in m
        assert "Phase1DHGroupNumbers restrict them; then add 21" in m and "group 21 (dh21)" in m
        assert "Phase2DHGroupNumbers restrict them; then add 18" in m and "group 18 (modp8192)" in m


def test_strict_turns_the_dh_choice_into_an_error() -> None:
    t = tunnel(
        "203.0.113.5",
        5,
        ike=IkeOptions(
            versions=("ikev2",), encryption=("AES128",), integrity=("SHA1",), dh_groups=(2,), lifetime_s=28800
        ),
    )
    c = conn("vpn-1", t, routing="static", static_routes=["192.0.2.64/26"])
    opts = {"strict": True, "local_address": "192.0.2.130", "accept": ["192.0.2.0/26"]}
    ok = attrs.evolve(t, ike=attrs.evolve(t.ike, dh_groups=(14,)), ipsec=attrs.evolve(t.ipsec, pfs_dh_groups=(14,)))
    vpnxlate.emit_report([attrs.evolve(c, tunnels=(ok,))], "libreswan", **opts)  # nothing to warn about
    with pytest.raises(EmitError, match="MODP1024"):
        vpnxlate.emit_report([c], "libreswan", **opts)


def test_tunnel_options_restricting_to_group2_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "vpn.json"
    src.write_text(ec2_with_options(Phase1DHGroupNumbers=[2]), encoding="utf-8")
    proc = run_cli("convert", str(src), "--to", "libreswan")
    line = assert_one_line_error(proc, "Phase1DHGroupNumbers", "allow only DH group(s) 2", "modify-vpn-tunnel-options")
    assert "FAKE_" not in line
    # the same connection without the restriction converts (the download's group 2 is AWS's minimum)
    src.write_text(ec2_with_options(), encoding="utf-8")
    assert run_cli("convert", str(src), "--to", "libreswan", "-q").returncode == 0


def test_tunnel_options_lists_used_strongest_first() -> None:
    conns = vpnxlate.parse(ec2_with_options(Phase1DHGroupNumbers=[2, 14, 19, 24], Phase2DHGroupNumbers=[2, 14, 15]))
    files, report = emit(conns, local_address="192.0.2.130")
    shared = conn_block(files[f"aws-{BGP_ID}.conf"], f"{BGP_ID}-shared")
    assert shared["ike"] == "aes128-sha1;dh19,aes128-sha1;modp2048"
    assert shared["phase2alg"] == "aes128-sha1;modp3072"
    msgs = messages(report, "libreswan-dh")
    assert msgs and all("leaving out DH group(s) 2" in m for m in msgs)
    assert any("2, 24" in m for m in msgs)


def test_ikev1_pfs_with_only_ecp_groups_refused_then_ikev2_works() -> None:
    conns = vpnxlate.parse(ec2_with_options(Phase2DHGroupNumbers=[19, 20]))
    with pytest.raises(EmitError) as exc:
        emit(conns)
    assert exc.value.field == "Phase2DHGroupNumbers" and "ike_version 2" in str(exc.value)
    files, _ = emit(conns, ike_version="2")
    shared = conn_block(files[f"aws-{BGP_ID}.conf"], f"{BGP_ID}-shared")
    assert shared["phase2alg"] == "aes128-sha1;dh20+dh19"
    assert shared["ikev2"] == "insist"


def test_ikev2_proposals_gcm_and_plain() -> None:
    t = tunnel(
        "203.0.113.5",
        5,
        ike=IkeOptions(
            versions=("ikev2",),
            encryption=("AES256-GCM-16", "AES128"),
            integrity=("SHA2-256", "SHA1"),
            dh_groups=(14, 20, 2),
            lifetime_s=28800,
        ),
        ipsec=IpsecOptions(
            encryption=("AES128", "AES256-GCM-16"), integrity=("SHA2-512",), pfs_dh_groups=(21, 5), lifetime_s=3600
        ),
    )
    files, _ = emit([conn("vpn-1", t)])
    block = conn_block(files["aws-vpn-1.conf"], "vpn-1-shared")
    assert block["ike"] == "aes_gcm256-sha2_256+sha1;dh20+modp2048,aes128-sha2_256+sha1;dh20+modp2048"
    assert block["phase2alg"] == "aes128-sha2_512;dh21+modp1536,aes_gcm256-null;dh21+modp1536"


def test_ikev1_proposals_every_combination_gcm_left_out_of_phase1() -> None:
    t = tunnel(
        "203.0.113.5",
        5,
        ike=IkeOptions(
            versions=("ikev1",),
            encryption=("AES256", "AES128-GCM-16"),
            integrity=("SHA2-256", "SHA1"),
            dh_groups=(14, 15),
            lifetime_s=28800,
        ),
        ipsec=IpsecOptions(
            encryption=("AES128-GCM-16", "AES256"), integrity=("SHA1",), pfs_dh_groups=(14, 16), lifetime_s=3600
        ),
    )
    files, report = emit([conn("vpn-1", t)])
    block = conn_block(files["aws-vpn-1.conf"], "vpn-1-shared")
    assert block["ike"] == (
        "aes256-sha2_256;modp3072,aes256-sha2_256;modp2048,aes256-sha1;modp3072,aes256-sha1;modp2048"
    )
    assert block["phase2alg"] == "aes_gcm128-null;modp4096,aes256-sha1;modp4096"
    assert messages(report, "ikev1-gcm")


@pytest.mark.parametrize(
    ("major", "version", "expected"),
    [
        ("4", "1", ("ikev2", "no")),
        ("4", "2", ("ikev2", "insist")),
        ("5", "1", ("keyexchange", "ikev1")),
        ("5", "2", ("keyexchange", "ikev2")),
    ],
)
def test_ike_version_spelling_per_major(major: str, version: str, expected: tuple[str, str]) -> None:
    files, report = emit(both_versions(load(BGP_JSON)), libreswan_version=major, ike_version=version)
    shared = conn_block(files[f"aws-{BGP_ID}.conf"], f"{BGP_ID}-shared")
    key, value = expected
    assert shared[key] == value
    assert ("keyexchange" if key == "ikev2" else "ikev2") not in shared
    setup = files["ipsec.conf"]
    assert ("    ikev1-policy=accept\n" in setup) is (version == "1")
    assert bool(messages(report, "libreswan-ikev1")) is (version == "1")


def test_bad_libreswan_version_is_one_line_error() -> None:
    proc = run_cli("convert", str(BGP_JSON), "--to", "libreswan", "--libreswan-version", "3")
    assert_one_line_error(proc, "--libreswan-version")


def test_xfrm_interfaces() -> None:
    files, _ = emit(load(BGP_JSON), interface="xfrm")
    text = files[f"aws-{BGP_ID}.conf"]
    mark = ss.tunnel_mark(BGP_ID, vpnxlate.model.ipaddress.ip_address("203.0.113.21"))
    block = conn_block(text, f"{BGP_ID}-203-0-113-21")
    assert block["ipsec-interface"] == str(mark)
    assert "mark" not in block and "vti-interface" not in block and "leftvti" not in block
    assert f"-ln ipsec{mark} -ll 169.254.22.2/30" in block["leftupdown"]
    assert "vti-routing" not in text


def test_replay_window_and_ikev2_dpd_timeout() -> None:
    files, _ = emit(load(IKEV2_JSON))
    shared = conn_block(files["aws-vpn-0a11ce0000000ae25.conf"], "vpn-0a11ce0000000ae25-shared")
    assert shared["replay-window"] == "1024"
    assert (shared["dpddelay"], shared["dpdtimeout"]) == ("10", "30")  # Libreswan 4.x needs both, IKEv2 too
    # ... but declares an IKEv2 peer dead only when the retransmissions give up
    assert shared["retransmit-timeout"] == "30s"
    files, _ = emit(load(BGP_JSON))
    assert "retransmit-timeout" not in files[f"aws-{BGP_ID}.conf"]  # IKEv1: dpdtimeout is used
    assert shared["ike"] == "aes256-sha2_256;modp2048"


def test_dedup_moves_differing_settings_into_the_tunnel_conns() -> None:
    a = tunnel("203.0.113.5", 5)
    b = tunnel("203.0.113.6", 6, dpd_interval_s=20, ike=attrs.evolve(a.ike, lifetime_s=14400))
    files, _ = emit([conn("vpn-1", a, b)])
    text = files["aws-vpn-1.conf"]
    shared = conn_block(text, "vpn-1-shared")
    assert "dpddelay" not in shared and "ikelifetime" not in shared and "salifetime" in shared
    one, two = conn_block(text, "vpn-1-203-0-113-5"), conn_block(text, "vpn-1-203-0-113-6")
    assert (one["ikelifetime"], one["dpddelay"]) == ("28800s", "10")
    assert (two["ikelifetime"], two["dpddelay"]) == ("14400s", "20")


@pytest.mark.parametrize(("prefer", "metrics"), [(None, (100, 200)), ("2", (200, 100))])
def test_static_accept_routes_go_to_the_updown_with_metrics(prefer: str | None, metrics: tuple[int, int]) -> None:
    opts: dict[str, Any] = {"accept": ["10.50.0.0/16", "10.60.0.0/16"]}
    if prefer:
        opts["prefer_tunnel"] = prefer
    files, _ = emit(load(STATIC_JSON), local_address="192.0.2.130", **opts)
    text = files["aws-vpn-05a7e0000000000c1.conf"]
    ups = [conn_block(text, f"vpn-05a7e0000000000c1-203-0-113-6{n}")["leftupdown"] for n in (1, 2)]
    for up, metric in zip(ups, metrics, strict=True):
        assert up.endswith(f' -r 10.50.0.0/16,10.60.0.0/16 -rm {metric}"'), up
    assert "frr.conf" not in files and "99-vpnxlate-forwarding.conf" in files


def test_bgp_connection_gets_frr_on_the_vtis() -> None:
    files, _ = emit(load(BGP_JSON), advertise=["192.0.2.64/26"])
    frr = files["frr.conf"]
    assert "bgpd=yes" in files["daemons"]
    for aws in ("203.0.113.21", "203.0.113.22"):
        mark = ss.tunnel_mark(BGP_ID, vpnxlate.model.ipaddress.ip_address(aws))
        assert f"vti{mark}" in frr
    for neighbor in ("169.254.21.1", "169.254.22.1"):
        assert f" neighbor {neighbor} remote-as 64512\n" in frr
    assert " network 192.0.2.64/26\n" in frr


def test_two_connections_two_dropins_deterministic() -> None:
    conns = load(BGP_JSON) + load(IKEV2_JSON)
    first, _ = vpnxlate.emit_report(conns, "libreswan")
    assert first == vpnxlate.emit_report(list(reversed(conns)), "libreswan")[0]
    names = [f.name for f in first]
    assert names == [
        "ipsec.conf",
        "ipsec.secrets",
        "aws-vpn-0a11ce0000000ae25.conf",
        "aws-vpn-0a11ce0000000ae25.secrets",
        f"aws-{BGP_ID}.conf",
        f"aws-{BGP_ID}.secrets",
        "aws-libreswan-updown",
        "frr.conf",
        "daemons",
        "99-vpnxlate-forwarding.conf",
    ]


# ------------------------------------------------------------------ quoting


@pytest.mark.parametrize("bad", ["a b", 'a"b', "a#b", "a=b", "a\nb", "a'b", "a$b", "a\\b", "", "a{b"])
def test_quoting_refuses_what_could_change_the_config(bad: str) -> None:
    with pytest.raises(EmitError):
        lsw.q(bad, "field")
    if bad != "a b":  # a command line has words
        with pytest.raises(EmitError):
            lsw.q(f"/usr/sbin/x {bad}", "leftupdown", words=True)


def test_quoting_accepts_libreswan_values_and_quotes_command_lines() -> None:
    assert lsw.q("aes128-sha1;modp2048", "ike") == "aes128-sha1;modp2048"
    assert lsw.q("100/0xffffffff", "mark") == "100/0xffffffff"
    assert (
        lsw.q("/x -ln vti1 -r 10.0.0.0/8,10.1.0.0/16", "leftupdown", words=True)
        == '"/x -ln vti1 -r 10.0.0.0/8,10.1.0.0/16"'
    )


def test_quoting_a_secret_never_shows_it() -> None:
    assert lsw.q("FAKE_ok.key", "psk", secret=True) == '"FAKE_ok.key"'
    with pytest.raises(Exception) as exc:
        lsw.q('FAKE"bad', "psk", secret=True)
    assert "FAKE" not in str(exc.value)


# ------------------------------------------------------------------ Libreswan's own parsers

needs_libreswan = pytest.mark.skipif(
    not (LSW_BIN / "addconn").exists() or not (LSW_BIN / "algparse").exists(),
    reason=f"no unpacked Libreswan at {LSW_ROOT} (swanlab install-deps.sh)",
)


def _check_config(tmp_path: Path, files: dict[str, str]) -> None:
    """addconn --checkconfig on ipsec.conf with the drop-ins included by relative path."""
    setup = files["ipsec.conf"].replace("include /etc/ipsec.d/*.conf", f"include {tmp_path}/dropins/*.conf")
    (tmp_path / "dropins").mkdir()
    for name, text in files.items():
        if name.startswith("aws-") and name.endswith(".conf"):
            (tmp_path / "dropins" / name).write_text(text, encoding="utf-8")
    (tmp_path / "ipsec.conf").write_text(setup, encoding="utf-8")
    proc = subprocess.run(
        [str(LSW_BIN / "addconn"), "--config", str(tmp_path / "ipsec.conf"), "--checkconfig"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    listed = subprocess.run(
        [str(LSW_BIN / "addconn"), "--config", str(tmp_path / "ipsec.conf"), "--liststart"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    expected = sorted(re.findall(r"^conn (\S+)\n(?:    .*\n)*    auto=start$", "".join(files.values()), re.M))
    assert sorted(listed.stdout.split()) == expected and len(expected) >= 2


def _algparse(version: int, proto: str, proposals: str) -> None:
    args = [str(LSW_BIN / "algparse"), f"-v{version}"] + (["-pfs"] if proto == "esp" else []) + [f"{proto}={proposals}"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "ERROR" not in out and "ignoring" not in out, out


CHECKS: dict[str, tuple[Path, dict[str, Any]]] = {
    "bgp-v4-ikev1": (BGP_JSON, {}),
    "bgp-v4-ikev2": (BGP_JSON, {"ike_version": "2", "local_address": "192.0.2.130", "_both": True}),
    "ikev2-aes256-replay": (IKEV2_JSON, {}),
    "static-xfrm": (STATIC_JSON, {"interface": "xfrm", "accept": ["10.50.0.0/16"]}),
}


@needs_libreswan
@pytest.mark.parametrize("case", sorted(CHECKS))
def test_libreswan_accepts_the_output(case: str, tmp_path: Path) -> None:
    path, opts = CHECKS[case][0], dict(CHECKS[case][1])
    conns = load(path)
    if opts.pop("_both", False):
        conns = both_versions(conns)
    files, _ = emit(conns, **opts)
    _check_config(tmp_path, files)
    for name, text in files.items():
        if name.startswith("aws-") and name.endswith(".conf"):
            version = 2 if "ikev2=insist" in text else 1
            for proto, key in (("ike", "ike"), ("esp", "phase2alg")):
                for value in set(re.findall(rf"^    {key}=(\S+)$", text, re.M)):
                    _algparse(version, proto, value)


@needs_libreswan
def test_libreswan_refuses_a_bare_mark_so_the_check_can_fail(tmp_path: Path) -> None:
    files, _ = emit(load(BGP_JSON))
    name = f"aws-{BGP_ID}.conf"
    files[name] = re.sub(r"mark=(\d+)/0xffffffff", r"mark=\1", files[name])
    with pytest.raises(AssertionError):
        _check_config(tmp_path, files)


@needs_libreswan
@pytest.mark.parametrize(
    ("version", "proto", "value"),
    [
        (1, "ike", "aes128-sha1;modp1024"),
        (2, "ike", "aes128-sha1;dh22"),
        (1, "esp", "aes128-sha1;dh19"),
        (1, "esp", "aes128-sha1;modp2048,aes256-sha1;modp3072"),
    ],
)
def test_algparse_check_rejects_what_libreswan_lacks(version: int, proto: str, value: str) -> None:
    """The DH table above matches Libreswan's: the groups it leaves out are refused by algparse."""
    with pytest.raises(AssertionError):
        _algparse(version, proto, value)


@needs_libreswan
@pytest.mark.parametrize("group", sorted(lsw.DH_KW))
def test_every_dh_keyword_is_known_to_libreswan(group: int) -> None:
    _algparse(2, "ike", f"aes128-sha2_256;{lsw.DH_KW[group]}")
    if group in lsw.MODP_GROUPS:
        _algparse(1, "esp", f"aes128-sha1;{lsw.DH_KW[group]}")


# ------------------------------------------------------------------ the updown on a real (namespaced) kernel

needs_netns = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("iptables") is None,
    reason="needs root, unshare and iptables (a private network namespace)",
)

UPDOWN_DRIVER = r"""
set -e
ip link set lo up
ip link add vti123 type veth peer name peer0
ip link set peer0 up
export PATH="$STUB:$PATH" PLUTO_ME=198.51.100.10 PLUTO_PEER=203.0.113.1
run() { PLUTO_VERB=$1 sh "$SCRIPT" -ln vti123 -ll 169.254.1.2/30 -mtu 1436 -mss 1379 \
    -r 192.0.2.0/26,10.0.0.0/8 -rm 200; }
run up-client > "$LOG"
run up-client >> "$LOG"
echo "== up"
ip -o addr show dev vti123 | grep -o "inet [0-9./]*"
ip -o link show vti123 | grep -o "mtu [0-9]*"
cat /proc/sys/net/ipv4/conf/vti123/rp_filter
ip route show dev vti123 | grep metric
iptables -t mangle -S FORWARD | grep TCPMSS
run down-client >> "$LOG"
echo "== down"
ip route show dev vti123 | grep metric || true
iptables -t mangle -S FORWARD | grep TCPMSS || true
"""


@needs_netns
def test_updown_adds_mtu_mss_routes_and_removes_them(tmp_path: Path) -> None:
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "ipsec").write_text('#!/bin/sh\necho "libreswan $*"\n')  # stands in for Libreswan's _updown
    (stub / "ipsec").chmod(0o755)
    script = tmp_path / "aws-libreswan-updown"
    script.write_text(lsw.UPDOWN_SCRIPT)
    if Path("/usr/libexec/ipsec/_updown").exists():
        pytest.skip("a system-wide Libreswan would run instead of the stub")
    proc = subprocess.run(
        ["unshare", "-n", "sh", "-c", UPDOWN_DRIVER],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "STUB": str(stub), "SCRIPT": str(script), "LOG": str(tmp_path / "log")},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    up, _, down = proc.stdout.partition("== down\n")
    # Libreswan's own script runs first, every time
    assert (tmp_path / "log").read_text().splitlines() == [
        "libreswan _updown",
        "aws-libreswan-updown: vti123 up (169.254.1.2/30 over 198.51.100.10 -> 203.0.113.1)",
        "libreswan _updown",
        "aws-libreswan-updown: vti123 up (169.254.1.2/30 over 198.51.100.10 -> 203.0.113.1)",
        "libreswan _updown",
        "aws-libreswan-updown: vti123 down",
    ]
    assert up.split("== up\n")[1].splitlines() == [
        "inet 169.254.1.2/30",
        "mtu 1436",
        "2",
        "10.0.0.0/8 scope link metric 200 ",
        "192.0.2.0/26 scope link metric 200 ",
        "-A FORWARD -o vti123 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1379",
    ]  # once, not twice
    assert down.splitlines() == []
