"""``ec2-json``: ``aws ec2 describe-vpn-connections`` / ``create-vpn-connection`` / boto3 output.

Accepted shapes: ``{"VpnConnections": [...]}`` (also an object instead of the list),
``{"VpnConnection": {...}}``, a bare list or object of connections (``--query``), and
``{"VpnConnectionDeviceSampleConfiguration": "<text>"}`` (``get-vpn-connection-device-sample-
configuration``), whose text is handed to the text parser its content is detected as.

The ``CustomerGatewayConfiguration`` string is read by :mod:`vpnxlate.parsers.aws_xml` (also
when double-escaped, ``\\n`` / ``<\\/``, or written with ``\\u003c``); ``Options.TunnelOptions``
are merged into the tunnels by AWS outside IP and win over the document (see
:mod:`vpnxlate.parsers._ec2`).  Full-line ``#`` comments, seen in pasted output, are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..detect import NO, STRONG
from ..errors import ParseError, PlaceholderError, Report, describe_value
from ..model import VpnConnection
from ._common import Embedded, find_placeholder, placeholder_label, to_id
from ._ec2 import INSIDE_KEYS, assemble, read_embedded

NAME = "ec2-json"
DESCRIPTION = "AWS CLI / boto3 JSON: describe-vpn-connections, create-vpn-connection, device sample configuration"

_HEAD = 65536
_START = re.compile(r"\A\ufeff?(?:[ \t]*(?:#[^\n]*)?\n)*\s*[\[{]")
_KEYS = re.compile(
    r'\\?"(?:VpnConnections|VpnConnection|VpnConnectionDeviceSampleConfiguration|'
    r'CustomerGatewayConfiguration)\\?"\s*:'
)
_COMMENT = re.compile(r"^[ \t]*#.*$", re.MULTILINE)
_ONLY_DECLARATION = re.compile(r"\A\s*(?:<\?xml\b[^>]*\?>?)?\s*\Z")
_DEAD = ("deleted", "deleting")
_SAMPLE = "VpnConnectionDeviceSampleConfiguration"
_CGC = "CustomerGatewayConfiguration"


def detect(text: str) -> int:
    """STRONG for JSON (possibly after ``#`` comment lines) with an EC2 VPN key (vpnxlate's own
    JSON scores higher as ``json``)."""
    head = text[:_HEAD]
    if not _START.match(head):
        return NO
    # the keys anywhere: a response captured under another key may start far into the text
    found = _KEYS.search(head) is not None or (len(text) > _HEAD and _KEYS.search(text, _HEAD - 64) is not None)
    return STRONG if found else NO


def _key_lines(text: str, key: str) -> list[int]:
    """1-based line of every ``"key":`` in order (one pass over the text)."""
    lines, line, pos = [], 1, 0
    for m in re.finditer(rf'"{key}"\s*:', text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        lines.append(line)
    return lines


def _unescape(value: str) -> str:
    """Undo a second level of JSON escaping (``\\n``, ``\\"``, ``<\\/``) when the text has no real newline."""
    if "\n" in value or not ("\\n" in value or "<\\/" in value or '\\"' in value):
        return value
    try:
        decoded = json.loads(f'"{value}"')
    except (json.JSONDecodeError, RecursionError):
        decoded = (
            value.replace("\\r\\n", "\n")
            .replace("\\n", "\n")
            .replace('\\"', '"')
            .replace("\\/", "/")
            .replace("\\t", "\t")
            .replace("\\\\", "\\")
        )
    return decoded if isinstance(decoded, str) else value


def _str(d: Mapping[str, Any], key: str, where: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParseError(f"expected a string, got {describe_value(value)}", field=f"{where}{key}")
    return value


def _load(text: str) -> tuple[Any, str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    clean = _COMMENT.sub("", text) if "#" in text else text  # (the scan is slow on large inputs)
    try:
        return json.loads(clean), clean
    except json.JSONDecodeError as e:
        raise ParseError(f"invalid JSON: {e.msg} (column {e.colno})", line=e.lineno) from None
    except RecursionError:
        raise ParseError("invalid JSON: nested too deeply") from None


_CONNECTION_KEYS = (_CGC, "VpnConnectionId", "CustomerGatewayId", "Options")
_MAX_EMBEDDED = 3  # levels of JSON held in JSON strings ({"body": "{\\"VpnConnections\\": ...}"})


def _is_connection(node: Any) -> bool:
    return isinstance(node, dict) and any(k in node for k in _CONNECTION_KEYS)


def _find(doc: Any) -> list[tuple[str, Any]]:
    """``(JSON path prefix, connection)`` of every VPN connection in ``doc``, in document order:
    under ``VpnConnections`` / ``VpnConnection`` keys or as objects holding a
    ``CustomerGatewayConfiguration`` or ``VpnConnectionId``, at any depth (a captured response
    under some key, a list of captures, a JSON string holding the response).  One pass over
    the nodes, no recursion."""
    out: list[tuple[str, Any]] = []
    stack: list[tuple[str, Any, int]] = [("", doc, 0)]
    while stack:
        path, node, level = stack.pop()
        children: list[tuple[str, Any, int]] = []
        if isinstance(node, dict):
            if "VpnConnections" in node:
                value, where = node["VpnConnections"], f"{path}VpnConnections"
                if isinstance(value, dict):
                    value = [value]
                if not isinstance(value, list):
                    raise ParseError(f"VpnConnections must be a list, not {type(value).__name__}", field=where)
                out.extend((f"{where}[{i}].", c) for i, c in enumerate(value))
                continue
            if isinstance(node.get("VpnConnection"), dict):
                out.append((f"{path}VpnConnection.", node["VpnConnection"]))
                continue
            if _CGC in node or "VpnConnectionId" in node:
                out.append((path, node))
                continue
            children = [(f"{path}{k}.", v, level) for k, v in node.items()]
        elif isinstance(node, list):
            children = [(f"{path[:-1] if path else ''}[{i}].", v, level) for i, v in enumerate(node)]
        elif (
            isinstance(node, str)
            and level < _MAX_EMBEDDED
            and node.lstrip()[:1] in ("{", "[")
            and _KEYS.search(node) is not None
        ):
            try:
                children = [(path, json.loads(node), level + 1)]
            except (json.JSONDecodeError, RecursionError):
                children = []
        stack.extend(reversed(children))
    return out


class _ValueLines(Mapping[int, Mapping[str, int]]):
    """:func:`_value_lines`, computed on first use (only a message about an inside CIDR needs
    them: a scan of the whole text for nothing otherwise)."""

    def __init__(self, clean: str, items: list[tuple[str, Any]]) -> None:
        self._args: tuple[str, list[tuple[str, Any]]] | None = (clean, items)  # (items keep the ids alive)
        self._lines: dict[int, dict[str, int]] = {}

    def _known(self) -> dict[int, dict[str, int]]:
        if self._args is not None:
            self._lines, self._args = _value_lines(*self._args), None
        return self._lines

    def __getitem__(self, key: int) -> Mapping[str, int]:
        return self._known()[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._known())

    def __len__(self) -> int:
        return len(self._known())


def _value_lines(clean: str, items: list[tuple[str, Any]]) -> dict[int, dict[str, int]]:
    """Input line of each TunnelOptions inside CIDR, by ``id()`` of its entry (when the keys in
    the text and the entries found pair up one to one)."""
    out: dict[int, dict[str, int]] = {}
    entries = [
        o
        for _, c in items
        if isinstance(c, dict)
        and isinstance(c.get("Options"), dict)
        and isinstance(c["Options"].get("TunnelOptions"), list)
        for o in c["Options"]["TunnelOptions"]
        if isinstance(o, dict)
    ]
    for key in INSIDE_KEYS:
        if key not in clean:
            continue
        lines = _key_lines(clean, key)
        having = [o for o in entries if key in o]
        if len(having) == len(lines):
            for o, ln in zip(having, lines, strict=True):
                out.setdefault(id(o), {})[key] = ln
    return out


def parse(text: str, report: Report) -> list[VpnConnection]:
    doc, clean = _load(text)
    return parse_data(doc, report, clean)


def parse_data(doc: Any, report: Report, clean: str | None = None) -> list[VpnConnection]:
    """The connections of an already decoded document (e.g. boto3's ``describe_vpn_connections``
    response, which has the shape of the CLI's JSON); ``clean`` is the JSON text when there is
    one (for line numbers in messages)."""
    if isinstance(doc, dict) and _SAMPLE in doc:  # read through unwrap() by vpnxlate.detect.read
        raise ParseError(f"{_SAMPLE} holds a download in another format: read it with vpnxlate.parse()", field=_SAMPLE)
    if isinstance(doc, list) and (not doc or any(_is_connection(c) or not isinstance(c, dict | list) for c in doc)):
        found = [(f"[{i}].", c) for i, c in enumerate(doc)]  # a list of connections (--query)
    else:
        found = _find(doc)
    if not found:
        raise ParseError(
            "no VpnConnections, VpnConnection or VpnConnectionDeviceSampleConfiguration key "
            "(expected the output of aws ec2 describe-vpn-connections)"
        )
    cgc_lines = _key_lines(clean, _CGC) if clean is not None else []
    with_cgc = [i for i, (_, c) in enumerate(found) if isinstance(c, dict) and _CGC in c]
    line_of = dict(zip(with_cgc, cgc_lines, strict=False)) if len(with_cgc) == len(cgc_lines) else {}
    option_lines: Mapping[int, Mapping[str, int]] = _ValueLines(clean, found) if clean is not None else {}

    out = []
    for i, (path, c) in enumerate(found):
        conn = _connection(c, report, path, line_of.get(i), i + 1, option_lines)
        if conn is not None:
            out.append(conn)
    return out


def _connection(
    c: Any, report: Report, where: str, line: int | None, n: int, option_lines: Mapping[int, Mapping[str, int]]
) -> VpnConnection | None:
    if not isinstance(c, dict):
        raise ParseError(f"a connection must be an object, not {type(c).__name__}", field=where.rstrip("."))
    cid = to_id(_str(c, "VpnConnectionId", where), field=f"{where}VpnConnectionId", line=line)
    name = cid or f"connection #{n}"
    state = (_str(c, "State", where) or "").lower() or None
    options = c.get("Options") or {}
    if not isinstance(options, dict):
        raise ParseError(f"{name}: Options must be an object", field=f"{where}Options", line=line)
    tunnel_options = options.get("TunnelOptions")
    if tunnel_options is not None and not isinstance(tunnel_options, list):
        raise ParseError(f"{name}: TunnelOptions must be a list", field=f"{where}Options.TunnelOptions", line=line)
    sro = options.get("StaticRoutesOnly")
    if sro is not None and not isinstance(sro, bool):
        raise ParseError(
            f"{name}: StaticRoutesOnly must be true or false", field=f"{where}Options.StaticRoutesOnly", line=line
        )

    doc = _embedded(c, report, name, where, line, state, tunnel_options)
    if doc is _SKIPPED:
        return None
    ids = {
        "vpn_connection_id": cid,
        "customer_gateway_id": to_id(_str(c, "CustomerGatewayId", where), field=f"{where}CustomerGatewayId", line=line),
        "vpn_gateway_id": to_id(_str(c, "VpnGatewayId", where), field=f"{where}VpnGatewayId", line=line),
        "transit_gateway_id": to_id(_str(c, "TransitGatewayId", where), field=f"{where}TransitGatewayId", line=line),
    }
    routes = _routes(c, report, name, where, line)
    return assemble(
        doc,
        report,
        wrapper_ids=ids,
        static_routes_only=sro,
        routes=routes,
        tunnel_options=tunnel_options,
        options_path="Options.TunnelOptions",
        line=line,
        option_lines=option_lines,
    )


_SKIPPED: Any = object()


def _embedded(
    c: dict[str, Any], report: Report, name: str, where: str, line: int | None, state: str | None, tunnel_options: Any
) -> Any:
    """The connection's CustomerGatewayConfiguration read (a Document), None when there is none
    but TunnelOptions can stand in, :data:`_SKIPPED` for a deleted connection without one."""
    raw = _str(c, _CGC, where)
    cfg = _unescape(raw) if raw is not None else None
    if cfg is None or _ONLY_DECLARATION.match(cfg):
        if state in _DEAD:
            report.warn(
                f"{name} is {state} and has no configuration; skipped",
                line=line,
                field=f"{where}State",
                code="state-skipped",
            )
            return _SKIPPED
        if cfg is None and tunnel_options:
            report.warn(
                f"{name}: no CustomerGatewayConfiguration; tunnels built from Options.TunnelOptions alone",
                line=line,
                field=f"{where}{_CGC}",
                code="no-document",
            )
        else:
            what = "is missing" if cfg is None else ("holds only an XML declaration" if cfg.strip() else "is empty")
            raise ParseError(f"{name}: no embedded configuration ({_CGC} {what})", field=f"{where}{_CGC}", line=line)
    else:
        if not cfg.lstrip().startswith("<"):
            found = find_placeholder(cfg)
            if found:
                raise PlaceholderError(
                    f"{name}: no embedded configuration: the string holds the documentation "
                    f"placeholder {placeholder_label(found, cfg)}",
                    field=f"{where}{_CGC}",
                    line=line,
                )
            raise ParseError(
                f"{name}: {_CGC} is not an XML document (starts with {describe_value(cfg.lstrip()[:20])})",
                field=f"{where}{_CGC}",
                line=line,
            )
        if state in _DEAD:
            report.warn(f"{name} is in state {state}", line=line, field=f"{where}State", code="state")
        return read_embedded(cfg, report, name, _CGC, fixed_line=line)
    return None


def _routes(c: dict[str, Any], report: Report, name: str, where: str, line: int | None) -> list[str]:
    """The connection's static routes (Routes[].DestinationCidrBlock) but deleted ones."""
    routes = []
    raw_routes = c.get("Routes") or []
    if not isinstance(raw_routes, list):
        raise ParseError(f"{name}: Routes must be a list", field=f"{where}Routes", line=line)
    for j, r in enumerate(raw_routes):
        if not isinstance(r, dict):
            raise ParseError(f"{name}: a route must be an object", field=f"{where}Routes[{j}]", line=line)
        cidr = _str(r, "DestinationCidrBlock", f"{where}Routes[{j}].")
        if not cidr:
            continue
        rstate = (_str(r, "State", f"{where}Routes[{j}].") or "").lower()
        if rstate in _DEAD:
            report.warn(
                f"{name}: static route {cidr} is {rstate}; left out",
                line=line,
                field=f"{where}Routes",
                code="route-state",
            )
            continue
        routes.append(cidr)
    return routes


def unwrap(text: str) -> Embedded | None:
    """The text download of ``get-vpn-connection-device-sample-configuration`` output (the
    detection room detects and reads it), or None for any other document."""
    if _SAMPLE not in text:
        return None
    doc, clean = _load(text)
    if not (isinstance(doc, dict) and _SAMPLE in doc):
        return None
    lines = _key_lines(clean, _SAMPLE)
    return _sample(doc[_SAMPLE], lines[0] if len(lines) == 1 else None)


def _sample(value: Any, line: int | None) -> Embedded:
    """The embedded text download, refused when it is not a string, empty or a placeholder."""
    if not isinstance(value, str):
        raise ParseError("expected a string", field=_SAMPLE, line=line)
    text = _unescape(value)
    if not text.strip():
        raise ParseError(f"no embedded configuration ({_SAMPLE} is empty)", field=_SAMPLE, line=line)
    if len(text.strip()) < 200:
        found = find_placeholder(text)
        if found:
            raise PlaceholderError(
                f"no embedded configuration: the string holds the documentation placeholder "
                f"{placeholder_label(found, text)}",
                field=_SAMPLE,
                line=line,
            )
    return Embedded(text, _SAMPLE, line, "JSON wrapper")
