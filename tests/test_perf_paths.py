"""The fast paths of issue 13 against the plain code they stand in for, on generated and mutated
inputs (so that this keeps holding when the plain code changes):

* ``aws_xml._fast_tunnel`` gives what ``aws_xml._tunnel`` gives, or declines (None / an
  exception) whenever ``_tunnel`` raises;
* ``_ec2._Merge.result`` (only changed parts rebuilt, shared phase objects) equals rebuilding
  every part with ``attrs.evolve``;
* ``json_out.dumps`` is ``json.dumps(indent=2)`` byte for byte;
* every object a parse returns passes the model's validators (built again through the
  validating constructor it is equal), so no fast path creates what the validators refuse.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import vpnxlate
from vpnxlate.emitters import vpnxlate_json as json_out
from vpnxlate.errors import Report, VpnxlateError
from vpnxlate.model import VpnConnection
from vpnxlate.parsers import _ec2, aws_xml

from . import differential


@pytest.fixture(scope="module")
def cases() -> list[tuple[str, str]]:
    return list(differential.cases())


def _xml_documents(cases: list[tuple[str, str]]) -> list[str]:
    docs = []
    for name, text in cases:
        if text.lstrip().startswith("<") and "<ipsec_tunnel" in text and "Response" not in text[:300]:
            docs.append(text)
        elif name.startswith("describe") and not name.startswith("describe-xml"):
            try:
                entries = json.loads(text)["VpnConnections"]
            except (ValueError, KeyError, TypeError):
                continue
            docs += [
                e["CustomerGatewayConfiguration"]
                for e in entries
                if isinstance(e, dict) and isinstance(e.get("CustomerGatewayConfiguration"), str)
            ]
    return docs


def _mutations(text: str) -> list[str]:
    """Edits of single element texts: emptied, spaced, unit added, non-numbers, other values."""
    out = []
    for old, new in (
        ("<network_cidr>30<", "<network_cidr>29<"),
        ("<network_cidr>30<", "<network_cidr><"),
        ("255.255.255.252", "255.255.255.0"),
        ("<asn>65010<", "<asn> 65010 <"),
        ("<asn>65010<", "<asn><"),
        ("<asn>64512<", "<asn>x<"),
        ("<lifetime>28800<", "<lifetime>28800 s<"),
        ("<interval>10<", "<interval>0<"),
        ("<retries>3<", "<retries>300<"),
        ("<tcp_mss_adjustment>1379<", "<tcp_mss_adjustment>70000<"),
        ("<clear_df_bit>true<", "<clear_df_bit>maybe<"),
        ("<hold_time>30<", "<hold_time><"),
        ("<ip_address>169.254.", "<ip_address>fd00::"),
        ("<pre_shared_key>FAKE", "<pre_shared_key>YOUR_"),
        ("<pre_shared_key>FAKE", "<pre_shared_key>a b"),
        ("</ike>", "<x/></ike>"),
        ("<customer_gateway>", "<customer_gateway><bgp><asn>1</asn></bgp>"),
    ):
        if old in text:
            out.append(text.replace(old, new, 1))
    return out


def test_fast_tunnel_agrees_with_tunnel(cases: list[tuple[str, str]]) -> None:
    docs = _xml_documents(cases)
    assert len(docs) > 50
    compared = declined = 0
    for doc in docs:
        for text in (doc, *_mutations(doc)):
            try:
                root = aws_xml.parse_xml(text)
            except VpnxlateError:
                continue
            for n, el in enumerate(root.iterchildren("ipsec_tunnel"), 1):
                try:
                    slow: Any = aws_xml._tunnel(aws_xml._Where(), el, n, Report(None))
                except VpnxlateError:
                    slow = None
                try:
                    fast = aws_xml._fast_tunnel(el)
                except Exception:  # declining by raising is allowed
                    fast = None
                if slow is None:
                    assert fast is None, text  # never accept what the plain path refuses
                    declined += 1
                elif fast is not None:
                    assert fast == slow
                    compared += 1
    assert compared > 100 and declined > 20, (compared, declined)


def test_merge_result_agrees_with_evolving_everything(cases: list[tuple[str, str]]) -> None:
    seen = 0
    original = _ec2._Merge.result

    def everything(self: _ec2._Merge) -> Any:
        t = self.tunnel
        return attrs.evolve(
            t, ike=attrs.evolve(t.ike, **self.ike), ipsec=attrs.evolve(t.ipsec, **self.ipsec), **self.top
        )

    def both(self: _ec2._Merge) -> Any:
        nonlocal seen
        try:
            plain = everything(self)
        except VpnxlateError:
            plain = None
        try:
            fast = original(self)
        except VpnxlateError:
            fast = None
        assert fast == plain
        seen += 1
        if fast is None:
            return everything(self)  # raises the plain error
        return fast

    _ec2._Merge.result = both  # type: ignore[method-assign]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, text in cases:
                if "options" in name or "varied" in name:
                    with contextlib.suppress(VpnxlateError):
                        vpnxlate.parse_report(text)
    finally:
        _ec2._Merge.result = original  # type: ignore[method-assign]
    assert seen > 100


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
            try:
                conns = vpnxlate.parse(text)
            except VpnxlateError:
                continue
            for notes in ([], ["x: a warning", "é\u2028"]):
                assert json_out.document_text(conns, notes) == json.dumps(json_out.document(conns, notes), indent=2)
            written += 1
    assert written > 20
    assert json_out.document_text([], []) == json.dumps(json_out.document([], []), indent=2)
