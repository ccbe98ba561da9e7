"""``--to aws-vyatta``: AWS's "Vyatta Network OS 6.5+" download, one file per connection,
written the way AWS writes it: ``!`` comment prose, one block of ``set`` commands per tunnel
in which the global ``ike-group``/``esp-group``/``ipsec-interfaces`` lines are repeated.

The groups are named ``AWS`` as in AWS's template when every tunnel of the connection uses
the same phase 1 / phase 2 values; otherwise each tunnel gets its own groups (``AWS1``,
``AWS2``, ...) so that the repeated lines never contradict each other.

The template holds one value per algorithm, no IKE version or phase 1 mode, no DPD interval or retries (AWS's
template writes the constants 15 s / 30 s),
TCP MSS, DF bit or fragmentation settings, no IPv6 inside addresses, no transit gateway id,
no static routes and none of the EC2-API-only tunnel options; those are reported as warnings.
"""

from __future__ import annotations

import functools
import operator
import re
from typing import Any

import attrs

from ..errors import NOT_STATED_HINT, EmitError, Report, describe_value
from ..model import Bgp, Tunnel, VpnConnection
from ..options import TargetOptions, cli_options
from ..registry import OutputFile
from ..vocab import vyatta
from . import _aws
from ._aws import Picker

NAME = "aws-vyatta"
DESCRIPTION = "AWS's Vyatta Network OS download (set commands), one file per connection"
#: each connection is written on its own (vpnxlate.stream converts one at a time, in bounded memory)
PER_CONNECTION = True


@attrs.frozen(kw_only=True, slots=False)
class Options(TargetOptions):
    """The target takes no options of its own."""


OPTIONS = cli_options(Options)

SEPARATOR = "! " + "-" * 80
DPD_INTERVAL = 15  # the constants of AWS's Vyatta template
DPD_TIMEOUT = 30


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")


def _q(value: Any) -> str:
    """A value in single quotes (``''`` for None): the one quoting function of this target's values.
    A quote or a control/format character is refused (it would end the quoted word or the line)."""
    text = _aws.value_text(value)
    if "'" in text:
        raise EmitError("refusing to write a value holding a single quote into Vyatta set-commands")
    return f"'{text}'"


def _w(value: Any) -> str:
    """A path element written without quotes (AWS's template writes the peer and neighbor addresses
    and the ASN bare): it must be a plain word (address, number), else it is refused."""
    cls = value.__class__
    if cls in _aws.ADDRESS_TYPES or (cls is int and value >= 0):
        return str(value)  # (IPv4 values and numbers are plain words)
    text = _aws.value_text(value)
    if not _WORD.fullmatch(text):
        raise EmitError(f"refusing to write {describe_value(text)} as a word of a Vyatta set-command")
    return text


# The target's quoting functions, public (as vyos.quote / vyos.word): tests and tools use these names.
quote = _q
word = _w


#: (ike-group lines, esp-group lines, dpd lines) of a tunnel, before naming
_Parts = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _groups(p: Picker) -> _Parts:
    """(ike-group lines, esp-group lines, dpd lines) of a tunnel, before naming."""
    dh = p.one("ike.dh_groups")
    pfs = p.one("ipsec.pfs_dh_groups")
    ike = (
        f"lifetime {_q(p.value('ike.lifetime_s'))}",
        f"proposal 1 dh-group {_q(dh)}",
        f"proposal 1 encryption {_q(vyatta.ENCRYPTION[p.one('ike.encryption')])}",
        f"proposal 1 hash {_q(vyatta.INTEGRITY[p.one('ike.integrity')])}",
    )
    esp = (
        "compression 'disable'",
        f"lifetime {_q(p.value('ipsec.lifetime_s'))}",
        f"mode {_q(p.value('ipsec.mode'))}",
        f"pfs {_q('enable' if pfs == dh else f'dh-group{pfs}')}",
        f"proposal 1 encryption {_q(vyatta.ENCRYPTION[p.one('ipsec.encryption')])}",
        f"proposal 1 hash {_q(vyatta.INTEGRITY[p.one('ipsec.integrity')])}",
    )
    return ike, esp, _DPD


_DPD = (
    "dead-peer-detection action 'restart'",
    f"dead-peer-detection interval {_q(DPD_INTERVAL)}",
    f"dead-peer-detection timeout {_q(DPD_TIMEOUT)}",
)


class _Plans:
    """What the tunnels of one call that share their values share: the group lines and the
    warnings of :func:`_groups` per phase 1 / phase 2 options, and the warnings and defaults of
    the checks of a BGP tunnel (:func:`_bgp_checks`) per the values they read.  Made once by the
    plain code with a :class:`_aws.Recorder`, given again for every tunnel with its own ``WHERE``; a
    tunnel outside the common case (no BGP values, a value missing) takes the plain path of :func:`_tunnel`."""

    def __init__(self) -> None:
        self.groups = _aws.Shared(functools.partial(_aws.recorded, NAME, checks=_groups))
        self.checks: dict[Any, tuple[list[_aws.Recorded], Any, list[_aws.Recorded], Any]] = {}

    def parts(self, report: Report, conn: VpnConnection, number: int, t: Tunnel) -> _Parts:
        """:func:`_groups` of the tunnel, its warnings given."""
        parts, recorded = self.groups.get(t.ike, t.ipsec, None, report, conn, number, t)
        if recorded:
            _aws.give(report, _aws.where(conn, number, t), recorded)
        return parts  # type: ignore[no-any-return]


def _bgp_checks(p: _aws.Recorder) -> tuple[Any, int, Any]:
    """The checks of :func:`_tunnel` for a BGP tunnel with every value (only the MTU and the hold time
    can be missing): (MTU, the number of warnings before the BGP section's, hold time)."""
    _warn_unsupported(p)
    mtu = p.value("mtu")
    split = len(p.recorded)
    return mtu, split, p.value("bgp.hold_time")


_CHECKED = operator.attrgetter("ike.versions", "ike.mode", "ipsec.protocol", *_aws.SETTINGS)


def _warn_unsupported(p: Picker) -> None:
    p.unsupported_all(_aws.API_ONLY_FIELDS)
    p.unsupported("ike.versions", "the IKE version")
    p.unsupported("ike.mode", "the phase 1 negotiation mode")
    p.unsupported("dpd_interval_s", "the DPD interval (the template's dead-peer-detection values are constants)")
    p.unsupported("dpd_retries", "DPD retries")
    p.unsupported("tcp_mss", "the TCP MSS adjustment")
    p.unsupported("clear_df_bit", "the clear-DF-bit setting")
    p.unsupported("fragmentation_before_encryption", "the fragmentation setting")
    p.unsupported("cgw_inside_v6", "IPv6 inside addresses")
    p.unsupported("aws_inside_v6", "IPv6 inside addresses")
    if p.tunnel.ipsec.protocol not in (None, "esp"):  # pragma: no cover - the model allows only esp
        p.unsupported("ipsec.protocol")


_HEADER = [
    "! Amazon Web Services",
    "! Virtual Private Cloud",
    "",
    "! AWS utilizes unique identifiers to manipulate the configuration of ",
    "! a VPN Connection. Each VPN Connection is assigned an identifier and is ",
    "! associated with two other identifiers, namely the ",
    "! Customer Gateway Identifier and Virtual Private Gateway Identifier.",
    "!",
]

_IKE_PROSE = [
    "! #1: Internet Key Exchange (IKE) Configuration",
    "!",
    "! A policy is established for the supported ISAKMP encryption, ",
    "! authentication, Diffie-Hellman, lifetime, and key parameters.",
    "! Please note, these sample configurations are for the minimum requirement of AES128, SHA1, and DH Group 2.",
    '! Category "VPN" connections in the GovCloud region have a minimum requirement of AES128, SHA2, and DH Group 14.',
    "! You will need to modify these sample configuration files to take advantage of AES256, SHA256, "
    "or other DH groups like 2, 14-18, 22, 23, and 24.",
    '! Higher parameters are only available for VPNs of category "VPN," and not for "VPN-Classic".',
    "! The address of the external interface for your customer gateway must be a static address. ",
    "! Your customer gateway may reside behind a device performing network address translation (NAT).",
    "! To ensure that NAT traversal (NAT-T) can function, you must adjust your firewall !rules to unblock "
    "UDP port 4500. If not behind NAT, and you are not using an Accelerated VPN, we recommend disabling "
    "NAT-T. If you are using an Accelerated VPN, make sure that NAT-T is enabled.",
    "!",
]

_IPSEC_PROSE = [
    "! #2: IPSec Configuration",
    "! ",
    "! The IPSec transform set defines the encryption, authentication, and IPSec",
    "! mode parameters.",
    "!",
    "! Please note, you may use these additionally supported IPSec parameters for encryption like AES256 "
    "and other DH groups like 2, 5, 14-18, 22, 23, and 24.",
    '! Higher parameters are only available for VPNs of category "VPN," and not for "VPN-Classic".',
    "!",
]

_DPD_PROSE = [
    "! This option enables IPSec Dead Peer Detection, which causes periodic",
    "! messages to be sent to ensure a Security Association remains operational.",
    "!",
]

_TUNNEL_PROSE = [
    SEPARATOR,
    "! #3: Tunnel Interface Configuration",
    "!",
    "! A tunnel interface is configured to be the logical interface associated  ",
    "! with the tunnel. All traffic routed to the tunnel interface will be ",
    "! encrypted and transmitted to the VPC. Similarly, traffic from the VPC",
    "! will be logically received on this interface.",
    "!",
    "!",
    "! The address of the interface is configured with the setup for your ",
    "! Customer Gateway.  If the address changes, the Customer Gateway and VPN ",
    "! Connection must be recreated with Amazon VPC.",
    "!",
]

_FOOTER = [
    "",
    "! Additional Notes and Questions",
    "!  - Amazon Virtual Private Cloud Getting Started Guide: ",
    "!       http://docs.amazonwebservices.com/AmazonVPC/latest/GettingStartedGuide",
    "!  - Amazon Virtual Private Cloud Network Administrator Guide: ",
    "!       http://docs.amazonwebservices.com/AmazonVPC/latest/NetworkAdminGuide",
    "!  - XSL Version: 2009-07-15-1119716",
]


def _strip(line: str) -> str:
    """A line as written: a set-command without trailing blanks."""
    return line.rstrip() if line.startswith("set ") else line


def _block(lines: list[str]) -> str:
    """Lines of prose written as one piece (each line as :func:`_strip` writes it)."""
    return "\n".join([_strip(line) for line in lines])


_HEADER_TEXT, _IKE_PROSE_TEXT, _IPSEC_PROSE_TEXT, _DPD_PROSE_TEXT, _TUNNEL_PROSE_TEXT, _FOOTER_TEXT = map(
    _block, (_HEADER, _IKE_PROSE, _IPSEC_PROSE, _DPD_PROSE, _TUNNEL_PROSE, _FOOTER)
)


def _neighbor(p: Picker, b: Bgp, neighbor: Any) -> None:
    """The warning for a BGP neighbor other than the AWS inside address (which is written instead)."""
    if b.neighbor_ip is not None and b.neighbor_ip != neighbor:
        p.warn(
            "bgp.neighbor_ip",
            f"{NAME} states the BGP neighbor only as the AWS inside address; neighbor {b.neighbor_ip} left out",
            code="unsupported",
        )


def _bgp(p: Picker, b: Bgp, neighbor: Any) -> list[str]:
    """#4 of a tunnel with BGP values: the neighbor (the AWS inside address), timers, network."""
    _neighbor(p, b, neighbor)
    hold = p.value("bgp.hold_time")
    for attr in ("cgw_asn", "aws_asn"):
        if getattr(b, attr) is None:
            raise EmitError(
                f"{p.where}: the input does not state the BGP ASN bgp.{attr}, which {NAME} "
                f"writes in its commands; {NOT_STATED_HINT}",
                field=f"bgp.{attr}",
            )
    return _bgp_lines(b, neighbor, hold)


def _bgp_lines(b: Bgp, neighbor: Any, hold: Any) -> list[str]:
    bgp = f"set protocols bgp {_w(b.cgw_asn)}"
    nb = f"{bgp} neighbor {_w(neighbor)}"
    return [
        f"{_BGP_PROSE_TEXT}\n"
        f"! The local BGP Autonomous System Number (ASN) ({_aws.value_text(b.cgw_asn)}) is configured\n"
        f"{_BGP_ASN_PROSE_TEXT}\n"
        f"{nb} remote-as {_q(b.aws_asn)}\n"
        f"{nb} soft-reconfiguration 'inbound'\n"
        f"{nb} timers holdtime {_q(hold)}\n"
        f"{nb} timers keepalive {_q(hold // 3 if hold >= 3 else hold)}\n"
        "\n"
        f"{_BGP_NETWORK_PROSE_TEXT}\n"
        f"{bgp} network 0.0.0.0/0\n"
        "!\n"
    ]


_BGP_PROSE_TEXT, _BGP_ASN_PROSE_TEXT, _BGP_NETWORK_PROSE_TEXT = map(
    _block,
    (
        [
            SEPARATOR,
            "! #4: Border Gateway Protocol (BGP) Configuration",
            "! ",
            "! BGP is used within the tunnel to exchange prefixes between the",
            "! Virtual Private Gateway and your Customer Gateway. The Virtual Private Gateway",
            "! will announce the prefix corresponding to your VPC.",
            "!",
            "! Your Customer Gateway may announce a default route (0.0.0.0/0),",
            "! which can be done with the 'network' statement.",
            "!",
            "! The BGP timers are adjusted to provide more rapid detection of outages.",
            "!",
        ],
        [
            "! as part of your Customer Gateway. If the ASN must be changed, the ",
            "! Customer Gateway and VPN Connection will need to be recreated with AWS.",
            "!",
        ],
        [
            "! To advertise additional prefixes to Amazon VPC, add these prefixes to the 'network'",
            "! statement and identify a prefix you wish to advertise. Make sure the prefix is present",
            "! in the routing table of the device with a valid next-hop.  For example, the following",
            "! will advertise the 192.168.0.0/16 prefix to Amazon VPC.",
            "!",
        ],
    ),
)


def _static(p: Picker, vti: str) -> list[str]:
    """#4 without BGP values: the example static route over the vti interface."""
    if p.conn.routing == "bgp":
        p.warn("bgp", f"a BGP connection without BGP values; {NAME} writes no BGP commands", code="no-bgp-values")
    else:
        p.unsupported("bgp", "BGP values on a static connection")
    p.unsupported("aws_inside", "the AWS inside address of a static connection (only a BGP neighbor line states it)")
    return [
        SEPARATOR,
        "! #4: Static Route Configuration",
        "!",
        "! Your Customer Gateway needs to set a static route for the prefix corresponding to your",
        "! VPC to send traffic over the tunnel interface.",
        "! An example for a VPC with the prefix 10.0.0.0/16 is provided below:",
        f"! set protocols static interface-route 10.0.0.0/16 next-hop-interface {_w(vti)}",
        "!",
        "",
    ]


def _tunnel(
    conn: VpnConnection,
    number: int,
    t: Tunnel,
    report: Report,
    group: str,
    parts: _Parts,
    options: Options | None = None,
    plans: _Plans | None = None,
) -> list[str]:
    b = t.bgp
    if (
        plans is not None
        and conn.routing == "bgp"
        and b is not None
        and b.cgw_asn is not None
        and b.aws_asn is not None
        and t.cgw_inside is not None
        and t.aws_inside is not None
        and t.cgw_outside_ip is not None
        and t.psk is not None
    ):  # the common case: every value the checks could find missing is there
        return _bgp_tunnel(conn, number, t, b, report, group, parts, options, plans)
    p = Picker(report, NAME, conn, number, t, options)
    _warn_unsupported(p)
    cgw_inside = p.value("cgw_inside")
    aws_inside = p.value("aws_inside") if conn.routing == "bgp" else t.aws_inside
    cgw_outside = p.value("cgw_outside_ip")
    psk = p.value("psk")
    mtu = p.value("mtu")
    lines = _lines(number, t, group, parts, psk, cgw_outside, cgw_inside, mtu)
    neighbor = aws_inside.ip if aws_inside is not None else None
    if conn.routing == "bgp" and b is not None:
        return lines + _bgp(p, b, neighbor)
    return lines + _static(p, f"vti{number - 1}")


def _bgp_tunnel(
    conn: VpnConnection,
    number: int,
    t: Tunnel,
    b: Bgp,
    report: Report,
    group: str,
    parts: _Parts,
    options: Options | None,
    plans: _Plans,
) -> list[str]:
    """:func:`_tunnel` of a BGP tunnel with every value: the warnings of its checks and its
    defaults made once per distinct values (as the plain path makes them, by a Recorder)."""
    key = (_CHECKED(t), t.cgw_inside_v6 is None, t.aws_inside_v6 is None, b.hold_time)
    plan = plans.checks.get(key)
    if plan is None:
        (mtu, split, hold), recorded = _aws.recorded(NAME, report, conn, number, t, _bgp_checks)
        plan = plans.checks[key] = (recorded[:split], mtu, recorded[split:], hold)
    before, mtu, after, hold = plan
    where = _aws.where(conn, number, t) if before or after else ""
    if before:
        _aws.give(report, where, before)
    psk = t.psk if options is None else options.secret(t.psk)
    lines = _lines(number, t, group, parts, psk, t.cgw_outside_ip, t.cgw_inside, mtu)
    neighbor = t.aws_inside.ip  # type: ignore[union-attr]  # (not None: the common case)
    if b.neighbor_ip is not None and b.neighbor_ip != neighbor:
        _neighbor(Picker(report, NAME, conn, number, t, options), b, neighbor)
    if after:
        _aws.give(report, where, after)
    return lines + _bgp_lines(b, neighbor, hold)


def _lines(
    number: int, t: Tunnel, group: str, parts: _Parts, psk: Any, cgw_outside: Any, cgw_inside: Any, mtu: Any
) -> list[str]:
    """#1-#3 of a tunnel: IKE group, peer, ESP group, DPD, vti interface (one piece)."""
    head, middle, iface, description, quoted, vti = _fixed(number, group, parts)
    peer = f"set vpn ipsec site-to-site peer {_w(t.aws_outside_ip)}"
    return [
        f"{head}\n"
        f"{peer} authentication mode 'pre-shared-secret'\n"
        f"{peer} authentication pre-shared-secret {_q(psk)}\n"
        f"{peer} description {description}\n"
        f"{peer} ike-group {quoted}\n"
        f"{peer} local-address {_q(cgw_outside)}\n"
        f"{peer} vti bind {vti}\n"
        f"{peer} vti esp-group {quoted}\n"
        f"{middle}\n"
        f"{iface} address {_q(cgw_inside)}\n"
        f"{iface} description {description}\n"
        f"{iface} mtu {_q(mtu)}\n"
    ]


@functools.lru_cache(maxsize=64)
def _fixed(number: int, group: str, parts: _Parts) -> tuple[str, ...]:
    """The text of a tunnel that depends only on its number, group name and group lines."""
    ike, esp, dpd = parts
    vti = f"vti{number - 1}"
    ike_group, esp_group = f"set vpn ipsec ike-group {_w(group)} ", f"set vpn ipsec esp-group {_w(group)} "
    head = [SEPARATOR, f"! IPSec Tunnel #{number}", SEPARATOR, _IKE_PROSE_TEXT, *(ike_group + line for line in ike)]
    middle = [
        "",
        _IPSEC_PROSE_TEXT,
        "set vpn ipsec ipsec-interfaces interface 'eth0'",
        *(esp_group + line for line in esp),
        "",
        _DPD_PROSE_TEXT,
        *(ike_group + line for line in dpd),
        "",
        _TUNNEL_PROSE_TEXT,
    ]
    return (
        "\n".join(head),
        "\n".join(middle),
        f"set interfaces vti {_w(vti)}",
        _q(f"VPC tunnel {number}"),
        _q(group),
        _q(vti),
    )


def render(conn: VpnConnection, report: Report, options: Options | None = None, plans: _Plans | None = None) -> str:
    """The file of one connection.  ``plans``: what the connections of one call share (without:
    every value picked and checked by the plain code)."""
    _aws.check_connection(report, NAME, conn, "left empty")
    parts = [
        _groups(Picker(report, NAME, conn, n, t)) if plans is None else plans.parts(report, conn, n, t)
        for n, t in enumerate(conn.tunnels, 1)
    ]
    shared = all(p == parts[0] for p in parts)
    lines = [
        _HEADER_TEXT,
        f"! Your VPN Connection ID                  : {_aws.value_text(conn.vpn_connection_id)}",
        f"! Your Virtual Private Gateway ID         : {_aws.value_text(conn.vpn_gateway_id)}",
        f"! Your Customer Gateway ID                : {_aws.value_text(conn.customer_gateway_id)}",
        "!",
        "!",
        "! This configuration consists of two tunnels. Both tunnels must be ",
        "! configured on your Customer Gateway.",
        "!",
    ]
    for number, t in enumerate(conn.tunnels, 1):
        group = "AWS" if shared else f"AWS{number}"
        lines += _tunnel(conn, number, t, report, group, parts[number - 1], options, plans)
    lines.append(_FOOTER_TEXT)
    return "\n".join(lines) + "\n"  # (no set-command ends in a blank: every one ends in a quoted or plain word)


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    plans = _Plans()
    return [
        OutputFile(f"{_aws.file_stem(c)}.txt", render(c, report, options, plans), secret=_aws.has_secret([c]))
        for c in _aws.ordered(connections)
    ]
