"""Helpers shared by the Cisco IOS and ASA parsers: lookups in the ciscoconfparse tree and the
stanzas both platforms write alike (ISAKMP/IKEv1 policy blocks, transform sets, ``router bgp``)."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..errors import ParseError, Report
from ._common import algos, dh_group, encryption, integrity, to_asn, to_int
from ._vendor import Facts, Node


def by_name(tree: list[Node], *prefix: str) -> dict[str, Node]:
    n = len(prefix)
    return {
        node.words[n]: node
        for node in tree
        if len(node.words) > n and [w.lower() for w in node.words[:n]] == list(prefix)
    }


def child(node: Node | None, *prefix: str) -> Node | None:
    for c in children(node, *prefix):
        return c
    return None


def children(node: Node | None, *prefix: str) -> list[Node]:
    if node is None:
        return []
    n = len(prefix)
    return [c for c in node.children if [w.lower() for w in c.words[:n]] == list(prefix)]


def arg(node: Node | None, *prefix: str, index: int = 0) -> tuple[str | None, int | None]:
    c = child(node, *prefix)
    if c is None or len(c.words) <= len(prefix) + index:
        return None, None
    return c.words[len(prefix) + index], c.line


def transform_set(f: Facts, ts: Node, first: int = 4) -> None:
    """``crypto ipsec [ikev1] transform-set NAME esp-aes 128 esp-sha-hmac`` (+ ``mode``)."""
    words = ts.words[first:]
    enc: list[str] = []
    integ: list[str] = []
    i = 0
    while i < len(words):
        w = words[i].lower()
        if w in ("esp-aes", "esp-gcm", "esp-gmac") and i + 1 < len(words) and words[i + 1].isdecimal():
            enc.append(f"{w} {words[i + 1]}")
            i += 2
            continue
        if w.endswith("-hmac"):
            integ.append(w)
        elif w.startswith("esp-") or w.startswith("ah-"):
            if w.startswith("ah-"):
                raise ParseError(f"AH transform {w!r}: AWS uses ESP", field="ipsec.protocol", line=ts.line)
            enc.append(w)
        i += 1
    f.set("ipsec.protocol", "esp", ts.line)
    if enc:
        f.set("ipsec.encryption", algos(encryption, enc, field="ipsec.encryption", line=ts.line), ts.line)
    if integ:
        f.set("ipsec.integrity", algos(integrity, integ, field="ipsec.integrity", line=ts.line), ts.line)
    mode, line = arg(ts, "mode")
    if mode is not None:
        f.set("ipsec.mode", mode.lower(), line)


def policies(f: Facts, table: dict[int, Node], ifname: str, report: Report) -> None:
    """The IKE policy of interface ``TunnelN``: policy 199+N when it exists (AWS numbers the
    policies of Tunnel1/Tunnel2 200/201), otherwise every policy, in priority order — what IOS/ASA
    offers a peer (algorithm lists; the lifetime when the policies that state one agree)."""
    number = ifname[len("tunnel") :]
    if number.isdecimal() and 199 + int(number) in table:
        isakmp(f, table[199 + int(number)])
        return
    if not table:
        return
    if len(table) > 1:
        wanted = 199 + int(number) if number.isdecimal() else "199+N"
        report.warn(
            f"{ifname[:1].upper() + ifname[1:]}: no IKE policy {wanted}; "
            f"reading every policy ({', '.join(str(n) for n in sorted(table))}), as the router "
            "offers them all to this peer",
            field="ike",
            line=table[min(table)].line,
            code="cisco-all-policies",
        )
    merged: dict[str, list[Any]] = {}
    lines: dict[str, int] = {}
    for n in sorted(table):
        one = Facts(table[n].line)
        isakmp(one, table[n])
        for field, value in one.values.items():
            lines.setdefault(field, one.lines[field])
            if isinstance(value, tuple):
                merged.setdefault(field, [])
                merged[field] += [v for v in value if v not in merged[field]]
            else:
                merged.setdefault(field, [])
                if value not in merged[field]:
                    merged[field].append(value)
    for field, values in merged.items():
        if field == "ike.lifetime_s":
            if len(values) == 1:
                f.set(field, values[0], lines[field])
        else:
            f.set(field, tuple(values), lines[field])


def isakmp(f: Facts, policy: Node) -> None:
    """``crypto isakmp|ikev1|ikev2 policy N``: encryption (``aes 128``, ``aes``, ``aes-256``),
    hash/integrity, group, lifetime (``28800`` or ``seconds 28800``)."""
    has_integrity = any(c.words[0].lower() in ("hash", "integrity") for c in policy.children)
    for c in policy.children:
        w = c.words
        key = w[0].lower()
        if key == "prf" and not has_integrity:  # an AES-GCM IKEv2 proposal names its PRF instead
            key = "integrity"
        if key == "encryption" and len(w) >= 2:
            spelled = [" ".join(w[1:3])] if len(w) == 3 and w[2].isdecimal() else w[1:]
            f.set("ike.encryption", algos(encryption, spelled, field="ike.encryption", line=c.line), c.line)
        elif key in ("hash", "integrity") and len(w) >= 2:
            f.set("ike.integrity", algos(integrity, w[1:], field="ike.integrity", line=c.line), c.line)
        elif key == "group" and len(w) >= 2:
            f.set("ike.dh_groups", algos(dh_group, w[1:], field="ike.dh_groups", line=c.line), c.line)
        elif key == "lifetime" and len(w) >= 2:
            value = w[2] if w[1].lower() == "seconds" and len(w) >= 3 else w[1]
            f.set("ike.lifetime_s", to_int(value, field="ike.lifetime_s", line=c.line), c.line)


def bgp_neighbors(routers: list[Node]) -> list[tuple[tuple[int, int], Any, int | None, int | None, int]]:
    """(router bgp ASN with its line, neighbor IP, remote-as, hold time, line) per neighbor."""
    out: dict[Any, list[Any]] = {}
    for router in routers:
        if len(router.words) < 3:
            continue
        asn = (to_asn(router.words[2], field="bgp.cgw_asn", line=router.line), router.line)
        for node in router.walk():
            w = node.words
            if len(w) < 3 or w[0].lower() != "neighbor":
                continue
            try:
                ip = ipaddress.IPv4Address(w[1])
            except ValueError:
                continue  # a peer group name
            entry = out.setdefault(ip, [asn, ip, None, None, node.line, {}])
            if w[2].lower() == "remote-as" and len(w) >= 4:
                _once(entry, 2, to_asn(w[3], field="bgp.aws_asn", line=node.line), "bgp.aws_asn", node.line)
            elif w[2].lower() == "timers" and len(w) >= 5:
                _once(entry, 3, to_int(w[4], field="bgp.hold_time", line=node.line), "bgp.hold_time", node.line)
    return [tuple(e[:5]) for e in out.values()]


def assign_neighbor(f: Facts, neighbors: list[Any]) -> None:
    """The BGP neighbor inside the tunnel's inside /30 is the tunnel's (and its AWS inside address)."""
    inside = f.get("cgw_inside")
    if inside is None:
        return
    for asn, ip, remote, hold, line in neighbors:
        if ip in inside.network and ip != inside.ip:
            f.set("aws_inside", ipaddress.IPv4Interface((ip, inside.network.prefixlen)), line)
            f.set("bgp.cgw_asn", asn[0], asn[1])
            f.set("bgp.neighbor_ip", ip, line)
            f.set("bgp.aws_asn", remote, line)
            f.set("bgp.hold_time", hold, line)


def _once(entry: list[Any], index: int, value: Any, field: str, line: int) -> None:
    """A neighbor value may be repeated (in and outside the address family) but not changed."""
    if entry[index] is not None and entry[index] != value:
        raise ParseError(
            f"conflicting values for this neighbor: {entry[index]} on line {entry[5][index]}", field=field, line=line
        )
    entry[index] = value
    entry[5][index] = line
