"""``--to json``: the model as JSON (a public interface; see docs/json.md).

    {"connections": [{"vpn_connection_id", "vpn_gateway_id", "transit_gateway_id",
      "customer_gateway_id", "routing", "static_routes", "tunnels": [{...}]}],
     "warnings": ["SOURCE[:LINE]: message", ...]}

Values the input does not state are ``null``.  Keys are only ever added, never renamed.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

import attrs

from ..errors import Report
from ..model import Tunnel, VpnConnection
from ..options import REDACTED, TargetOptions, cli_options
from ..registry import OutputFile
from ..vocab import vpnxlate_json as schema

NAME = "json"
DESCRIPTION = "the neutral model as JSON (stable keys; null = not stated in the input)"


@attrs.frozen(kw_only=True, slots=False)
class Options(TargetOptions):
    """The target takes no options of its own."""


OPTIONS = cli_options(Options)
SCHEMA_VERSION = schema.VERSION


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def tunnel_dict(t: Tunnel, options: TargetOptions | None = None) -> dict[str, Any]:
    """The tunnel as JSON data; with ``options`` the key is written through ``options.secret`` (redaction)."""
    out: dict[str, Any] = dict.fromkeys(schema.TUNNEL)  # the schema's keys, in its order
    for key in _TUNNEL_PLAIN:
        out[key] = _plain(getattr(t, key))
    out["aws_outside_ip"] = str(t.aws_outside_ip)
    out["cgw_outside_ip"] = _s(t.cgw_outside_ip)
    out["cgw_inside_cidr"] = _s(t.cgw_inside)
    out["cgw_inside_ipv6_cidr"] = _s(t.cgw_inside_v6)
    if t.aws_inside:
        out["aws_inside_ip"], out["aws_inside_cidr"] = str(t.aws_inside.ip), str(t.aws_inside)
    if t.aws_inside_v6:
        out["aws_inside_ipv6_ip"], out["aws_inside_ipv6_cidr"] = str(t.aws_inside_v6.ip), str(t.aws_inside_v6)
    bgp = t.bgp
    if bgp:
        out["cgw_asn"], out["aws_asn"] = bgp.cgw_asn, bgp.aws_asn
        out["bgp_neighbor_ip"], out["bgp_hold_time"] = _s(bgp.neighbor_ip), bgp.hold_time
    out["ike"] = _options(t.ike, schema.IKE)
    out["ipsec"] = _options(t.ipsec, schema.IPSEC)
    if options is not None:
        out["psk"] = options.secret(t.psk)
    return out


def _plain(value: Any) -> Any:
    """A model value as JSON holds it (a tuple as a list)."""
    return list(value) if value.__class__ is tuple else value


def _options(opts: Any, keys: dict[str, type]) -> dict[str, Any]:
    """IkeOptions / IpsecOptions: every key is the attribute of the same name."""
    return {key: _plain(getattr(opts, key)) for key in keys}


_TUNNEL_PLAIN = tuple(k for k in schema.TUNNEL if k not in schema.TUNNEL_DERIVED)
_CONNECTION_PLAIN = tuple(k for k in schema.CONNECTION if k not in schema.CONNECTION_DERIVED)


def connection_dict(c: VpnConnection, options: TargetOptions | None = None) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(schema.CONNECTION)
    for key in _CONNECTION_PLAIN:
        out[key] = getattr(c, key)
    out["routing"] = c.routing
    out["static_routes"] = None if c.static_routes is None else [str(n) for n in c.static_routes]
    out["tunnels"] = [tunnel_dict(t, options) for t in c.tunnels]
    return out


def document(
    connections: list[VpnConnection], warnings: list[str], options: TargetOptions | None = None
) -> dict[str, Any]:
    return {
        schema.VERSION_KEY: SCHEMA_VERSION,
        schema.CONNECTIONS_KEY: [connection_dict(c, options) for c in connections],
        schema.WARNINGS_KEY: warnings,
    }


class _Unusual(Exception):
    """A value :func:`_indented` does not write itself (json.dumps does)."""


def _indented(value: Any, level: int, out: list[str]) -> None:
    """Append ``json.dumps(value, indent=2)`` for the plain types of :func:`document` (the C string
    encoder, no generators: json's indenting encoder is pure Python, and half of this target's time).
    The items of a dict or list that are strings, None or ints are written in its own loop."""
    cls = value.__class__
    if cls is str:
        out.append(_quote(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif cls is int:
        out.append(int.__repr__(value))
    elif cls is dict:
        if not value:
            out.append("{}")
            return
        inner = "\n" + "  " * (level + 1)
        append = out.append
        sep = "{" + inner
        for key, item in value.items():
            if key.__class__ is not str:
                raise _Unusual
            quoted = _KEYS.get(key)
            if quoted is None:
                quoted = _quote(key) + ": "
            append(sep)
            append(quoted)
            kind = item.__class__
            if kind is str:
                append(_quote(item))
            elif item is None:
                append("null")
            elif kind is int:
                append(int.__repr__(item))
            else:
                _indented(item, level + 1, out)
            sep = "," + inner
        append(inner[:-2] + "}")
    elif cls is list or cls is tuple:
        if not value:
            out.append("[]")
            return
        inner = "\n" + "  " * (level + 1)
        sep = "[" + inner
        for item in value:
            out.append(sep)
            if item.__class__ is str:
                out.append(_quote(item))
            else:
                _indented(item, level + 1, out)
            sep = "," + inner
        out.append(inner[:-2] + "]")
    else:
        raise _Unusual


_KEYS = {key: _quote(key) + ": " for key in (*schema.CONNECTION, *schema.TUNNEL, *schema.IKE, *schema.IPSEC)}


def dumps(value: Any) -> str:
    """``json.dumps(value, indent=2)``, byte for byte."""
    out: list[str] = []
    try:
        _indented(value, 0, out)
    except _Unusual:
        return json.dumps(value, indent=2)
    return "".join(out)


def document_text(connections: list[VpnConnection], warnings: list[str], options: TargetOptions | None = None) -> str:
    """``dumps(document(connections, warnings))``, one connection at a time (peak memory: the
    text, not the text plus a dict tree and the pieces of every connection)."""
    try:
        if not connections:
            raise _Unusual
        chunks = []
        for c in connections:
            out: list[str] = []
            _indented(connection_dict(c, options), 2, out)
            chunks.append("".join(out))
        tail: list[str] = []
        _indented(warnings, 1, tail)
    except _Unusual:
        return dumps(document(connections, warnings, options))
    head = f'{{\n  "{schema.VERSION_KEY}": {_json_int(SCHEMA_VERSION)},\n  "{schema.CONNECTIONS_KEY}": [\n    '
    return head + ",\n    ".join(chunks) + f'\n  ],\n  "{schema.WARNINGS_KEY}": ' + "".join(tail) + "\n}"


def _json_int(value: int) -> str:
    return int.__repr__(value)


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    text = document_text(connections, report.messages(), options) + "\n"
    has_secret = not options.redact and any(t.psk not in (None, REDACTED) for c in connections for t in c.tunnels)
    return [OutputFile("vpn.json", text, secret=has_secret)]
