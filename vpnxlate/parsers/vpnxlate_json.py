"""``json``: vpnxlate's own JSON (``--to json`` output) read back into the model."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from ..detect import CERTAIN, NO
from ..diagnostics import relocate
from ..errors import ParseError, Report, ValidationError, VpnxlateError, describe_value
from ..model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection, build_connection
from ..vocab import vpnxlate_json as schema
from ._common import to_interface

NAME = "json"
DESCRIPTION = "vpnxlate's own JSON model (the output of --to json)"

_M = TypeVar("_M")  # a model class built by _build
_DETECT = re.compile(rf'^\s*\{{\s*"({schema.VERSION_KEY}|{schema.CONNECTIONS_KEY})"\s*:')


def detect(text: str) -> int:
    """CERTAIN for vpnxlate's own JSON (its first key is ``vpnxlate_json`` or ``connections``)."""
    return CERTAIN if _DETECT.match(text[:4096]) else NO


def _get(d: dict[str, Any], key: str, where: str, kinds: type | tuple[type, ...], required: bool = False) -> Any:
    value = d.get(key)
    if value is None:
        if required:
            raise ParseError(f"missing {key!r}", field=f"{where}{key}")
        return None
    if isinstance(value, bool) and kinds is not bool and bool not in (kinds if isinstance(kinds, tuple) else ()):
        raise ParseError(f"{key!r} must not be true/false", field=f"{where}{key}")
    if not isinstance(value, kinds):
        raise ParseError(f"{key!r} has the wrong type ({type(value).__name__})", field=f"{where}{key}")
    return value


def _build(cls: type[_M], where: str, **kw: Any) -> _M:
    """Construct a model object; a validation error gets the JSON path of its field."""
    try:
        return cls(**kw)
    except VpnxlateError as e:
        raise relocate(e, parent=where, sep="", name_unnamed=False) from None


def _tunnel(d: Any, where: str) -> Tunnel:
    if not isinstance(d, dict):
        raise ParseError("a tunnel must be an object", field=where)
    ike = _get(d, "ike", where, dict) or {}
    ipsec = _get(d, "ipsec", where, dict) or {}
    bgp = None
    if d.get("cgw_asn") is not None or d.get("aws_asn") is not None:
        bgp = _build(
            Bgp,
            where,
            cgw_asn=_get(d, "cgw_asn", where, int),
            aws_asn=_get(d, "aws_asn", where, int),
            neighbor_ip=_get(d, "bgp_neighbor_ip", where, str) or _get(d, "aws_inside_ip", where, str),
            hold_time=_get(d, "bgp_hold_time", where, int),
        )
    aws_inside = _get(d, "aws_inside_cidr", where, str)
    cgw_inside = _get(d, "cgw_inside_cidr", where, str)
    if aws_inside is None and _get(d, "aws_inside_ip", where, str) and cgw_inside:
        aws_inside = f"{d['aws_inside_ip']}/{cgw_inside.partition('/')[2] or 30}"
    aws_v6 = _get(d, "aws_inside_ipv6_cidr", where, str)
    cgw_v6 = _get(d, "cgw_inside_ipv6_cidr", where, str)
    if aws_v6 is None and _get(d, "aws_inside_ipv6_ip", where, str) and cgw_v6:
        aws_v6 = f"{d['aws_inside_ipv6_ip']}/{cgw_v6.partition('/')[2] or 126}"
    plain = {key: _get(d, key, where, schema.TUNNEL[key]) for key in _TUNNEL_PLAIN}
    return _build(
        Tunnel,
        where,
        aws_outside_ip=_get(d, "aws_outside_ip", where, str, True),
        cgw_outside_ip=_get(d, "cgw_outside_ip", where, str),
        cgw_inside=to_interface(cgw_inside, field=where + "cgw_inside_cidr") if cgw_inside else None,
        aws_inside=to_interface(aws_inside, field=where + "aws_inside_cidr") if aws_inside else None,
        cgw_inside_v6=to_interface(cgw_v6, field=where + "cgw_inside_ipv6_cidr") if cgw_v6 else None,
        aws_inside_v6=to_interface(aws_v6, field=where + "aws_inside_ipv6_cidr") if aws_v6 else None,
        ike=_options(IkeOptions, ike, schema.IKE, where + "ike."),
        ipsec=_options(IpsecOptions, ipsec, schema.IPSEC, where + "ipsec."),
        bgp=bgp,
        **plain,
    )


def _options(cls: Any, d: dict[str, Any], keys: dict[str, type], where: str) -> Any:
    """IkeOptions / IpsecOptions: every key is the attribute of the same name."""
    return _build(cls, where, **{key: _get(d, key, where, kind) for key, kind in keys.items()})


_TUNNEL_PLAIN = tuple(k for k in schema.TUNNEL if k not in schema.TUNNEL_DERIVED)
_CONNECTION_PLAIN = tuple(k for k in schema.CONNECTION if k not in schema.CONNECTION_DERIVED)


def parse(text: str, report: Report) -> list[VpnConnection]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ParseError(f"invalid JSON: {e.msg}", line=e.lineno) from None
    except RecursionError:
        raise ParseError("invalid JSON: nested too deeply") from None
    if isinstance(doc, dict):
        schema.check_version(doc)  # first: another version may hold its connections otherwise
    if not isinstance(doc, dict) or not isinstance(doc.get(schema.CONNECTIONS_KEY), list):
        raise ParseError("expected an object with a 'connections' list", field=schema.CONNECTIONS_KEY)
    return [connection(c, f"connections[{i}].", report) for i, c in enumerate(doc[schema.CONNECTIONS_KEY])]


def connection(c: Any, where: str, report: Report) -> VpnConnection:
    """One connection object of the format (``where``: its JSON path, ``connections[0].``, or
    ``""`` for a line of JSON Lines), errors naming the field under it."""
    try:
        if not isinstance(c, dict):
            raise ParseError("a connection must be an object", field=where.rstrip(".") or None)
        tunnels_raw = _get(c, "tunnels", where, list, True)
        tunnels = [_tunnel(t, f"{where}tunnels[{j}].") for j, t in enumerate(tunnels_raw)]
        routes = _get(c, "static_routes", where, list)
        return build_connection(
            tunnels,
            report,
            routing=_get(c, "routing", where, str) or "bgp",
            static_routes=routes,
            **{key: _get(c, key, where, schema.CONNECTION[key]) for key in _CONNECTION_PLAIN},
        )
    except VpnxlateError as e:
        raise relocate(e, parent=where, sep="", name_unnamed=False) from None
    except (TypeError, ValueError) as e:
        raise ValidationError(f"invalid value: {describe_value(e)}", field=where.rstrip(".") or None) from None
