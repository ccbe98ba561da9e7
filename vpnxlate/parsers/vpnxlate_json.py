"""``json``: vpnxlate's own JSON (``--to json`` output) read back into the model."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from ..diagnostics import relocate
from ..detect import CERTAIN, NO
from ..errors import ParseError, Report, ValidationError, VpnxlateError, describe_value
from ..model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection, build_connection
from ._common import to_interface

NAME = "json"
DESCRIPTION = "vpnxlate's own JSON model (the output of --to json)"

_M = TypeVar("_M")  # a model class built by _build
_DETECT = re.compile(r'^\s*\{\s*"(vpnxlate_json|connections)"\s*:')


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
    return _build(
        Tunnel,
        where,
        aws_outside_ip=_get(d, "aws_outside_ip", where, str, True),
        cgw_outside_ip=_get(d, "cgw_outside_ip", where, str),
        psk=_get(d, "psk", where, str),
        cgw_inside=to_interface(cgw_inside, field=where + "cgw_inside_cidr") if cgw_inside else None,
        aws_inside=to_interface(aws_inside, field=where + "aws_inside_cidr") if aws_inside else None,
        cgw_inside_v6=to_interface(cgw_v6, field=where + "cgw_inside_ipv6_cidr") if cgw_v6 else None,
        aws_inside_v6=to_interface(aws_v6, field=where + "aws_inside_ipv6_cidr") if aws_v6 else None,
        ike=_build(
            IkeOptions,
            where + "ike.",
            versions=_get(ike, "versions", where + "ike.", list),
            encryption=_get(ike, "encryption", where + "ike.", list),
            integrity=_get(ike, "integrity", where + "ike.", list),
            dh_groups=_get(ike, "dh_groups", where + "ike.", list),
            lifetime_s=_get(ike, "lifetime_s", where + "ike.", int),
            mode=_get(ike, "mode", where + "ike.", str),
        ),
        ipsec=_build(
            IpsecOptions,
            where + "ipsec.",
            protocol=_get(ipsec, "protocol", where + "ipsec.", str),
            encryption=_get(ipsec, "encryption", where + "ipsec.", list),
            integrity=_get(ipsec, "integrity", where + "ipsec.", list),
            pfs_dh_groups=_get(ipsec, "pfs_dh_groups", where + "ipsec.", list),
            lifetime_s=_get(ipsec, "lifetime_s", where + "ipsec.", int),
            mode=_get(ipsec, "mode", where + "ipsec.", str),
        ),
        dpd_interval_s=_get(d, "dpd_interval_s", where, int),
        dpd_retries=_get(d, "dpd_retries", where, int),
        dpd_timeout_s=_get(d, "dpd_timeout_s", where, int),
        dpd_timeout_action=_get(d, "dpd_timeout_action", where, str),
        mtu=_get(d, "mtu", where, int),
        tcp_mss=_get(d, "tcp_mss", where, int),
        clear_df_bit=_get(d, "clear_df_bit", where, bool),
        fragmentation_before_encryption=_get(d, "fragmentation_before_encryption", where, bool),
        bgp=bgp,
        rekey_margin_s=_get(d, "rekey_margin_s", where, int),
        rekey_fuzz_pct=_get(d, "rekey_fuzz_pct", where, int),
        replay_window=_get(d, "replay_window", where, int),
        startup_action=_get(d, "startup_action", where, str),
        stated_tunnel_options=_get(d, "stated_tunnel_options", where, list),
    )


def parse(text: str, report: Report) -> list[VpnConnection]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ParseError(f"invalid JSON: {e.msg}", line=e.lineno) from None
    except RecursionError:
        raise ParseError("invalid JSON: nested too deeply") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("connections"), list):
        raise ParseError("expected an object with a 'connections' list", field="connections")
    out = []
    for i, c in enumerate(doc["connections"]):
        where = f"connections[{i}]."
        try:
            if not isinstance(c, dict):
                raise ParseError("a connection must be an object", field=where.rstrip("."))
            tunnels_raw = _get(c, "tunnels", where, list, True)
            tunnels = [_tunnel(t, f"{where}tunnels[{j}].") for j, t in enumerate(tunnels_raw)]
            routes = _get(c, "static_routes", where, list)
            out.append(
                build_connection(
                    tunnels,
                    report,
                    vpn_connection_id=_get(c, "vpn_connection_id", where, str),
                    vpn_gateway_id=_get(c, "vpn_gateway_id", where, str),
                    transit_gateway_id=_get(c, "transit_gateway_id", where, str),
                    customer_gateway_id=_get(c, "customer_gateway_id", where, str),
                    routing=_get(c, "routing", where, str) or "bgp",
                    static_routes=routes,
                )
            )
        except VpnxlateError as e:
            raise relocate(e, parent=where, sep="", name_unnamed=False) from None
        except (TypeError, ValueError) as e:
            raise ValidationError(f"invalid value: {describe_value(e)}", field=where.rstrip(".")) from None
    return out
