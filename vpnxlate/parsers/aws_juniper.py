"""``aws-juniper``: AWS's Juniper SRX / J-Series download (JunOS ``set`` commands), or the same
configuration in JunOS's brace form (``show configuration`` output), read with ciscoconfparse's
JunOS syntax.  Both forms become the same list of statements (``security ike proposal P
dh-group group2``) with their lines.

A tunnel is a ``security ipsec vpn V``; its objects are found by the name that defines them
(``gw-vpn-<ID>-N`` for ``vpn-<ID>-N``, as AWS's J-Series sample needs: its references use another
suffix than its definitions) and otherwise by reference::

    security ike gateway G        -> address <AWS_OUT>, local-address, dead-peer-detection
                                     [interval N threshold M], version v2-only, ike-policy
    security ike policy P         -> mode, proposals, pre-shared-key ascii-text <PSK>
    security ike proposal         -> authentication-algorithm, encryption-algorithm, dh-group,
                                     lifetime-seconds
    security ipsec policy / proposal -> perfect-forward-secrecy keys, protocol, algorithms, lifetime
    security ipsec vpn V          -> bind-interface st0.N, df-bit clear
    interfaces st0.N family inet  -> address <CGW_IN>/30, mtu
    security flow tcp-mss ipsec-vpn mss N (global)
    protocols bgp group G [neighbor <AWS_IN>] peer-as / local-as / hold-time
                                  (routing-options autonomous-system as the local ASN otherwise)
    routing-options static route <net> next-hop st0.N -> static routes

The customer outside IP is not a JunOS value of AWS's file (``external-interface`` names an
interface); it is read from ``local-address`` or from AWS's comment ``# This should be set to the
interface that IP address <CGW_OUT> is``.  The IKE version is IKEv1 unless the gateway says
``version v2-only`` (JunOS's default).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ..detect import NO, STRONG
from ..errors import ParseError, Report
from ..model import VpnConnection
from ._common import (
    algos,
    check_placeholder,
    dh_group,
    encryption,
    integrity,
    normalize_newlines,
    to_asn,
    to_int,
    to_interface,
    to_ip,
    to_psk,
)
from ._vendor import Facts, Node, connections, header_blocks, id_from_name, read_tree, tokens

NAME = "aws-juniper"
DESCRIPTION = "AWS's Juniper SRX/J-Series download (JunOS set commands or brace form)"
VENDOR = "Juniper"

_DETECT_LIMIT = 200_000
_SET = re.compile(
    r"^[ \t]*set[ \t]+(?:security[ \t]+(?:ike[ \t]+(?:proposal|gateway|policy)|ipsec[ \t]+vpn)"
    r"|interfaces[ \t]+st0\.)",
    re.MULTILINE,
)
_BRACE = re.compile(r"^[ \t]*security[ \t]*\{", re.MULTILINE)
_BRACE_ST0 = re.compile(r"^[ \t]*st0[ \t]*\{", re.MULTILINE)
_BRACE_VPN = re.compile(r"^[ \t]*(?:ike|ipsec)[ \t]*\{", re.MULTILINE)


def detect(text: str) -> int:
    """STRONG for JunOS security statements (set or brace form) with an ``st0`` interface."""
    head = text[:_DETECT_LIMIT]
    if "st0" not in head:  # AWS's JunOS configuration is route-based (the registry's contains= hint relies on it)
        return NO
    if _SET.search(head):
        return STRONG
    return STRONG if _BRACE.search(head) and _BRACE_ST0.search(head) and _BRACE_VPN.search(head) else NO


# ------------------------------------------------------------------ statements

Statement = tuple[list[str], int]


def statements(text: str) -> list[Statement]:
    """Every configuration statement as its full word path, set form and brace form alike."""
    out: list[Statement] = []
    lines, origin = _one_block_per_line(text)
    for node in read_tree("\n".join(lines), "junos", origin):
        if node.words[:1] == ["set"]:
            out.append((_words(node.text[3:], node.line), node.line))
        elif node.words[:1] in (["delete"], ["deactivate"], ["edit"], ["top"]):
            continue
        else:
            _flatten(node, [], out)
    return out


def _one_block_per_line(text: str) -> tuple[list[str], list[int]]:
    """Split blocks written on one line (``flow { tcp-mss { ipsec-vpn { mss 1379; } } }``), which
    ciscoconfparse's brace reader miscounts, into one statement per line; keeps each line's
    input line number."""
    lines: list[str] = []
    origin: list[int] = []
    for n, raw in enumerate(text.split("\n"), 1):
        stripped = raw.strip()
        cut = _unquoted_find(stripped, "#")
        body = stripped if cut < 0 else stripped[:cut]
        if stripped.startswith("set ") or body.count("{") + body.count("}") + body.count(";") <= 1:
            lines.append(raw)
            origin.append(n)
            continue
        indent = len(raw) - len(raw.lstrip())
        depth = 0
        current = ""
        quoted = False
        for ch in body:
            if ch == '"':
                quoted = not quoted
            if not quoted and ch in "{};":
                piece = (current + ch).strip() if ch != "}" else current.strip()
                if ch == "}" and piece:
                    lines.append(" " * (indent + 4 * depth) + piece + ";")
                    origin.append(n)
                if ch == "}":
                    depth -= 1
                    piece = "}"
                if piece:
                    lines.append(" " * (indent + 4 * max(depth, 0)) + piece)
                    origin.append(n)
                if ch == "{":
                    depth += 1
                current = ""
            else:
                current += ch
        if current.strip():
            lines.append(" " * indent + current.strip())
            origin.append(n)
    return lines, origin


def _words(text: str, line: int) -> list[str]:
    text = re.sub(r"/\*.*?\*/", " ", text)
    hash_at = _unquoted_find(text, "#")
    if hash_at >= 0:
        text = text[:hash_at]
    return [w for w in tokens(text.replace(";", " "), line) if w]


def _unquoted_find(text: str, ch: str) -> int:
    quoted = False
    for i, c in enumerate(text):
        if c == '"':
            quoted = not quoted
        elif c == ch and not quoted:
            return i
    return -1


def _flatten(node: Node, path: list[str], out: list[Statement]) -> None:
    text = node.text
    if text.startswith("/*") or text.startswith("*"):
        return
    words = _words(text, node.line)
    if words and words[0] in ("inactive:", "protect:"):
        words = words[1:]
    if not words or words == ["}"]:
        return
    if node.children:
        for c in node.children:
            _flatten(c, path + words, out)
    else:
        out.append((path + words, node.line))


def _unit(words: list[str]) -> tuple[str, list[str]] | None:
    """``interfaces st0.1 family …`` / ``interfaces st0 unit 1 family …`` -> (``st0.1``, rest)."""
    if len(words) >= 2 and words[0] == "interfaces":
        if "." in words[1]:
            return words[1], words[2:]
        if len(words) >= 4 and words[2] == "unit":
            return f"{words[1]}.{words[3]}", words[4:]
    return None


# ------------------------------------------------------------------ objects


class _Objects:
    def __init__(self, stmts: list[Statement]) -> None:
        self.objects: dict[tuple[str, ...], dict[str, dict[str, list[tuple[list[str], int]]]]] = {}
        self.units: dict[str, list[Statement]] = {}
        self.mss: tuple[int, int] | None = None
        self.bgp_groups: dict[str, list[Statement]] = {}
        self.local_as: tuple[int, int] | None = None
        self.routes: list[Statement] = []
        for words, line in stmts:
            unit = _unit(words)
            if unit is not None:
                self.units.setdefault(unit[0], []).append((unit[1], line))
                continue
            if words[:2] in (["security", "ike"], ["security", "ipsec"]) and len(words) >= 5:
                kind = (words[1], words[2])
                self.objects.setdefault(kind, {}).setdefault(words[3], {}).setdefault(words[4], []).append(
                    (words[5:], line)
                )
            elif words[:4] == ["security", "flow", "tcp-mss", "ipsec-vpn"] and len(words) >= 6:
                self.mss = (to_int(words[5], field="tcp_mss", line=line), line)
            elif words[:3] == ["protocols", "bgp", "group"] and len(words) >= 5:
                self.bgp_groups.setdefault(words[3], []).append((words[4:], line))
            elif words[:2] == ["routing-options", "autonomous-system"] and len(words) >= 3:
                self.local_as = (to_asn(words[2], field="bgp.cgw_asn", line=line), line)
            elif words[:3] == ["routing-options", "static", "route"] and len(words) >= 6:
                self.routes.append((words[3:], line))

    def get(self, kind: tuple[str, str], name: str | None) -> dict[str, list[tuple[list[str], int]]] | None:
        return None if name is None else self.objects.get(kind, {}).get(name)


def _first(obj: dict[str, list[tuple[list[str], int]]] | None, key: str) -> tuple[list[str], int] | None:
    if not obj or key not in obj:
        return None
    return obj[key][0]


def _resolve(
    objs: _Objects, kind: tuple[str, str], own_name: str, prefix: str, ref: tuple[list[str], int] | None, report: Report
) -> tuple[str | None, dict[str, Any] | None]:
    """The object that belongs to vpn ``own_name``: the one named ``<prefix><own id-suffix>``
    (AWS's naming), else the one referenced."""
    referenced = ref[0][0] if ref and ref[0] else None
    m = re.search(r"(vpn-[0-9A-Za-z]+-\d+)$", own_name)
    if m:
        name = prefix + m.group(1)
        if objs.get(kind, name) is not None:
            if referenced is not None and referenced != name and ref is not None:
                report.warn(
                    f"{own_name} refers to {referenced!r} but {name!r} is its own {' '.join(kind)} "
                    f"object (AWS's J-Series naming); using {name!r}",
                    line=ref[1],
                    field=" ".join(kind),
                    code="juniper-naming",
                )
            return name, objs.get(kind, name)
    if referenced is not None and objs.get(kind, referenced) is None and ref is not None:
        raise ParseError(f"{' '.join(kind)} {referenced!r} is not defined", field=" ".join(kind), line=ref[1])
    return referenced, objs.get(kind, referenced)


# ------------------------------------------------------------------ parse

_LOCAL_COMMENT = re.compile(r"^[ \t]*#.*interface that IP address[ \t]+(\S+)[ \t]+is", re.MULTILINE)


def parse(text: str, report: Report) -> list[VpnConnection]:
    text = normalize_newlines(text)
    headers = header_blocks(text)
    objs = _Objects(statements(text))
    comments = [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in _LOCAL_COMMENT.finditer(text)]
    tunnels = []
    static: dict[str | None, list[ipaddress.IPv4Network]] = {}
    for vpn_name, vpn in objs.objects.get(("ipsec", "vpn"), {}).items():
        conn_id, facts, unit = _tunnel(objs, vpn_name, vpn, comments, report)
        for words, line in objs.routes:
            if len(words) >= 3 and words[1] == "next-hop" and words[2] == unit:
                net = to_interface(words[0], field="static_routes", line=line).network
                static.setdefault(conn_id, []).append(net)  # type: ignore[arg-type]
        tunnels.append((conn_id, facts))
    if not tunnels:
        raise ParseError("no 'security ipsec vpn' found")
    return connections(report, tunnels, headers, static_routes=static)


def _tunnel(
    objs: _Objects, vpn_name: str, vpn: dict[str, Any], comments: list[tuple[int, str]], report: Report
) -> tuple[str | None, Facts, str | None]:
    first_line = min(line for entries in vpn.values() for _, line in entries)
    f = Facts(first_line)
    ike_ref = None
    ipsec_ref = None
    for words, line in vpn.get("ike", []):
        if words[:1] == ["gateway"] and len(words) >= 2:
            ike_ref = ([words[1]], line)
        elif words[:1] == ["ipsec-policy"] and len(words) >= 2:
            ipsec_ref = ([words[1]], line)
    df = _first(vpn, "df-bit")
    if df and df[0]:
        f.set("clear_df_bit", df[0][0] == "clear", df[1])
    bind = _first(vpn, "bind-interface")
    unit = bind[0][0] if bind and bind[0] else None
    gw = _gateway(objs, f, vpn_name, ike_ref, first_line, comments, report)
    _ike_policy(objs, f, vpn_name, gw, report)
    _ipsec_policy(objs, f, vpn_name, ipsec_ref, report)
    if unit is not None:
        _unit_facts(objs, f, unit)
    if objs.mss is not None:
        f.set("tcp_mss", objs.mss[0], objs.mss[1])
    _bgp(objs, f)
    ident = id_from_name(vpn_name)
    return (ident[0] if ident else None), f, unit


def _gateway(
    objs: _Objects,
    f: Facts,
    vpn_name: str,
    ike_ref: tuple[list[str], int] | None,
    first_line: int,
    comments: list[tuple[int, str]],
    report: Report,
) -> dict[str, list[tuple[list[str], int]]]:
    """The vpn's IKE gateway, with its facts (outside addresses, IKE version, DPD) set on ``f``."""
    _, gw = _resolve(objs, ("ike", "gateway"), vpn_name, "gw-", ike_ref, report)
    if gw is None:
        raise ParseError(f"ipsec vpn {vpn_name!r} has no IKE gateway", field="aws_outside_ip", line=first_line)
    addr = _first(gw, "address")
    if addr is None or not addr[0]:
        raise ParseError(f"IKE gateway of {vpn_name!r} has no address", field="aws_outside_ip", line=first_line)
    f.set("aws_outside_ip", to_ip(addr[0][0], field="aws_outside_ip", line=addr[1]), addr[1])
    local = _first(gw, "local-address")
    if local and local[0]:
        f.set("cgw_outside_ip", to_ip(local[0][0], field="cgw_outside_ip", line=local[1]), local[1])
    else:
        # no local-address: AWS's comment before the gateway names the customer's address
        gw_line = min(line for entries in gw.values() for _, line in entries)
        before = [c for c in comments if c[0] < gw_line]
        if before:
            line, value = before[-1]
            f.set("cgw_outside_ip", to_ip(value, field="cgw_outside_ip", line=line), line)
    version = _first(gw, "version")
    f.set(
        "ike.versions",
        ("ikev2",) if version and version[0][:1] == ["v2-only"] else ("ikev1",),
        version[1] if version else None,
    )
    for words, line in gw.get("dead-peer-detection", []):
        for key, field in (("interval", "dpd_interval_s"), ("threshold", "dpd_retries")):
            if key in words[:-1]:
                f.set(field, to_int(words[words.index(key) + 1], field=field, line=line), line)
    return gw


def _ike_policy(
    objs: _Objects, f: Facts, vpn_name: str, gw: dict[str, list[tuple[list[str], int]]], report: Report
) -> None:
    """The gateway's IKE policy: mode, pre-shared key and proposal."""
    pol_ref = _first(gw, "ike-policy")
    _, policy = _resolve(objs, ("ike", "policy"), vpn_name, "ike-pol-", pol_ref, report)
    if policy is None:
        return
    mode = _first(policy, "mode")
    if mode and mode[0]:
        f.set("ike.mode", mode[0][0], mode[1])
    psk = _first(policy, "pre-shared-key")
    if psk and len(psk[0]) >= 2:
        if psk[0][1].startswith("$9$"):
            raise ParseError(
                "the pre-shared key is encrypted by JunOS ($9$…); use the plain key "
                "(AWS's download, or the VPN console)",
                field="psk",
                line=psk[1],
            )
        f.set("psk", to_psk(psk[0][1], line=psk[1]), psk[1])
    _, prop = _resolve(objs, ("ike", "proposal"), vpn_name, "ike-prop-", _first(policy, "proposals"), report)
    _proposal(f, "ike", prop)


def _ipsec_policy(
    objs: _Objects, f: Facts, vpn_name: str, ipsec_ref: tuple[list[str], int] | None, report: Report
) -> None:
    """The vpn's IPsec policy: PFS group and proposal."""
    _, ipol = _resolve(objs, ("ipsec", "policy"), vpn_name, "ipsec-pol-", ipsec_ref, report)
    if ipol is None:
        return
    pfs = _first(ipol, "perfect-forward-secrecy")
    if pfs and len(pfs[0]) >= 2 and pfs[0][0] == "keys":
        f.set("ipsec.pfs_dh_groups", algos(dh_group, [pfs[0][1]], field="ipsec.pfs_dh_groups", line=pfs[1]), pfs[1])
    _, iprop = _resolve(objs, ("ipsec", "proposal"), vpn_name, "ipsec-prop-", _first(ipol, "proposals"), report)
    _proposal(f, "ipsec", iprop)


def _unit_facts(objs: _Objects, f: Facts, unit: str) -> None:
    """The bound st0 unit's inside address and MTU."""
    for words, line in objs.units.get(unit, []):
        if words[:3] == ["family", "inet", "address"] and len(words) >= 4:
            f.set("cgw_inside", to_interface(words[3], field="cgw_inside", line=line), line)
        elif words[:3] == ["family", "inet", "mtu"] and len(words) >= 4:
            f.set("mtu", to_int(words[3], field="mtu", line=line), line)


def _proposal(f: Facts, part: str, prop: dict[str, Any] | None) -> None:
    if prop is None:
        return
    for key, values in prop.items():
        words, line = values[0]
        if not words:
            continue
        value = words[0]
        if key == "encryption-algorithm":
            f.set(f"{part}.encryption", algos(encryption, [value], field=f"{part}.encryption", line=line), line)
        elif key == "authentication-algorithm":
            f.set(f"{part}.integrity", algos(integrity, [value], field=f"{part}.integrity", line=line), line)
        elif key == "dh-group":
            f.set(f"{part}.dh_groups", algos(dh_group, [value], field=f"{part}.dh_groups", line=line), line)
        elif key == "lifetime-seconds":
            f.set(f"{part}.lifetime_s", to_int(value, field=f"{part}.lifetime_s", line=line), line)
        elif key == "protocol" and part == "ipsec":
            check_placeholder(value, field="ipsec.protocol", line=line)
            f.set("ipsec.protocol", value, line)


def _bgp(objs: _Objects, f: Facts) -> None:
    inside = f.get("cgw_inside")
    if inside is None:
        return
    for stmts in objs.bgp_groups.values():
        group: dict[str, tuple[str, int]] = {}
        neighbor: dict[str, tuple[str, int]] = {}
        found = None
        for words, line in stmts:
            if words[:1] == ["neighbor"] and len(words) >= 2:
                try:
                    ip = ipaddress.IPv4Address(words[1])
                except ValueError:
                    continue
                if ip in inside.network and ip != inside.ip:
                    found = (ip, line)
                    if len(words) >= 4:
                        neighbor[words[2]] = (words[3], line)
            elif len(words) >= 2:
                group[words[0]] = (words[1], line)
        if found is None:
            continue
        ip, line = found
        f.set("aws_inside", ipaddress.IPv4Interface((ip, inside.network.prefixlen)), line)
        f.set("bgp.neighbor_ip", ip, line)
        values = {**group, **neighbor}
        if "peer-as" in values:
            f.set(
                "bgp.aws_asn",
                to_asn(values["peer-as"][0], field="bgp.aws_asn", line=values["peer-as"][1]),
                values["peer-as"][1],
            )
        if "local-as" in values:
            f.set(
                "bgp.cgw_asn",
                to_asn(values["local-as"][0], field="bgp.cgw_asn", line=values["local-as"][1]),
                values["local-as"][1],
            )
        elif objs.local_as is not None:
            f.set("bgp.cgw_asn", objs.local_as[0], objs.local_as[1])
        if "hold-time" in values:
            f.set(
                "bgp.hold_time",
                to_int(values["hold-time"][0], field="bgp.hold_time", line=values["hold-time"][1]),
                values["hold-time"][1],
            )
        return
