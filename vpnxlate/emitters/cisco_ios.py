"""``--to cisco-ios``: a route-based Cisco IOS / IOS-XE configuration for every tunnel, shaped like
AWS's own IOS download but written from the model — so a connection whose TunnelOptions were
customised (which AWS's download does not reflect) gets a correct configuration from the API.

Per tunnel (interface ``Tunnel<n>``, ``n`` counted over all connections from ``--first-tunnel``):

* IKEv1: ``crypto isakmp policy <199+n>`` (AWS's 200/201), ``crypto keyring``, ``crypto isakmp
  profile`` (``keepalive`` = DPD interval, ``initiate mode aggressive``);
  IKEv2: ``crypto ikev2 proposal`` / ``policy`` / ``keyring`` / ``profile`` (lifetime, ``dpd``);
* ``crypto ipsec transform-set`` (``mode``) and ``crypto ipsec profile`` (PFS, lifetime, replay
  window, the IKE profile);
* ``interface Tunnel<n>``: inside address, ``ip mtu``, ``ip tcp adjust-mss``, DF bit and
  fragmentation (interface-level), ``tunnel protection ipsec profile``;
* BGP: one ``router bgp`` (IOS runs one BGP process: every BGP connection must have the same
  customer ASN) with a neighbor per tunnel (``timers <keepalive> <hold> <hold>``); static: an
  ``ip sla`` probe of the AWS inside address and ``ip route``s into the tunnels for the
  connection's static routes and ``--accept`` prefixes.

Policy options (``--advertise``, ``--accept``, ``--prefer-tunnel``) are implemented here
minimally: prefix lists and AS-path prepending for BGP, route distance for static routing.

Every value goes through :func:`word` (one IOS token: no white space, control characters, ``?``
or quotes); what IOS cannot carry is refused (:class:`EmitError`) or, for what IOS simply has no
place for (EC2-only options, DPD retries, IPv6 inside addresses), reported as a warning.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import attrs

from ..errors import NOT_STATED_HINT, EmitError, Report, describe_value
from ..model import Tunnel, VpnConnection
from ..options import TargetOptions, cli_options, option
from ..registry import OutputFile
from . import _aws, _policy
from ._base import unsupported

NAME = "cisco-ios"
DESCRIPTION = "Cisco IOS/IOS-XE route-based configuration (VTI, IKEv1 or IKEv2, BGP or static)"
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f?\"']")
_IFACE = re.compile(r"^[A-Za-z][A-Za-z0-9/.:-]{0,63}$")

IKE_ENCRYPTION = {"AES128": "aes 128", "AES256": "aes 256"}
IKEV2_ENCRYPTION = {
    "AES128": "aes-cbc-128",
    "AES256": "aes-cbc-256",
    "AES128-GCM-16": "aes-gcm-128",
    "AES256-GCM-16": "aes-gcm-256",
}
IKE_HASH = {"SHA1": "sha", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512"}
IKEV2_INTEGRITY = {"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512"}
ESP_ENCRYPTION = {
    "AES128": "esp-aes 128",
    "AES256": "esp-aes 256",
    "AES128-GCM-16": "esp-gcm 128",
    "AES256-GCM-16": "esp-gcm 256",
}
ESP_INTEGRITY = {
    "SHA1": "esp-sha-hmac",
    "SHA2-256": "esp-sha256-hmac",
    "SHA2-384": "esp-sha384-hmac",
    "SHA2-512": "esp-sha512-hmac",
}
DH_GROUPS = (1, 2, 5, 14, 15, 16, 19, 20, 21, 24)  # what IOS's isakmp/ikev2/pfs accept
REPLAY_WINDOWS = (64, 128, 256, 512, 1024)
MSS_RANGE = (500, 1460)
DPD_RANGE = (10, 3600)
LIFETIME_RANGE = {"ike": (60, 86400), "ikev2": (120, 86400), "ipsec": (120, 86400)}
# Fields IOS has no statement for: warned about when the model states them.
NOT_IN_IOS = (
    "dpd_retries",
    "cgw_inside_v6",
    "aws_inside_v6",
    "rekey_margin_s",
    "rekey_fuzz_pct",
    "dpd_timeout_s",
    "dpd_timeout_action",
    "startup_action",
)


def word(value: object, field: str) -> str:
    """One IOS token: refuses what could end the token or the line, start CLI help or a quote."""
    text = str(value)
    if not text or _UNSAFE.search(text) or text.startswith("!") or text in ("0", "6", "7"):
        what = "an empty value" if not text else describe_value(text) if field != "psk" else "the pre-shared key"
        raise EmitError(
            f"refusing to write {what} as one Cisco IOS word (white space, control characters, "
            "'?', quotes, a leading '!' or a lone 0/6/7 would change the command)",
            field=field,
        )
    return text


def _suffix(conn: VpnConnection, k: int, n: int) -> str:
    return f"{conn.vpn_connection_id}-{k}" if conn.vpn_connection_id else f"vpnxlate-tunnel{n}"


def _local(value: Any) -> ipaddress.IPv4Address | None:
    # IOS's own rule (IPv4 only, one message for both cases), not the shared --local-address field
    if not value:
        return None
    try:
        return ipaddress.IPv4Address(str(value).strip())
    except ValueError:
        raise EmitError(f"--local-address: not an IPv4 address: {describe_value(value)}") from None


def _source_interface(value: Any) -> str | None:
    if not value:
        return None
    text = str(value)
    if not _IFACE.match(text):
        raise EmitError(f"--source-interface: not an interface name: {describe_value(text)}")
    return text


def _first_tunnel(value: Any) -> int:
    first = 1 if value is None else value
    if isinstance(first, bool) or not isinstance(first, int) or not 0 <= first <= 9000:
        raise EmitError(f"--first-tunnel: must be 0..9000, not {describe_value(first)}")
    return first


def _advertise(values: Any) -> tuple[ipaddress.IPv4Network, ...]:
    nets = {_prefix(p, "--advertise") for p in values or ()}
    return tuple(sorted(nets, key=lambda n: (int(n.network_address), n.prefixlen)))


def _accept(values: Any) -> tuple[tuple[str | None, ipaddress.IPv4Network], ...]:
    return _policy.accept_items(values, lambda p: _prefix(p, "--accept"))


# Cisco's routing options stay its own: its --accept CONN_ID= takes connection ids only (the
# shared routing options also take the connections' tags) and it has no route-maps to share.
@attrs.frozen(kw_only=True, slots=False)
class Options(TargetOptions):
    """The options of ``--to cisco-ios``."""

    local_address: ipaddress.IPv4Address | None = option(
        "--local-address",
        "the router's own address for IKE when it is behind NAT (default: the customer gateway outside IP)",
        metavar="IP",
        convert=_local,
    )
    source_interface: str | None = option(
        "--source-interface",
        "write 'tunnel source IFACE' (e.g. GigabitEthernet0/0) instead of the address",
        metavar="IFACE",
        convert=_source_interface,
    )
    first_tunnel: int = option(
        "--first-tunnel",
        "number of the first Tunnel interface (default 1)",
        kind="int",
        default=1,
        metavar="N",
        convert=_first_tunnel,
    )
    advertise: tuple[ipaddress.IPv4Network, ...] = option(
        "--advertise",
        "prefix to advertise to AWS over BGP (repeatable)",
        kind="list",
        metavar="PREFIX",
        convert=_advertise,
    )
    accept: tuple[tuple[str | None, ipaddress.IPv4Network], ...] = option(
        "--accept",
        "prefix to accept from AWS / route into the tunnels: PREFIX or CONN_ID=PREFIX (repeatable)",
        kind="list",
        metavar="[CONN_ID=]PREFIX",
        convert=_accept,
    )
    prefer_tunnel: int | None = option(
        "--prefer-tunnel",
        "prefer tunnel 1 or 2 of each connection (AS-path prepend / route distance on the other one)",
        choices=("1", "2"),
        metavar="N",
        convert=_policy.to_prefer_tunnel,
    )


OPTIONS = cli_options(Options)


class _Opts:
    """The options resolved against the connections (``--accept CONN_ID=``)."""

    def __init__(self, connections: list[VpnConnection], o: Options) -> None:
        self.options = o
        self.local = o.local_address
        self.source_interface = o.source_interface
        self.first = o.first_tunnel
        self.advertise = o.advertise
        ids = {c.vpn_connection_id for c in connections if c.vpn_connection_id}
        self.accept_all: list[ipaddress.IPv4Network] = []
        self.accept_by: dict[str, list[ipaddress.IPv4Network]] = {}
        for cid, net in o.accept:
            if cid is None:
                self.accept_all.append(net)
            elif cid not in ids:
                raise EmitError(
                    f"--accept: no connection {describe_value(cid)} (connections: {', '.join(sorted(ids))})"
                )
            else:
                self.accept_by.setdefault(cid, []).append(net)
        self.prefer = o.prefer_tunnel

    def accepts(self, conn: VpnConnection) -> list[ipaddress.IPv4Network]:
        return [*self.accept_all, *self.accept_by.get(conn.vpn_connection_id or "", [])]


# (connection, tunnel index in it, Tunnel<n> number, tunnel) of every tunnel written, in order
_Planned = list[tuple[VpnConnection, int, int, Tunnel]]


def _prefix(text: object, flag: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(str(text).strip())
    except ValueError:
        raise EmitError(f"{flag}: not an IPv4 prefix: {describe_value(text)}") from None


def _mask(iface: ipaddress.IPv4Interface) -> str:
    """``169.254.21.2/30`` -> ``169.254.21.2 255.255.255.252``."""
    return f"{word(iface.ip, 'cgw_inside')} {iface.netmask}"


def _in_range(value: int, lo: int, hi: int, field: str, where: str) -> int:
    if not lo <= value <= hi:
        raise EmitError(f"{where}: {field}: Cisco IOS accepts {lo}..{hi}, not {value}", field=field)
    return value


def _one(p: _aws.Picker, field: str, table: dict[Any, str], what: str) -> str | None:
    values = p.get(field)
    if values is None:
        return None
    if len(values) > 1:
        p.warn(
            field,
            f"writing {values[0]} only (one value per {what}); leaving out {', '.join(map(str, values[1:]))}",
            code="one-value",
        )
    value = values[0]
    if value not in table:
        raise EmitError(f"{p.where}: {field}: Cisco IOS {what} cannot use {value}", field=field)
    return table[value]


def _group(p: _aws.Picker, field: str) -> int | None:
    values = p.get(field)
    if values is None:
        return None
    if len(values) > 1:
        p.warn(
            field, f"writing group {values[0]} only; leaving out {', '.join(map(str, values[1:]))}", code="one-value"
        )
    if values[0] not in DH_GROUPS:
        raise EmitError(f"{p.where}: {field}: Cisco IOS has no Diffie-Hellman group {values[0]}", field=field)
    return int(values[0])


@attrs.frozen
class _Peer:
    """The checked values of one tunnel that its IKE, IPsec and interface sections share, as IOS words."""

    p: _aws.Picker
    sfx: str  # suffix of the tunnel's keyring / profile / transform-set names
    aws: str  # AWS outside address
    local: str | None  # the router's address for IKE (--local-address or the customer gateway's)
    psk: str = attrs.field(repr=False)
    v2: bool
    lifetime: int | None  # IKE SA lifetime
    dpd: int | None
    group: int | None  # IKE Diffie-Hellman group


def _peer(conn: VpnConnection, k: int, n: int, t: Tunnel, opts: _Opts, p: _aws.Picker) -> _Peer:
    """Checks the tunnel's addresses, key, IKE version, lifetime, DPD interval and DH group."""
    sfx = _suffix(conn, k, n)
    aws = word(t.aws_outside_ip, "aws_outside_ip")
    if t.aws_outside_ip.version != 4:
        raise EmitError(f"{p.where}: aws_outside_ip: this target writes IPv4 tunnels only", field="aws_outside_ip")
    local = opts.local or t.cgw_outside_ip
    local_w = None if local is None else word(local, "cgw_outside_ip")
    if t.psk is None:
        raise EmitError(f"{p.where}: psk: not stated; a Cisco IOS keyring needs the pre-shared key", field="psk")
    psk = word(opts.options.secret(t.psk), "psk")
    versions = t.ike.versions or ("ikev1",)
    if len(versions) > 1:
        p.warn("ike.versions", f"writing {versions[0]} only; leaving out {', '.join(versions[1:])}", code="one-value")
    v2 = versions[0] == "ikev2"
    lifetime = t.ike.lifetime_s
    if lifetime is not None:
        lo, hi = LIFETIME_RANGE["ikev2" if v2 else "ike"]
        _in_range(lifetime, lo, hi, "ike.lifetime_s", p.where)
    dpd = t.dpd_interval_s
    if dpd is not None:
        _in_range(dpd, *DPD_RANGE, "dpd_interval_s", p.where)
    group = _group(p, "ike.dh_groups")
    return _Peer(p, sfx, aws, local_w, psk, v2, lifetime, dpd, group)


def _ikev2(lines: list[str], peer: _Peer, t: Tunnel) -> str:
    """IKEv2 proposal, policy, keyring and profile; returns the IPsec profile's line naming the profile."""
    p, sfx, aws = peer.p, peer.sfx, peer.aws
    enc = _one(p, "ike.encryption", IKEV2_ENCRYPTION, "IKEv2 proposal")
    integ = _one(p, "ike.integrity", IKEV2_INTEGRITY, "IKEv2 proposal")
    gcm = bool(enc and "gcm" in enc)
    if p.get("ike.mode") is not None:
        p.unsupported("ike.mode", "an IKEv2 phase 1 mode")
    lines.append(f"crypto ikev2 proposal ikev2-prop-{sfx}")
    if enc:
        lines.append(f"  encryption {enc}")
    if integ:
        lines.append(f"  {'prf' if gcm else 'integrity'} {integ}")
    if peer.group is not None:
        lines.append(f"  group {peer.group}")
    lines += ["exit", f"crypto ikev2 policy ikev2-policy-{sfx}"]
    if peer.local:
        lines.append(f"  match address local {peer.local}")
    lines += [
        f"  proposal ikev2-prop-{sfx}",
        "exit",
        f"crypto ikev2 keyring keyring-{sfx}",
        f"  peer {aws}",
        f"    address {aws}",
        f"    pre-shared-key {peer.psk}",
        "  exit",
        "exit",
        f"crypto ikev2 profile ikev2-{sfx}",
        f"  match identity remote address {aws} 255.255.255.255",
    ]
    if t.cgw_outside_ip is not None:
        lines.append(f"  identity local address {word(t.cgw_outside_ip, 'cgw_outside_ip')}")
    lines += [
        "  authentication remote pre-share",
        "  authentication local pre-share",
        f"  keyring local keyring-{sfx}",
    ]
    if peer.lifetime is not None:
        lines.append(f"  lifetime {peer.lifetime}")
    if peer.dpd is not None:
        lines.append(f"  dpd {peer.dpd} {min(max(peer.dpd, 2), 60)} on-demand")
    lines.append("exit")
    return f"  set ikev2-profile ikev2-{sfx}"


def _ikev1(lines: list[str], peer: _Peer, t: Tunnel, n: int) -> str:
    """ISAKMP policy, keyring and ISAKMP profile; returns the IPsec profile's line naming the profile."""
    p, sfx = peer.p, peer.sfx
    enc = _one(p, "ike.encryption", IKE_ENCRYPTION, "ISAKMP policy (IKEv1 has no AES-GCM on IOS)")
    integ = _one(p, "ike.integrity", IKE_HASH, "ISAKMP policy")
    lines.append(f"crypto isakmp policy {199 + n}")
    if enc:
        lines.append(f"  encryption {enc}")
    lines.append("  authentication pre-share")
    if peer.group is not None:
        lines.append(f"  group {peer.group}")
    if peer.lifetime is not None:
        lines.append(f"  lifetime {peer.lifetime}")
    if integ:
        lines.append(f"  hash {integ}")
    lines += ["exit", f"crypto keyring keyring-{sfx}"]
    if peer.local:
        lines.append(f"  local-address {peer.local}")
    lines += [f"  pre-shared-key address {peer.aws} key {peer.psk}", "exit", f"crypto isakmp profile isakmp-{sfx}"]
    if peer.local:
        lines.append(f"  local-address {peer.local}")
    lines += [f"  match identity address {peer.aws}", f"  keyring keyring-{sfx}"]
    if peer.dpd is not None:
        lines.append(f"  keepalive {peer.dpd} retry {min(max(peer.dpd, 2), 60)}")
    if t.ike.mode == "aggressive":
        lines.append("  initiate mode aggressive")
    lines.append("exit")
    return f"  set isakmp-profile isakmp-{sfx}"


def _transforms(p: _aws.Picker) -> str:
    """The ESP transforms of the transform set (AWS's default when the model states none)."""
    esp_enc = _one(p, "ipsec.encryption", ESP_ENCRYPTION, "transform set")
    esp_int = _one(p, "ipsec.integrity", ESP_INTEGRITY, "transform set")
    if esp_enc and "gcm" in esp_enc and esp_int:
        p.warn("ipsec.integrity", "an ESP-GCM transform set has no integrity transform; left out", code="unsupported")
        esp_int = None
    transforms = " ".join(x for x in (esp_enc, esp_int) if x) or "esp-aes 128 esp-sha-hmac"
    if not (esp_enc or esp_int):
        p.warn(
            "ipsec.encryption",
            "no ESP algorithms stated; writing AWS's default esp-aes 128 esp-sha-hmac",
            code="aws-default",
        )
    return transforms


def _ipsec(lines: list[str], peer: _Peer, t: Tunnel, profile_line: str) -> None:
    """Transform set and IPsec profile (PFS, SA lifetime, replay window, the IKE profile)."""
    p, sfx = peer.p, peer.sfx
    lines += [f"crypto ipsec transform-set ipsec-prop-{sfx} {_transforms(p)}"]
    if t.ipsec.mode is not None:
        lines.append(f"  mode {word(t.ipsec.mode, 'ipsec.mode')}")
    lines += ["exit", f"crypto ipsec profile ipsec-{sfx}"]
    pfs = _group(p, "ipsec.pfs_dh_groups")
    if pfs is not None:
        lines.append(f"  set pfs group{pfs}")
    if t.ipsec.lifetime_s is not None:
        lines.append(
            f"  set security-association lifetime seconds "
            f"{_in_range(t.ipsec.lifetime_s, *LIFETIME_RANGE['ipsec'], 'ipsec.lifetime_s', p.where)}"
        )
    if t.replay_window is not None:
        if t.replay_window in REPLAY_WINDOWS:
            lines.append(f"  set security-association replay window-size {t.replay_window}")
        else:
            p.warn(
                "replay_window",
                f"Cisco IOS accepts a replay window of {', '.join(map(str, REPLAY_WINDOWS))}, "
                f"not {t.replay_window}; left out",
                code="unsupported",
            )
    lines += [f"  set transform-set ipsec-prop-{sfx}", profile_line, "exit"]


def _interface(lines: list[str], peer: _Peer, t: Tunnel, n: int, opts: _Opts) -> None:
    """``interface Tunnel<n>``: inside address, MTU, source and destination, protection, DF bit,
    fragmentation, TCP MSS."""
    lines.append(f"interface Tunnel{n}")
    if t.cgw_inside is not None:
        lines.append(f"  ip address {_mask(t.cgw_inside)}")
    if t.mtu is not None:
        lines.append(f"  ip mtu {t.mtu}")
    lines.append("  ip virtual-reassembly")
    if opts.source_interface:
        lines.append(f"  tunnel source {opts.source_interface}")
    elif peer.local:
        lines.append(f"  tunnel source {peer.local}")
    lines += [
        f"  tunnel destination {peer.aws}",
        "  tunnel mode ipsec ipv4",
        f"  tunnel protection ipsec profile ipsec-{peer.sfx}",
    ]
    if t.clear_df_bit is not None:
        lines.append(f"  crypto ipsec df-bit {'clear' if t.clear_df_bit else 'copy'}")
    if t.fragmentation_before_encryption is not None:
        lines.append(
            f"  crypto ipsec fragmentation {'before' if t.fragmentation_before_encryption else 'after'}-encryption"
        )
    if t.tcp_mss is not None:
        lines.append(f"  ip tcp adjust-mss {_in_range(t.tcp_mss, *MSS_RANGE, 'tcp_mss', peer.p.where)}")
    lines += ["  no shutdown", "exit"]


def _tunnel(lines: list[str], conn: VpnConnection, k: int, n: int, t: Tunnel, opts: _Opts, report: Report) -> None:
    p = _aws.Picker(report, NAME, conn, k + 1, t)
    p.unsupported_all(NOT_IN_IOS)
    peer = _peer(conn, k, n, t, opts, p)
    lines += [
        "! " + "-" * 80,
        f"! IPSec Tunnel #{k + 1} of {conn.name} (interface Tunnel{n})",
        "! " + "-" * 80,
        "! #1: Internet Key Exchange (IKE) Configuration",
        "!",
    ]
    profile_line = _ikev2(lines, peer, t) if peer.v2 else _ikev1(lines, peer, t, n)
    lines += ["!", "! #2: IPSec Configuration", "!"]
    _ipsec(lines, peer, t, profile_line)
    lines += ["!", "! #3: Tunnel Interface Configuration", "!"]
    _interface(lines, peer, t, n, opts)
    lines.append("!")


def _bgp_asn(bgp: _Planned) -> int:
    """The one customer ASN of the BGP tunnels (IOS runs one BGP process)."""
    asns: list[int] = []
    for c, k, _, t in bgp:
        assert t.bgp is not None  # kept by the caller's filter
        if t.bgp.cgw_asn is None:  # "router bgp None" is not a configuration
            raise EmitError(
                f"{c.name} tunnel {k + 1} ({t.aws_outside_ip}): the input does not state the customer gateway "
                f"(this router's) ASN; {NOT_STATED_HINT}",
                field="bgp.cgw_asn",
            )
        asns.append(t.bgp.cgw_asn)
    asns = sorted(set(asns))
    if len(asns) > 1:
        raise EmitError(
            f"Cisco IOS runs one BGP process; these connections have customer ASNs "
            f"{', '.join(map(str, asns))} (write them for separate routers)",
            field="bgp.cgw_asn",
        )
    return asns[0]


def _export_policy(lines: list[str], opts: _Opts, asn: int) -> None:
    """Prefix list and route-maps of --advertise (with the AS-path prepend of --prefer-tunnel)."""
    for net in opts.advertise:
        lines.append(f"ip prefix-list VPNXLATE-OUT permit {net}")
    lines.append("route-map VPNXLATE-OUT permit 10")
    lines += ["  match ip address prefix-list VPNXLATE-OUT", "exit"]
    if opts.prefer is not None:
        lines += [
            "route-map VPNXLATE-OUT-BACKUP permit 10",
            "  match ip address prefix-list VPNXLATE-OUT",
            f"  set as-path prepend {asn} {asn}",
            "exit",
        ]


def _accept_lists(lines: list[str], bgp: _Planned, opts: _Opts) -> dict[str, str]:
    """One prefix list per distinct --accept set; returns connection id (or ``all``) -> list name."""
    accept_lists: dict[str, str] = {}
    for c, _, _, _ in bgp:
        nets = opts.accepts(c)
        key = c.vpn_connection_id or "all"
        if nets and key not in accept_lists:
            name = f"VPNXLATE-IN-{len(accept_lists) + 1}"
            accept_lists[key] = name
            for net in nets:
                lines.append(f"ip prefix-list {name} permit {net} le 32")
    return accept_lists


def _neighbors(lines: list[str], bgp: _Planned, report: Report) -> list[tuple[VpnConnection, int, str]]:
    """The ``neighbor … remote-as`` / ``timers`` lines; returns (connection, tunnel index, neighbor word)."""
    neighbors = []
    for c, k, _, t in bgp:
        assert t.bgp is not None
        ip = t.bgp.neighbor_ip or (t.aws_inside.ip if t.aws_inside else None)
        if ip is None or t.cgw_inside is None or ip not in t.cgw_inside.network:
            raise EmitError(
                f"{c.name}: tunnel {k + 1} ({t.aws_outside_ip}): bgp.neighbor_ip: the BGP neighbor must "
                "be inside the tunnel's inside /30",
                field="bgp.neighbor_ip",
            )
        if t.aws_inside is not None and t.aws_inside.ip != ip:
            unsupported(
                report,
                c.name,
                f"tunnel {k + 1} ({t.aws_outside_ip}): aws_inside: differs from the BGP "
                "neighbor; the neighbor is written",
                field="aws_inside",
                code="unsupported",
            )
        nb = word(ip, "bgp.neighbor_ip")
        neighbors.append((c, k, nb))
        lines.append(f"  neighbor {nb} remote-as {t.bgp.aws_asn}")
        if t.bgp.hold_time is not None:
            hold = t.bgp.hold_time
            keepalive = 0 if hold == 0 else max(1, min(10, hold // 3))
            lines.append(f"  neighbor {nb} timers {keepalive} {hold} {hold}" if hold else f"  neighbor {nb} timers 0 0")
    return neighbors


def _address_family(
    lines: list[str], neighbors: list[tuple[VpnConnection, int, str]], accept_lists: dict[str, str], opts: _Opts
) -> None:
    """``address-family ipv4 unicast``: the neighbors' activation and policies, the advertised networks."""
    lines.append("  address-family ipv4 unicast")
    for c, k, nb in neighbors:
        lines += [f"    neighbor {nb} activate", f"    neighbor {nb} soft-reconfiguration inbound"]
        in_list = accept_lists.get(c.vpn_connection_id or "all")
        if in_list:
            lines.append(f"    neighbor {nb} prefix-list {in_list} in")
        if opts.advertise:
            backup = opts.prefer is not None and k + 1 != opts.prefer
            lines.append(f"    neighbor {nb} route-map VPNXLATE-OUT{'-BACKUP' if backup else ''} out")
    for net in opts.advertise:
        lines.append(f"    network {net.network_address} mask {net.netmask}")
    lines += ["  exit-address-family", "exit"]


def _bgp(lines: list[str], planned: _Planned, opts: _Opts, report: Report) -> None:
    bgp = [(c, k, n, t) for c, k, n, t in planned if c.routing == "bgp" and t.bgp is not None]
    if not bgp:
        if opts.advertise:
            unsupported(
                report, None, "--advertise applies to BGP connections only", field="advertise", code="advertise-static"
            )
        return
    asn = _bgp_asn(bgp)
    if opts.prefer is not None and not opts.advertise:
        raise EmitError("--prefer-tunnel with BGP needs --advertise (the prepend goes on the advertised prefixes)")
    lines += ["! " + "-" * 80, "! #4: Border Gateway Protocol (BGP) Configuration", "!"]
    if opts.advertise:
        _export_policy(lines, opts, asn)
    accept_lists = _accept_lists(lines, bgp, opts)
    lines += [f"router bgp {asn}", "  bgp log-neighbor-changes"]
    neighbors = _neighbors(lines, bgp, report)
    _address_family(lines, neighbors, accept_lists, opts)
    for net in opts.advertise:
        lines.append(f"ip route {net.network_address} {net.netmask} Null0 254")
    if not opts.advertise:
        unsupported(
            report,
            None,
            "no --advertise: the BGP sessions advertise nothing to AWS",
            field="advertise",
            code="ios-no-advertise",
        )
    lines.append("!")


def _static(lines: list[str], planned: _Planned, opts: _Opts, report: Report) -> None:
    static = [(c, k, n, t) for c, k, n, t in planned if c.routing == "static" or t.bgp is None]
    if not static:
        return
    lines += ["! " + "-" * 80, "! #4 Static Route Configuration", "!"]
    for c, k, n, t in static:
        if t.aws_inside is not None:
            lines += [
                f"ip sla {n}",
                f"   icmp-echo {word(t.aws_inside.ip, 'aws_inside')} source-interface Tunnel{n}",
                "   timeout 1000",
                "   frequency 5",
                "exit",
                f"ip sla schedule {n} life forever start-time now",
                f"track {n} ip sla {n} reachability",
            ]
        routes = [r for r in (c.static_routes or ()) if isinstance(r, ipaddress.IPv4Network)]
        skipped = [r for r in (c.static_routes or ()) if not isinstance(r, ipaddress.IPv4Network)]
        if skipped:
            unsupported(
                report,
                c.name,
                f"static_routes: IPv6 routes are not written: {', '.join(map(str, skipped))}",
                field="static_routes",
                code="unsupported",
                error=EmitError,
            )
        for net in dict.fromkeys([*routes, *opts.accepts(c)]):
            distance = " 10" if opts.prefer is not None and k + 1 != opts.prefer else ""
            track = f" track {n}" if t.aws_inside is not None else ""
            lines.append(f"ip route {net.network_address} {net.netmask} Tunnel{n}{distance}{track}")
    if not any(c.static_routes or opts.accepts(c) for c, _, _, _ in static):
        unsupported(
            report,
            None,
            "static routing, but no routes: add --accept VPC_CIDR to route into the tunnels",
            field="accept",
            code="ios-no-route",
        )
    lines.append("!")


def _ikev2_selection(planned: _Planned, opts: _Opts, report: Report) -> None:
    """IOS picks an IKEv2 policy by local address, not per peer: tunnels that share a local address
    but not their IKE proposal would all get the first one."""
    seen: dict[Any, tuple[Any, str]] = {}
    for c, k, _, t in planned:
        if t.ike.versions != ("ikev2",):
            continue
        local = opts.local or t.cgw_outside_ip
        proposal = (t.ike.encryption, t.ike.integrity, t.ike.dh_groups)
        first = seen.setdefault(local, (proposal, f"{c.name} tunnel {k + 1}"))
        if first[0] != proposal:
            unsupported(
                report,
                c.name,
                f"tunnel {k + 1} ({t.aws_outside_ip}): ike: IOS chooses the IKEv2 policy by local "
                f"address {local}, so this tunnel is offered the proposal of {first[1]} first",
                field="ike",
                code="ios-ikev2-policy",
            )


def _header(conn: VpnConnection) -> list[str]:
    lines = [
        "! Amazon Web Services",
        "! Virtual Private Cloud",
        "! (Cisco IOS configuration written by vpnxlate from the connection's values)",
        "!",
    ]
    for label, value in (
        ("VPN Connection ID                  ", conn.vpn_connection_id),
        ("Virtual Private Gateway ID         ", conn.vpn_gateway_id),
        ("Transit Gateway ID                 ", conn.transit_gateway_id),
        ("Customer Gateway ID                ", conn.customer_gateway_id),
    ):
        if value is not None:
            lines.append(f"! Your {label}: {word(value, 'id')}")
    return [*lines, "!"]


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    opts = _Opts(connections, options)
    lines: list[str] = []
    planned: _Planned = []
    n = opts.first
    for conn in _aws.ordered(connections):
        lines += _header(conn)
        for k, t in enumerate(conn.tunnels):
            if 199 + n > 10000:
                raise EmitError(f"Tunnel{n}: ISAKMP policy {199 + n} is above IOS's 10000; use a lower --first-tunnel")
            _tunnel(lines, conn, k, n, t, opts, report)
            planned.append((conn, k, n, t))
            n += 1
    _ikev2_selection(planned, opts, report)
    _bgp(lines, planned, opts, report)
    _static(lines, planned, opts, report)
    lines += ["end"]
    return [OutputFile("cisco-ios.cfg", "\n".join(lines) + "\n", secret=_aws.has_secret(connections))]
