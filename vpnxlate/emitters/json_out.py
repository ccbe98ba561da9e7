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

NAME = "json"
DESCRIPTION = "the neutral model as JSON (stable keys; null = not stated in the input)"


@attrs.frozen(kw_only=True, slots=False)
class Options(TargetOptions):
    """The target takes no options of its own."""


OPTIONS = cli_options(Options)
SCHEMA_VERSION = 1


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def _list(value: tuple[Any, ...] | None) -> list[Any] | None:
    return None if value is None else list(value)


def tunnel_dict(t: Tunnel, options: TargetOptions | None = None) -> dict[str, Any]:
    """The tunnel as JSON data; with ``options`` the key is written through ``options.secret`` (redaction)."""
    bgp = t.bgp
    return {
        "aws_outside_ip": str(t.aws_outside_ip),
        "cgw_outside_ip": _s(t.cgw_outside_ip),
        "psk": t.psk if options is None else options.secret(t.psk),
        "cgw_inside_cidr": _s(t.cgw_inside),
        "aws_inside_ip": _s(t.aws_inside.ip) if t.aws_inside else None,
        "aws_inside_cidr": _s(t.aws_inside),
        "cgw_inside_ipv6_cidr": _s(t.cgw_inside_v6),
        "aws_inside_ipv6_ip": _s(t.aws_inside_v6.ip) if t.aws_inside_v6 else None,
        "aws_inside_ipv6_cidr": _s(t.aws_inside_v6),
        "cgw_asn": bgp.cgw_asn if bgp else None,
        "aws_asn": bgp.aws_asn if bgp else None,
        "bgp_neighbor_ip": _s(bgp.neighbor_ip) if bgp else None,
        "bgp_hold_time": bgp.hold_time if bgp else None,
        "ike": {
            "versions": _list(t.ike.versions),
            "encryption": _list(t.ike.encryption),
            "integrity": _list(t.ike.integrity),
            "dh_groups": _list(t.ike.dh_groups),
            "lifetime_s": t.ike.lifetime_s,
            "mode": t.ike.mode,
        },
        "ipsec": {
            "protocol": t.ipsec.protocol,
            "encryption": _list(t.ipsec.encryption),
            "integrity": _list(t.ipsec.integrity),
            "pfs_dh_groups": _list(t.ipsec.pfs_dh_groups),
            "lifetime_s": t.ipsec.lifetime_s,
            "mode": t.ipsec.mode,
        },
        "dpd_interval_s": t.dpd_interval_s,
        "dpd_retries": t.dpd_retries,
        "dpd_timeout_s": t.dpd_timeout_s,
        "dpd_timeout_action": t.dpd_timeout_action,
        "mtu": t.mtu,
        "tcp_mss": t.tcp_mss,
        "clear_df_bit": t.clear_df_bit,
        "fragmentation_before_encryption": t.fragmentation_before_encryption,
        "rekey_margin_s": t.rekey_margin_s,
        "rekey_fuzz_pct": t.rekey_fuzz_pct,
        "replay_window": t.replay_window,
        "startup_action": t.startup_action,
        "stated_tunnel_options": _list(t.stated_tunnel_options),
    }


def connection_dict(c: VpnConnection, options: TargetOptions | None = None) -> dict[str, Any]:
    return {
        "vpn_connection_id": c.vpn_connection_id,
        "vpn_gateway_id": c.vpn_gateway_id,
        "transit_gateway_id": c.transit_gateway_id,
        "customer_gateway_id": c.customer_gateway_id,
        "routing": c.routing,
        "static_routes": None if c.static_routes is None else [str(n) for n in c.static_routes],
        "tunnels": [tunnel_dict(t, options) for t in c.tunnels],
    }


def document(
    connections: list[VpnConnection], warnings: list[str], options: TargetOptions | None = None
) -> dict[str, Any]:
    return {
        "vpnxlate_json": SCHEMA_VERSION,
        "connections": [connection_dict(c, options) for c in connections],
        "warnings": warnings,
    }


class _Unusual(Exception):
    """A value :func:`_indented` does not write itself (json.dumps does)."""


def _indented(value: Any, level: int, out: list[str]) -> None:
    """Append ``json.dumps(value, indent=2)`` for the plain types of :func:`document` (the C string
    encoder, no generators: json's indenting encoder is pure Python, and half of this target's time)."""
    if value.__class__ is str:
        out.append(_quote(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif value.__class__ is int:
        out.append(int.__repr__(value))
    elif value.__class__ is dict:
        if not value:
            out.append("{}")
            return
        inner = "\n" + "  " * (level + 1)
        sep = "{" + inner
        for key, item in value.items():
            if key.__class__ is not str:
                raise _Unusual
            out.append(sep)
            out.append(_quote(key))
            out.append(": ")
            _indented(item, level + 1, out)
            sep = "," + inner
        out.append("\n" + "  " * level + "}")
    elif value.__class__ is list or value.__class__ is tuple:
        if not value:
            out.append("[]")
            return
        inner = "\n" + "  " * (level + 1)
        sep = "[" + inner
        for item in value:
            out.append(sep)
            _indented(item, level + 1, out)
            sep = "," + inner
        out.append("\n" + "  " * level + "]")
    else:
        raise _Unusual


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
    head = f'{{\n  "vpnxlate_json": {_json_int(SCHEMA_VERSION)},\n  "connections": [\n    '
    return head + ",\n    ".join(chunks) + '\n  ],\n  "warnings": ' + "".join(tail) + "\n}"


def _json_int(value: int) -> str:
    return int.__repr__(value)


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    text = document_text(connections, report.messages(), options) + "\n"
    has_secret = not options.redact and any(t.psk not in (None, REDACTED) for c in connections for t in c.tunnels)
    return [OutputFile("vpn.json", text, secret=has_secret)]
