"""The public building blocks of docs/architecture.md ("Public building blocks"): each public
module says what it offers in ``__all__``, the table in the docs names all of it, and the safe XML
layer, which two parsers share, is tested on its own through its public face."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from vpnxlate import safexml
from vpnxlate.errors import ParseError

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"
PUBLIC_MODULES = ("vpnxlate.emitters", "vpnxlate.parsers", "vpnxlate.safexml", "vpnxlate.routing")


def _table() -> dict[str, str]:
    """The docs table: first column (module) -> second column (names)."""
    text = DOC.read_text(encoding="utf-8").split("## Public building blocks", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:3] for line in text.split("\n") if line.startswith("| `")]
    return {module.strip().strip("`"): names for module, names in rows}


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_public_name_is_in_the_docs_table_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__, name
    documented = set(re.findall(r"`(\w+)(?:\(\))?`", _table()[name]))
    for public in module.__all__:
        assert getattr(module, public) is not None
        assert public in documented, (name, public)


def test_the_strongswan_family_blocks_are_documented() -> None:
    from vpnxlate.emitters import strongswan

    documented = set(re.findall(r"`(\w+)(?:\(\))?`", _table()["vpnxlate.emitters.strongswan"]))
    assert documented == {
        "connection_key",
        "tunnel_mark",
        "section_name",
        "safe",
        "comment",
        "esp_proposals",
        "ENCRYPTION_KW",
        "INTEGRITY_KW",
        "PRF_KW",
        "DH_KW",
    }
    assert all(callable(getattr(strongswan, n)) or isinstance(getattr(strongswan, n), dict) for n in documented)


# ------------------------------------------------------------------ vpnxlate.safexml


def test_parse_xml_returns_the_root_without_namespaces() -> None:
    root = safexml.parse_xml('<?xml version="1.0" encoding="UTF-8"?>\n<a xmlns="urn:x"><b>v</b></a>\n')
    assert root.tag == "a" and [(c.tag, c.text) for c in root] == [("b", "v")]
    assert safexml.parse_xml(b"<a><!-- note --><b/></a>").tag == "a"  # bytes are decoded


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x "y">]>\n<a>&x;</a>', "DTDs/entities are not allowed", 2),
        ("<a>\n<b>\n</a>", "invalid XML", 3),
        ("   ", "no XML content", 1),
        ("<a>" * (safexml.MAX_DEPTH + 1) + "</a>" * (safexml.MAX_DEPTH + 1), "nested deeper than 50", 1),
    ],
)
def test_parse_xml_refuses_with_the_line(text: str, message: str, line: int) -> None:
    with pytest.raises(ParseError, match=message) as info:
        safexml.parse_xml(text)
    assert info.value.line == line
    with pytest.raises(ParseError) as shifted:
        safexml.parse_xml(text, line_offset=10, what="the document")
    assert shifted.value.line == line + 10


def test_parse_xml_refuses_text_over_max_text() -> None:
    ok = safexml.parse_xml("<a>" + "x" * 1000 + "</a>")
    assert len(ok.text or "") == 1000
    with pytest.raises(ParseError, match="over 1 MB"):
        safexml.parse_xml("<a>\n<b>" + "x" * (safexml.MAX_TEXT + 1) + "</b></a>")


def test_xml_parser_resolves_no_entity_and_is_one_per_thread(tmp_path: Path) -> None:
    import threading

    from lxml import etree

    secret = tmp_path / "secret.txt"
    secret.write_text("MARKER-4711\n")
    doc = f'<!DOCTYPE a [<!ENTITY x SYSTEM "{secret.as_uri()}">]><a>&x;</a>'.encode()
    root = etree.fromstring(doc, safexml.xml_parser())  # the parser alone, without parse_xml's pre-check
    assert "MARKER-4711" not in etree.tostring(root, encoding="unicode")
    assert safexml.xml_parser() is safexml.xml_parser()
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(safexml.xml_parser()))
    thread.start()
    thread.join()
    assert other and other[0] is not safexml.xml_parser()
