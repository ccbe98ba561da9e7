"""``--to aws-generic``: AWS's "Generic / Vendor Agnostic" text download (2018+ layout with the
``IKE version`` and ``Tunnel interface MTU`` lines), one file per connection, written the way
AWS writes it (80-character ``=`` rules, AWS's prose and TAB padding, ``28800 seconds``,
``Diffie-Hellman Group 2``).

The format holds one value per algorithm, IPv4 inside addresses only, no transit gateway id
(a transit gateway connection has an empty Virtual Private Gateway ID), no static routes and
none of the EC2-API-only tunnel options; those are reported as warnings.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import attrs

from ..errors import Report
from ..model import Tunnel, VpnConnection
from ..options import TargetOptions, cli_options
from ..registry import OutputFile
from . import _aws
from ._aws import Picker

NAME = "aws-generic"
DESCRIPTION = "AWS's Generic (vendor agnostic) text download, one file per connection"
#: each connection is written on its own (vpnxlate.stream converts one at a time, in bounded memory)
PER_CONNECTION = True


@attrs.frozen(kw_only=True, slots=False)
class Options(TargetOptions):
    """The target takes no options of its own."""


OPTIONS = cli_options(Options)

RULE = "=" * 80
TAB = "\t"

_HEADER = [
    "Amazon Web Services",
    "Virtual Private Cloud",
    "",
    "VPN Connection Configuration",
    RULE,
    "AWS utilizes unique identifiers to manipulate the configuration of ",
    "a VPN Connection. Each VPN Connection is assigned a VPN Connection Identifier ",
    "and is associated with two other identifiers, namely the ",
    "Customer Gateway Identifier and the Virtual Private Gateway Identifier.",
    "",
]

_IKE_PROSE = [
    "Please note, these sample configurations are for the minimum requirement of AES128, SHA1, and DH Group 2.",
    'Category "VPN" connections in the GovCloud region have a minimum requirement of AES128, SHA2, and DH Group 14.',
    "You will need to modify these sample configuration files to take advantage of AES256, SHA256, "
    "or other DH groups like 2, 14-18, 22, 23, and 24.",
    'Higher parameters are only available for VPNs of category "VPN," and not for "VPN-Classic".',
    "The address of the external interface for your customer gateway must be a static address. ",
    "Your customer gateway may reside behind a device performing network address translation (NAT).",
    "To ensure that NAT traversal (NAT-T) can function, you must adjust your firewall !rules to unblock "
    "UDP port 4500. If not behind NAT, and you are not using an Accelerated VPN, we recommend disabling "
    "NAT-T. If you are using an Accelerated VPN, make sure that NAT-T is enabled.",
    "",
]

_IPSEC_PROSE = [
    'Category "VPN" connections in the GovCloud region have a minimum requirement of AES128, SHA2, and DH Group 14.',
    "Please note, you may use these additionally supported IPSec parameters for encryption like AES256 "
    "and other DH groups like 2, 5, 14-18, 22, 23, and 24.",
    'Higher parameters are only available for VPNs of category "VPN," and not for "VPN-Classic".',
    "",
]

_TUNNEL_PROSE = [
    "Your Customer Gateway must be configured with a tunnel interface that is",
    "associated with the IPSec tunnel. All traffic transmitted to the tunnel",
    "interface is encrypted and transmitted to the Virtual Private Gateway.",
    "",
    "The Customer Gateway and Virtual Private Gateway each have two addresses that relate",
    "to this IPSec tunnel. Each contains an outside address, upon which encrypted",
    "traffic is exchanged. Each also contain an inside address associated with",
    "the tunnel interface.",
    "",
    "The Customer Gateway outside IP address was provided when the Customer Gateway",
    "was created. Changing the IP address requires the creation of a new",
    "Customer Gateway.",
    "",
    "The Customer Gateway inside IP address should be configured on your tunnel",
    "interface.",
    "",
]

_FOOTER = [
    "Additional Notes and Questions",
    RULE,
    "",
    "  - Amazon Virtual Private Cloud Getting Started Guide: ",
    "      http://docs.amazonwebservices.com/AmazonVPC/latest/GettingStartedGuide",
    "  - Amazon Virtual Private Cloud Network Administrator Guide: ",
    "      http://docs.amazonwebservices.com/AmazonVPC/latest/NetworkAdminGuide",
    "  - XSL Version: 2009-07-15-1119716",
]


# the prose, each block written as one piece
_IKE_PROSE_TEXT, _IPSEC_PROSE_TEXT, _TUNNEL_PROSE_TEXT, _HEADER_TEXT, _FOOTER_TEXT = map(
    "\n".join, (_IKE_PROSE, _IPSEC_PROSE, _TUNNEL_PROSE, _HEADER, _FOOTER)
)


def _s(value: Any) -> str:
    """Every model value written into the text goes through here (empty for None; a control
    character, which would add a line, is refused)."""
    return _aws.value_text(value)


#: The one value-to-text function of the AWS-format targets (aws-generic, aws-vyatta, aws-xml), public.
value_text = _aws.value_text


def _pfs(group: int) -> str:
    # AWS's XSLT maps group2 to "Diffie-Hellman Group 2" and prints other values raw (groupN)
    return "Diffie-Hellman Group 2" if group == 2 else f"group{group}"


def _ike(p: Picker, version: Any, psk: Any) -> list[str]:
    """#1: the IKE SA (version, key, algorithms, lifetime, mode, DH group)."""
    return [*_ike_head(version), f"  - Pre-Shared Key           : {_s(psk)}", *_ike_rest(p)]


def _ike_head(version: Any) -> list[str]:
    return [
        "#1: Internet Key Exchange Configuration",
        TAB * 2,
        "Configure the IKE SA as follows:",
        _IKE_PROSE_TEXT,
        f"  - IKE version              : {'IKEv2' if version == 'ikev2' else 'IKEv1'} ",
        "  - Authentication Method    : Pre-Shared Key ",
    ]


def _ike_rest(p: Picker) -> list[str]:
    return [
        f"  - Authentication Algorithm : {_s(_aws.IKE_INTEGRITY_TEXT[p.one('ike.integrity')])}",
        f"  - Encryption Algorithm     : {_s(_aws.ENCRYPTION_TEXT[p.one('ike.encryption')])}",
        f"  - Lifetime                 : {_s(p.value('ike.lifetime_s'))} seconds",
        f"  - Phase 1 Negotiation Mode : {_s(p.value('ike.mode'))}",
        f"  - Diffie-Hellman           : Group {_s(p.one('ike.dh_groups'))}",
        "",
    ]


def _ipsec(p: Picker) -> list[str]:
    """#2: the IPsec SA, DPD and the packet settings (TCP MSS, DF bit, fragmentation)."""
    return [
        "#2: IPSec Configuration",
        "",
        "Configure the IPSec SA as follows:",
        _IPSEC_PROSE_TEXT,
        f"  - Protocol                 : {_s(p.value('ipsec.protocol'))}",
        f"  - Authentication Algorithm : {_s(_aws.ESP_INTEGRITY_TEXT[p.one('ipsec.integrity')])}",
        f"  - Encryption Algorithm     : {_s(_aws.ENCRYPTION_TEXT[p.one('ipsec.encryption')])}",
        f"  - Lifetime                 : {_s(p.value('ipsec.lifetime_s'))} seconds",
        f"  - Mode                     : {_s(p.value('ipsec.mode'))}",
        f"  - Perfect Forward Secrecy  : {_s(_pfs(p.one('ipsec.pfs_dh_groups')))}",
        TAB,
        "IPSec Dead Peer Detection (DPD) will be enabled on the AWS Endpoint. We",
        "recommend configuring DPD on your endpoint as follows:",
        f"  - DPD Interval             : {_s(p.value('dpd_interval_s'))}",
        f"  - DPD Retries              : {_s(p.value('dpd_retries'))}",
        "",
        "IPSec ESP (Encapsulating Security Payload) inserts additional",
        "headers to transmit packets. These headers require additional space, ",
        "which reduces the amount of space available to transmit application data.",
        "To limit the impact of this behavior, we recommend the following ",
        "configuration on your Customer Gateway:",
        f"  - TCP MSS Adjustment       : {_s(p.value('tcp_mss'))} bytes",
        f"  - Clear Don't Fragment Bit : {'enabled' if p.value('clear_df_bit') else 'disabled'}",
        "  - Fragmentation            : "
        + ("Before encryption" if p.value("fragmentation_before_encryption") else "After encryption"),
        "",
    ]


def _interface(t: Tunnel, cgw_outside: Any, cgw_inside: Any, aws_inside: Any, mtu: Any) -> str:
    """#3: the tunnel interface (outside and inside addresses, MTU)."""
    return (
        f"#3: Tunnel Interface Configuration\n\n{_TUNNEL_PROSE_TEXT}\nOutside IP Addresses:\n"
        f"  - Customer Gateway {TAB}{TAB}        : {_s(cgw_outside)} \n"
        f"  - Virtual Private Gateway{TAB}        : {_s(t.aws_outside_ip)}\n"
        f"{TAB * 2}\n"
        "Inside IP Addresses\n"
        f"  - Customer Gateway         {TAB}{TAB}: {_s(cgw_inside)}\n"
        f"  - Virtual Private Gateway             : {_s(aws_inside)}\n"
        "\n"
        "Configure your tunnel to fragment at the optimal size:\n"
        f"  - Tunnel interface MTU     : {_s(mtu)} bytes\n"
        "    \n"
    )


def _bgp(p: Picker, aws_inside_ip: Any) -> list[str]:
    """#4 of a BGP connection: the ASNs, the neighbor (AWS's inside address by default), hold time."""
    t = p.tunnel
    if t.bgp is None:
        p.warn(
            "bgp",
            f"a BGP connection without BGP values; {NAME} requires the ASNs, left empty",
            code="no-bgp-values",
        )
    neighbor = t.bgp.neighbor_ip if t.bgp is not None else None
    if neighbor is None:
        neighbor = p.value("bgp.neighbor_ip", aws_inside_ip)
    return [
        "#4: Border Gateway Protocol (BGP) Configuration:",
        "",
        "The Border Gateway Protocol (BGPv4) is used within the tunnel, between the inside",
        "IP addresses, to exchange routes from the VPC to your home network. Each",
        "BGP router has an Autonomous System Number (ASN). Your ASN was provided ",
        "to AWS when the Customer Gateway was created.",
        "",
        "BGP Configuration Options:",
        f"  - Customer Gateway ASN{TAB}          : {_s(t.bgp.cgw_asn if t.bgp else None)} ",
        f"  - Virtual Private  Gateway ASN          : {_s(t.bgp.aws_asn if t.bgp else None)}",
        f"  - Neighbor IP Address     {TAB}{TAB}  : {_s(neighbor)}",
        f"  - Neighbor Hold Time       : {_s(p.value('bgp.hold_time') if t.bgp else 30)}",
        "",
        "Configure BGP to announce routes to the Virtual Private Gateway. The gateway",
        "will announce prefixes to your customer gateway based upon the prefix you",
        "assigned to the VPC at creation time.",
    ]


def _static(p: Picker, aws_inside_ip: Any) -> list[str]:
    """#4 of a static connection: the next hop (AWS's inside address)."""
    p.unsupported("bgp", "BGP values on a static connection")
    return [
        "#4: Static Routing Configuration:",
        "",
        "To route traffic between your internal network and your VPC, ",
        "you will need a static route added to your router.",
        "",
        "Static Route Configuration Options:",
        "",
        f"  - Next hop       : {_s(aws_inside_ip)}",
        "  ",
        "You should add static routes towards your internal network on the VGW.",
        "The VGW will then send traffic towards your internal network over ",
        "the tunnels.",
    ]


def _unsupported(p: Picker) -> None:
    p.unsupported_all(_aws.API_ONLY_FIELDS)
    p.unsupported("cgw_inside_v6", "IPv6 inside addresses")
    p.unsupported("aws_inside_v6", "IPv6 inside addresses")


def _tunnel(
    conn: VpnConnection,
    number: int,
    t: Tunnel,
    report: Report,
    options: Options | None,
    plans: _aws.Shared | None = None,
) -> list[str]:
    p = Picker(report, NAME, conn, number, t, options)
    if (
        plans is not None
        and t.psk is not None
        and t.cgw_outside_ip is not None
        and t.cgw_inside is not None
        and t.aws_inside is not None
    ):  # the common case: the values whose checks the cached warnings leave out are there
        rest = (_MORE(t), t.cgw_inside_v6 is None, t.aws_inside_v6 is None)
        (head, settings, mtu), recorded = plans.get(t.ike, t.ipsec, rest, report, conn, number, t)
        if recorded:
            _aws.give(report, p.where, recorded)
        psk = t.psk if options is None else options.secret(t.psk)
        lines = [
            f"IPSec Tunnel #{number}\n{RULE}\n{head}\n  - Pre-Shared Key           : {_s(psk)}\n{settings}",
            _interface(t, t.cgw_outside_ip, t.cgw_inside, t.aws_inside, mtu),
        ]
        return lines + _section4(p, conn, t.aws_inside.ip)
    _unsupported(p)
    version = p.one("ike.versions")
    psk = p.value("psk")
    cgw_outside = p.value("cgw_outside_ip")
    cgw_inside = p.value("cgw_inside")
    aws_inside = p.value("aws_inside")
    lines = [f"IPSec Tunnel #{number}", RULE, *_ike(p, version, psk), *_ipsec(p)]
    lines.append(_interface(t, cgw_outside, cgw_inside, aws_inside, p.value("mtu")))
    return lines + _section4(p, conn, aws_inside.ip if aws_inside is not None else None)


def _section4(p: Picker, conn: VpnConnection, aws_inside_ip: Any) -> list[str]:
    return _bgp(p, aws_inside_ip) if conn.routing == "bgp" else _static(p, aws_inside_ip)


def _settings(p: Picker) -> tuple[str, str, Any]:
    """What the text of a tunnel with every address and key holds besides them, with the warnings
    (in the plain path's order: none about those values comes between): (#1 up to the key, the rest
    of #1 and #2, the MTU)."""
    _unsupported(p)
    version = p.one("ike.versions")
    head = "\n".join(_ike_head(version))
    return head, "\n".join([*_ike_rest(p), *_ipsec(p)]), p.value("mtu")


_MORE = operator.attrgetter(*_aws.SETTINGS)


def render(
    conn: VpnConnection, report: Report, options: Options | None = None, plans: _aws.Shared | None = None
) -> str:
    """The file of one connection.  ``plans``: what the tunnels of one call share (:func:`_settings`)."""
    _aws.check_connection(report, NAME, conn, "left empty")
    lines = [
        _HEADER_TEXT,
        f"Your VPN Connection ID{TAB}{TAB}         : {_s(conn.vpn_connection_id)}",
        f"Your Virtual Private Gateway ID          : {_s(conn.vpn_gateway_id)}",
        f"Your Customer Gateway ID    {TAB}{TAB} : {_s(conn.customer_gateway_id)}",
        TAB * 2,
        "A VPN Connection consists of a pair of IPSec tunnel security associations (SAs). ",
        "It is important that both tunnel security associations be configured. ",
        "",
    ]
    for number, t in enumerate(conn.tunnels, 1):
        lines += [TAB * 2, TAB * 4] if number > 1 else [TAB * 4]
        lines += _tunnel(conn, number, t, report, options, plans)
    lines += ["", "", _FOOTER_TEXT]
    return "\n".join(lines) + "\n"


def _plans() -> _aws.Shared:
    return _aws.Shared(functools.partial(_aws.recorded, NAME, checks=_settings))


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    plans = _plans()
    return [
        OutputFile(f"{_aws.file_stem(c)}.txt", render(c, report, options, plans), secret=_aws.has_secret([c]))
        for c in _aws.ordered(connections)
    ]
