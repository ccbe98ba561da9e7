"""The fast paths of issue 13 against the plain code they stand in for, through the public API
only, on generated and mutated inputs (so that this keeps holding when either side changes).

The same connections are parsed along different paths, and the results (objects, ``repr``,
warnings, errors, the emitted JSON) must be the same:

* **template path**: a DescribeVpnConnections batch whose documents share one shape (the third
  and later documents of a shape are read through one regular expression);
* **element path**: the same documents with the first character of every element text written
  as a character reference (``&#70;AKE...``): lxml reads the same values, the template path
  declines any ``&``, so the documents are read from lxml's elements (the per-tunnel fast path,
  or the plain reader where that declines);
* **plain reader**: documents the per-tunnel fast path declines (an IPv6 AWS outside address,
  a document that needs a warning), checked against objects built with the model's
  validating constructors.

Also: ``json_out.dumps`` is ``json.dumps(indent=2)`` byte for byte, and every object a parse
returns passes the model's validators (built again through the validating constructors it is
equal), so no fast path creates what the validators refuse.
"""

from __future__ import annotations

import contextlib
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
from vpnxlate.emitters import vpnxlate_json as json_out
from vpnxlate.errors import VpnxlateError
from vpnxlate.model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection

from . import differential
from .conftest import fixture_text

CANONICAL = fixture_text("canonical/connection.xml")


# ------------------------------------------------------------------ helpers (also used by test_trusted.py)


def charref(doc: str) -> str:
    """``doc`` with the first character of every element text written as a character reference:
    the same document to lxml, but not one the template path reads."""
    return re.sub(r">([^<\s&])", lambda m: f">&#{ord(m.group(1))};", doc)


def batch(docs: list[str], options: list[Any] | None = None) -> str:
    """A describe-vpn-connections JSON with one entry per document (and its TunnelOptions)."""
    entries: list[dict[str, Any]] = []
    for i, doc in enumerate(docs):
        entry: dict[str, Any] = {"CustomerGatewayConfiguration": doc}
        if options is not None and options[i] is not None:
            entry["Options"] = {"TunnelOptions": options[i]}
        entries.append(entry)
    return json.dumps({"VpnConnections": entries})


def outcome(text: str) -> Any:
    """What a parse gives: the connections with their reprs and JSON and the warnings, or the error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            connections, report = vpnxlate.parse_report(text)
        except VpnxlateError as e:
            return ("error", type(e).__name__, str(e))
    files = vpnxlate.emit(connections, "json")
    return (
        connections,
        [repr(c) for c in connections],
        [(d.message, d.field, d.line, d.code) for d in report.diagnostics],
        files,
    )


def both_paths(docs: list[str], options: list[Any] | None = None) -> tuple[Any, Any]:
    """(outcome through the template path, outcome through lxml's elements) of the same batch."""
    with warnings.catch_warnings(), contextlib.suppress(VpnxlateError):
        warnings.simplefilter("ignore")
        vpnxlate.parse(batch(docs[:1] * 3))  # (the shape is known from here on)
    return outcome(batch(docs, options)), outcome(batch([charref(d) for d in docs], options))


def distinct(n: int) -> list[str]:
    """n documents of the canonical shape with their own ids, outside IPs and inside /30s."""
    import bench  # (tests/differential.py put benchmarks/ on sys.path)

    return [e["CustomerGatewayConfiguration"] for e in bench.build_entries(n)]


def aws_options(ip: str, cidr: str, psk: str) -> dict[str, Any]:
    """One TunnelOptions entry as AWS returns it for a tunnel created with default options (the
    benchmark's), for the tunnel with outside IP ``ip``."""
    import bench

    entry = bench.build_entries(1, tunnel_options=True)[0]["Options"]["TunnelOptions"][0]
    return {**entry, "OutsideIpAddress": ip, "TunnelInsideCidr": cidr, "PreSharedKey": psk}


def expected_canonical() -> VpnConnection:
    """fixtures/canonical/connection.xml, built by hand with the validating constructors."""
    ike = IkeOptions(encryption=("AES128",), integrity=("SHA1",), dh_groups=(2,), lifetime_s=28800, mode="main")
    ipsec = IpsecOptions(
        protocol="esp", encryption=("AES128",), integrity=("SHA1",), pfs_dh_groups=(2,), lifetime_s=3600, mode="tunnel"
    )

    def tunnel(aws: str, third: int, key: str) -> Tunnel:
        return Tunnel(
            aws_outside_ip=aws,
            cgw_outside_ip="198.51.100.10",
            psk=key,
            cgw_inside=f"169.254.{third}.2/30",
            aws_inside=f"169.254.{third}.1/30",
            ike=ike,
            ipsec=ipsec,
            dpd_interval_s=10,
            dpd_retries=3,
            tcp_mss=1379,
            clear_df_bit=True,
            fragmentation_before_encryption=True,
            bgp=Bgp(cgw_asn=65010, aws_asn=64512, neighbor_ip=f"169.254.{third}.1", hold_time=30),
        )

    return VpnConnection(
        tunnels=(
            tunnel("203.0.113.22", 21, "FAKE_tunnel1.key_example"),
            tunnel("203.0.113.21", 22, "FAKE_tunnel2.key_example"),
        ),
        vpn_connection_id="vpn-0c0ffee0123456789",
        vpn_gateway_id="vgw-0c0ffee0123456789",
        customer_gateway_id="cgw-0c0ffee0123456789",
        routing="bgp",
    )


# ------------------------------------------------------------------ the paths agree


def test_template_and_element_paths_agree_on_distinct_documents() -> None:
    fast, plain = both_paths(distinct(12))
    assert fast[0] != "error" and len(fast[0]) == 12
    assert fast == plain


def test_every_path_gives_the_hand_built_connection() -> None:
    want = expected_canonical()
    for text in (
        CANONICAL,  # aws-xml alone
        charref(CANONICAL),
        batch([CANONICAL] * 3),  # the same connection three times: one, merged
        batch([charref(CANONICAL)] * 3),
    ):
        got = outcome(text)
        assert got[0] == [want], text[:80]
        assert got[1] == [repr(want)]
        assert [t.psk for t in got[0][0].tunnels] == ["FAKE_tunnel2.key_example", "FAKE_tunnel1.key_example"]


def test_the_plain_reader_gives_the_hand_built_connection() -> None:
    """An IPv6 AWS outside address: the per-tunnel fast path declines it, the plain reader reads it."""
    want = expected_canonical()
    six = CANONICAL.replace("<ip_address>203.0.113.22</ip_address>", "<ip_address>2001:db8::22</ip_address>")
    tunnels = sorted(
        (attrs.evolve(want.tunnels[1], aws_outside_ip=ipaddress.ip_address("2001:db8::22")), want.tunnels[0]),
        key=lambda t: t.key,
    )
    expected = attrs.evolve(want, tunnels=tuple(tunnels))
    for text in (six, batch([six] * 3), batch([charref(six)] * 3)):
        got = outcome(text)
        assert got[0] == [expected] and got[1] == [repr(expected)], text[:80]


_MUTATIONS = (
    ("<network_cidr>30<", "<network_cidr>29<"),
    ("<network_cidr>30<", "<network_cidr><"),
    ("255.255.255.252", "255.255.255.0"),
    ("255.255.255.252", "255.0.255.0"),
    ("<asn>65010<", "<asn> 65010 <"),
    ("<asn>65010<", "<asn><"),
    ("<asn>64512<", "<asn>x<"),
    ("<asn>64512<", "<asn>0<"),
    ("<lifetime>28800<", "<lifetime>28800 s<"),
    ("<lifetime>3600<", "<lifetime>YOUR_LIFETIME<"),
    ("<interval>10<", "<interval>0<"),
    ("<retries>3<", "<retries>300<"),
    ("<tcp_mss_adjustment>1379<", "<tcp_mss_adjustment>70000<"),
    ("<clear_df_bit>true<", "<clear_df_bit>maybe<"),
    ("<hold_time>30<", "<hold_time><"),
    ("<ip_address>169.254.", "<ip_address>fd00::"),
    ("<ip_address>198.18.", "<ip_address>198.018."),
    ("<ip_address>198.18.", "<ip_address>2001:db8::"),
    ("<pre_shared_key>FAKE", "<pre_shared_key>YOUR_"),
    ("<pre_shared_key>FAKE", "<pre_shared_key>a b"),
    ("<pre_shared_key>FAKE", "<pre_shared_key><"),
    ("<encryption_protocol>aes-128-cbc<", "<encryption_protocol>rot13<"),
    ("<perfect_forward_secrecy>group2<", "<perfect_forward_secrecy>group14<"),
    ("<mode>main<", "<mode>aggressive<"),
    ("<protocol>esp<", "<protocol>ah<"),
    ("<vpn_connection_type>ipsec.1<", "<vpn_connection_type>ipsec.2<"),
    ("<customer_gateway_id>cgw-", "<customer_gateway_id>YOUR_"),
    ('<vpn_connection id="vpn-', '<vpn_connection id="bad id '),
    ("<vpn_gateway_id>vgw-", "<transit_gateway_id>tgw-0123</transit_gateway_id><vpn_gateway_id>vgw-"),
    ("169.254.10.18<", "169.254.10.17<"),  # the customer inside address is the AWS one
)


@pytest.mark.parametrize(("old", "new"), _MUTATIONS)
def test_paths_agree_on_a_mutated_document(old: str, new: str) -> None:
    """A text changed in one document of a batch (the shape unchanged): the template path must
    give the very warnings and errors the element path gives (or decline to it)."""
    docs = distinct(4)
    assert old in docs[2], old
    docs[2] = docs[2].replace(old, new, 1)
    fast, plain = both_paths(docs)
    assert fast == plain


def test_paths_agree_on_the_differential_documents() -> None:
    """Every embedded document of tests/differential.py's describe cases (generated and mutated),
    each in a batch after two of its own kind."""
    compared = errors = 0
    for name, text in differential.cases():
        if not name.startswith("describe-varied"):
            continue
        try:
            entries = json.loads(text)["VpnConnections"]
        except (ValueError, KeyError, TypeError):
            continue
        docs = [e.get("CustomerGatewayConfiguration") for e in entries if isinstance(e, dict)]
        docs = [d for d in docs if isinstance(d, str) and d.lstrip().startswith("<")]
        options = [(e.get("Options") or {}).get("TunnelOptions") for e in entries if isinstance(e, dict)]
        if len(docs) != len(entries) or not docs:
            continue
        fast, plain = both_paths(docs, options if all(isinstance(o, list | None) for o in options) else None)
        assert fast == plain, name
        compared += 1
        errors += fast[0] == "error"
    assert compared > 40 and errors > 5, (compared, errors)


def test_tunnel_options_agree_with_evolving_the_document() -> None:
    """TunnelOptions as AWS returns them (a changed proposal and lifetime on one tunnel): the merge
    (cached per distinct combination) gives the hand-built tunnels with those values."""
    want = expected_canonical()
    options = [
        aws_options("203.0.113.22", "169.254.21.0/30", "FAKE_tunnel1.key_example"),
        aws_options("203.0.113.21", "169.254.22.0/30", "FAKE_tunnel2.key_example"),
    ]
    options[1]["Phase1EncryptionAlgorithms"] = [{"Value": "AES256"}, {"Value": "AES128"}]
    options[1]["Phase2LifetimeSeconds"] = 1800
    stated = tuple(sorted(k for k in options[0] if k.endswith(("Algorithms", "Numbers", "Versions"))))
    common = {
        "rekey_margin_s": 540,
        "rekey_fuzz_pct": 100,
        "replay_window": 1024,
        "dpd_timeout_s": 30,
        "dpd_timeout_action": "clear",
        "startup_action": "add",
        "stated_tunnel_options": stated,
    }
    first, second = want.tunnels  # (sorted: .21 first)
    expected = [
        attrs.evolve(
            first,
            ike=attrs.evolve(first.ike, versions=("ikev1", "ikev2"), encryption=("AES256", "AES128")),
            ipsec=attrs.evolve(first.ipsec, lifetime_s=1800),
            **common,
        ),
        attrs.evolve(second, ike=attrs.evolve(second.ike, versions=("ikev1", "ikev2")), **common),
    ]
    for text in (batch([CANONICAL] * 3, [options] * 3), batch([charref(CANONICAL)] * 3, [options] * 3)):
        got = outcome(text)
        assert got[0] != "error", got
        assert list(got[0][0].tunnels) == expected
        assert any("disagree" in d[0] and "Phase2LifetimeSeconds" in d[0] for d in got[2])


# ------------------------------------------------------------------ JSON writer, validators


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_json_dumps_is_json_dumps_indent_2(value: Any) -> None:
    assert json_out.dumps(value) == json.dumps(value, indent=2)


def test_json_dumps_falls_back_for_other_types() -> None:
    value = {"a": 1.5, "b": [{1: 2}, (3, None)]}
    assert json_out.dumps(value) == json.dumps(value, indent=2)


@pytest.fixture(scope="module")
def cases() -> list[tuple[str, str]]:
    return list(differential.cases())


def _revalidated(c: VpnConnection) -> VpnConnection:
    tunnels = tuple(
        attrs.evolve(
            t, ike=attrs.evolve(t.ike), ipsec=attrs.evolve(t.ipsec), bgp=attrs.evolve(t.bgp) if t.bgp else None
        )
        for t in c.tunnels
    )
    return attrs.evolve(c, tunnels=tunnels)


def test_every_parsed_object_passes_the_validators(cases: list[tuple[str, str]]) -> None:
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _name, text in cases:
            try:
                conns = vpnxlate.parse(text)
            except VpnxlateError:
                continue
            for c in conns:
                attrs.validate(c)
                for t in c.tunnels:
                    attrs.validate(t)
                assert _revalidated(c) == c
                checked += 1
    assert checked > 200


def test_json_document_text_is_json_dumps_of_the_document(cases: list[tuple[str, str]]) -> None:
    written = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _name, text in cases[:80]:
            with contextlib.suppress(VpnxlateError):
                conns = vpnxlate.parse(text)
                for notes in ([], ["x: a warning", "é\u2028"]):
                    assert json_out.document_text(conns, notes) == json.dumps(json_out.document(conns, notes), indent=2)
                written += 1
    assert written > 20
    assert json_out.document_text([], []) == json.dumps(json_out.document([], []), indent=2)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("pre_shared_key>", "pre.shared_key>"),  # a "." in a name is not a wildcard of the template
        ("<ike>", "<i.e>"),
        ("</ike>", "</i.e>"),
        ('<vpn_connection id="', '<vpn.connection id="'),
    ],
)
def test_a_template_reads_only_its_own_names(old: str, new: str) -> None:
    """A shape learned from documents with a "." in an element name must not read a document
    that has another character there (it would read the PSK or a proposal from nowhere)."""
    alone = vpnxlate.parse(CANONICAL, source="alone.xml")
    odd = CANONICAL.replace(old, new)
    assert odd != CANONICAL
    for i in range(3):  # the second read of a shape builds its template
        with contextlib.suppress(VpnxlateError):
            vpnxlate.parse(odd, source=f"odd{i}.xml")
    again = vpnxlate.parse(CANONICAL, source="alone.xml")
    assert again == alone
    assert [t.psk is not None for t in again[0].tunnels] == [True, True]
