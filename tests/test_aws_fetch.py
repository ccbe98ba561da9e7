"""aws: inputs and ``vpnxlate fetch`` against moto's EC2 server on loopback (real HTTP, boto3)."""

from __future__ import annotations

import http.server
import ipaddress
import json
import os
import stat
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

import vpnxlate
from vpnxlate import cli
from vpnxlate.aws import AwsError

from .moto_ec2 import (
    CREDENTIALS,
    REGION,
    aws_like,
    backend_connection,
    closed_port,
    ec2,
    make_cgw,
    make_tgw,
    make_vgw,
    make_vpn,
    moto_server,
    set_env,
)

__all__ = ["aws_like", "ec2", "moto_server"]  # fixtures

CUSTOM = [
    {
        "TunnelInsideCidr": "169.254.10.0/30",
        "PreSharedKey": "custom_psk_tunnel_A1",
        "Phase1EncryptionAlgorithms": [{"Value": "AES256"}],
        "Phase1DHGroupNumbers": [{"Value": 14}],
        "Phase2EncryptionAlgorithms": [{"Value": "AES256-GCM-16"}],
        "Phase2DHGroupNumbers": [{"Value": 14}],
        "Phase1LifetimeSeconds": 14400,
        "IKEVersions": [{"Value": "ikev2"}],
    },
    {"TunnelInsideCidr": "169.254.10.4/30", "PreSharedKey": "custom_psk_tunnel_A2"},
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_no_credentials(*texts: str) -> None:
    for text in texts:
        for secret in CREDENTIALS:
            assert secret not in text


def files_text(*dirs: str) -> str:
    parts = []
    for d in dirs:
        for root, _dirs, names in os.walk(d):
            for n in names:
                with open(os.path.join(root, n), encoding="utf-8", errors="replace") as f:
                    parts.append(f.read())
    return "\n".join(parts)


@pytest.fixture
def three(aws_like: Any) -> dict[str, str]:
    """A BGP connection with custom tunnel options (VGW), a static one (TGW), a BGP one with defaults."""
    ec2 = aws_like
    vgw = make_vgw(ec2, asn=64512)
    tgw = make_tgw(ec2, asn=64600)
    cgw = make_cgw(ec2, ip="198.51.100.7", asn=65010, name="hub")
    cgw2 = make_cgw(ec2, ip="198.51.100.8", asn=65010, name="branch")
    return {
        "bgp": make_vpn(ec2, cgw, vgw=vgw, tunnel_options=CUSTOM, name="custom"),
        "static": make_vpn(ec2, cgw, tgw=tgw, static=True, name="static"),
        "plain": make_vpn(ec2, cgw2, vgw=vgw, name="plain"),
        "cgw": cgw,
        "cgw2": cgw2,
        "vgw": vgw,
        "tgw": tgw,
    }


def _described(ec2: Any, vpn_id: str) -> dict[str, Any]:
    return dict(ec2.describe_vpn_connections(VpnConnectionIds=[vpn_id])["VpnConnections"][0])


def _document_tunnels(doc: str) -> list[dict[str, Any]]:
    """What the CustomerGatewayConfiguration says, read here with ElementTree (not vpnxlate)."""
    root = ET.fromstring(doc.strip().encode())
    out = []
    for t in root.iter("ipsec_tunnel"):
        out.append(
            {
                "aws_ip": t.findtext("vpn_gateway/tunnel_outside_address/ip_address").strip(),
                "cgw_ip": t.findtext("customer_gateway/tunnel_outside_address/ip_address").strip(),
                "cgw_inside": t.findtext("customer_gateway/tunnel_inside_address/ip_address").strip(),
                "aws_inside": t.findtext("vpn_gateway/tunnel_inside_address/ip_address").strip(),
                "psk": t.findtext("ike/pre_shared_key").strip(),
                "cgw_asn": t.findtext("customer_gateway/bgp/asn"),
                "aws_asn": t.findtext("vpn_gateway/bgp/asn"),
            }
        )
    return out


# ------------------------------------------------------------------ what moto itself returns


def test_plain_moto_document_is_read_exactly(ec2: Any) -> None:
    """moto's own fixed document (both tunnels identical): read value for value; the twin collapses."""
    vgw = make_vgw(ec2)
    cgw = make_cgw(ec2)
    vpn_id = make_vpn(ec2, cgw, vgw=vgw)
    raw = _described(ec2, vpn_id)
    assert "Options" not in raw  # moto drops the request's options
    doc = _document_tunnels(raw["CustomerGatewayConfiguration"])
    assert len(doc) == 2 and doc[0] == doc[1]
    with pytest.warns(vpnxlate.VpnxlateWarning, match="two identical tunnels"):
        (conn,) = vpnxlate.fetch()
    assert conn.vpn_connection_id == vpn_id
    assert conn.vpn_gateway_id == raw["VpnGatewayId"] and conn.customer_gateway_id == raw["CustomerGatewayId"]
    (t,) = conn.tunnels
    d = doc[0]
    assert str(t.aws_outside_ip) == d["aws_ip"] and str(t.cgw_outside_ip) == d["cgw_ip"]
    assert str(t.cgw_inside.ip) == d["cgw_inside"] and str(t.aws_inside.ip) == d["aws_inside"]
    assert t.psk == d["psk"]
    assert (t.bgp.cgw_asn, t.bgp.aws_asn) == (int(d["cgw_asn"]), int(d["aws_asn"]))


# ------------------------------------------------------------------ fetch -> convert, exact values


def test_fetch_models_equal_what_boto3_reports(three: dict[str, str], aws_like: Any) -> None:
    with pytest.warns(vpnxlate.VpnxlateWarning, match="Phase1EncryptionAlgorithms"):
        conns = {c.vpn_connection_id: c for c in vpnxlate.fetch(region=REGION)}
    assert set(conns) == {three["bgp"], three["static"], three["plain"]}
    for key in ("bgp", "static", "plain"):
        raw = _described(aws_like, three[key])
        c = conns[three[key]]
        assert c.vpn_gateway_id == raw.get("VpnGatewayId")
        assert c.transit_gateway_id == raw.get("TransitGatewayId")
        assert c.customer_gateway_id == raw["CustomerGatewayId"]
        assert c.routing == ("static" if raw["Options"]["StaticRoutesOnly"] else "bgp")
        doc = {d["aws_ip"]: d for d in _document_tunnels(raw["CustomerGatewayConfiguration"])}
        opts = {o["OutsideIpAddress"]: o for o in raw["Options"]["TunnelOptions"]}
        assert {str(t.aws_outside_ip) for t in c.tunnels} == set(doc) == set(opts)
        for t in c.tunnels:
            ip = str(t.aws_outside_ip)
            assert t.psk == opts[ip]["PreSharedKey"] == doc[ip]["psk"]
            assert str(t.cgw_inside.network) == opts[ip]["TunnelInsideCidr"]
            assert str(t.cgw_inside.ip) == doc[ip]["cgw_inside"] and str(t.aws_inside.ip) == doc[ip]["aws_inside"]
            assert str(t.cgw_outside_ip) == doc[ip]["cgw_ip"]
            if c.routing == "bgp":
                assert (t.bgp.cgw_asn, t.bgp.aws_asn) == (int(doc[ip]["cgw_asn"]), int(doc[ip]["aws_asn"]))
            else:
                assert t.bgp is None
    custom = conns[three["bgp"]].tunnels[0]
    assert (
        str(custom.aws_outside_ip)
        == _described(aws_like, three["bgp"])["Options"]["TunnelOptions"][0]["OutsideIpAddress"]
    )
    # TunnelOptions win over the document (which says aes-128-cbc, group2, 28800 s)
    assert custom.ike.encryption == ("AES256",) and custom.ike.dh_groups == (14,)
    assert custom.ike.lifetime_s == 14400 and custom.ike.versions == ("ikev2",)
    assert custom.ipsec.encryption == ("AES256-GCM-16",) and custom.ipsec.pfs_dh_groups == (14,)
    assert conns[three["plain"]].tunnels[0].ike.encryption == ("AES128",)


def test_convert_aws_to_vyos_and_swanctl(three: dict[str, str], aws_like: Any, capsys: Any) -> None:
    code, out, err = run(capsys, "convert", "aws:", "--to", "vyos", "--region", REGION, "--local-address", "10.0.0.5")
    assert code == 0, err
    lines = out.splitlines()
    for key in ("bgp", "static", "plain"):
        raw = _described(aws_like, three[key])
        for o in raw["Options"]["TunnelOptions"]:
            peer = [
                ln
                for ln in lines
                if ln.startswith("set vpn ipsec site-to-site peer ")
                and ln.endswith(f"remote-address '{o['OutsideIpAddress']}'")
            ]
            assert len(peer) == 1, o["OutsideIpAddress"]
            name = peer[0].split()[5]
            assert f"set vpn ipsec authentication psk {name} secret '{o['PreSharedKey']}'" in lines
            cidr = ipaddress.ip_network(o["TunnelInsideCidr"])
            assert any(ln.startswith("set interfaces vti ") and ln.endswith(f"address '{cidr[2]}/30'") for ln in lines)
    assert "set protocols bgp system-as '65010'" in lines
    assert any(ln.startswith("set protocols bgp neighbor 169.254.10.1 remote-as '64512'") for ln in lines)
    assert "Phase1EncryptionAlgorithms" in err  # the document/TunnelOptions disagreement is reported
    code, out, err = run(capsys, "convert", f"aws:{three['static']}", "--to", "swanctl", "--local-address", "10.0.0.5")
    assert code == 0, err
    static_ips = [o["OutsideIpAddress"] for o in _described(aws_like, three["static"])["Options"]["TunnelOptions"]]
    assert sorted(ln.strip() for ln in out.splitlines() if "remote_addrs" in ln) == [
        f"remote_addrs = {ip}" for ip in static_ips
    ]


def test_ids_filters_and_states(three: dict[str, str], aws_like: Any, capsys: Any) -> None:
    pick = [three["bgp"], three["plain"]]
    with pytest.warns(vpnxlate.VpnxlateWarning, match="Phase1EncryptionAlgorithms"):
        conns = vpnxlate.fetch(*pick[:1], f"aws:{pick[1]}")
    assert sorted(c.vpn_connection_id for c in conns) == sorted(pick)
    only = vpnxlate.fetch(filters=[f"customer-gateway-id={three['cgw2']}"])
    assert [c.vpn_connection_id for c in only] == [three["plain"]]
    tagged = vpnxlate.fetch(filters=["tag:Name=static"])
    assert [c.vpn_connection_id for c in tagged] == [three["static"]]
    aws_like.delete_vpn_connection(VpnConnectionId=three["static"])
    backend_connection(three["plain"]).state = "pending"  # moto never reports pending by itself
    code, out, err = run(capsys, "convert", "aws:", "--to", "json")
    assert code == 0, err
    assert [c["vpn_connection_id"] for c in json.loads(out)["connections"]] == [three["bgp"]]
    assert f"skipped 1 connection in state deleted: {three['static']}" in err
    assert f"skipped 1 connection in state pending (--include-pending translates them): {three['plain']}" in err
    code, out, err = run(capsys, "convert", "aws:", "--to", "json", "--include-pending")
    assert sorted(c["vpn_connection_id"] for c in json.loads(out)["connections"]) == sorted(pick)
    code, out, err = run(capsys, "convert", "aws:", "--to", "json", "--filter", "tag:Name=nothing-has-this")
    assert code == 2 and out == ""
    assert err == f"vpnxlate: error: aws:{REGION}: no available VPN connection (wrong --region or --filter?)\n"
    code, out, err = run(capsys, "convert", "aws:", "--to", "json", "--region", "us-west-2")  # a region without VPN
    assert (code, out) == (2, "")
    assert err == "vpnxlate: error: aws:us-west-2: no available VPN connection (wrong --region or --filter?)\n"


def test_fetched_equals_saved_describe_json(three: dict[str, str], aws_like: Any, tmp_path: Any, capsys: Any) -> None:
    with pytest.warns(vpnxlate.VpnxlateWarning):
        fetched = vpnxlate.fetch()
    # what `aws ec2 describe-vpn-connections > file` saves (the CLI prints botocore's parsed response)
    saved = tmp_path / "describe.json"
    response = aws_like.describe_vpn_connections()
    response.pop("ResponseMetadata")
    saved.write_text(json.dumps(response, default=str, indent=4))
    with pytest.warns(vpnxlate.VpnxlateWarning):
        parsed = vpnxlate.parse(saved.read_text())
    assert sorted(parsed, key=lambda c: c.vpn_connection_id) == sorted(fetched, key=lambda c: c.vpn_connection_id)
    # vpnxlate fetch --include-psk -o: the same again, file 0600
    out_file = tmp_path / "conns.json"
    code, out, err = run(capsys, "fetch", "aws:", "--include-psk", "-o", str(out_file))
    assert (code, out) == (0, ""), err
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    assert f"saved 3 connections (with pre-shared keys) to {out_file}" in err
    with pytest.warns(vpnxlate.VpnxlateWarning):
        again = vpnxlate.parse(out_file.read_text())
    assert sorted(again, key=lambda c: c.vpn_connection_id) == sorted(fetched, key=lambda c: c.vpn_connection_id)


def test_fetch_without_psk_flag_keeps_keys_out(three: dict[str, str], tmp_path: Any, capsys: Any) -> None:
    out_file = tmp_path / "review.json"
    code, out, err = run(capsys, "fetch", "aws:", "-o", str(out_file))
    assert code == 0, err
    text = out_file.read_text()
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    for psk in ("custom_psk_tunnel_A1", "custom_psk_tunnel_A2", "moto_generated_psk_1_0_Zq8"):
        assert psk not in text
    doc = json.loads(text)
    assert {t["PreSharedKey"] for c in doc["VpnConnections"] for t in c["Options"]["TunnelOptions"]} == {"***"}
    assert "<pre_shared_key>***</pre_shared_key>" in doc["VpnConnections"][0]["CustomerGatewayConfiguration"]
    code, out, err = run(capsys, "fetch", "aws:", "-o", str(out_file))
    assert code == 2 and "exists; use --force" in err
    code, out, err = run(capsys, "fetch", "aws:")  # stdout
    assert code == 0 and json.loads(out) == doc


# ------------------------------------------------------------------ errors: one line, exit 2, no secrets


def test_unknown_id_and_bad_spellings(three: dict[str, str], capsys: Any) -> None:
    missing = "vpn-0123456789abcdef0"
    code, out, err = run(capsys, "convert", f"aws:{missing}", "--to", "vyos")
    assert (code, out) == (2, "")
    assert err == (
        f"vpnxlate: error: aws:{REGION}: no such VPN connection in {REGION}: {missing} (wrong id or --region?)\n"
    )
    code, out, err = run(capsys, "convert", "aws:nonsense", "--to", "vyos")
    assert code == 2 and err.startswith("vpnxlate: error: 'aws:nonsense' is not aws: or aws:vpn-<id>")
    code, out, err = run(capsys, "convert", "aws:", f"aws:{three['bgp']}", "--to", "vyos")
    assert code == 2 and "given together" in err
    code, out, err = run(capsys, "convert", "aws:", "--to", "vyos", "--filter", "novalue")
    assert code == 2 and "expected NAME=VALUE" in err


def test_no_credentials_no_region_unreachable(moto_server: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    set_env(monkeypatch, moto_server)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    code, out, err = run(capsys, "convert", "aws:", "--to", "vyos")
    assert code == 2 and err.startswith(f"vpnxlate: error: aws:{REGION}: no AWS credentials found: set AWS_PROFILE")
    assert err.count("\n") == 1
    set_env(monkeypatch, moto_server)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    code, out, err = run(capsys, "convert", "aws:", "--to", "vyos")
    assert (code, err) == (
        2,
        "vpnxlate: error: aws:: no AWS region: give --region or set AWS_REGION (or a region in the profile)\n",
    )
    code, out, err = run(capsys, "convert", "aws:", "--to", "vyos", "--profile", "no-such-profile")
    assert code == 2 and "AWS profile 'no-such-profile' not found" in err
    with closed_port() as url:
        set_env(monkeypatch, url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        code, out, err = run(capsys, "convert", "aws:", "--to", "vyos")
    assert (code, out, err) == (
        2,
        "",
        f"vpnxlate: error: aws:{REGION}: cannot reach the EC2 endpoint {url} "
        "(network, proxy, --region or AWS_ENDPOINT_URL?)\n",
    )


def test_refuses_a_non_loopback_endpoint(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    set_env(monkeypatch, "http://192.0.2.1:9")  # TEST-NET-1: must not even be tried
    code, out, err = run(capsys, "convert", "aws:", "--to", "vyos")
    assert (code, out) == (2, "")
    assert "VPNXLATE_AWS_LOOPBACK_ONLY is set and the EC2 endpoint http://192.0.2.1:9 is not a loopback address" in err
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    with pytest.raises(AwsError, match=f"https://ec2.{REGION}.amazonaws.com is not a loopback"):
        vpnxlate.fetch()


class _ErrorServer(http.server.BaseHTTPRequestHandler):
    """Answers every EC2 call with one error (status, code, message), counting the requests."""

    answer: tuple[int, str, str] = (403, "UnauthorizedOperation", "")
    requests = 0

    def do_POST(self) -> None:
        type(self).requests += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, code, message = self.answer
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error></Errors><RequestID>r-1</RequestID></Response>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def error_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_ErrorServer]]:
    handler = type("Handler", (_ErrorServer,), {"requests": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    set_env(monkeypatch, f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (403, "UnauthorizedOperation", "access denied: the credentials may not call ec2:DescribeVpnConnections"),
        (401, "AuthFailure", "AWS rejected the credentials (AuthFailure)"),
        (401, "OptInRequired", f"the account is not subscribed to EC2 in {REGION}"),
        (400, "SomethingNew", "EC2 API error SomethingNew: key *** token *** secret ***"),
    ],
)
def test_api_errors_are_one_line_without_credentials(
    error_server: Any, capsys: Any, status: int, code: str, expected: str
) -> None:
    from .moto_ec2 import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN

    # a hostile message that echoes every credential back
    error_server.answer = (status, code, f"key {ACCESS_KEY} token {SESSION_TOKEN} secret {SECRET_KEY}")
    result = run(capsys, "convert", "aws:", "--to", "vyos")
    assert result[0] == 2 and result[1] == ""
    assert result[2].startswith(f"vpnxlate: error: aws:{REGION}: {expected}") and result[2].count("\n") == 1
    assert_no_credentials(*result[1:])


def test_throttling_is_retried_then_reported(error_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    error_server.answer = (503, "RequestLimitExceeded", "Request limit exceeded.")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")  # keeps the test short; without it vpnxlate asks for 5
    code, out, err = run(capsys, "convert", "aws:", "--to", "vyos")
    assert error_server.requests == 3  # boto3's retries did happen
    assert (code, out) == (2, "")
    assert err == (
        f"vpnxlate: error: aws:{REGION}: AWS throttled the requests (RequestLimitExceeded) "
        "and boto3's retries gave up: try again later, or raise AWS_MAX_ATTEMPTS\n"
    )


def test_missing_boto3_is_one_line_and_boto3_stays_off_the_file_path(tmp_path: Any) -> None:
    script = (
        "import sys; sys.modules['boto3'] = None\n"
        "from vpnxlate import cli\n"
        "code = cli.main(['convert', 'aws:', '--to', 'vyos'])\n"
        "assert code == 2, code\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        "vpnxlate: error: aws: inputs need boto3, which is not installed: pip install 'vpnxlate[aws]'\n"
    )
    fixture = os.path.join(os.path.dirname(__file__), "..", "fixtures", "xml")
    sample = os.path.join(fixture, sorted(os.listdir(fixture))[0])
    script = (
        "import sys\nfrom vpnxlate import cli\n"
        f"cli.main(['convert', {sample!r}, '--to', 'json', '-q'])\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules and 'vpnxlate.aws' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_credentials_never_appear_anywhere(
    three: dict[str, str], tmp_path: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    texts = []
    for argv in (
        ["convert", "aws:", "--to", "vyos"],
        ["convert", "aws:", "--to", "json"],
        ["convert", "aws:", "--to", "strongswan", "--out-dir", str(tmp_path)],
        ["fetch", "aws:", "--include-psk", "-o", str(tmp_path / "c.json")],
        ["sync", "aws:", "--to", "vyos", "--state", str(tmp_path / "state"), "--once"],
        ["convert", "aws:vpn-00000000", "--to", "vyos"],
    ):
        texts += run(capsys, *argv)[1:]
    assert any("custom_psk_tunnel_A1" in t for t in texts)  # the outputs do hold what was fetched
    assert_no_credentials(*texts, files_text(str(tmp_path)))
