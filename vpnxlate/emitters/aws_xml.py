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

import functools
import operator
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
    cls = value.__class__
    if cls is int:
        return int.__repr__(value)  # digits and a sign: nothing to escape
    if cls in _aws.ADDRESS_TYPES:
        return str(value)  # (IPv4: digits, dots and a slash)
    return escape(_aws.value_text(value))


def attribute(value: Any) -> str:
    """A value as a quoted XML attribute (same refusal as :func:`text`)."""
    return quoteattr(_aws.value_text(value))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _side(
    w: _Writer, tag: str, outside: Any, inside: Any, inside6: Any, asn: int | None, hold: int | None, bgp: bool
) -> None:
    pad = w.pad
    lines = w.lines
    lines.append(
        f"{pad}<{tag}>\n{pad}  <tunnel_outside_address>\n"
        f"{pad}    <ip_address>{text(outside)}</ip_address>\n{pad}  </tunnel_outside_address>"
    )
    if inside is not None:
        network = inside.network
        lines.append(
            f"{pad}  <tunnel_inside_address>\n"
            f"{pad}    <ip_address>{text(inside.ip)}</ip_address>\n"
            f"{pad}    <network_mask>{text(network.netmask)}</network_mask>\n"
            f"{pad}    <network_cidr>{text(network.prefixlen)}</network_cidr>\n"
            f"{pad}  </tunnel_inside_address>"
        )
    if inside6 is not None:
        # the element names of AWS's documents for TunnelInsideIpVersion=ipv6
        lines.append(
            f"{pad}  <tunnel_inside_ipv6_address>\n"
            f"{pad}    <ip_address>{text(inside6.ip)}</ip_address>\n"
            f"{pad}    <prefix_length>{text(inside6.network.prefixlen)}</prefix_length>\n"
            f"{pad}  </tunnel_inside_ipv6_address>"
        )
    if bgp:
        lines.append(
            f"{pad}  <bgp>\n{pad}    <asn>{text(asn)}</asn>\n"
            f"{pad}    <hold_time>{text(hold)}</hold_time>\n{pad}  </bgp>"
        )
    lines.append(f"{pad}</{tag}>")


def _checks(p: Picker) -> tuple[Any, Any, Any]:
    """The checks of a tunnel before its BGP values: (customer outside, customer inside, AWS inside)."""
    p.unsupported_all(_aws.API_ONLY_FIELDS)
    p.unsupported("ike.versions", "the IKE version")
    p.unsupported("mtu", "the tunnel interface MTU")
    return p.value("cgw_outside_ip"), p.value("cgw_inside"), p.value("aws_inside")


def _bgp_checks(p: Picker, aws_inside: Any) -> Any:
    """The BGP checks of a tunnel (its hold time, None for a static connection)."""
    t = p.tunnel
    hold = None
    if p.conn.routing == "bgp":
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
    return hold


def _ike(p: Picker) -> list[str]:
    """The <ike> element up to the pre-shared key."""
    w = _Writer()
    w.depth = 2
    w.open("ike")
    w.leaf("authentication_protocol", _aws.IKE_INTEGRITY_TEXT[p.one("ike.integrity")])
    w.leaf("encryption_protocol", _aws.ENCRYPTION_TEXT[p.one("ike.encryption")])
    w.leaf("lifetime", p.value("ike.lifetime_s"))
    w.leaf("perfect_forward_secrecy", f"group{p.one('ike.dh_groups')}")
    w.leaf("mode", p.value("ike.mode"))
    return w.lines


def _ipsec(p: Picker) -> list[str]:
    """The <ipsec> element."""
    w = _Writer()
    w.depth = 2
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
    return w.lines


def _blocks(p: Picker) -> tuple[str, str]:
    """The <ike> element up to the key and the <ipsec> element, as text (for a tunnel with a key:
    no warning about it comes between their warnings)."""
    return "\n".join(_ike(p)), "\n".join(_ipsec(p))


class _Plans:
    """What the tunnels of one call that share their values share: the warnings of the checks
    before the BGP values (:func:`_checks`, for a tunnel with every address and key) and the text
    and warnings of the <ike> and <ipsec> elements, made once by the plain code with a
    :class:`_aws.Recorder` and given again for every tunnel with its own ``WHERE``."""

    def __init__(self) -> None:
        self.checks: dict[Any, list[_aws.Recorded]] = {}
        self.blocks = _aws.Shared(functools.partial(_aws.recorded, NAME, checks=_blocks))


_CHECKED = operator.attrgetter(*_aws.API_ONLY_FIELDS, "ike.versions", "mtu")


def _tunnel(
    w: _Writer,
    conn: VpnConnection,
    number: int,
    t: Tunnel,
    report: Report,
    options: Options | None,
    plans: _Plans | None = None,
) -> None:
    p = Picker(report, NAME, conn, number, t, options)
    fast = (
        plans is not None
        and t.cgw_outside_ip is not None
        and t.cgw_inside is not None
        and t.aws_inside is not None
        and t.psk is not None
    )  # the common case: the values whose checks the cached warnings leave out are there
    if fast:
        assert plans is not None
        key = _CHECKED(t)
        recorded = plans.checks.get(key)
        if recorded is None:
            recorded = plans.checks[key] = _aws.recorded(NAME, report, conn, number, t, _checks)[1]
        if recorded:
            _aws.give(report, p.where, recorded)
        cgw_outside, cgw_inside, aws_inside = t.cgw_outside_ip, t.cgw_inside, t.aws_inside
    else:
        cgw_outside, cgw_inside, aws_inside = _checks(p)
    hold = _bgp_checks(p, aws_inside)
    bgp = conn.routing == "bgp"
    w.open("ipsec_tunnel")
    _side(w, "customer_gateway", cgw_outside, cgw_inside, t.cgw_inside_v6, t.bgp.cgw_asn if t.bgp else None, hold, bgp)
    _side(w, "vpn_gateway", t.aws_outside_ip, aws_inside, t.aws_inside_v6, t.bgp.aws_asn if t.bgp else None, hold, bgp)
    if fast:
        assert plans is not None
        (ike, ipsec), recorded = plans.blocks.get(t.ike, t.ipsec, _IPSEC_MORE(t), report, conn, number, t)
        if recorded:
            _aws.give(report, p.where, recorded)  # (no key warning between: the key is there)
        psk = p.value("psk")
    else:
        ike = "\n".join(_ike(p))
        psk = p.value("psk")
        ipsec = "\n".join(_ipsec(p))
    w.lines.append(f"{ike}\n      <pre_shared_key>{text(psk)}</pre_shared_key>\n    </ike>\n{ipsec}")
    w.close("ipsec_tunnel")


_IPSEC_MORE = operator.attrgetter(
    "clear_df_bit", "fragmentation_before_encryption", "tcp_mss", "dpd_interval_s", "dpd_retries"
)


def render(conn: VpnConnection, report: Report, options: Options | None = None, plans: _Plans | None = None) -> str:
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
        _tunnel(w, conn, number, t, report, options, plans)
    w.close("vpn_connection")
    return "\n".join(w.lines)  # AWS writes no newline after </vpn_connection>


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    plans = _Plans()
    return [
        OutputFile(f"{_aws.file_stem(c)}.xml", render(c, report, options, plans), secret=_aws.has_secret([c]))
        for c in _aws.ordered(connections)
    ]
