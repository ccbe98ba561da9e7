"""Safe XML, public: the one hardened lxml configuration vpnxlate reads untrusted XML with.

The ``aws-xml`` and ``ec2-xml`` parsers read through it (implementation:
``vpnxlate/parsers/_safexml.py``); tools and writers of new XML parsers may use it too:

* :func:`parse_xml` parses untrusted text: a ``<!DOCTYPE``/``<!ENTITY`` is refused before lxml sees
  it, as are elements nested deeper than :data:`MAX_DEPTH` and text over :data:`MAX_TEXT`
  characters; errors are :class:`~vpnxlate.errors.ParseError` with the line;
* :func:`xml_parser` is the lxml parser itself (entities, DTDs and the network off, ``huge_tree``
  off; one per thread), for a caller that must hand lxml a parser.

lxml is imported only when a function is called, never when this module is imported.
"""

from __future__ import annotations

from .parsers._safexml import MAX_DEPTH, MAX_TEXT, parse_xml
from .parsers._safexml import _parser as xml_parser

__all__ = ["MAX_DEPTH", "MAX_TEXT", "parse_xml", "xml_parser"]
