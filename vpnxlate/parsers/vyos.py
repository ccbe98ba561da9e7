"""``vyos``: VyOS set-commands (``--to vyos`` output of any version 1.1 - 1.5, also its
``#cloud-config`` form, and VyOS 1.4-style configurations with named peers) read back into the model.

AWS's own "Vyatta" downloads (peers named by IP, ``! Amazon Web Services`` header) are left to the
``aws-vyatta`` parser: :func:`detect` accepts only our header or syntax that AWS never prints.
The public customer gateway IP is taken from the IKE identity (``local-id`` / ``authentication id``),
so a NAT fix-up's private ``local-address`` does not end up in the model.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ..detect import CERTAIN, LIKELY, NO
from ..errors import ParseError, Report, ValidationError, describe_value
from ..model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection, build_connection, check_address, check_text
from ..vocab import setcmd
from ..vocab import vyos as marks
from ._common import algos, dh_group, encryption, ike_version, integrity, normalize_newlines, to_int, to_psk

NAME = "vyos"
DESCRIPTION = "VyOS set-commands written by --to vyos (any version 1.1-1.5, also #cloud-config) read back"

_HEADER = marks.HEADER_RE
_SET = r"^[ \t]*(?:-[ \t]*')?set "
_MODERN = re.compile(
    _SET + r"(?:vpn ipsec site-to-site peer [-_A-Za-z0-9|@]*[-_A-Za-z|@][-_A-Za-z0-9|@]* remote-address "
    r"|vpn ipsec authentication psk |protocols bgp system-as |vpn ipsec options disable-route-autoinstall"
    r"|vpn ipsec interface )",
    re.MULTILINE,
)
_AWS = re.compile(r"^[^\S\n]*! *(Amazon Web Services|Your VPN Connection ID)", re.MULTILINE)
_CONN_LINE = marks.CONNECTION_LINE_RE
_DESC_ID = marks.DESCRIPTION_RE  # fullmatch
_PEER_ID = marks.PEER_NAME_RE  # fullmatch


def detect(text: str) -> int:
    """CERTAIN with the header of ``--to vyos``, LIKELY for VyOS 1.4+ set-commands; NO for a text
    with AWS's ``!`` header lines (``--to vyos`` never writes ``!`` comments)."""
    head = text[:200_000]
    if _HEADER.search(head[:4096]):
        return CERTAIN
    if _AWS.search(head):
        return NO
    return LIKELY if _MODERN.search(head) else NO


def tokenize(line: str, lineno: int) -> list[str]:
    """Words of a VyOS command; '...' and "..." quote values (:data:`vpnxlate.vocab.setcmd.VYOS`)."""
    return setcmd.words(line, setcmd.VYOS, lineno)


def _commands(text: str) -> list[tuple[list[str], int]]:
    out = []
    for n, raw in enumerate(normalize_newlines(text).split("\n"), 1):
        line = raw.strip()
        if (
            not line
            or line.startswith(("#", "!"))
            or line in ("configure", "commit", "save", "exit", marks.CLOUD_CONFIG_KEY)
        ):
            continue
        command = marks.cloud_config_command(line)
        if command is not None:  # cloud-config: a YAML single-quoted string, '' = '
            line = command
        elif line.startswith("-"):
            raise ParseError("expected a single-quoted command in vyos_config_commands", line=n)
        toks = tokenize(line, n)
        if not toks or toks[0] != "set":
            raise ParseError(f"not a VyOS 'set' command: {describe_value(line)}", line=n)
        out.append((toks[1:], n))
    return out


class _Config:
    def __init__(self) -> None:
        self.ike: dict[str, dict[str, Any]] = {}
        self.esp: dict[str, dict[str, Any]] = {}
        self.peers: dict[str, dict[tuple[str, ...], tuple[str, int]]] = {}
        self.psk: dict[str, dict[str, Any]] = {}
        self.vti: dict[str, dict[str, tuple[str, int]]] = {}
        self.neighbors: dict[str, dict[tuple[str, ...], tuple[str, int]]] = {}
        self.asn: tuple[str, int] | None = None
        self.conn_info: dict[str, tuple[str, ...]] = {}

    def psk_naming(self, ip: str) -> dict[str, Any] | None:
        """The first (by name) ``authentication psk`` entry with ``ip`` among its ids."""
        index = self.__dict__.get("_psk_index")
        if index is None:  # built once: looking it up per peer was quadratic
            index = self.__dict__["_psk_index"] = {}
            for _name, entry in sorted(self.psk.items()):
                for i in entry["ids"]:
                    index.setdefault(i, entry)
        return index.get(ip)

    def neighbors_in(self, inside: ipaddress.IPv4Interface) -> list[tuple[Any, dict[tuple[str, ...], Any]]]:
        """The BGP neighbors inside ``inside``'s network, in the order of their address text."""
        prefix = inside.network.prefixlen
        index = self.__dict__.setdefault("_nb_index", {})
        by_net: dict[int, list[tuple[Any, dict[tuple[str, ...], Any]]]] | None = index.get(prefix)
        if by_net is None:  # built once per prefix length: scanning every neighbor per peer was quadratic
            by_net = {}
            index[prefix] = by_net
            for ip_text, nb in sorted(self.neighbors.items()):
                ip = _ip(ip_text, "neighbor", 0)
                if isinstance(ip, ipaddress.IPv4Address):
                    by_net.setdefault(int(ip) >> (32 - prefix), []).append((ip, nb))
        return by_net.get(int(inside.network.network_address) >> (32 - prefix), [])

    def group(self, table: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
        return table.setdefault(name, {"proposals": {}})

    def add(self, toks: list[str], n: int) -> None:
        match toks:
            case ["vpn", "ipsec", ("ike-group" | "esp-group") as kind, g, "proposal", p, key, value]:
                table = self.ike if kind == "ike-group" else self.esp
                self.group(table, g)["proposals"].setdefault(to_int(p, field=f"{kind} proposal", line=n), {})[key] = (
                    value,
                    n,
                )
            case ["vpn", "ipsec", ("ike-group" | "esp-group") as kind, g, "dead-peer-detection", key, value]:
                self.group(self.ike if kind == "ike-group" else self.esp, g)["dpd " + key] = (value, n)
            case ["vpn", "ipsec", ("ike-group" | "esp-group") as kind, g, key, value]:
                self.group(self.ike if kind == "ike-group" else self.esp, g)[key] = (value, n)
            case ["vpn", "ipsec", "site-to-site", "peer", peer, *rest] if len(rest) >= 2:
                self.peers.setdefault(peer, {})[tuple(rest[:-1])] = (rest[-1], n)
            case ["vpn", "ipsec", "authentication", "psk", name, "id", value]:
                self.psk.setdefault(name, {"ids": []})["ids"].append(value)
            case ["vpn", "ipsec", "authentication", "psk", name, "secret", value]:
                self.psk.setdefault(name, {"ids": []})["secret"] = (value, n)
            case ["interfaces", "vti", name, key, value]:
                self.vti.setdefault(name, {}).setdefault(key, (value, n))
            case ["interfaces", "vti", name, "ip", "adjust-mss", value] if value.isdigit():
                self.vti.setdefault(name, {})["adjust-mss"] = (value, n)
            case ["protocols", "bgp", "system-as", value]:
                self.asn = (value, n)
            case ["protocols", "bgp", "neighbor", ip, *rest] if rest:
                self.neighbors.setdefault(ip, {})[tuple(rest[:-1])] = (rest[-1], n)
            case ["protocols", "bgp", asn, "neighbor", ip, *rest] if asn.isdigit() and rest:
                self.asn = (asn, n)
                self.neighbors.setdefault(ip, {})[tuple(rest[:-1])] = (rest[-1], n)
            case ["protocols", "bgp", asn, *_rest] if asn.isdigit():
                self.asn = (asn, n)
            case _:
                pass


def _ip(value: str, field: str, line: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address, or None for another kind of value (``any``, an FQDN id); a value holding a
    control/format character or an IPv6 scope id is refused."""
    try:
        check_text(value, field)
        return check_address(ipaddress.ip_address(value), field)
    except ValueError:
        return None
    except ValidationError as e:
        raise e.located(line=line or None) from None


def _proposal_column(g: dict[str, Any], key: str, fn: Any, field: str) -> tuple[Any, ...] | None:
    """One setting of every proposal of a group, in proposal order, mapped through ``fn``."""
    vals = [p[key] for p in (g["proposals"][k] for k in sorted(g["proposals"])) if key in p]
    if not vals:
        return None
    return algos(fn, [v for v, _ in vals], field=field, line=vals[0][1])


def _ike(cfg: _Config, name: str, where: str, line: int) -> tuple[IkeOptions, dict[str, Any]]:
    g = cfg.ike.get(name)
    if g is None:
        raise ParseError(f"{where}: ike-group {describe_value(name)} is not defined", line=line)

    versions = None
    if "key-exchange" in g:
        value, n = g["key-exchange"]
        versions = algos(ike_version, [value], field="ike.versions", line=n)
    lifetime = to_int(g["lifetime"][0], field="ike.lifetime_s", line=g["lifetime"][1]) if "lifetime" in g else None
    mode = g["mode"][0] if "mode" in g else None
    opts = IkeOptions(
        versions=versions,
        encryption=_proposal_column(g, "encryption", encryption, "ike.encryption"),
        integrity=_proposal_column(g, "hash", integrity, "ike.integrity"),
        dh_groups=_proposal_column(g, "dh-group", dh_group, "ike.dh_groups"),
        lifetime_s=lifetime,
        mode=mode if mode in ("main", "aggressive") else None,
    )
    return opts, g


def _esp(cfg: _Config, name: str, ike: IkeOptions, where: str, line: int) -> IpsecOptions:
    g = cfg.esp.get(name)
    if g is None:
        raise ParseError(f"{where}: esp-group {describe_value(name)} is not defined", line=line)

    pfs: tuple[int, ...] | None = None
    if "pfs" in g:
        value, n = g["pfs"]
        if value == "enable":
            pfs = ike.dh_groups
        elif value != "disable":
            pfs = algos(dh_group, [value], field="ipsec.pfs_dh_groups", line=n)
    lifetime = to_int(g["lifetime"][0], field="ipsec.lifetime_s", line=g["lifetime"][1]) if "lifetime" in g else None
    mode = g["mode"][0] if "mode" in g else None
    return IpsecOptions(
        protocol="esp",
        encryption=_proposal_column(g, "encryption", encryption, "ipsec.encryption"),
        integrity=_proposal_column(g, "hash", integrity, "ipsec.integrity"),
        pfs_dh_groups=pfs,
        lifetime_s=lifetime,
        mode=mode if mode in ("tunnel", "transport") else None,
    )


def _tunnel(cfg: _Config, peer: str, p: dict[tuple[str, ...], tuple[str, int]]) -> tuple[Tunnel, str | None]:
    first = min(n for _, n in p.values())
    where = f"peer {peer}"
    remote = p.get(("remote-address",))
    aws_ip = _ip(remote[0], "remote-address", remote[1]) if remote else _ip(peer, "peer", first)
    if aws_ip is None:
        raise ParseError(f"{where}: no remote-address (and the peer is not named by its IP)", line=first)
    psk = _psk(cfg, peer, p, aws_ip)
    identity = p.get(("authentication", "local-id")) or p.get(("authentication", "id"))
    local = p.get(("local-address",))
    cgw = (_ip(identity[0], "local-id", identity[1]) if identity else None) or (
        _ip(local[0], "local-address", local[1]) if local else None
    )
    inside, mtu, mss = _vti(cfg, p, where, first)
    ike_ref = p.get(("ike-group",))
    if ike_ref is None:
        raise ParseError(f"{where}: no ike-group", line=first)
    ike, ike_group = _ike(cfg, ike_ref[0], where, ike_ref[1])
    esp_ref = p.get(("vti", "esp-group")) or p.get(("default-esp-group",))
    if esp_ref is None:
        raise ParseError(f"{where}: no vti esp-group", line=first)
    ipsec = _esp(cfg, esp_ref[0], ike, where, esp_ref[1])
    bgp, aws_inside = _bgp(cfg, inside)
    tunnel = Tunnel(
        aws_outside_ip=aws_ip,
        cgw_outside_ip=cgw,
        psk=psk,
        cgw_inside=inside,
        aws_inside=aws_inside,
        ike=ike,
        ipsec=ipsec,
        mtu=mtu,
        bgp=bgp,
        tcp_mss=_int(mss, "tcp_mss"),
        dpd_interval_s=_int(ike_group.get("dpd interval"), "dpd_interval_s"),
        dpd_timeout_s=_int(ike_group.get("dpd timeout"), "dpd_timeout_s"),
    )
    return tunnel, _connection_id(peer, p.get(("description",)))


def _int(value: tuple[str, int] | None, field: str) -> int | None:
    """A stated ``(text, line)`` as an int, None when not stated."""
    return None if value is None else to_int(value[0], field=field, line=value[1])


def _psk(cfg: _Config, peer: str, p: dict[tuple[str, ...], tuple[str, int]], aws_ip: Any) -> str | None:
    """In the peer (<= 1.3) or 'authentication psk NAME' (1.4+: same name, else the one naming the AWS IP)."""
    if ("authentication", "pre-shared-secret") in p:
        value, n = p[("authentication", "pre-shared-secret")]
        return to_psk(value, line=n)
    entry = cfg.psk.get(peer) or cfg.psk_naming(str(aws_ip))
    if entry and "secret" in entry:
        value, n = entry["secret"]
        return to_psk(value, line=n)
    return None


def _vti(
    cfg: _Config, p: dict[tuple[str, ...], tuple[str, int]], where: str, first: int
) -> tuple[ipaddress.IPv4Interface, int | None, tuple[str, int] | None]:
    """The inside address, MTU and stated TCP MSS of the vti interface the peer is bound to."""
    bind = p.get(("vti", "bind"))
    if bind is None:
        raise ParseError(f"{where}: no 'vti bind' (only route-based VTI peers are read)", line=first)
    vti = cfg.vti.get(bind[0])
    if vti is None or "address" not in vti:
        raise ParseError(f"{where}: vti interface {describe_value(bind[0])} has no address", line=bind[1])
    try:
        inside = ipaddress.IPv4Interface(vti["address"][0])
    except ValueError:
        raise ParseError(
            f"not an IPv4 address with prefix: {describe_value(vti['address'][0])}", line=vti["address"][1]
        ) from None
    return inside, _int(vti.get("mtu"), "mtu"), vti.get("adjust-mss")


def _bgp(cfg: _Config, inside: ipaddress.IPv4Interface) -> tuple[Bgp | None, ipaddress.IPv4Interface | None]:
    """The BGP peering of the neighbor inside the tunnel's network, and the AWS inside address
    (the neighbor's, else the other host of a /30)."""
    for ip, nb in cfg.neighbors_in(inside):
        if ip == inside.ip or ("remote-as",) not in nb:
            continue
        if cfg.asn is None:
            raise ParseError("BGP neighbors without a local ASN (system-as)", line=nb[("remote-as",)][1])
        bgp = Bgp(
            cgw_asn=to_int(cfg.asn[0], field="cgw_asn", line=cfg.asn[1]),
            aws_asn=to_int(nb[("remote-as",)][0], field="aws_asn", line=nb[("remote-as",)][1]),
            neighbor_ip=ip,
            hold_time=_int(nb.get(("timers", "holdtime")), "bgp_hold_time"),
        )
        return bgp, ipaddress.IPv4Interface(f"{ip}/{inside.network.prefixlen}")
    if inside.network.prefixlen == 30:
        hosts = [h for h in inside.network.hosts() if h != inside.ip]
        return None, ipaddress.IPv4Interface(f"{hosts[0]}/30")
    return None, None


def _connection_id(peer: str, desc: tuple[str, int] | None) -> str | None:
    """The connection id of a peer: from its description, else from its ``AWS-<tag>-T<n>`` name."""
    m = _DESC_ID.fullmatch(desc[0]) if desc else None
    if m:
        return m.group(1)
    m = _PEER_ID.fullmatch(peer)
    return "vpn-" + m.group(1) if m else None


def parse(text: str, report: Report) -> list[VpnConnection]:
    cfg = _Config()
    for line in normalize_newlines(text).split("\n"):
        m = _CONN_LINE.match(line.strip())
        if m:
            cfg.conn_info[m.group(1)] = m.groups()
    for toks, n in _commands(text):
        cfg.add(toks, n)
    if not cfg.peers:
        raise ParseError("no 'vpn ipsec site-to-site peer' in the VyOS configuration")
    groups: dict[str | None, list[Tunnel]] = {}
    for peer in sorted(cfg.peers):
        tunnel, conn_id = _tunnel(cfg, peer, cfg.peers[peer])
        groups.setdefault(conn_id, []).append(tunnel)
    out = []
    for conn_id in sorted(groups, key=lambda k: k or ""):
        tunnels = groups[conn_id]
        info = cfg.conn_info.get(conn_id or marks.NOT_STATED)

        def field(i: int, info: tuple[str, ...] | None = info) -> str | None:
            return None if info is None or info[i] == marks.NOT_STATED else info[i]

        routing = "bgp" if any(t.bgp for t in tunnels) else "static"
        out.append(
            build_connection(
                tunnels,
                report,
                vpn_connection_id=conn_id,
                vpn_gateway_id=field(1),
                transit_gateway_id=field(2),
                customer_gateway_id=field(3),
                routing=routing,
            )
        )
    return out
