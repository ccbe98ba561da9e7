"""The trusted construction and the caches of issue 13 against the validating code they stand in
for, through the public API only.

* every object a parse builds on a fast path (values validated once, cached, the object made
  without running the validators again) is what the validating constructor builds from the same
  values: equal, the same ``repr`` and hash, and frozen;
* the cross-field checks still run on the fast paths (inside addresses equal, a virtual private
  and a transit gateway): the template path and the element path give the same error;
* a TunnelOptions batch (the merge cached per distinct combination) gives what ``attrs.evolve`` of
  the document's tunnels gives;
* the shortcuts for AWS-shaped ids and for IPv4 inside interfaces sharing one network give what
  the long checks and ``ipaddress``'s constructors give.
"""

from __future__ import annotations

import ipaddress
import json
import re
import warnings
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import vpnxlate
from vpnxlate.errors import PlaceholderError, ValidationError, VpnxlateError
from vpnxlate.model import VpnConnection, check_id

from . import differential
from .test_perf_paths import CANONICAL, aws_options, batch, both_paths, charref, distinct, outcome


def _values(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in attrs.fields(type(obj))}


@pytest.fixture(scope="module")
def parsed() -> list[VpnConnection]:
    """The connections of every case of tests/differential.py that parses (fixtures of every
    format, generated and mutated describe-vpn-connections documents with varied TunnelOptions),
    and of a batch long enough for the template path."""
    out: list[VpnConnection] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _name, text in [*differential.cases(), ("batch", batch(distinct(20)))]:
            try:
                out += vpnxlate.parse(text)
            except VpnxlateError:
                continue
    return out


def test_parsed_objects_are_what_the_validating_constructor_builds(parsed: list[VpnConnection]) -> None:
    objects: list[Any] = []
    for c in parsed:
        objects.append(c)
        for t in c.tunnels:
            objects += [t, t.ike, t.ipsec] + ([t.bgp] if t.bgp else [])
    assert len(objects) > 1000
    for obj in objects:
        cls = type(obj)
        built = cls(**_values(obj))
        assert built == obj and repr(built) == repr(obj) and hash(built) == hash(obj)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(obj, attrs.fields(cls)[0].name, None)


def test_cross_field_checks_run_on_the_fast_paths() -> None:
    docs = distinct(4)
    same = docs[3].replace("169.254.10.26<", "169.254.10.25<", 1)  # the customer's inside address is AWS's
    assert same != docs[3]
    fast, plain = both_paths([*docs[:3], same])
    assert fast == plain and fast[0] == "error"
    assert "customer and AWS inside addresses are both 169.254.10.25" in fast[2]
    both = CANONICAL.replace("<vpn_gateway_id>", "<transit_gateway_id>tgw-0123</transit_gateway_id><vpn_gateway_id>")
    for text in (both, charref(both)):
        got = outcome(text)
        assert got[0] == "error" and "not both" in got[2], got


def test_tunnel_options_batch_is_evolve_of_the_document() -> None:
    docs = distinct(6)
    plain = vpnxlate.parse(batch(docs))
    options = []
    for c in plain:
        options.append(
            [
                {**aws_options(str(t.aws_outside_ip), str(t.cgw_inside.network), t.psk or ""), "ReplayWindowSize": 64}
                for t in c.tunnels
                if t.cgw_inside is not None
            ]
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        merged = vpnxlate.parse(batch(docs, options))
        merged_plain = vpnxlate.parse(batch([charref(d) for d in docs], options))
    assert merged == merged_plain
    stated = tuple(sorted(k for k in options[0][0] if k.endswith(("Algorithms", "Numbers", "Versions"))))
    for before, after in zip(plain, merged, strict=True):
        want = tuple(
            attrs.evolve(
                t,
                ike=attrs.evolve(t.ike, versions=("ikev1", "ikev2")),
                rekey_margin_s=540,
                rekey_fuzz_pct=100,
                replay_window=64,
                dpd_timeout_s=30,
                dpd_timeout_action="clear",
                startup_action="add",
                stated_tunnel_options=stated,
            )
            for t in before.tunnels
        )
        assert after.tunnels == want and repr(after) == repr(attrs.evolve(before, tunnels=want))


# ------------------------------------------------------------------ shortcuts


_AWS_IDS = st.builds(
    "{}-{}".format,
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
    st.text("0123456789abcdef", min_size=1, max_size=32),
)


def _with_gateway_id(value: str) -> Any:
    """The customer gateway id a describe entry naming ``value`` parses to, or the error's type."""
    entry = {"CustomerGatewayConfiguration": CANONICAL, "CustomerGatewayId": value}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return vpnxlate.parse(json.dumps({"VpnConnections": [entry]}))[0].customer_gateway_id
        except (PlaceholderError, ValidationError) as e:
            return type(e)


@given(_AWS_IDS)
def test_aws_shaped_ids_are_taken_as_they_are(text: str) -> None:
    assert check_id(text, "x") == text
    assert _with_gateway_id(text) == text


@given(st.text(alphabet="vpngwc-0123456789abcdefXYZ_ .\n", max_size=24))
def test_ids_are_checked_the_long_way(text: str) -> None:
    def long_way() -> Any:
        stripped = text.strip()
        if not stripped:
            return "cgw-0c0ffee0123456789"  # (none: the document's)
        if re.fullmatch("X{6,}", stripped):  # the only documentation placeholder this alphabet spells
            return PlaceholderError
        try:
            return check_id(stripped, "x")
        except ValidationError:
            return ValidationError

    assert _with_gateway_id(text) == long_way()


def _inside(a: int, b: int, prefix: int) -> str:
    mask = ipaddress.IPv4Network((0, prefix)).netmask
    doc = CANONICAL
    # (both replaced at once: with a = 169.254.21.1, replacing one after the other would rewrite
    # the customer's new address into b as well)
    pairs = (("169.254.21.2", a, "\x00customer\x00"), ("169.254.21.1", b, "\x00aws\x00"))
    for old, _ip, marker in pairs:
        doc = doc.replace(
            f"<ip_address>{old}</ip_address>\n        <network_mask>255.255.255.252</network_mask>\n"
            "        <network_cidr>30</network_cidr>",
            marker,
        )
    for _old, ip, marker in pairs:
        doc = doc.replace(
            marker,
            f"<ip_address>{ipaddress.IPv4Address(ip)}</ip_address>\n        <network_mask>{mask}</network_mask>\n"
            f"        <network_cidr>{prefix}</network_cidr>",
        )
    assert doc.count(f"<network_cidr>{prefix}</network_cidr>") >= 2
    return doc


@given(st.integers(0xA9FE0000, 0xA9FEFFFF), st.integers(0, 2**16 - 1), st.integers(16, 30))
def test_inside_interfaces_sharing_a_network_are_the_constructors(a: int, offset: int, prefix: int) -> None:
    b = (a & ~((1 << (32 - prefix)) - 1)) | (offset & ((1 << (32 - prefix)) - 1))  # on a's network
    doc = _inside(a, b, prefix)
    fast, plain = both_paths([doc, doc, doc])
    assert fast == plain
    if fast[0] == "error":
        assert a == b, fast
        return
    tunnel = next(t for t in fast[0][0].tunnels if str(t.aws_outside_ip) == "203.0.113.22")
    made = (tunnel.cgw_inside, tunnel.aws_inside)
    want = (ipaddress.IPv4Interface((a, prefix)), ipaddress.IPv4Interface((b, prefix)))
    for m, p in zip(made, want, strict=True):
        assert type(m) is type(p) and m == p and hash(m) == hash(p) and str(m) == str(p) and vars(m) == vars(p)
        assert m.network == p.network and m.ip == p.ip and hash(m.network) == hash(p.network)
        for attr in ("network_address", "netmask", "_prefixlen"):  # (what the constructor stores)
            assert getattr(m.network, attr) == getattr(p.network, attr), attr
        assert ("hosts" in vars(m.network)) == ("hosts" in vars(p.network))
        assert m.netmask == p.netmask and m.hostmask == p.hostmask
