"""``--to aws-xml``: AWS's ``CustomerGatewayConfiguration`` XML document, one file per
connection named ``<vpn id>.xml``, written the way AWS writes it (XML declaration, 2-space
indentation, element order of AWS's documents, no newline after ``</vpn_connection>``).

IPv6 inside addresses are written as ``tunnel_inside_ipv6_address`` (``ip_address``,
``prefix_length``) after the IPv4 ``tunnel_inside_address``.

The document holds one value per algorithm, no IKE version, no
MTU, no transit gateway id (a transit gateway connection has an empty ``vpn_gateway_id``),
no static routes and none of the EC2-API-only tunnel options; those are reported as warnings.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

import attrs

from ..errors import Report
from ..model import Tunnel, VpnConnection
from ..options import TargetOptions, cli_options
from ..registry import OutputFile
from . import _aws
from ._aws import Picker

NAME = "aws-xml"
DESCRIPTION = "AWS's CustomerGatewayConfiguration XML document, one <vpn id>.xml per connection"
#: each connection is written on its own (vpnxlate.stream converts one at a time, in bounded memory)
PER_CONNECTION = True


@attrs.frozen(kw_only=True, slots=False)
class Options(TargetOptions):
    """The target takes no options of its own."""


OPTIONS = cli_options(Options)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.pad = ""  # two spaces per open element

    @property
    def depth(self) -> int:
        return len(self.pad) // 2

    @depth.setter
    def depth(self, value: int) -> None:
        self.pad = "  " * value

    def open(self, tag: str) -> None:
        self.lines.append(f"{self.pad}<{tag}>")
        self.pad += "  "

    def close(self, tag: str) -> None:
        self.pad = self.pad[:-2]
        self.lines.append(f"{self.pad}</{tag}>")

    def leaf(self, tag: str, value: Any) -> None:
        self.lines.append(f"{self.pad}<{tag}>{text(value)}</{tag}>")


def text(value: Any) -> str:
    """Every value written into the document, as XML character data (``""`` for None): refused if it
    holds a control/format character (ESC, NUL are not XML characters), else ``&<>`` escaped."""
    if value.__class__ is int:
        return int.__repr__(value)  # digits and a sign: nothing to escape
    return escape(_aws.value_text(value))


def attribute(value: Any) -> str:
    """A value as a quoted XML attribute (same refusal as :func:`text`)."""
    return quoteattr(_aws.value_text(value))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _side(
    w: _Writer, tag: str, outside: Any, inside: Any, inside6: Any, asn: int | None, hold: int | None, bgp: bool
) -> None:
    w.open(tag)
    w.open("tunnel_outside_address")
    w.leaf("ip_address", outside)
    w.close("tunnel_outside_address")
    if inside is not None:
        w.open("tunnel_inside_address")
        w.leaf("ip_address", inside.ip)
        w.leaf("network_mask", inside.network.netmask)
        w.leaf("network_cidr", inside.network.prefixlen)
        w.close("tunnel_inside_address")
    if inside6 is not None:
        # the element names of AWS's documents for TunnelInsideIpVersion=ipv6
        w.open("tunnel_inside_ipv6_address")
        w.leaf("ip_address", inside6.ip)
        w.leaf("prefix_length", inside6.network.prefixlen)
        w.close("tunnel_inside_ipv6_address")
    if bgp:
        w.open("bgp")
        w.leaf("asn", asn)
        w.leaf("hold_time", hold)
        w.close("bgp")
    w.close(tag)


def _tunnel(w: _Writer, conn: VpnConnection, number: int, t: Tunnel, report: Report, options: Options | None) -> None:
    p = Picker(report, NAME, conn, number, t, options)
    p.unsupported_all(_aws.API_ONLY_FIELDS)
    p.unsupported("ike.versions", "the IKE version")
    p.unsupported("mtu", "the tunnel interface MTU")
    cgw_outside = p.value("cgw_outside_ip")
    cgw_inside = p.value("cgw_inside")
    aws_inside = p.value("aws_inside")
    bgp = conn.routing == "bgp"
    hold = None
    if bgp:
        if t.bgp is None:
            p.warn(
                "bgp",
                f"a BGP connection without BGP values; {NAME} requires the ASNs, left empty",
                code="no-bgp-values",
            )
        else:
            hold = p.value("bgp.hold_time")
            if t.bgp.neighbor_ip is not None and (aws_inside is None or t.bgp.neighbor_ip != aws_inside.ip):
                p.warn(
                    "bgp.neighbor_ip",
                    f"{NAME} states the BGP neighbor only as the AWS inside address; "
                    f"neighbor {t.bgp.neighbor_ip} left out",
                    code="unsupported",
                )
    else:
        p.unsupported("bgp", "BGP values on a static connection")
    w.open("ipsec_tunnel")
    _side(w, "customer_gateway", cgw_outside, cgw_inside, t.cgw_inside_v6, t.bgp.cgw_asn if t.bgp else None, hold, bgp)
    _side(w, "vpn_gateway", t.aws_outside_ip, aws_inside, t.aws_inside_v6, t.bgp.aws_asn if t.bgp else None, hold, bgp)
    w.open("ike")
    w.leaf("authentication_protocol", _aws.IKE_INTEGRITY_TEXT[p.one("ike.integrity")])
    w.leaf("encryption_protocol", _aws.ENCRYPTION_TEXT[p.one("ike.encryption")])
    w.leaf("lifetime", p.value("ike.lifetime_s"))
    w.leaf("perfect_forward_secrecy", f"group{p.one('ike.dh_groups')}")
    w.leaf("mode", p.value("ike.mode"))
    w.leaf("pre_shared_key", p.value("psk"))
    w.close("ike")
    w.open("ipsec")
    w.leaf("protocol", p.value("ipsec.protocol"))
    w.leaf("authentication_protocol", _aws.ESP_INTEGRITY_TEXT[p.one("ipsec.integrity")])
    w.leaf("encryption_protocol", _aws.ENCRYPTION_TEXT[p.one("ipsec.encryption")])
    w.leaf("lifetime", p.value("ipsec.lifetime_s"))
    w.leaf("perfect_forward_secrecy", f"group{p.one('ipsec.pfs_dh_groups')}")
    w.leaf("mode", p.value("ipsec.mode"))
    w.leaf("clear_df_bit", _bool(p.value("clear_df_bit")))
    w.leaf("fragmentation_before_encryption", _bool(p.value("fragmentation_before_encryption")))
    w.leaf("tcp_mss_adjustment", p.value("tcp_mss"))
    w.open("dead_peer_detection")
    w.leaf("interval", p.value("dpd_interval_s"))
    w.leaf("retries", p.value("dpd_retries"))
    w.close("dead_peer_detection")
    w.close("ipsec")
    w.close("ipsec_tunnel")


def render(conn: VpnConnection, report: Report, options: Options | None = None) -> str:
    _aws.check_connection(report, NAME, conn, "left out")
    w = _Writer()
    w.lines.append('<?xml version="1.0" encoding="UTF-8"?>')
    if conn.vpn_connection_id is None:
        w.open("vpn_connection")
    else:
        w.lines.append(f"<vpn_connection id={attribute(conn.vpn_connection_id)}>")
        w.depth = 1
    w.leaf("customer_gateway_id", conn.customer_gateway_id)
    w.leaf("vpn_gateway_id", conn.vpn_gateway_id)
    w.leaf("vpn_connection_type", "ipsec.1")
    if conn.routing == "static":
        w.leaf("vpn_connection_attributes", "NoBGPVPNConnection")
    for number, t in enumerate(conn.tunnels, 1):
        _tunnel(w, conn, number, t, report, options)
    w.close("vpn_connection")
    return "\n".join(w.lines)  # AWS writes no newline after </vpn_connection>


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    return [
        OutputFile(f"{_aws.file_stem(c)}.xml", render(c, report, options), secret=_aws.has_secret([c]))
        for c in _aws.ordered(connections)
    ]
