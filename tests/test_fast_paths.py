"""The speed-ups must not change behaviour: fast IPv4 parsing, the two-core parse of large
DescribeVpnConnections documents, the detection shortcut, the plain value classes."""

from __future__ import annotations

import ipaddress
import pickle
import re
from typing import Any

import pytest

import vpnxlate
from vpnxlate import OutputFile, detect, registry
from vpnxlate.errors import Diagnostic, ParseError, VpnxlateError
from vpnxlate.options import Option

from .conftest import FIXTURES, fixture_text
from .test_perf_paths import CANONICAL, both_paths

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


_CGW_INSIDE = (
    "<ip_address>169.254.21.2</ip_address>\n        <network_mask>255.255.255.252</network_mask>\n"
    "        <network_cidr>30</network_cidr>"
)


def _document(outside: str | None = None, inside: str | None = None, mss: str | None = None) -> str:
    """The canonical document with its first tunnel's AWS outside address, customer inside
    address (without mask and prefix: the reader's default /30) or TCP MSS written as given."""
    doc = CANONICAL
    if outside is not None:
        doc = doc.replace("<ip_address>203.0.113.22</ip_address>", f"<ip_address>{outside}</ip_address>")
    if inside is not None:
        doc = doc.replace(_CGW_INSIDE, f"<ip_address>{inside}</ip_address>", 1)
    if mss is not None:
        doc = doc.replace("<tcp_mss_adjustment>1379<", f"<tcp_mss_adjustment>{mss}<", 1)
    assert doc != CANONICAL
    return doc


def _first_tunnel(doc: str) -> Any:
    """The first tunnel of ``doc`` as both paths read it (they must agree), or ("error", message)."""
    fast, plain = both_paths([doc] * 3)
    assert fast == plain
    if fast[0] == "error":
        return ("error", fast[2])
    (connection,) = fast[0]
    return next(t for t in connection.tunnels if str(t.aws_outside_ip) != "203.0.113.21")


@pytest.mark.parametrize("text", ADDRESS_CASES)
def test_addresses_are_read_as_ipaddress_reads_them(text: str) -> None:
    value = text.strip()
    try:
        expected: Any = ipaddress.ip_address(value) if value else None
    except ValueError:
        expected = None
    got = _first_tunnel(_document(outside=text))
    if expected is None or expected == ipaddress.ip_address("203.0.113.21"):
        assert isinstance(got, tuple), got
    else:
        assert got.aws_outside_ip == expected and type(got.aws_outside_ip) is type(expected)


@pytest.mark.parametrize("text", ADDRESS_CASES)
def test_interfaces_are_read_as_ipaddress_reads_them(text: str) -> None:
    value = text.strip()
    try:
        expected: Any = ipaddress.ip_interface(value if "/" in value else f"{value}/30") if value else None
    except ValueError:
        expected = None
    if expected is not None and (expected.version != 4 or expected.ip == ipaddress.ip_address("169.254.21.1")):
        expected = None  # an IPv6 address, or the AWS inside address: refused
    got = _first_tunnel(_document(inside=text))
    if not value:
        assert not isinstance(got, tuple) and got.cgw_inside is None
    elif expected is None:
        assert isinstance(got, tuple), got
    else:
        assert got.cgw_inside == expected and str(got.cgw_inside) == str(expected)
        assert got.cgw_inside.network == expected.network


def test_address_errors_unchanged() -> None:
    for doc, field, message in (
        (_document(outside="198.51.100.10/30"), "vpn_gateway/tunnel_outside_address/ip_address", "not an IP address"),
        (_document(inside="fd00::1"), "customer_gateway/tunnel_inside_address/ip_address", "expected an IPv4 address"),
        (_document(inside="169.254.21.2/x"), "customer_gateway/tunnel_inside_address/ip_address", "not an address"),
    ):
        with pytest.raises(ParseError) as e:
            vpnxlate.parse(doc, source="x.xml")
        assert re.fullmatch(rf"x\.xml:\d+: ipsec_tunnel\[1\]/{field}: {message}.*", str(e.value)), str(e.value)
    with pytest.raises(ParseError) as e:
        vpnxlate.parse(_document(outside="YOUR_UPLINK_ADDRESS"), source="x.xml")
    assert "placeholder 'YOUR_UPLINK_ADDRESS'" in str(e.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("28800", 28800),
        ("007", 7),
        ("\u0661\u0662", 12),
        ("1379 bytes", 1379),
        (" 30 ", 30),
        ("123456789012", "out of range"),
        ("1234567890123", "not a number"),
        ("\u00b2", "not a number"),
        ("+5", "not a number"),
        ("", None),
    ],
)
def test_numbers_keep_the_rules(text: str, expected: int | str | None) -> None:
    got = _first_tunnel(_document(mss=text))
    if isinstance(expected, str):
        assert isinstance(got, tuple) and expected in got[1], got
    else:
        assert got.tcp_mss == expected


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
    texts = [(str(p), p.read_text(encoding="utf-8", errors="replace")) for p in files]
    # the hints look at the first 200,000 characters: a download whose statements start after them
    padding = "! padding line\n" * (200_000 // 15 + 1)
    texts += [(f"padded {name}", padding + text) for name, text in texts if not text.lstrip().startswith(("{", "<"))]
    assert len(texts) > 40
    for path, text in texts:
        with monkeypatch.context() as m:
            m.setattr(
                registry,
                "INPUTS",
                {n: registry.Input(e.module, starts_with=e.starts_with) for n, e in registry.INPUTS.items()},
            )
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
