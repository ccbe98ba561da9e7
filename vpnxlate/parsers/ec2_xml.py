"""``ec2-xml``: EC2 Query API responses (``DescribeVpnConnectionsResponse``,
``CreateVpnConnectionResponse``, ``ModifyVpnConnection…Response``), any API version namespace.

Each ``vpnConnectionSet/item`` (or the single ``vpnConnection``) holds the XML-escaped
``CustomerGatewayConfiguration`` document in ``customerGatewayConfiguration``; it is parsed
with :func:`vpnxlate.parsers.aws_xml.read_document` (same safety rules).  The wrapper's ids
win over the document's (with a warning when they differ), ``options/staticRoutesOnly`` makes
the connection static, ``routes/item/destinationCidrBlock`` gives its static routes and
``options/tunnelOptionSet`` (newer API versions) is merged by AWS outside IP like the JSON
``Options.TunnelOptions``.
"""

from __future__ import annotations

import re
from typing import Any

from ..detect import CERTAIN, NO
from ..errors import ParseError, PlaceholderError, Report
from ..model import VpnConnection
from ._common import find_placeholder, placeholder_label, to_bool, to_id
from ._ec2 import INSIDE_KEYS, assemble, read_embedded
from ._safexml import parse_xml

NAME = "ec2-xml"
DESCRIPTION = "EC2 API XML: DescribeVpnConnectionsResponse / CreateVpnConnectionResponse"

_STARTS_XML = re.compile(r"\A\ufeff?\s*<")
_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?:Describe|Create|Modify)Vpn(?:Connection|Tunnel)\w*Response[\s>/]")
_ONLY_DECLARATION = re.compile(r"\A\s*(?:<\?xml\b[^>]*\?>?)?\s*\Z")
_DEAD = ("deleted", "deleting")


def detect(text: str) -> int:
    """CERTAIN for XML with an EC2 response element (it embeds the ``aws-xml`` document, which scores less)."""
    head = text[:65536]
    return CERTAIN if _STARTS_XML.match(head) and _ROOT.search(head) is not None else NO


def _text(el: Any, path: str) -> str | None:
    found = el.find(path)
    if found is None:
        return None
    return (found.text or "").strip()


def _pascal(tag: str) -> str:
    return tag[:1].upper() + tag[1:]


def _tunnel_options(item: Any, lines: dict[int, dict[str, int]]) -> list[dict[str, Any]]:
    """``options/tunnelOptionSet/item`` -> the JSON ``TunnelOptions`` shape (``phase1…Set`` -> lists);
    the lines of the inside CIDRs go to ``lines`` (by ``id()`` of the entry)."""
    out: list[dict[str, Any]] = []
    for entry in item.findall("options/tunnelOptionSet/item"):
        d: dict[str, Any] = {}
        for child in entry:
            tag = child.tag
            if tag.endswith("Set"):
                d[_pascal(tag[:-3]) + "s"] = [{"Value": (v.text or "").strip()} for v in child.findall("item/value")]
            elif len(child) == 0:
                key = _pascal(tag)
                d[key] = (child.text or "").strip() or None
                if key in INSIDE_KEYS and child.sourceline is not None:
                    lines.setdefault(id(d), {})[key] = child.sourceline
        out.append(d)
    return out


def _connection(item: Any, report: Report, n: int) -> VpnConnection | None:
    line = item.sourceline
    cid = to_id(_text(item, "vpnConnectionId"), field="vpnConnectionId", line=line)
    name = cid or f"connection #{n}"
    state = (_text(item, "state") or "").lower() or None
    embedded = _embedded(item, report, name, state, line)
    if embedded is None:
        return None
    inner, cline = embedded
    if state in _DEAD:
        report.warn(f"{name} is in state {state}", line=line, field="state", code="state")
    doc = read_embedded(inner, report, name, "customerGatewayConfiguration", line_offset=cline - 1)
    ids = {
        "vpn_connection_id": cid,
        "customer_gateway_id": to_id(_text(item, "customerGatewayId"), field="customerGatewayId", line=line),
        "vpn_gateway_id": to_id(_text(item, "vpnGatewayId"), field="vpnGatewayId", line=line),
        "transit_gateway_id": to_id(_text(item, "transitGatewayId"), field="transitGatewayId", line=line),
    }
    sro_text = _text(item, "options/staticRoutesOnly")
    sro = to_bool(sro_text, field="options/staticRoutesOnly", line=line) if sro_text else None
    routes = _routes(item, report, name)
    option_lines: dict[int, dict[str, int]] = {}
    return assemble(
        doc,
        report,
        wrapper_ids=ids,
        static_routes_only=sro,
        routes=routes,
        tunnel_options=_tunnel_options(item, option_lines) or None,
        options_path="options/tunnelOptionSet",
        line=line,
        camel=True,
        option_lines=option_lines,
    )


def _embedded(item: Any, report: Report, name: str, state: str | None, line: int | None) -> tuple[str, int] | None:
    """The ``customerGatewayConfiguration`` document (unescaped once more if AWS escaped it
    twice) and its element's line; None, with a warning, for a dead connection without one."""
    cfg_el = item.find("customerGatewayConfiguration")
    inner = (cfg_el.text or "") if cfg_el is not None else ""
    if _ONLY_DECLARATION.match(inner):
        if state in _DEAD:
            report.warn(
                f"{name} is {state} and has no configuration; skipped", line=line, field="state", code="state-skipped"
            )
            return None
        what = "only an XML declaration" if inner.strip() else "nothing"
        raise ParseError(
            f"{name}: no embedded configuration (the element holds {what}; truncated response?)",
            field="customerGatewayConfiguration",
            line=cfg_el.sourceline if cfg_el is not None else line,
        )
    cline = cfg_el.sourceline
    if inner.lstrip().startswith("&lt;"):  # escaped twice (&amp;lt;vpn_connection…): undo the second level
        inner = (
            inner.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", '"')
            .replace("&apos;", "'")
            .replace("&amp;", "&")
        )
        report.warn(
            f"{name}: customerGatewayConfiguration is XML-escaped twice; read after unescaping it once more",
            line=cline,
            field="customerGatewayConfiguration",
            code="escaped-twice",
        )
    placeholder = find_placeholder(inner) if not inner.lstrip().startswith("<") else None
    if placeholder:
        raise PlaceholderError(
            f"{name}: no embedded configuration: the element holds the documentation "
            f"placeholder {placeholder_label(placeholder, inner)}",
            field="customerGatewayConfiguration",
            line=cline,
        )
    return inner, cline


def _routes(item: Any, report: Report, name: str) -> list[str]:
    """The wrapper's static routes, leaving out (with a warning) those in a dead state."""
    routes: list[str] = []
    for r in item.findall("routes/item"):
        cidr = _text(r, "destinationCidrBlock")
        if not cidr:
            continue
        rstate = (_text(r, "state") or "").lower()
        if rstate in _DEAD:
            report.warn(
                f"{name}: static route {cidr} is {rstate}; left out",
                line=r.sourceline,
                field="routes",
                code="route-state",
            )
            continue
        routes.append(cidr)
    return routes


def parse(text: str, report: Report) -> list[VpnConnection]:
    root = parse_xml(text, what="the EC2 response")
    tag = str(root.tag)  # parse_xml removes namespaces: the text name
    if tag.startswith("Describe"):
        items = root.findall("vpnConnectionSet/item")
    elif root.find("vpnConnection") is not None:
        items = root.findall("vpnConnection")
    else:
        items = []
    if not items:
        hint = " (use --from aws-xml for the bare document)" if tag == "vpn_connection" else ""
        raise ParseError(
            f"<{tag}> holds no VPN connection (no vpnConnectionSet/item or vpnConnection){hint}", line=root.sourceline
        )
    out = []
    for n, item in enumerate(items, 1):
        conn = _connection(item, report, n)
        if conn is not None:
            out.append(conn)
    return out
