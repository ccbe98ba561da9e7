"""The speed-ups must not change behaviour: fast IPv4 parsing, the two-core parse of large
DescribeVpnConnections documents, the detection shortcut, the plain value classes."""

from __future__ import annotations

import ipaddress
import pickle
from typing import Any

import pytest

import vpnxlate
from vpnxlate import OutputFile, detect, registry
from vpnxlate.errors import Diagnostic, ParseError, VpnxlateError
from vpnxlate.options import Option
from vpnxlate.parsers._common import ip_address, ip_interface, to_int, to_interface, to_ip

from .conftest import FIXTURES, fixture_text

# ------------------------------------------------------------------ fast IPv4 parsing

ADDRESS_CASES = [
    "0.0.0.0",
    "255.255.255.255",
    "198.51.100.10",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.04",
    "1.2.3",
    "1.2.3.4.5",
    "1..2.3",
    "",
    " 1.2.3.4",
    "1.2.3.4 ",
    "1.2.3.4\n",
    "\u0661.2.3.4",
    "1.2.3.4/",
    "1.2.3.4/0",
    "1.2.3.4/32",
    "1.2.3.4/33",
    "1.2.3.4/030",
    "1.2.3.4/01",
    "1.2.3.4/255.255.255.252",
    "1.2.3.4/0.0.0.3",
    "1.2.3.4/x",
    "169.254.21.2/30",
    "::1",
    "fd00::1/126",
    "2001:db8::1",
    "1.2.3.4/3 0",
    "192.0.2.300",
    "+1.2.3.4",
]


def _outcome(fn: Any, text: str) -> tuple[Any, ...]:
    try:
        value = fn(text)
    except Exception as e:
        return ("error", type(e), str(e))
    return ("ok", type(value), value, str(value), getattr(value, "network", None))


@pytest.mark.parametrize("text", ADDRESS_CASES)
def test_ip_helpers_match_ipaddress(text: str) -> None:
    assert _outcome(ip_address, text) == _outcome(ipaddress.ip_address, text)
    assert _outcome(ip_interface, text) == _outcome(ipaddress.ip_interface, text)


def test_ip_helpers_match_ipaddress_exhaustively_on_octets() -> None:
    octets = ["0", "00", "7", "07", "10", "99", "100", "199", "200", "249", "250", "255", "256", "300", "999"]
    for a in octets:
        for b in ("0", "255", "256", "01"):
            for prefix in ("", "/0", "/9", "/30", "/32", "/33", "/00"):
                text = f"{a}.{b}.2.1{prefix}"
                assert _outcome(ip_address, text) == _outcome(ipaddress.ip_address, text), text
                assert _outcome(ip_interface, text) == _outcome(ipaddress.ip_interface, text), text


def test_to_ip_and_to_interface_errors_unchanged() -> None:
    assert to_ip(" 198.51.100.10 ", field="f") == ipaddress.IPv4Address("198.51.100.10")
    assert to_interface("169.254.21.2", field="f", default_prefix=30) == ipaddress.IPv4Interface("169.254.21.2/30")
    with pytest.raises(ParseError) as e:
        to_ip("198.51.100.10/30", field="f", line=4)
    assert str(e.value) == "<input>:4: f: not an IP address: 198.51.100.10/30"
    with pytest.raises(ParseError) as e:
        to_interface("169.254.21.2", field="f", line=5, default_prefix=126)
    assert str(e.value) == "<input>:5: f: not an address with prefix: 169.254.21.2/126"
    with pytest.raises(ParseError) as e:
        to_ip("YOUR_UPLINK_ADDRESS", field="f", line=6)
    assert "placeholder 'YOUR_UPLINK_ADDRESS'" in str(e.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("28800", 28800),
        ("007", 7),
        ("\u0661\u0662", 12),
        ("28800 seconds", 28800),
        (" 30 ", 30),
        ("123456789012", 123456789012),
        ("1234567890123", None),
        ("\u00b2", None),
        ("+5", None),
        ("", None),
    ],
)
def test_to_int_fast_path_keeps_the_rules(text: str, expected: int | None) -> None:
    if expected is None:
        with pytest.raises(ParseError, match="not a number"):
            to_int(text, field="f")
    else:
        assert to_int(text, field="f") == expected


def test_superscript_digit_in_xml_is_a_parse_error_not_a_crash() -> None:
    text = fixture_text("canonical/connection.xml").replace("<lifetime>28800</lifetime>", "<lifetime>\u00b2</lifetime>")
    with pytest.raises(ParseError, match="not a number"):
        vpnxlate.parse(text, source="x.xml")
    text = fixture_text("canonical/connection.xml").replace(
        "<network_cidr>30</network_cidr>", "<network_cidr>\u00b2</network_cidr>", 1
    )
    with pytest.raises(ParseError, match="not an address with prefix"):
        vpnxlate.parse(text, source="x.xml")


# ------------------------------------------------------------------ detection shortcut


def test_detection_shortcut_never_changes_the_detected_format(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".txt", ".xml", ".json", ".conf", "")]
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        with monkeypatch.context() as m:
            m.setattr(registry, "CONTAINS", {})
            try:
                expected: str = vpnxlate.detect_format(text)
            except VpnxlateError as e:
                expected = f"error {e}"
        try:
            got: str = vpnxlate.detect_format(text)
        except VpnxlateError as e:
            got = f"error {e}"
        assert got == expected, path


def test_generic_text_does_not_ask_the_set_command_parsers() -> None:
    text = fixture_text("canonical/generic.txt")
    assert detect.candidates(text) == ["aws-generic"]
    assert detect.candidates("# c\n\n  {") == ["json", "jsonl", "ec2-json", "aws-generic"]
    assert detect.candidates("\ufeff set vpn") == ["vyos", "aws-vyatta", "aws-generic"]


# ------------------------------------------------------------------ plain value classes


def test_value_classes_behave_like_frozen_records() -> None:
    d = Diagnostic("msg", "src", 3, "fld")
    assert d == Diagnostic("msg", "src", 3, "fld", "warning") and hash(d) == hash(Diagnostic("msg", "src", 3, "fld"))
    assert d != Diagnostic("msg", "src", 4, "fld")
    assert repr(d) == "Diagnostic(message='msg', source='src', line=3, field='fld', code='warning')"
    assert str(d) == "src:3: msg"
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(AttributeError):
        d.line = 4  # type: ignore[misc]
    o = Option("--local-address", "router's address", metavar="IP")
    assert (o.dest, o.kind, o.choices, o.default) == ("local_address", "str", None, None)
    assert o == Option("--local-address", "router's address", "str", None, None, "IP")
    f = OutputFile("vpn.secrets", "FAKE_psk_value\n", secret=True)
    assert (f.mode, f.file_mode) == (0o644, 0o600)
    assert f == OutputFile("vpn.secrets", "FAKE_psk_value\n", 0o644, True)
    assert "FAKE_psk_value" not in repr(f)
    assert repr(OutputFile("a.conf", "x\n")) == "OutputFile(name='a.conf', content='x\\n', mode=420, secret=False)"
