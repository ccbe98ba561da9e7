"""``aws-cisco-asa``: AWS's Cisco ASA downloads, read with ciscoconfparse's ASA syntax.

Route-based (VTI, "ASA 9.7+"): a tunnel is an ``interface TunnelN`` with ``tunnel protection ipsec
profile P``::

    interface TunnelN          -> tunnel destination <AWS_OUT>, ip address <CGW_IN> <mask>
    crypto ipsec profile P     -> set ikev1 transform-set T / set ikev2 ipsec-proposal X,
                                  set pfs groupN, set security-association lifetime seconds N
    crypto ipsec ikev1 transform-set T esp-aes esp-sha-hmac
    crypto ipsec ikev2 ipsec-proposal X -> protocol esp encryption … / integrity …
    crypto ikev1 policy 199+N (AWS: 200/201; else the lowest-numbered one) or crypto ikev2 policy
    tunnel-group <AWS_OUT> ipsec-attributes -> ikev1 pre-shared-key <PSK> (or ikev2
                                  remote-authentication pre-shared-key), isakmp keepalive
                                  threshold N retry M (DPD interval N)
    router bgp <CGW_ASN> / address-family ipv4 unicast / neighbor <AWS_IN> remote-as, timers
    sysopt connection tcpmss N, crypto ipsec df-bit clear-df, crypto ipsec fragmentation
                                  before-encryption (global)

Policy-based ("ASA 8.2+", crypto map): the tunnels are the peers of ``crypto map M N set peer
<AWS_OUT_1> <AWS_OUT_2>`` (in that order); the map entry's transform set, PFS and lifetime and the
``crypto isakmp|ikev1 policy`` are shared by both; the customer outside IP is the second host of
``access-list outside_access_in … host <AWS_OUT> host <CGW_OUT>``.  No inside addresses, no BGP.

The ASA download never states the customer outside IP of a VTI tunnel (``'outside_interface'``
names an interface).
"""

from __future__ import annotations

import re
from typing import Any

from ..detect import CERTAIN, NO
from ..errors import ParseError, Report
from ..model import VpnConnection
from ._cisco import arg, assign_neighbor, bgp_neighbors, by_name, child, policies, transform_set
from ._common import algos, dh_group, encryption, integrity, normalize_newlines, to_int, to_ip, to_psk
from ._vendor import Facts, Node, connections, header_blocks, id_from_name, mask_interface, read_tree

NAME = "aws-cisco-asa"
DESCRIPTION = "AWS's Cisco ASA download (route-based VTI or policy-based crypto map)"
VENDOR = "Cisco ASA"

_DETECT_LIMIT = 200_000
_TUNNEL_GROUP = re.compile(r"^[ \t]*tunnel-group[ \t]+\S+[ \t]+(?:type[ \t]+ipsec-l2l|ipsec-attributes)", re.MULTILINE)
_ASA = re.compile(
    r"^[ \t]*(?:crypto[ \t]+ikev[12][ \t]+(?:policy|enable)|crypto[ \t]+map[ \t]"
    r"|crypto[ \t]+ipsec[ \t]+ikev[12][ \t])",
    re.MULTILINE,
)


def detect(text: str) -> int:
    """CERTAIN for an l2l ``tunnel-group`` with an ASA-only crypto statement."""
    head = text[:_DETECT_LIMIT]
    return CERTAIN if _TUNNEL_GROUP.search(head) and _ASA.search(head) else NO


class _Config:
    def __init__(self, tree: list[Node]) -> None:
        self.tree = tree
        self.ikev1_policies = {
            int(k): v
            for k, v in {
                **by_name(tree, "crypto", "isakmp", "policy"),
                **by_name(tree, "crypto", "ikev1", "policy"),
            }.items()
            if k.isdecimal()
        }
        self.ikev2_policies = {
            int(k): v for k, v in by_name(tree, "crypto", "ikev2", "policy").items() if k.isdecimal()
        }
        self.transform_sets = by_name(tree, "crypto", "ipsec", "ikev1", "transform-set")
        self.ikev2_proposals = by_name(tree, "crypto", "ipsec", "ikev2", "ipsec-proposal")
        self.ipsec_profiles = by_name(tree, "crypto", "ipsec", "profile")
        self.interfaces = {k.lower(): v for k, v in by_name(tree, "interface").items()}
        self.bgp = [n for n in tree if [w.lower() for w in n.words[:2]] == ["router", "bgp"]]
        self.groups: dict[str, list[Node]] = {}
        for n in tree:
            if n.words[:1] == ["tunnel-group"] and len(n.words) >= 3:
                self.groups.setdefault(n.words[1], []).append(n)
        self.maps = [n for n in tree if n.words[:2] == ["crypto", "map"]]


def parse(text: str, report: Report) -> list[VpnConnection]:
    text = normalize_newlines(text)
    headers = header_blocks(text)
    cfg = _Config(read_tree(text, "asa"))
    shared = Facts(1)
    _globals(cfg, shared)
    tunnels: list[tuple[str | None, Facts]] = []
    neighbors = bgp_neighbors(cfg.bgp)
    for ifname, iface in cfg.interfaces.items():
        prot = child(iface, "tunnel", "protection", "ipsec", "profile")
        if ifname.startswith("tunnel") and prot is not None and len(prot.words) >= 5:
            tunnels.append(_vti(cfg, ifname, iface, prot, shared, neighbors, report))
    if not tunnels:
        tunnels = _crypto_map(cfg, shared, report)
    if not tunnels:
        raise ParseError(
            "no 'interface Tunnel…' with 'tunnel protection ipsec profile' and no 'crypto map … set peer' found"
        )
    return connections(report, tunnels, headers)


def _globals(cfg: _Config, shared: Facts) -> None:
    for n in cfg.tree:
        w = [x.lower() for x in n.words]
        if w[:3] == ["sysopt", "connection", "tcpmss"] and len(w) >= 4:
            shared.set("tcp_mss", to_int(w[3], field="tcp_mss", line=n.line), n.line)
        elif w[:3] == ["crypto", "ipsec", "df-bit"] and len(w) >= 4:
            shared.set("clear_df_bit", w[3] == "clear-df", n.line)
        elif w[:3] == ["crypto", "ipsec", "fragmentation"] and len(w) >= 4:
            shared.set("fragmentation_before_encryption", w[3] == "before-encryption", n.line)
        elif w[:5] == ["crypto", "ipsec", "security-association", "replay", "window-size"] and len(w) >= 6:
            shared.set("replay_window", to_int(w[5], field="replay_window", line=n.line), n.line)


def _copy(shared: Facts, f: Facts) -> None:
    for field, value in shared.values.items():
        if field not in f.values:
            f.set(field, value, shared.lines[field])


def _vti(
    cfg: _Config, ifname: str, iface: Node, prot: Node, shared: Facts, neighbors: list[Any], report: Report
) -> tuple[str | None, Facts]:
    f = Facts(iface.line)
    dest, line = arg(iface, "tunnel", "destination")
    if dest is None or line is None:
        raise ParseError(f"{ifname}: no 'tunnel destination'", field="aws_outside_ip", line=iface.line)
    aws = to_ip(dest, field="aws_outside_ip", line=line)
    f.set("aws_outside_ip", aws, line)
    addr = child(iface, "ip", "address")
    if addr is not None and len(addr.words) >= 4:
        f.set("cgw_inside", mask_interface(addr.words[2], addr.words[3], field="cgw_inside", line=addr.line), addr.line)
    profile = cfg.ipsec_profiles.get(prot.words[4])
    if profile is None:
        raise ParseError(
            f"tunnel protection names IPsec profile {prot.words[4]!r}, which is not defined",
            field="ipsec",
            line=prot.line,
        )
    _profile(cfg, f, profile)
    ikev2 = child(profile, "set", "ikev2", "ipsec-proposal") is not None
    f.set("ike.versions", ("ikev2",) if ikev2 else ("ikev1",), None)
    policies(f, cfg.ikev2_policies if ikev2 else cfg.ikev1_policies, ifname, report)
    _tunnel_group(cfg, f, str(aws))
    assign_neighbor(f, neighbors)
    _copy(shared, f)
    nameif, _ = arg(iface, "nameif")
    ident = id_from_name(prot.words[4]) or id_from_name(nameif or "")
    return (ident[0] if ident else None), f


def _profile(cfg: _Config, f: Facts, profile: Node) -> None:
    """``crypto ipsec profile`` or a crypto map entry's ``set …`` lines (``set`` first)."""
    for c in profile.children:
        _set_line(cfg, f, c.words, c.line)


def _set_line(cfg: _Config, f: Facts, w: list[str], line: int) -> None:
    low = [x.lower() for x in w]
    if low[:3] == ["set", "ikev1", "transform-set"] and len(w) >= 4:
        ts = cfg.transform_sets.get(w[3])
        if ts is None:
            raise ParseError(f"transform set {w[3]!r} is not defined", field="ipsec", line=line)
        transform_set(f, ts, first=5)
    elif low[:3] == ["set", "ikev2", "ipsec-proposal"] and len(w) >= 4:
        prop = cfg.ikev2_proposals.get(w[3])
        if prop is None:
            raise ParseError(f"IKEv2 IPsec proposal {w[3]!r} is not defined", field="ipsec", line=line)
        _ipsec_proposal(f, prop)
    elif low[:2] == ["set", "pfs"] and len(w) >= 3:
        f.set("ipsec.pfs_dh_groups", algos(dh_group, [w[2]], field="ipsec.pfs_dh_groups", line=line), line)
    elif low[:4] == ["set", "security-association", "lifetime", "seconds"] and len(w) >= 5:
        f.set("ipsec.lifetime_s", to_int(w[4], field="ipsec.lifetime_s", line=line), line)


def _ipsec_proposal(f: Facts, prop: Node) -> None:
    f.set("ipsec.protocol", "esp", prop.line)
    for c in prop.children:
        w = [x.lower() for x in c.words]
        if w[:3] == ["protocol", "esp", "encryption"] and len(w) >= 4:
            f.set("ipsec.encryption", algos(encryption, w[3:], field="ipsec.encryption", line=c.line), c.line)
        elif w[:3] == ["protocol", "esp", "integrity"] and len(w) >= 4:
            f.set("ipsec.integrity", algos(integrity, w[3:], field="ipsec.integrity", line=c.line), c.line)


def _tunnel_group(cfg: _Config, f: Facts, peer: str) -> None:
    for group in cfg.groups.get(peer, []):
        if group.words[2:3] != ["ipsec-attributes"]:
            continue
        for c in group.children:
            w = [x.lower() for x in c.words]
            at = w.index("pre-shared-key") if "pre-shared-key" in w else -1
            if 0 <= at < len(w) - 1 and (w[0] != "ikev2" or w[1] == "remote-authentication"):
                # the key is the word after (AWS's doc sample writes the literal 'pre-shared-key': refused)
                f.set("psk", to_psk(c.words[at + 1], line=c.line), c.line)
            elif w[:3] == ["isakmp", "keepalive", "threshold"] and len(w) >= 4:
                f.set("dpd_interval_s", to_int(w[3], field="dpd_interval_s", line=c.line), c.line)


def _crypto_map(cfg: _Config, shared: Facts, report: Report) -> list[tuple[str | None, Facts]]:
    entries: dict[tuple[str, str], list[Node]] = {}
    for n in cfg.maps:
        if (len(n.words) >= 5 and n.words[4] == "set") or (len(n.words) >= 5 and n.words[3].isdecimal()):
            entries.setdefault((n.words[2], n.words[3]), []).append(n)
    cgw: dict[str, tuple[str, int]] = {}
    for n in cfg.tree:
        w = n.words
        if w[:1] == ["access-list"] and "host" in w:
            hosts = [w[i + 1] for i, x in enumerate(w[:-1]) if x == "host"]
            if len(hosts) == 2:
                cgw[hosts[0]] = (hosts[1], n.line)
    out: list[tuple[str | None, Facts]] = []
    for lines in entries.values():
        peers: list[tuple[str, int]] = []
        for n in lines:
            if n.words[4:6] == ["set", "peer"]:
                peers += [(p, n.line) for p in n.words[6:]]
        for peer, line in peers:
            f = Facts(line)
            f.set("aws_outside_ip", to_ip(peer, field="aws_outside_ip", line=line), line)
            for n in lines:
                _set_line(cfg, f, n.words[4:], n.line)
            if cfg.ikev1_policies:
                policies(f, cfg.ikev1_policies, "crypto map", report)
                f.set("ike.versions", ("ikev1",), None)
            _tunnel_group(cfg, f, peer)
            if peer in cgw:
                f.set("cgw_outside_ip", to_ip(cgw[peer][0], field="cgw_outside_ip", line=cgw[peer][1]), cgw[peer][1])
            _copy(shared, f)
            out.append((None, f))
    return out
