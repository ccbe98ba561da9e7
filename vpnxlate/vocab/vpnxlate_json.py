"""The schema of vpnxlate's own JSON (``--to json``; read back by the ``json`` format): the keys,
in the order the writer writes them, with the JSON type each holds, and the schema version.

Keys are only ever added, never renamed or removed (docs/json.md). A document states its version
in :data:`VERSION_KEY`; the reader refuses a version it does not know (:func:`check_version`).
"""

from __future__ import annotations

from typing import Any

from ..errors import ParseError

VERSION_KEY = "vpnxlate_json"
VERSION = 1  # the schema version written, and the only one read
CONNECTIONS_KEY = "connections"
WARNINGS_KEY = "warnings"
DOCUMENT: tuple[str, ...] = (VERSION_KEY, CONNECTIONS_KEY, WARNINGS_KEY)

# key -> the JSON type of its value (null always allowed unless the reader requires the key)
CONNECTION: dict[str, type] = {
    "vpn_connection_id": str,
    "vpn_gateway_id": str,
    "transit_gateway_id": str,
    "customer_gateway_id": str,
    "routing": str,
    "static_routes": list,
    "tunnels": list,
}
TUNNEL: dict[str, type] = {
    "aws_outside_ip": str,
    "cgw_outside_ip": str,
    "psk": str,
    "cgw_inside_cidr": str,
    "aws_inside_ip": str,
    "aws_inside_cidr": str,
    "cgw_inside_ipv6_cidr": str,
    "aws_inside_ipv6_ip": str,
    "aws_inside_ipv6_cidr": str,
    "cgw_asn": int,
    "aws_asn": int,
    "bgp_neighbor_ip": str,
    "bgp_hold_time": int,
    "ike": dict,
    "ipsec": dict,
    "dpd_interval_s": int,
    "dpd_retries": int,
    "dpd_timeout_s": int,
    "dpd_timeout_action": str,
    "mtu": int,
    "tcp_mss": int,
    "clear_df_bit": bool,
    "fragmentation_before_encryption": bool,
    "rekey_margin_s": int,
    "rekey_fuzz_pct": int,
    "replay_window": int,
    "startup_action": str,
    "stated_tunnel_options": list,
}
IKE: dict[str, type] = {
    "versions": list,
    "encryption": list,
    "integrity": list,
    "dh_groups": list,
    "lifetime_s": int,
    "mode": str,
}
IPSEC: dict[str, type] = {
    "protocol": str,
    "encryption": list,
    "integrity": list,
    "pfs_dh_groups": list,
    "lifetime_s": int,
    "mode": str,
}

# A tunnel's keys by what they describe (``vpnxlate sync`` reports changes so): the addresses
# besides the tunnel's identity (``aws_outside_ip``), the BGP peering, the proposals.
TUNNEL_ADDRESSES: tuple[str, ...] = (
    "cgw_outside_ip",
    "cgw_inside_cidr",
    "aws_inside_ip",
    "aws_inside_cidr",
    "cgw_inside_ipv6_cidr",
    "aws_inside_ipv6_ip",
    "aws_inside_ipv6_cidr",
    "bgp_neighbor_ip",
)
TUNNEL_BGP: tuple[str, ...] = ("cgw_asn", "aws_asn", "bgp_hold_time")
TUNNEL_PROPOSALS: tuple[str, ...] = ("ike", "ipsec")

# Keys whose value is not the model attribute of the same name (addresses with their prefix, the
# BGP peering, the nested option objects); every other key of TUNNEL / CONNECTION is one.
TUNNEL_DERIVED = frozenset({"aws_outside_ip", *TUNNEL_ADDRESSES, *TUNNEL_BGP, *TUNNEL_PROPOSALS})
CONNECTION_DERIVED = frozenset({"routing", "static_routes", "tunnels"})


_JSON_TYPES = {str: "a string", float: "a number", bool: "true/false", list: "an array", dict: "an object"}


def check_version(doc: dict[str, Any]) -> None:
    """Refuse a document of a schema version this reader does not know.

    A document without :data:`VERSION_KEY` (trimmed or written by hand: detection accepts
    ``{"connections": …``) is read as version 1, the only version there has been."""
    if VERSION_KEY not in doc:
        return
    version = doc[VERSION_KEY]
    if version.__class__ is not int:
        kind = "null" if version is None else _JSON_TYPES.get(version.__class__, version.__class__.__name__)
        raise ParseError(
            f"the schema version must be an integer, not {kind}; this vpnxlate reads version {VERSION}",
            field=VERSION_KEY,
        )
    if version != VERSION:
        newer = " (written by a newer vpnxlate?)" if version > VERSION else ""
        raise ParseError(
            f"schema version {version} is not supported{newer}; this vpnxlate reads version {VERSION}",
            field=VERSION_KEY,
        )
