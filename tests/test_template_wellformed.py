"""The aws-xml template path reads a document without lxml when its template matches and the text
passes the checks the expression does not make (characters XML refuses, ``]]>``, the size
limit): every document a template matches must give exactly what lxml's reading gives — the
same connections, warnings, or the same error with the same line.

The plain twin of a document is the same text with an empty comment after the root element:
lxml drops the comment (the values and lines are the same), and no template reads a comment, so
the twin is parsed by lxml and read from its elements.  The documents are mutated after their
shape is known (the template is learned from the second document of a shape), through the
public API only.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import vpnxlate
from vpnxlate.errors import VpnxlateError

from .test_perf_paths import batch, distinct, outcome

# the leaf texts and the attribute a character is put into (each a text a template reads)
_SITES = (
    "<pre_shared_key>FAKE",
    '<vpn_connection id="vpn-',
    "<customer_gateway_id>cgw-",
    "<vpn_connection_type>ipsec",
    "<asn>650",
    "<mode>ma",
    "<ip_address>198.18.",
)
_FORBIDDEN = ("\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ud800", "\udbff", "\udc00", "\udfff")
_FORBIDDEN += ("\ufffe", "\uffff")
_ALLOWED = ("\x7f", "\x80", "\x85", "\x9f", "\u2028", "\ufeff", "\ufdd0", "\ufffd", "\U00010000", "\U0001fffe")
_ALLOWED += ("\U0010ffff", "\xa0", "\u00e9", "\t", "\n", "\r", "\r\n", " ")
_MARKUP = (
    "]]>",
    "]]",
    "]>",
    ">",
    "]] >",
    '"',
    "'",
    "&",
    "&amp;",
    "&#65;",
    "&#1;",
    "&lt;",
    "&nope;",
    "<",
    "<![CDATA[x]]>",
    "<!---->",
    "<!--x-->",
    "<?pi x?>",
    "<?xml version='1.0'?>",
    "</x>",
    "<x/>",
    "<!DOCTYPE x>",
)


def _twin(doc: str) -> str:
    return doc + "<!---->"


def _learned() -> list[str]:
    """Three documents of the canonical shape, its template learned."""
    docs = distinct(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vpnxlate.parse(batch(docs))
    return docs


def _agree(doc: str) -> Any:
    """Parse ``doc`` as the third document of a batch through the template path and as its plain
    twin; they must agree.  Returns the outcome."""
    docs = _learned()
    fast = outcome(batch([*docs[:2], doc]))
    plain = outcome(batch([*docs[:2], _twin(doc)]))
    assert fast == plain, (ascii(doc[:200]), fast if fast[0] == "error" else fast[2])
    return fast


def test_the_twin_is_read_as_the_document() -> None:
    """The comment changes nothing for lxml: an unmutated document gives the same connections."""
    docs = _learned()
    got = _agree(docs[2])
    assert got[0] != "error" and got[0][2].vpn_connection_id == "vpn-" + f"{2:017x}"
    assert got[0][2].tunnels[0].psk == "FAKE_tunnel1.key_example"


@pytest.mark.parametrize("char", _FORBIDDEN + _ALLOWED + _MARKUP, ids=ascii)
@pytest.mark.parametrize("site", _SITES)
def test_a_character_or_markup_in_a_value(site: str, char: str) -> None:
    doc = distinct(3)[2]
    assert site in doc
    cut = len(site) - 2
    mutated = doc.replace(site, site[:cut] + char + site[cut:], 1)
    got = _agree(mutated)
    if char in _FORBIDDEN or (char == "]]>" and "=" not in site):  # (an attribute value may hold "]]>")
        assert got[0] == "error" and "invalid XML" in got[2], got


@pytest.mark.parametrize("char", (*_FORBIDDEN, "]]>"), ids=ascii)
def test_what_xml_refuses_is_refused_with_lxml_s_message(char: str) -> None:
    """The template would match these (no ``<``, no ``&``): the path must still refuse them."""
    doc = distinct(3)[2].replace("<pre_shared_key>FAKE", "<pre_shared_key>FA" + char + "KE", 1)
    got = _agree(doc)
    assert got[0] == "error" and got[2].startswith(
        "<input>:1: connection #3: CustomerGatewayConfiguration: invalid XML:"
    )


@pytest.mark.parametrize("char", ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f"), ids=ascii)
@pytest.mark.parametrize(
    "site", ("<asn>", "<mode>", "<ip_address>", "<pre_shared_key>", "<customer_gateway_id>", "<lifetime>", 'id="')
)
def test_a_forbidden_character_the_reader_would_strip(site: str, char: str) -> None:
    """Controls that ``str.strip()`` removes (the value alone would be good): XML refuses them."""
    doc = distinct(3)[2]
    got = _agree(doc.replace(site, site + char, 1))
    refused = "invalid character in attribute value" if site == 'id="' else "PCDATA invalid Char value"
    assert got[0] == "error" and f"invalid XML: {refused}" in got[2], got


@pytest.mark.parametrize(
    "head",
    [
        "",
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<?xml version="1.0"?>',
        '<?xml version="1.1"?>\n',
        '<?xml version="1.0" encoding="UTF-16"?>\n',
        '<?xml version="1.0" encoding="nope"?>\n',
        "<?xml version='1.0' standalone='maybe'?>\n",
        "<?xml junk?>\n",
        "<?xml ?>\n",
        "<?xml\n?>\n",
        "<?xml ??>\n",
        '<?xml version="1.0"?><?xml version="1.0"?>\n',
        '  \n\t<?xml version="1.0"?>\n',
        '\ufeff<?xml version="1.0"?>\n',
        '\ufeff\ufeff<?xml version="1.0"?>\n',
        "\ufeff",
        "<?xml-stylesheet href='x'?>\n",
        "<?xmlfoo?>\n",
        "<?XML version='1.0'?>\n",
        "<?xml version='1.0' \x01?>\n",
        "<?xml version='1.0' ]]>?>\n",
        "\x0c",
        "\r\n",
    ],
    ids=ascii,
)
def test_the_xml_declaration(head: str) -> None:
    doc = distinct(3)[2]
    body = doc[doc.index("<vpn_connection") :]
    _agree(head + body)


def test_text_over_the_size_limit() -> None:
    """A text node over MAX_TEXT is refused; a document over it whose texts are each shorter is read
    by lxml (whatever the model then says)."""
    doc = distinct(3)[2]
    for blanks in (" " * (1024 * 1024 + 1), "\n" * (1024 * 1024 + 1)):  # (the value alone is good)
        got = _agree(doc.replace("<asn>65010<", f"<asn>65010{blanks}<", 1))
        assert got[0] == "error" and "over 1 MB" in got[2], got
    half = "y" * (600 * 1024)
    long = doc.replace("<mode>main<", f"<mode>{half}<", 1).replace("<protocol>esp<", f"<protocol>{half}<", 1)
    _agree(long)


def test_white_space_and_tail() -> None:
    doc = distinct(3)[2]
    for mutated in (
        doc.replace("\n  <ipsec_tunnel>", "\n\n\n  \t<ipsec_tunnel>", 1),
        doc.replace("\n  <ipsec_tunnel>", "\n \x0b <ipsec_tunnel>", 1),
        doc.replace("\n  <ipsec_tunnel>", "\n \u00a0 <ipsec_tunnel>", 1),
        doc.replace("\n  <ipsec_tunnel>", "\n x <ipsec_tunnel>", 1),
        doc + "\n\n",
        doc + "x",
        doc + "\x01",
        doc + "<vpn_connection/>",
        doc.rstrip() + "\ufffe",
        doc.replace('<vpn_connection id="', '<vpn_connection  id="', 1),
        doc.replace('<vpn_connection id="', '<vpn_connection\nid="', 1),
        doc.replace('id="vpn-', 'id="\tvpn-', 1),
        doc.replace('id="vpn-', 'id="vpn\n-', 1),
        doc.replace('id="vpn-', 'id="vpn">', 1),
    ):
        _agree(mutated)


_CHARS = st.sampled_from(_FORBIDDEN + _ALLOWED + ("]", ">", "]]>", "a", "-", ".", "0", "1")) | st.characters()


@given(st.sampled_from(_SITES), st.lists(_CHARS, min_size=1, max_size=6).map("".join), st.integers(0, 3))
def test_generated_values(site: str, inserted: str, where: int) -> None:
    doc = distinct(3)[2]
    cut = min(where, len(site) - 1)
    at = doc.index(site) + len(site) - cut
    _agree(doc[:at] + inserted + doc[at:])


def test_the_template_path_reads_what_lxml_reads() -> None:
    """Distinct documents of one shape, mutated where the values are still good, read the same
    either way (the results are not errors: the fast path really runs on them)."""
    docs = _learned()
    for old, new in (
        ("<asn>65010<", "<asn> 65010 \n<"),
        ("<mode>main<", "<mode>MAIN<"),
        ('id="vpn-', 'id="  vpn-'),
        ("<vpn_connection_type>ipsec.1<", "<vpn_connection_type><"),
    ):
        mutated = docs[2].replace(old, new, 1)
        assert mutated != docs[2], old
        got = _agree(mutated)
        assert got[0] != "error", (old, got)


def test_a_bad_document_after_good_ones_in_one_batch_is_located() -> None:
    """The error names the entry and its line in an indented batch (the fixed line of the JSON string)."""
    docs = _learned()
    bad = docs[2].replace("<pre_shared_key>FAKE", "<pre_shared_key>FA\x01KE", 1)
    entries = [{"CustomerGatewayConfiguration": d} for d in (*docs, bad)]
    text = json.dumps({"VpnConnections": entries}, indent=2)
    with pytest.raises(VpnxlateError) as e:
        vpnxlate.parse(text)
    line = 1 + text[: text.rindex("CustomerGatewayConfiguration")].count("\n")
    assert str(e.value) == (
        f"<input>:{line}: connection #4: CustomerGatewayConfiguration: invalid XML: PCDATA invalid Char value 1"
    )


@pytest.mark.parametrize("value", ["x\x01y", "\x0b", "\ud800", "\ufffe", "]]>", "ok", "a>b", "'"], ids=ascii)
def test_an_attribute_the_reader_does_not_read(value: str) -> None:
    """A shape whose elements carry attributes besides the root's id: their values are checked too
    (lxml refuses a character XML refuses anywhere)."""
    docs = [
        d.replace("<ipsec_tunnel>", '<ipsec_tunnel n="1">').replace("<ike>", '<ike v="a" w="b">') for d in distinct(3)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vpnxlate.parse(batch(docs))
    for old in ('n="1"', 'w="b"'):
        mutated = docs[2].replace(old, old[:3] + value + '"', 1)
        fast = outcome(batch([*docs[:2], mutated]))
        plain = outcome(batch([*docs[:2], _twin(mutated)]))
        assert fast == plain, (old, fast if fast[0] == "error" else fast[2])
        if value.isprintable() and "]]>" not in value:
            assert fast[0] != "error", fast


def test_a_matched_document_is_not_parsed_by_lxml_and_a_refused_character_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """The template path really skips lxml (else every test above compares lxml with lxml)."""
    from lxml import etree

    _learned()
    calls: list[int] = []
    real = etree.fromstring

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(etree, "fromstring", counted)
    fresh = distinct(6)[3:]  # (the canonical shape, values not seen yet)
    got = outcome(batch(fresh))
    assert got[0] != "error" and [c.vpn_connection_id for c in got[0]] == [f"vpn-{n:017x}" for n in (3, 4, 5)]
    assert calls == []
    bad = fresh[0].replace("<pre_shared_key>FAKE", "<pre_shared_key>FA\x01KE", 1)
    assert outcome(batch([*fresh[1:], bad]))[0] == "error"
    assert calls == [1]
    assert outcome(batch([_twin(fresh[1])]))[0] != "error"
    assert calls == [1, 1]
