"""Safe XML: the one hardened lxml configuration for untrusted documents (``aws-xml`` and the
EC2 XML wrapper ``ec2-xml`` parse through :func:`parse_xml`).

Entity resolution, DTD loading and network access are off and ``huge_tree`` is off; a document
that contains ``<!DOCTYPE`` or ``<!ENTITY`` is refused before it is parsed, as is nesting deeper
than :data:`MAX_DEPTH` elements and any text over :data:`MAX_TEXT` characters.  lxml is imported
only inside the functions that parse (never when this module is imported).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ParseError
from ._common import normalize_newlines

if TYPE_CHECKING:  # pragma: no cover
    from lxml.etree import XMLParser, _Element

#: deepest element nesting accepted (a real document is 6 levels deep)
MAX_DEPTH = 50
#: longest text node or attribute value accepted, in characters
MAX_TEXT = 1024 * 1024

_FORBIDDEN = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARATION = re.compile(r"\A\s*<\?xml\b[^>]*\?>")
_TRAILER = re.compile(r",? line \d+, column \d+\s*$")

_local = threading.local()


def _parser() -> XMLParser:
    """The one lxml parser configuration (cached per thread: lxml parsers are not thread-safe)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        from lxml import etree

        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        _local.parser = parser
    return parser


def parse_xml(
    text: str | bytes,
    *,
    line_offset: int = 0,
    fixed_line: int | None = None,
    what: str = "XML",
    nesting_checked: bool = False,
) -> _Element:
    """Parse untrusted XML safely; returns the root element with namespaces removed from tags.

    Line numbers in errors are ``line + line_offset`` (or ``fixed_line`` when given).
    Raises :class:`ParseError` for DTDs/entities, syntax errors, deep nesting, huge text.
    ``nesting_checked``: the caller has proven the text's elements nested no deeper than
    :data:`MAX_DEPTH` (a template of a checked shape matched it); the depth walk is skipped.
    """
    from lxml import etree

    if isinstance(text, bytes):
        from ..io import decode

        text = decode(text, "<input>")
    text = normalize_newlines(text)

    def where(line: int | None) -> int | None:
        if fixed_line is not None:
            return fixed_line
        return None if line is None else line + line_offset

    bad = _FORBIDDEN.search(text) if "<!" in text else None
    if bad:
        raise ParseError(
            f"DTDs/entities are not allowed in {what} (found <!{bad.group(1).upper()}); "
            "AWS never sends them and they can make a parser read files or exhaust memory",
            line=where(text.count("\n", 0, bad.start()) + 1),
        )
    # lxml refuses str input with an encoding declaration, and whitespace may precede it in
    # hand-saved files: blank it out (same length, so line and column numbers stay right)
    m = _DECLARATION.match(text)
    if m:
        decl = m.group(0)
        blank = " " * len(decl) if "\n" not in decl else re.sub(r"[^\n]", " ", decl)
        text = blank + text[m.end() :]
    if not text or text.isspace():  # (not text.strip(): that copies the whole document)
        raise ParseError(f"no XML content ({what} is empty or holds only an XML declaration)", line=where(1))
    try:
        root = etree.fromstring(text, _parser())
    except etree.XMLSyntaxError as e:
        msg = _TRAILER.sub("", str(e.msg or e))
        if "Excessive depth" in msg:
            raise ParseError(
                f"{what} is nested deeper than {MAX_DEPTH} elements; refusing it", line=where(e.lineno)
            ) from None
        if "huge" in msg.lower() or "too long" in msg.lower():
            raise ParseError(
                f"{what} holds a text node over {MAX_TEXT // (1024 * 1024)} MB; refusing it", line=where(e.lineno)
            ) from None
        raise ParseError(f"invalid XML: {msg}", line=where(e.lineno)) from None
    except ValueError:
        # lxml refuses any leading '<?xml…' with an encoding pseudo-attribute that our
        # declaration pattern did not take for a declaration (e.g. '<?xml0 … encoding=…?>')
        raise ParseError("invalid XML: malformed XML declaration", line=where(1)) from None
    _check_tree(root, where, huge=len(text) > MAX_TEXT, namespaced="xmlns" in text, deep=not nesting_checked)
    return root


def _too_deep() -> Any:
    """A compiled XPath selecting the elements nested deeper than MAX_DEPTH (cached per thread)."""
    xpath = getattr(_local, "too_deep", None)
    if xpath is None:
        from lxml import etree

        xpath = etree.XPath("/" + "/".join(["*"] * (MAX_DEPTH + 1)))
        _local.too_deep = xpath
    return xpath


def _check_tree(
    root: _Element, where: Callable[[int | None], int | None], *, huge: bool, namespaced: bool, deep: bool = True
) -> None:
    too_deep = _too_deep()(root) if deep else None
    if too_deep:
        raise ParseError(
            f"the XML is nested deeper than {MAX_DEPTH} elements; refusing it", line=where(too_deep[0].sourceline)
        )
    if huge:
        # one XPath (C, linear) finds whether any value is too long; only then are the elements
        # walked to name the first one (lxml's attrib.values() is quadratic in the attributes)
        huge = bool(root.xpath(f"//@*[string-length(.) > {MAX_TEXT}] | //text()[string-length(.) > {MAX_TEXT}]"))
    if not (huge or namespaced):
        return  # no text node can be larger than the whole input; no namespace to strip
    for el in root.iter():
        if huge:
            for value in (el.text, el.tail, *(el.xpath("@*") if len(el.attrib) else ())):
                if value is not None and len(value) > MAX_TEXT:
                    raise ParseError(
                        f"XML text node of {len(value)} characters (over {MAX_TEXT // (1024 * 1024)} MB); refusing it",
                        line=where(el.sourceline),
                    )
        tag = el.tag
        if namespaced and isinstance(tag, str) and tag.startswith("{"):
            el.tag = tag.partition("}")[2]


__all__ = ["MAX_DEPTH", "MAX_TEXT", "parse_xml"]
