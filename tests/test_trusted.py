"""The trusted constructor and the caches of issue 13 against the validating code they stand in for.

* ``model._trusted`` / ``model._trusted_evolve`` give what the validating constructor / ``attrs.evolve``
  give for values that constructor stores (generated model objects), and still run the
  cross-field checks;
* every parse gives the same connections, warnings and errors with the fast paths turned off
  (``aws_xml._fast_tunnel`` declining, the TunnelOptions cache missing) on the generated and
  mutated documents of ``tests/differential.py``;
* the shortcuts for AWS-shaped ids and for IPv4 inside interfaces sharing one network agree with
  the long checks.
"""

from __future__ import annotations

import ipaddress
import warnings
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import vpnxlate
from vpnxlate.errors import PlaceholderError, ValidationError, VpnxlateError
from vpnxlate.model import (
    AWS_ID_RE,
    Bgp,
    IkeOptions,
    IpsecOptions,
    Tunnel,
    VpnConnection,
    _trusted,
    _trusted_evolve,
    check_id,
)
from vpnxlate.parsers import _common, _ec2, aws_xml

from . import differential


def _values(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in attrs.fields(type(obj))}


@pytest.fixture(scope="module")
def parsed() -> list[VpnConnection]:
    """The connections of every case of tests/differential.py that parses (fixtures of every
    format, generated and mutated describe-vpn-connections documents with varied TunnelOptions)."""
    out: list[VpnConnection] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _name, text in differential.cases():
            try:
                out += vpnxlate.parse(text)
            except VpnxlateError:
                continue
    return out


def test_trusted_builds_what_the_validating_constructor_builds(parsed: list[VpnConnection]) -> None:
    objects: list[Any] = []
    for c in parsed:
        objects.append(c)
        for t in c.tunnels:
            objects += [t, t.ike, t.ipsec] + ([t.bgp] if t.bgp else [])
    assert len(objects) > 1000
    for obj in objects:
        cls = type(obj)
        built = _trusted(cls, _values(obj))
        assert built == obj and repr(built) == repr(obj) and hash(built) == hash(obj)
        assert built == cls(**_values(obj))


def test_trusted_evolve_is_evolve(parsed: list[VpnConnection]) -> None:
    tunnels = [t for c in parsed for t in c.tunnels]
    names = ("psk", "ike", "ipsec", "bgp", "rekey_margin_s", "dpd_timeout_action", "stated_tunnel_options", "tcp_mss")
    for a, b in zip(tunnels, tunnels[7:] + tunnels[:7], strict=True):  # values validated on another tunnel
        assert _trusted_evolve(a, {}) is a
        for name in names:
            change = {name: getattr(b, name)}
            assert _trusted_evolve(a, change) == attrs.evolve(a, **change)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        _trusted_evolve(tunnels[0], {"psk": "FAKE_other.key"}).psk = "x"  # type: ignore[misc]


def test_trusted_defaults_and_cross_field_checks() -> None:
    ip = ipaddress.IPv4Address("192.0.2.1")
    assert _trusted(Tunnel, {"aws_outside_ip": ip}) == Tunnel(aws_outside_ip=ip)
    assert _trusted(IkeOptions, {}) == IkeOptions() and _trusted(IpsecOptions, {}) == IpsecOptions()
    assert _trusted(Bgp, {"cgw_asn": 1, "aws_asn": 2}) == Bgp(cgw_asn=1, aws_asn=2)
    same = ipaddress.IPv4Interface("169.254.10.1/30")
    with pytest.raises(ValidationError, match=r"both 169\.254\.10\.1"):
        _trusted(Tunnel, {"aws_outside_ip": ip, "cgw_inside": same, "aws_inside": same})
    with pytest.raises(ValidationError, match="not both"):
        _trusted(
            VpnConnection,
            {"tunnels": (Tunnel(aws_outside_ip=ip),), "vpn_gateway_id": "vgw-1", "transit_gateway_id": "tgw-1"},
        )
    with pytest.raises(TypeError, match="unknown fields"):
        _trusted(Tunnel, {"aws_outside_ip": ip, "colour": "red"})


# ------------------------------------------------------------------ whole parses, fast paths off


def _outcome(text: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            connections, report = vpnxlate.parse_report(text)
        except VpnxlateError as e:
            return ("error", type(e).__name__, str(e))
    return connections, [(d.message, d.field, d.line, d.code) for d in report.diagnostics]


def test_parses_agree_with_the_fast_paths_off(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [(name, text) for name, text in differential.cases() if name.startswith("describe") or "xml" in name]
    fast = [_outcome(text) for _name, text in cases]
    monkeypatch.setattr(aws_xml, "_fast_tunnel", lambda el: None)
    monkeypatch.setattr(_ec2, "_recurring_key", lambda tunnel, opts: None)
    plain = [_outcome(text) for _name, text in cases]
    differ = [name for (name, _t), f, p in zip(cases, fast, plain, strict=True) if f != p]
    assert not differ, differ[:5]
    parsed = sum(1 for f in fast if f[0] != "error")
    assert parsed > 100 and len(fast) - parsed > 50, (parsed, len(fast))


def test_the_tunnel_options_cache_is_used() -> None:
    import bench  # (tests/differential.py put benchmarks/ on sys.path)

    _ec2._RECURRING.clear()
    connections = vpnxlate.parse(bench.build_describe(5, tunnel_options=True))
    assert len(connections) == 5 and len(_ec2._RECURRING) == 1
    assert all(t.stated_tunnel_options and t.rekey_margin_s == 540 for c in connections for t in c.tunnels)


# ------------------------------------------------------------------ shortcuts


_AWS_IDS = st.builds(
    "{}-{}".format,
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
    st.text("0123456789abcdef", min_size=1, max_size=32),
)


@given(_AWS_IDS)
def test_aws_shaped_ids_need_no_long_checks(text: str) -> None:
    assert AWS_ID_RE.fullmatch(text)
    assert _common.PLACEHOLDER_RE.search(text) is None
    assert _common.to_id(text, field="x") == check_id(text, "x") == text
    assert vpnxlate.model._ID_RE.fullmatch(text)


@given(st.text(alphabet="vpngwc-0123456789abcdefXYZ_ .\n", max_size=24))
def test_to_id_shortcut_changes_no_answer(text: str) -> None:
    def long_way() -> Any:
        stripped = text.strip()
        if not stripped:
            return None
        _common.check_placeholder(stripped, field="x")
        vpnxlate.model.check_text(stripped, "x")
        if not vpnxlate.model._ID_RE.fullmatch(stripped):
            raise ValidationError("bad", field="x")
        return stripped

    try:
        expected: Any = long_way()
    except (PlaceholderError, ValidationError) as e:
        expected = type(e)
    try:
        got: Any = _common.to_id(text, field="x")
    except (PlaceholderError, ValidationError) as e:
        got = type(e)
    assert got == expected


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_interfaces_sharing_a_network_are_the_constructors(a: int, b: int, prefix: int) -> None:
    assert aws_xml._sharing_works()
    if not aws_xml._same_network(a, b, prefix):
        b = a
    made = aws_xml._interfaces_sharing(a, b, prefix)
    plain = (ipaddress.IPv4Interface((a, prefix)), ipaddress.IPv4Interface((b, prefix)))
    for m, p in zip(made, plain, strict=True):
        assert type(m) is type(p) and m == p and hash(m) == hash(p) and str(m) == str(p)
        assert m.network == p.network and m.ip == p.ip and m.netmask == p.netmask and m.hostmask == p.hostmask
