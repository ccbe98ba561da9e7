"""The command line: bad-input classes (one line, exit 2, no traceback), output handling, API."""

from __future__ import annotations

import json
import os
import stat
import warnings
from pathlib import Path

import pytest

import vpnxlate
from vpnxlate import registry
from vpnxlate.errors import InputError
from vpnxlate.io import read_input
from vpnxlate.model import Bgp, IkeOptions, Tunnel, VpnConnection

from .conftest import assert_one_line_error, run_cli

PSK1, PSK2 = "FAKE_tunnel1.key_example", "FAKE_tunnel2.key_example"


def model(psk2: str = PSK2, hold: int = 30) -> VpnConnection:
    def t(out: str, net: int, psk: str) -> Tunnel:
        return Tunnel(
            aws_outside_ip=out,
            cgw_outside_ip="198.51.100.10",
            psk=psk,
            cgw_inside=f"169.254.{net}.2/30",
            aws_inside=f"169.254.{net}.1/30",
            ike=IkeOptions(encryption=["AES128"], integrity=["SHA1"], dh_groups=[2], lifetime_s=28800),
            bgp=Bgp(cgw_asn=65010, aws_asn=64512, neighbor_ip=f"169.254.{net}.1", hold_time=hold),
        )

    return VpnConnection(
        tunnels=[t("203.0.113.22", 21, PSK1), t("203.0.113.21", 22, psk2)],
        vpn_connection_id="vpn-0c0ffee0123456789",
        vpn_gateway_id="vgw-0c0ffee0123456789",
        customer_gateway_id="cgw-0c0ffee0123456789",
        routing="bgp",
    )


@pytest.fixture
def model_json(tmp_path: Path) -> Path:
    p = tmp_path / "model.json"
    p.write_text(vpnxlate.emit([model()], "json"))
    return p


# ------------------------------------------------------------------ bad input: one line, exit 2


@pytest.mark.parametrize("name, vendor", [("pfsense.txt", "pfSense"), ("screenos.txt", "Juniper ScreenOS")])
def test_other_vendor_download_names_the_vendor(name: str, vendor: str) -> None:
    path = f"fixtures/other-vendors/{name}"
    line = assert_one_line_error(run_cli("convert", path, "--to", "json"), path)
    assert f"this looks like AWS's configuration download for {vendor};" in line


def test_not_aws_at_all() -> None:
    line = assert_one_line_error(run_cli("convert", "fixtures/other-vendors/not-aws.txt", "--to", "json"))
    assert line == (
        "vpnxlate: error: fixtures/other-vendors/not-aws.txt: not an AWS Site-to-Site VPN configuration "
        "(Generic, Vyatta, XML or DescribeVpnConnections output expected)"
    )


@pytest.mark.parametrize(
    "data, needle",
    [
        (b"", "<stdin>: empty input"),
        (b"  \n\t\n", "<stdin>: empty input"),
        (b"abc\x00def", "<stdin>:1: binary data (NUL byte)"),
        (b"Amazon \xff\xfe Web", "<stdin>:1: not UTF-8 text (byte 0xff at offset 7)"),
    ],
)
def test_unreadable_input_from_stdin(data: bytes, needle: str) -> None:
    assert_one_line_error(run_cli("convert", "-", "--to", "json", stdin=data), needle)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("convert", str(tmp_path / "nope.txt"), "--to", "json"), "nope.txt: no such file")
    # a directory is read file by file (vpnxlate.stream): an empty one is an error
    assert_one_line_error(run_cli("convert", str(tmp_path), "--to", "json"), "is a directory without files")


def test_input_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:  # sparse: 51 MB without writing them
        f.truncate(51 * 1024 * 1024)
    assert_one_line_error(run_cli("convert", str(big), "--to", "json"), "larger than the 50 MB limit")


def test_read_input_limit_on_a_stream(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_text("a" * 100)
    with pytest.raises(InputError, match="larger than"):
        read_input(str(p), limit=50)


def test_invalid_model_json_names_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.json"
    p.write_text('{"connections": [\n  {"tunnels": [}\n]}\n')
    assert_one_line_error(run_cli("convert", str(p), "--to", "json"), f"{p}:2: invalid JSON")


def test_bad_value_in_model_json_names_field(tmp_path: Path, model_json: Path) -> None:
    doc = json.loads(model_json.read_text())
    doc["connections"][0]["tunnels"][1]["ike"]["encryption"] = ["3des"]
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(doc))
    assert_one_line_error(
        run_cli("convert", str(p), "--to", "json"),
        "connections[0].tunnels[1].ike.encryption: unknown encryption algorithm 3des",
    )


def test_usage_errors_are_one_line() -> None:
    proc = run_cli("convert", "x.txt", "--to", "nosuchtarget")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
    proc = run_cli("convert", "x.txt")
    assert proc.returncode == 2 and "--to" in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_option_for_another_target_is_refused(model_json: Path) -> None:
    opts = [
        o
        for name in registry.output_names()
        if name != "json"
        for o in registry.output_module(name).OPTIONS
        if o.kind != "flag"
    ]
    if not opts:
        pytest.skip("no target with options registered yet")
    opt = opts[0]
    value = opt.choices[0] if opt.choices else "192.0.2.5"
    assert_one_line_error(
        run_cli("convert", str(model_json), "--to", "json", opt.flag, value),
        f"option {opt.flag} does not apply to --to json",
    )


# ------------------------------------------------------------------ output


def test_json_contract_and_warnings_on_stderr(tmp_path: Path) -> None:
    p = tmp_path / "m.json"
    p.write_text(vpnxlate.emit([model(psk2="0FAKE_leading_zero")], "json"))
    proc = run_cli("convert", str(p), "--to", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # stdout is pure JSON
    assert doc["warnings"] == [
        f"{p}: vpn-0c0ffee0123456789: tunnel 203.0.113.21: psk: the pre-shared key starts "
        "with 0, which AWS does not accept"
    ]
    assert proc.stderr == f"vpnxlate: warning: {doc['warnings'][0]} [lint-psk]\n"
    conn = doc["connections"][0]
    assert [t["aws_outside_ip"] for t in conn["tunnels"]] == ["203.0.113.21", "203.0.113.22"]
    t = conn["tunnels"][1]
    assert {
        k: t[k]
        for k in (
            "aws_outside_ip",
            "cgw_outside_ip",
            "psk",
            "cgw_inside_cidr",
            "aws_inside_ip",
            "cgw_asn",
            "aws_asn",
            "bgp_hold_time",
            "dpd_interval_s",
            "dpd_retries",
            "mtu",
            "tcp_mss",
        )
    } == {
        "aws_outside_ip": "203.0.113.22",
        "cgw_outside_ip": "198.51.100.10",
        "psk": PSK1,
        "cgw_inside_cidr": "169.254.21.2/30",
        "aws_inside_ip": "169.254.21.1",
        "cgw_asn": 65010,
        "aws_asn": 64512,
        "bgp_hold_time": 30,
        "dpd_interval_s": None,
        "dpd_retries": None,
        "mtu": None,
        "tcp_mss": None,
    }
    assert t["ike"] == {
        "versions": None,
        "encryption": ["AES128"],
        "integrity": ["SHA1"],
        "dh_groups": [2],
        "lifetime_s": 28800,
        "mode": None,
    }
    assert t["ipsec"] == {
        "protocol": None,
        "encryption": None,
        "integrity": None,
        "pfs_dh_groups": None,
        "lifetime_s": None,
        "mode": None,
    }
    assert {
        k: conn[k]
        for k in ("vpn_connection_id", "vpn_gateway_id", "transit_gateway_id", "customer_gateway_id", "routing")
    } == {
        "vpn_connection_id": "vpn-0c0ffee0123456789",
        "vpn_gateway_id": "vgw-0c0ffee0123456789",
        "transit_gateway_id": None,
        "customer_gateway_id": "cgw-0c0ffee0123456789",
        "routing": "bgp",
    }


def test_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    p = tmp_path / "m.json"
    p.write_text(vpnxlate.emit([model(psk2="0FAKE_leading_zero")], "json"))
    assert_one_line_error(run_cli("convert", str(p), "--to", "json", "--strict"), "starts with 0")


def test_redact(model_json: Path) -> None:
    proc = run_cli("convert", str(model_json), "--to", "json", "--redact")
    assert proc.returncode == 0
    assert PSK1 not in proc.stdout and PSK2 not in proc.stdout
    assert [t["psk"] for t in json.loads(proc.stdout)["connections"][0]["tunnels"]] == ["***", "***"]


def test_stdin_and_python_m(model_json: Path) -> None:
    proc = run_cli("convert", "-", "--to", "json", stdin=model_json.read_text())
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["connections"][0]["vpn_connection_id"] == "vpn-0c0ffee0123456789"


def test_output_file_mode_and_no_overwrite(tmp_path: Path, model_json: Path) -> None:
    out = tmp_path / "out.json"
    assert run_cli("convert", str(model_json), "--to", "json", "-o", str(out)).returncode == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600  # holds PSKs
    first = out.read_text()
    assert PSK1 in first
    assert_one_line_error(
        run_cli("convert", str(model_json), "--to", "json", "-o", str(out)),
        f"{out}: exists; use --force to overwrite it",
    )
    assert out.read_text() == first
    assert run_cli("convert", str(model_json), "--to", "json", "-o", str(out), "--force", "--redact").returncode == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "out.json"]  # no temp files left


def test_out_dir(tmp_path: Path, model_json: Path) -> None:
    d = tmp_path / "out"
    d.mkdir()
    proc = run_cli("convert", str(model_json), "--to", "json", "--out-dir", str(d))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(os.stat(d / "vpn.json").st_mode) == 0o600
    missing = tmp_path / "no"  # created, 0700 because vpn.json holds keys
    assert run_cli("convert", str(model_json), "--to", "json", "--out-dir", str(missing)).returncode == 0
    assert stat.S_IMODE(os.stat(missing).st_mode) == 0o700
    assert (missing / "vpn.json").read_bytes() == (d / "vpn.json").read_bytes()


def test_two_inputs_merge_by_connection_id(tmp_path: Path, model_json: Path) -> None:
    proc = run_cli("convert", str(model_json), str(model_json), "--to", "json")
    assert proc.returncode == 0
    assert len(json.loads(proc.stdout)["connections"]) == 1
    assert "appears twice with the same content" in proc.stderr


def test_formats_lists_the_registry() -> None:
    proc = run_cli("formats", "--json")
    assert proc.returncode == 0
    table = json.loads(proc.stdout)
    assert [e["name"] for e in table["inputs"]] == registry.input_names()
    assert [e["name"] for e in table["outputs"]] == registry.output_names()
    text = run_cli("formats").stdout
    for name in registry.input_names() + registry.output_names():
        assert f"  {name} " in text


# ------------------------------------------------------------------ API


def test_api_parse_emit_convert_roundtrip(model_json: Path) -> None:
    text = model_json.read_text()
    conns = vpnxlate.parse(text)
    assert conns == [model()]
    assert vpnxlate.convert(text, "json") == vpnxlate.emit(conns, "json")
    assert vpnxlate.detect_format(text) == "json"


def test_api_warnings_use_the_warnings_module() -> None:
    text = vpnxlate.emit([model(psk2="0FAKE_leading_zero")], "json")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vpnxlate.parse(text, source="m.json")
    assert [type(w.message).__name__ for w in caught] == ["VpnxlateWarning"]
    assert "m.json: vpn-0c0ffee0123456789: tunnel 203.0.113.21: psk:" in str(caught[0].message)
    with pytest.raises(vpnxlate.ValidationError, match="starts with 0"):
        vpnxlate.parse(text, strict=True)


def test_api_errors_carry_source_line_field() -> None:
    with pytest.raises(vpnxlate.ParseError) as exc:
        vpnxlate.parse('{"connections": [\n}', source="x.json")
    assert (exc.value.source, exc.value.line) == ("x.json", 2)
    with pytest.raises(vpnxlate.FormatError):
        vpnxlate.parse("hello", source="x.txt")
