"""The multi-input pipeline: vpnxlate.parse_many/parse_many_report, convert() of several
inputs, and the CLI's convert reading through it (each warning once)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import vpnxlate
from vpnxlate.errors import ValidationError

from .conftest import fixture_text, run_cli

PSK_LINE = "  - Pre-Shared Key           : FAKE_tunnel1.key_example"
ZERO_PSK = (
    "vpn-0c0ffee0123456789: tunnel 203.0.113.22: psk: the pre-shared key starts with 0, which AWS does not accept"
)
CIDRS = [
    f"inside CIDR 169.254.{n}.0/30 is used by both vpn-0c0ffee0123456789 and vpn-0c0ffee0123456780" for n in (22, 21)
]


def _leading_zero() -> str:
    """The canonical Generic download with a key AWS refuses (a lint warning)."""
    text = fixture_text("canonical/generic.txt")
    assert PSK_LINE in text
    return text.replace("FAKE_tunnel1.key_example", "0FAKEtunnel1key")


def _other_connection() -> str:
    """The canonical connection with the leading-zero key, another id, other AWS outside IPs."""
    return (
        _leading_zero()
        .replace("vpn-0c0ffee0123456789", "vpn-0c0ffee0123456780")
        .replace("203.0.113.22", "203.0.113.32")
        .replace("203.0.113.21", "203.0.113.31")
    )


def test_leading_zero_fixture() -> None:
    text = _leading_zero()
    assert "Pre-Shared Key           : 0FAKEtunnel1key\n" in text
    _, report = vpnxlate.parse_report(text, source="a.txt")
    assert report.messages() == [f"a.txt: {ZERO_PSK}"]


def test_parse_many_of_one_input_is_parse(tmp_path: Path) -> None:
    path = tmp_path / "g.txt"
    path.write_text(fixture_text("canonical/generic.txt"), encoding="utf-8")
    expected = vpnxlate.parse(fixture_text("canonical/generic.txt"))
    assert vpnxlate.parse_many([path]) == expected
    assert vpnxlate.parse_many([str(path)]) == expected
    assert vpnxlate.parse_many([("g.txt", fixture_text("canonical/generic.txt").encode())]) == expected


def test_parse_many_merges_the_same_connection(tmp_path: Path) -> None:
    text = fixture_text("canonical/generic.txt")
    conns, report = vpnxlate.parse_many_report([("a.txt", text), ("b.txt", text)])
    assert conns == vpnxlate.parse(text)
    assert report.messages() == [
        "connection vpn-0c0ffee0123456789 appears twice with the same content (a.txt and b.txt); keeping one"
    ]
    # two connections stay two, in input order
    conns, _ = vpnxlate.parse_many_report([("a.txt", text), ("d.txt", _other_connection())])
    assert [c.vpn_connection_id for c in conns] == ["vpn-0c0ffee0123456789", "vpn-0c0ffee0123456780"]


def test_parse_many_conflict_names_both_inputs() -> None:
    text = fixture_text("canonical/generic.txt")
    other = text.replace("FAKE_tunnel1.key_example", "FAKE_other.key_example")
    with pytest.raises(ValidationError) as exc:
        vpnxlate.parse_many([("a.txt", text), ("b.txt", other)])
    assert str(exc.value) == (
        "b.txt: tunnels: vpn-0c0ffee0123456789: two tunnels with AWS outside IP 203.0.113.22 differ in psk "
        "(different keys in a.txt and b.txt); a tunnel is identified by its AWS outside IP"
    )


def test_parse_many_gives_each_warning_once() -> None:
    conns, report = vpnxlate.parse_many_report([("a.txt", _leading_zero()), ("d.txt", _other_connection())])
    assert len(conns) == 2
    assert report.messages() == [
        f"a.txt: {ZERO_PSK}",
        f"d.txt: {ZERO_PSK.replace('89:', '80:').replace('113.22', '113.32')}",
        *CIDRS,
    ]
    # the same connection in two files: its warning once (named by the first file)
    _, report = vpnxlate.parse_many_report([("a.txt", _leading_zero()), ("c.txt", _leading_zero())])
    assert report.messages() == [
        f"a.txt: {ZERO_PSK}",
        "connection vpn-0c0ffee0123456789 appears twice with the same content (a.txt and c.txt); keeping one",
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vpnxlate.parse_many([("a.txt", _leading_zero()), ("c.txt", _leading_zero())])
    assert [str(w.message) for w in caught] == report.messages()


def test_parse_many_strict_raises_at_the_first_warning() -> None:
    with pytest.raises(ValidationError, match=r"a\.txt: .*starts with 0"):
        vpnxlate.parse_many([("a.txt", _leading_zero()), ("b.txt", fixture_text("canonical/vyatta.txt"))], strict=True)


def test_convert_of_several_inputs() -> None:
    a, d = _leading_zero(), _other_connection()
    inputs = [("a.txt", a), ("d.txt", d)]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        merged = json.loads(vpnxlate.convert(inputs, "json"))
        alone = json.loads(vpnxlate.emit(vpnxlate.parse_many(inputs), "json"))
        single = vpnxlate.convert([("a.txt", a)], "json")
        assert single == vpnxlate.convert(a, "json", source="a.txt")
    _, report = vpnxlate.parse_many_report(inputs)
    # the json target lists the parse warnings: each once, as parse_many_report gives them
    assert (
        merged.pop("warnings")
        == report.messages()
        == [
            f"a.txt: {ZERO_PSK}",
            f"d.txt: {ZERO_PSK.replace('89:', '80:').replace('113.22', '113.32')}",
            *CIDRS,
        ]
    )
    assert alone.pop("warnings") == []
    assert merged == alone
    assert [c["vpn_connection_id"] for c in merged["connections"]] == ["vpn-0c0ffee0123456789", "vpn-0c0ffee0123456780"]


def test_parse_many_refuses_other_items() -> None:
    with pytest.raises(vpnxlate.InputError, match="expected a path or a \\(source, text\\) pair, got int"):
        vpnxlate.parse_many([3])  # type: ignore[list-item]
    with pytest.raises(vpnxlate.InputError, match="no such file"):
        vpnxlate.parse_many(["/nonexistent/x.txt"])


def test_cli_two_inputs_print_each_warning_once(tmp_path: Path) -> None:
    a, c, d = tmp_path / "a.txt", tmp_path / "c.txt", tmp_path / "d.txt"
    a.write_text(_leading_zero(), encoding="utf-8")
    c.write_text(_leading_zero(), encoding="utf-8")
    d.write_text(_other_connection(), encoding="utf-8")
    proc = run_cli("convert", str(a), str(d), "--to", "json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [  # the CLI's lines end with the warning's code
        f"vpnxlate: warning: {a}: {ZERO_PSK} [lint-psk]",
        f"vpnxlate: warning: {d}: {ZERO_PSK.replace('89:', '80:').replace('113.22', '113.32')} [lint-psk]",
        *(f"vpnxlate: warning: {m} [lint-inside-overlap]" for m in CIDRS),
    ]
    proc = run_cli("convert", str(a), str(c), "--to", "json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines == [
        f"vpnxlate: warning: {a}: {ZERO_PSK} [lint-psk]",
        f"vpnxlate: warning: connection vpn-0c0ffee0123456789 appears twice with the same content ({a} and {c}); "
        "keeping one [duplicate-connection]",
    ]
    assert len(lines) == len(set(lines))
    # the CLI's output is the API's
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        api = vpnxlate.convert([str(a), str(d)], "json")
    assert run_cli("convert", str(a), str(d), "--to", "json").stdout == api
