"""``aws-cisco-ios``: AWS's Cisco IOS / ISR download (IKEv1 and IKEv2), or a running config
derived from it, read with ciscoconfparse's IOS syntax.

A tunnel is an ``interface TunnelN`` with ``tunnel protection ipsec profile P``; everything else
is resolved by reference from it::

    interface Tunnel1            -> tunnel destination <AWS_OUT>, ip address <CGW_IN> <mask>,
                                    ip mtu, ip tcp adjust-mss, tunnel source <CGW_OUT>|<interface>
    crypto ipsec profile P       -> set transform-set T, set pfs groupN, set security-association
                                    lifetime seconds N, set ikev2-profile / set isakmp-profile
    crypto ipsec transform-set T -> esp-aes 128 esp-sha-hmac, mode tunnel
    IKEv1: crypto isakmp profile matching the AWS outside IP (match identity address), its
           keyring (pre-shared-key address <AWS_OUT> key <PSK>, local-address <CGW_OUT>), the
           isakmp policy 199+N for TunnelN (AWS writes 200/201; else the lowest-numbered one),
           crypto isakmp keepalive (global) or the profile's keepalive -> DPD interval
    IKEv2: crypto ikev2 profile (set ikev2-profile or match identity remote address), its keyring
           peer with the AWS outside IP (pre-shared-key), lifetime, dpd; the ikev2 policy matching
           the local address -> its proposal (encryption / integrity / group)
    router bgp <CGW_ASN>         -> neighbor <AWS_IN> remote-as / timers K H (hold time H);
                                    the neighbor inside the tunnel's /30 belongs to it
    ip sla … icmp-echo <AWS_IN> source-interface TunnelN (static variant) -> AWS inside address
    ip route <net> <mask> TunnelN -> the connection's static routes

The connection id comes from object names (``ipsec-vpn-<ID>-0``) or the header; several
downloads in one running config become several connections.  Lines not part of these stanzas
are ignored (edited files carry unrelated configuration).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ..detect import NO, STRONG
from ..errors import ParseError, Report
from ..model import VpnConnection
from ._cisco import arg, assign_neighbor, bgp_neighbors, by_name, child, children, isakmp, policies, transform_set
from ._common import algos, dh_group, normalize_newlines, to_int, to_ip, to_psk
from ._vendor import (
    Facts,
    Node,
    connections,
    header_blocks,
    id_from_name,
    ip_or_interface,
    mask_interface,
    mask_network,
    read_tree,
)

NAME = "aws-cisco-ios"
DESCRIPTION = "AWS's Cisco IOS/ISR download or running config (crypto keyring/isakmp or ikev2, interface Tunnel)"
VENDOR = "Cisco"  # a vendor download: tried before the other-vendor check

_DETECT_LIMIT = 200_000
_IOS = re.compile(
    r"^[ \t]*crypto[ \t]+(?:keyring|isakmp[ \t]+profile|ikev2[ \t]+(?:profile|keyring)"
    r"|ipsec[ \t]+transform-set)[ \t]",
    re.MULTILINE,
)
_TUNNEL = re.compile(r"^[ \t]*tunnel[ \t]+protection[ \t]+ipsec[ \t]+profile[ \t]", re.MULTILINE)
# ASA statements (never in AWS's IOS download)
_ASA = re.compile(
    r"^[ \t]*(?:crypto[ \t]+ikev1[ \t]|crypto[ \t]+ipsec[ \t]+ikev[12][ \t]|tunnel-group[ \t]"
    r"|crypto[ \t]+map[ \t])",
    re.MULTILINE,
)


def detect(text: str) -> int:
    """STRONG for IOS crypto statements with ``tunnel protection``; NO when the text has
    statements AWS's IOS download never contains (ASA commands)."""
    head = text[:_DETECT_LIMIT]
    return STRONG if _IOS.search(head) and _TUNNEL.search(head) and not _ASA.search(head) else NO


class _Config:
    def __init__(self, tree: list[Node]) -> None:
        self.tree = tree
        self.isakmp_policies = {
            int(k): v for k, v in by_name(tree, "crypto", "isakmp", "policy").items() if k.isdecimal()
        }
        self.isakmp_profiles = by_name(tree, "crypto", "isakmp", "profile")
        self.keyrings = by_name(tree, "crypto", "keyring")
        self.transform_sets = by_name(tree, "crypto", "ipsec", "transform-set")
        self.ipsec_profiles = by_name(tree, "crypto", "ipsec", "profile")
        self.ikev2_proposals = by_name(tree, "crypto", "ikev2", "proposal")
        self.ikev2_policies = by_name(tree, "crypto", "ikev2", "policy")
        self.ikev2_keyrings = by_name(tree, "crypto", "ikev2", "keyring")
        self.ikev2_profiles = by_name(tree, "crypto", "ikev2", "profile")
        self.interfaces = {k.lower(): v for k, v in by_name(tree, "interface").items()}
        self.globals = [n for n in tree if n.words[:1] == ["crypto"] and not n.children]
        self.bgp = [n for n in tree if [w.lower() for w in n.words[:2]] == ["router", "bgp"]]


def parse(text: str, report: Report) -> list[VpnConnection]:
    text = normalize_newlines(text)
    headers = header_blocks(text)
    cfg = _Config(read_tree(text, "ios"))
    global_dpd, df_bit, frag, replay = _globals(cfg)
    found = []
    for ifname, iface in cfg.interfaces.items():
        prot = child(iface, "tunnel", "protection", "ipsec", "profile")
        if ifname.startswith("tunnel") and prot is not None and len(prot.words) >= 5:
            found.append((ifname, _tunnel(cfg, ifname, iface, prot, global_dpd, df_bit, frag, replay, report)))
    neighbors = bgp_neighbors(cfg.bgp)  # after the tunnels: their errors come first, in file order
    slas = _sla_targets(cfg)
    routes = _routes(cfg)
    tunnels: list[tuple[str | None, Facts]] = []
    static_routes: dict[str | None, list[ipaddress.IPv4Network]] = {}
    for ifname, (conn_id, facts) in found:
        assign_neighbor(facts, neighbors)
        inside = facts.get("cgw_inside")
        for ip, source, line in slas:
            if source == ifname and inside is not None and ip in inside.network:
                facts.set("aws_inside", ipaddress.IPv4Interface((ip, inside.network.prefixlen)), line)
        static_routes.setdefault(conn_id, []).extend(routes.get(ifname, []))
        tunnels.append((conn_id, facts))
    if not tunnels:
        raise ParseError("no 'interface Tunnel…' with 'tunnel protection ipsec profile' found")
    return connections(report, tunnels, headers, static_routes=static_routes)


# ------------------------------------------------------------------ one tunnel


def _tunnel(
    cfg: _Config,
    ifname: str,
    iface: Node,
    prot: Node,
    global_dpd: tuple[int, int] | None,
    df_bit: tuple[bool, int] | None,
    frag: tuple[bool, int] | None,
    replay: tuple[int, int] | None,
    report: Report,
) -> tuple[str | None, Facts]:
    f = Facts(iface.line)
    profile_name = prot.words[4]
    dest, line = arg(iface, "tunnel", "destination")
    if dest is not None:
        f.set("aws_outside_ip", to_ip(dest, field="aws_outside_ip", line=line), line)
    src, line = arg(iface, "tunnel", "source")
    if src is not None and line is not None:
        f.set("cgw_outside_ip", ip_or_interface(src, field="cgw_outside_ip", line=line), line)
    addr = child(iface, "ip", "address")
    if addr is not None and len(addr.words) >= 4:
        f.set("cgw_inside", mask_interface(addr.words[2], addr.words[3], field="cgw_inside", line=addr.line), addr.line)
    for field, words in (("mtu", ("ip", "mtu")), ("tcp_mss", ("ip", "tcp", "adjust-mss"))):
        value, line = arg(iface, *words)
        if value is not None:
            f.set(field, to_int(value, field=field, line=line), line)
    for node in children(iface, "crypto", "ipsec"):
        _df_or_frag(f, node)
    profile = cfg.ipsec_profiles.get(profile_name)
    if profile is None:
        raise ParseError(
            f"tunnel protection names IPsec profile {profile_name!r}, which is not defined",
            field="ipsec",
            line=prot.line,
        )
    _ipsec(cfg, f, profile)
    ikev2_name, line = arg(profile, "set", "ikev2-profile")
    if ikev2_name is not None or (not cfg.isakmp_profiles and cfg.ikev2_profiles):
        _ikev2(cfg, f, ikev2_name, line or profile.line)
        dpd = None
    else:
        isakmp_name, _ = arg(profile, "set", "isakmp-profile")
        _ikev1(cfg, f, ifname, isakmp_name, report)
        dpd = global_dpd
    if "dpd_interval_s" not in f.values and dpd is not None:
        f.set("dpd_interval_s", dpd[0], dpd[1])
    for field, glob in (("clear_df_bit", df_bit), ("fragmentation_before_encryption", frag), ("replay_window", replay)):
        if field not in f.values and glob is not None:
            f.set(field, glob[0], glob[1])
    if "aws_outside_ip" not in f.values:
        raise ParseError(
            f"{ifname}: no 'tunnel destination' and no peer address in its profiles",
            field="aws_outside_ip",
            line=iface.line,
        )
    ident = id_from_name(profile_name) or id_from_name(ifname)
    return (ident[0] if ident else None), f


def _df_or_frag(f: Facts, node: Node) -> None:
    w = [x.lower() for x in node.words]
    if w[2:3] == ["df-bit"] and len(w) >= 4:
        f.set("clear_df_bit", w[3] == "clear", node.line)
    elif w[2:3] == ["fragmentation"] and len(w) >= 4:
        f.set("fragmentation_before_encryption", w[3] == "before-encryption", node.line)


def _ipsec(cfg: _Config, f: Facts, profile: Node) -> None:
    ts_name, line = arg(profile, "set", "transform-set")
    if ts_name is not None:
        ts = cfg.transform_sets.get(ts_name)
        if ts is None:
            raise ParseError(
                f"IPsec profile uses transform set {ts_name!r}, which is not defined", field="ipsec", line=line
            )
        transform_set(f, ts)
    pfs, line = arg(profile, "set", "pfs")
    if pfs is not None:
        f.set("ipsec.pfs_dh_groups", algos(dh_group, [pfs], field="ipsec.pfs_dh_groups", line=line), line)
    life = child(profile, "set", "security-association", "lifetime", "seconds")
    if life is not None and len(life.words) >= 5:
        f.set("ipsec.lifetime_s", to_int(life.words[4], field="ipsec.lifetime_s", line=life.line), life.line)
    replay = child(profile, "set", "security-association", "replay", "window-size")
    if replay is not None and len(replay.words) >= 5:
        f.set("replay_window", to_int(replay.words[4], field="replay_window", line=replay.line), replay.line)


def _ikev1(cfg: _Config, f: Facts, ifname: str, profile_name: str | None, report: Report) -> None:
    f.set("ike.versions", ("ikev1",), None)
    aws = f.get("aws_outside_ip")
    profile = cfg.isakmp_profiles.get(profile_name) if profile_name else None
    if profile is None:
        for p in cfg.isakmp_profiles.values():
            m = child(p, "match", "identity", "address")
            if m is not None and len(m.words) >= 4 and aws is not None and m.words[3] == str(aws):
                profile = p
                break
    keyring_name = None
    if profile is not None:
        m = child(profile, "match", "identity", "address")
        if m is not None and len(m.words) >= 4:
            f.set("aws_outside_ip", to_ip(m.words[3], field="aws_outside_ip", line=m.line), m.line)
            aws = f.get("aws_outside_ip")
        _local(f, profile)
        keyring_name, _ = arg(profile, "keyring")
        ka = child(profile, "keepalive")
        if ka is not None and len(ka.words) >= 2:
            f.set("dpd_interval_s", to_int(ka.words[1], field="dpd_interval_s", line=ka.line), ka.line)
        mode = child(profile, "initiate", "mode", "aggressive")
        if mode is not None:
            f.set("ike.mode", "aggressive", mode.line)
    rings = [cfg.keyrings[keyring_name]] if keyring_name in cfg.keyrings else list(cfg.keyrings.values())
    for ring in rings:
        for psk in children(ring, "pre-shared-key", "address"):
            if len(psk.words) >= 5 and aws is not None and psk.words[2] == str(aws):
                if psk.words[-3:-1] in (["key", "6"], ["key", "7"]):
                    raise ParseError(
                        "the pre-shared key is stored encrypted (key 6/7); use the plain key from AWS's download",
                        field="psk",
                        line=psk.line,
                    )
                f.set("psk", to_psk(psk.words[-1], line=psk.line), psk.line)
                _local(f, ring)
    policies(f, cfg.isakmp_policies, ifname, report)


def _local(f: Facts, node: Node) -> None:
    local, line = arg(node, "local-address")
    if local is not None and line is not None:
        f.set("cgw_outside_ip", ip_or_interface(local, field="cgw_outside_ip", line=line), line)


def _ikev2(cfg: _Config, f: Facts, name: str | None, line: int) -> None:
    f.set("ike.versions", ("ikev2",), None)
    aws = f.get("aws_outside_ip")
    profile = cfg.ikev2_profiles.get(name) if name else None
    if name is not None and profile is None:
        raise ParseError(f"IPsec profile uses IKEv2 profile {name!r}, which is not defined", field="ike", line=line)
    if profile is None:
        for p in cfg.ikev2_profiles.values():
            m = child(p, "match", "identity", "remote", "address")
            if m is not None and len(m.words) >= 5 and m.words[4] == str(aws):
                profile = p
    if profile is None:
        return
    m = child(profile, "match", "identity", "remote", "address")
    if m is not None and len(m.words) >= 5:
        f.set("aws_outside_ip", to_ip(m.words[4], field="aws_outside_ip", line=m.line), m.line)
        aws = f.get("aws_outside_ip")
    local = child(profile, "identity", "local", "address")
    if local is not None and len(local.words) >= 4:
        f.set("cgw_outside_ip", to_ip(local.words[3], field="cgw_outside_ip", line=local.line), local.line)
    life, lline = arg(profile, "lifetime")
    if life is not None:
        f.set("ike.lifetime_s", to_int(life, field="ike.lifetime_s", line=lline), lline)
    dpd, dline = arg(profile, "dpd")
    if dpd is not None:
        f.set("dpd_interval_s", to_int(dpd, field="dpd_interval_s", line=dline), dline)
    ring_name, _ = arg(profile, "keyring", "local")
    ring = cfg.ikev2_keyrings.get(ring_name or "")
    for ring_node in [ring] if ring is not None else list(cfg.ikev2_keyrings.values()):
        for peer in children(ring_node, "peer"):
            addr = next((g for g in peer.walk() if g.words[:1] == ["address"] and len(g.words) >= 2), None)
            if addr is None or aws is None or addr.words[1] != str(aws):
                continue
            for key in peer.walk():
                if key.words[:1] == ["pre-shared-key"] and len(key.words) >= 2:
                    f.set("psk", to_psk(key.words[-1], line=key.line), key.line)
    policy = _ikev2_policy(cfg, f, profile.words[3])
    if policy is not None:
        prop_name, pline = arg(policy, "proposal")
        proposal = cfg.ikev2_proposals.get(prop_name or "")
        if prop_name is not None and proposal is None:
            raise ParseError(f"IKEv2 policy uses proposal {prop_name!r}, which is not defined", field="ike", line=pline)
        if proposal is not None:
            isakmp(f, proposal)


def _ikev2_policy(cfg: _Config, f: Facts, profile: str) -> Node | None:
    """The policy named like the tunnel's profile (``ikev2-policy-vpn-<ID>-0`` for
    ``ikev2-vpn-<ID>-0``: the tunnel's own), else the first matching the tunnel's local address,
    else the first without a match statement (IOS's own choice)."""
    own = id_from_name(profile)
    if own is not None:
        for name, policy in cfg.ikev2_policies.items():
            if id_from_name(name) == own:
                return policy
    local = f.get("cgw_outside_ip")
    matching: list[Node] = []
    general: list[Node] = []
    for policy in cfg.ikev2_policies.values():
        m = child(policy, "match", "address", "local")
        if m is None:
            general.append(policy)
        elif len(m.words) >= 4 and local is not None and m.words[3] == str(local):
            matching.append(policy)
    return next(iter(matching or general), None)


# ------------------------------------------------------------------ global statements


def _globals(cfg: _Config) -> tuple[Any, Any, Any, Any]:
    dpd = df = frag = replay = None
    for node in cfg.globals:
        w = [x.lower() for x in node.words]
        if w[:3] == ["crypto", "isakmp", "keepalive"] and len(w) >= 4:
            dpd = (to_int(w[3], field="dpd_interval_s", line=node.line), node.line)
        elif w[:3] == ["crypto", "ipsec", "df-bit"] and len(w) >= 4:
            df = (w[3] == "clear", node.line)
        elif w[:3] == ["crypto", "ipsec", "fragmentation"] and len(w) >= 4:
            frag = (w[3] == "before-encryption", node.line)
        elif w[:5] == ["crypto", "ipsec", "security-association", "replay", "window-size"] and len(w) >= 6:
            replay = (to_int(w[5], field="replay_window", line=node.line), node.line)
    return dpd, df, frag, replay


def _sla_targets(cfg: _Config) -> list[tuple[ipaddress.IPv4Address, str, int]]:
    out = []
    for node in cfg.tree:
        if node.words[:2] != ["ip", "sla"]:
            continue
        for c in node.children:
            w = c.words
            if w[:1] == ["icmp-echo"] and len(w) >= 4 and w[2] == "source-interface":
                try:
                    out.append((ipaddress.IPv4Address(w[1]), w[3].lower(), c.line))
                except ValueError:
                    continue
    return out


def _routes(cfg: _Config) -> dict[str, list[ipaddress.IPv4Network]]:
    out: dict[str, list[ipaddress.IPv4Network]] = {}
    for node in cfg.tree:
        w = node.words
        if w[:2] == ["ip", "route"] and len(w) >= 5 and w[4].lower().startswith("tunnel"):
            out.setdefault(w[4].lower(), []).append(mask_network(w[2], w[3], field="static_routes", line=node.line))
    return out
