"""``--to vyos``: deduplicated VyOS ``set`` commands (VyOS 1.1 - 1.5) for route-based (VTI) tunnels
with BGP or static routing.  See docs/vyos.md.

* Syntax per version as ../shared/docs/vyos-syntax.md says (1.1 | 1.2 = 1.3 | 1.4 = 1.5).
* One ike-group / esp-group per distinct proposal set (``AWS-IKE-<hash>``/``AWS-ESP-<hash>``),
  the IPsec interface once; per tunnel only the peer, its vti interface and its BGP neighbor.
* vti numbers come from the tunnel's inside /30 (``169.254.A.B/30`` -> ``vti((A*256+B)//4)``),
  so adding a connection never renumbers the others.
* NAT fix-up: ``--local-address`` (or the address of ``--local-interface`` in ``--router-config``)
  becomes the peers' local-address; the public customer gateway IP stays the IKE identity.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import attrs

from .. import algorithms
from ..errors import NOT_STATED_HINT, EmitError, Report, describe_value, escape_text, unsafe_character
from ..model import IPAddress, Tunnel, VpnConnection, address_key, check_address, check_network
from ..registry import Option, OutputFile

NAME = "vyos"
DESCRIPTION = "VyOS 1.1-1.5 set-commands (VTI, BGP with prefix-list/route-map policy, or static routes)"

VERSIONS: tuple[str, ...] = ("1.1", "1.2", "1.3", "1.4", "1.5")
LOCAL_ADDRESS_HELP = ("router's private address (NAT fix-up: used as local address; the public customer "
                      "gateway IP stays the IKE identity)")

# code names of the release trains (VyOS's own images and docs use both)
CODE_NAMES = {"helium": "1.1", "crux": "1.2", "equuleus": "1.3", "sagitta": "1.4", "circinus": "1.5"}
_VERSION_RE = re.compile(r"[vV]?(\d{1,3})\.(\d{1,3})(?:[.-][A-Za-z0-9][A-Za-z0-9.+_-]{0,63})?")

OPTIONS: tuple[Option, ...] = (
    Option("--vyos-version", f"VyOS release train to write for: {', '.join(VERSIONS)}, or a release of one "
           "(1.4.1, 1.5-rolling-202411050024, 1.3.8) or its code name (sagitta); default 1.4",
           default="1.4", metavar="VERSION"),
    Option("--local-address", LOCAL_ADDRESS_HELP, metavar="IP"),
    Option("--local-interface", "interface that carries IPsec (default eth0); with --router-config its "
           "address is the local address", default="eth0", metavar="IFACE"),
    Option("--router-config", "the router's config.boot: read --local-interface's address from it",
           metavar="FILE"),
    Option("--advertise", "prefix to advertise to AWS over BGP (repeatable)", kind="list", metavar="PREFIX"),
    Option("--advertise-next-hop", "next hop of the static routes for --advertise prefixes (default: "
           "blackhole, distance 254)", metavar="IP"),
    Option("--accept", "prefix to accept from AWS / route into the tunnels: PREFIX or CONN_ID=PREFIX "
           "(repeatable)", kind="list", metavar="[CONN_ID=]PREFIX"),
    Option("--prefer-tunnel", "prefer tunnel 1 or 2 (AS-path prepend / higher distance on the other one)",
           choices=("1", "2"), metavar="N"),
    Option("--role", "spoke (policies per connection) or hub (one aggregate OUT policy, one IN policy "
           "per connection)", choices=("spoke", "hub"), default="spoke", metavar="ROLE"),
    Option("--first-vti", "offset added to every vti number (default 0)", kind="int", default=0, metavar="N"),
    Option("--cloud-init", "wrap the commands as #cloud-config vyos_config_commands", kind="flag"),
)

ENCRYPTION_WORDS = {"AES128": "aes128", "AES256": "aes256", "AES128-GCM-16": "aes128gcm128",
                    "AES256-GCM-16": "aes256gcm128"}
INTEGRITY_WORDS = {"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512"}

# AWS's values when the input does not state them (what AWS's own downloads print).
DEFAULT_IKE_LIFETIME = 28800
DEFAULT_ESP_LIFETIME = 3600
DEFAULT_DPD_INTERVAL = 10
DEFAULT_DPD_RETRIES = 3
DEFAULT_MTU = 1436
INSIDE_BLOCK = ipaddress.IPv4Network("169.254.0.0/16")
HASH_VTI_BASE = 16384  # tunnels without an IPv4 inside /30 in 169.254.0.0/16 get hashed numbers above this
MAX_FIRST_VTI = 1_000_000

_SAFE_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@|-]*")  # fullmatch: "$" would let a final "\n" through


# ------------------------------------------------------------------ version syntax

@attrs.frozen
class Syntax:
    version: str

    @property
    def legacy(self) -> bool:
        """1.1 - 1.3: peers named by IP, PSK in the peer, ``protocols bgp ASN``, interface-route."""
        return self.version in ("1.1", "1.2", "1.3")

    @property
    def afi(self) -> bool:
        """1.2+: soft-reconfiguration / route-map / network under address-family ipv4-unicast."""
        return self.version != "1.1"

    @property
    def dpd_min(self) -> tuple[int, int]:
        return (15, 30) if self.version == "1.1" else (2, 2)

    @property
    def ike_lifetime_min(self) -> int:
        return 30 if self.legacy else 0


# ------------------------------------------------------------------ quoting

def quote(value: object) -> str:
    """A VyOS value in single quotes; refuses anything that could break the line or the quote."""
    text = str(value)
    bad = unsafe_character(text)
    if bad or not text or "'" in text:
        what = ("is empty" if not text else f"contains {describe_value(bad[1] if bad else chr(39))}")
        raise EmitError(f"refusing to write a value that {what}: it would break the VyOS command line")
    return f"'{text}'"


def comment(line: str) -> str:
    """A ``#`` comment line as written: every control/format character escaped, so that it stays
    one comment line (a newline or CR would make the rest a command)."""
    return escape_text(line if line.startswith("#") else "# " + line)


def word(value: object) -> str:
    """A path element (tag value, node name) written without quotes; must be a plain word."""
    text = str(value)
    if not _SAFE_WORD.fullmatch(text):
        raise EmitError(f"refusing to write {describe_value(text)} as a VyOS path element")
    return text


class Commands:
    """An ordered set of ``set`` lines: a repeated identical line is written once."""

    def __init__(self) -> None:
        self.lines: dict[str, None] = {}
        self._words: set[object] = set()  # path elements already checked by word()

    def set(self, path: Iterable[object], value: object | None = None) -> None:
        words = self._words
        parts = []
        for p in path:
            if p.__class__ is not str or p not in words:  # most elements repeat on every line
                text = word(p)
                if p.__class__ is str:
                    words.add(p)
                p = text
            parts.append(p)
        line = "set " + " ".join(parts)
        if value is not None:
            line += " " + quote(value)
        self.lines.setdefault(line, None)

    def __iter__(self) -> Any:
        return iter(self.lines)


# ------------------------------------------------------------------ options

@attrs.frozen
class Options:
    syntax: Syntax
    local_address: IPAddress | None
    local_source: str | None  # where local_address came from (for the header)
    interface: str
    advertise: tuple[ipaddress.IPv4Network, ...]
    advertise_next_hop: ipaddress.IPv4Address | None
    accept_all: tuple[ipaddress.IPv4Network, ...]
    accept_by_conn: dict[str, tuple[ipaddress.IPv4Network, ...]]
    prefer: int | None
    role: str
    first_vti: int
    cloud_init: bool


def _prefix(text: str, flag: str) -> ipaddress.IPv4Network:
    try:
        net = check_network(ipaddress.ip_network(str(text).strip(), strict=True), flag.lstrip("-").replace("-", "_"))
    except ValueError as e:
        raise EmitError(f"{flag}: not a network prefix: {describe_value(text)} ({escape_text(str(e))})") from None
    if not isinstance(net, ipaddress.IPv4Network):
        raise EmitError(f"{flag}: {net} is IPv6; the VyOS target writes IPv4 BGP/static routing only")
    return net


def _sorted_nets(nets: Iterable[ipaddress.IPv4Network]) -> tuple[ipaddress.IPv4Network, ...]:
    return tuple(sorted(set(nets), key=lambda n: (int(n.network_address), n.prefixlen)))


def conn_tag(c: VpnConnection) -> str:
    """The connection's part of every name: the vpn id without ``vpn-`` (else the first AWS IP)."""
    if c.vpn_connection_id:
        raw = c.vpn_connection_id
        raw = raw[4:] if raw.startswith("vpn-") and len(raw) > 4 else raw
    else:
        raw = "ip-" + str(c.tunnels[0].aws_outside_ip)
    return re.sub(r"[^A-Za-z0-9-]", "-", raw)


def vyos_series(version: str) -> str:
    """The release train (``1.1`` … ``1.5``) of a VyOS version: ``1.4``, ``1.4.1``,
    ``1.5-rolling-202411050024``, ``1.3.8``, ``1.2.9-S1``, ``sagitta``; anything else is an error."""
    text = version.strip()
    series = CODE_NAMES.get(text.lower())
    if series is None:
        m = _VERSION_RE.fullmatch(text)
        if m is None:
            raise EmitError(f"--vyos-version: {describe_value(version)} is not a VyOS version (use a release "
                            f"train {', '.join(VERSIONS)} or a release such as 1.4.1)")
        series = f"{int(m.group(1))}.{int(m.group(2))}"
    if series not in VERSIONS:
        which = "" if series == text else f" (release train {series})"
        raise EmitError(f"--vyos-version: {describe_value(version)}{which}: unknown VyOS release train "
                        f"(known: {', '.join(VERSIONS)})")
    return series


def _options(o: dict[str, Any], connections: list[VpnConnection], report: Report) -> Options:
    version = vyos_series(str(o.get("vyos_version") or "1.4"))
    iface = str(o.get("local_interface") or "eth0")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,14}(\.\d{1,4}){0,2}", iface):
        raise EmitError(f"--local-interface: not an interface name: {describe_value(iface)}")

    local: IPAddress | None = None
    local_source: str | None = None
    if o.get("local_address") and o.get("router_config"):
        raise EmitError("give either --local-address or --router-config, not both")
    if o.get("local_address"):
        try:
            local = check_address(ipaddress.ip_address(str(o["local_address"]).strip()), "local_address")
        except ValueError:
            raise EmitError(f"--local-address: not an IP address: {describe_value(o['local_address'])}") from None
        local_source = "--local-address"
    elif o.get("router_config"):
        from ..io import read_input
        from ._vyos_configboot import interface_address

        source, text = read_input(str(o["router_config"]))
        addr, notes = interface_address(text, iface, source)
        for note, line in notes:
            report.warn(note, source=source, line=line, field="router_config")
        local = addr.ip
        local_source = f"{source} ({iface} {addr})"

    advertise = _sorted_nets(_prefix(p, "--advertise") for p in o.get("advertise") or ())
    next_hop = None
    if o.get("advertise_next_hop"):
        try:
            next_hop = check_address(ipaddress.ip_address(str(o["advertise_next_hop"]).strip()),
                                     "advertise_next_hop")
        except ValueError:
            raise EmitError("--advertise-next-hop: not an IP address: "
                            f"{describe_value(o['advertise_next_hop'])}") from None
        if not isinstance(next_hop, ipaddress.IPv4Address):
            raise EmitError("--advertise-next-hop: must be an IPv4 address")
        if not advertise:
            raise EmitError("--advertise-next-hop needs --advertise")

    ids: dict[str, str] = {}
    for c in connections:
        tag = conn_tag(c)
        ids[tag] = tag
        if c.vpn_connection_id:
            ids[c.vpn_connection_id] = tag
    accept_all: list[ipaddress.IPv4Network] = []
    by_conn: dict[str, list[ipaddress.IPv4Network]] = {}
    for item in o.get("accept") or ():
        text = str(item)
        if "=" in text:
            cid, _, pfx = text.partition("=")
            tag = ids.get(cid.strip())
            if tag is None:
                known = ", ".join(sorted(c.vpn_connection_id or conn_tag(c) for c in connections))
                raise EmitError(f"--accept: no connection {describe_value(cid.strip())} (connections: {known})")
            by_conn.setdefault(tag, []).append(_prefix(pfx, "--accept"))
        else:
            accept_all.append(_prefix(text, "--accept"))

    prefer = o.get("prefer_tunnel")
    if prefer is not None:
        if str(prefer) not in ("1", "2"):
            raise EmitError(f"--prefer-tunnel: must be 1 or 2, not {describe_value(prefer)}")
        prefer = int(prefer)
    role = str(o.get("role") or "spoke")
    if role not in ("spoke", "hub"):
        raise EmitError(f"--role: must be spoke or hub, not {describe_value(role)}")
    first = o.get("first_vti")
    first = 0 if first is None else first
    if isinstance(first, bool) or not isinstance(first, int) or not 0 <= first <= MAX_FIRST_VTI:
        raise EmitError(f"--first-vti: must be an integer 0..{MAX_FIRST_VTI}, not {describe_value(first)}")
    return Options(Syntax(version), local, local_source, iface, advertise, next_hop, _sorted_nets(accept_all),
                   {k: _sorted_nets(v) for k, v in by_conn.items()}, prefer, role, first,
                   bool(o.get("cloud_init")))


# ------------------------------------------------------------------ proposals

@attrs.frozen
class IkeGroup:
    key_exchange: str
    encryption: tuple[str, ...]
    integrity: tuple[str, ...]
    dh_groups: tuple[int, ...]
    mode: str | None
    lifetime: int
    dpd_interval: int
    dpd_timeout: int

    @property
    def name(self) -> str:
        return _group_name("AWS-IKE-", self)


@attrs.frozen
class EspGroup:
    encryption: tuple[str, ...]
    integrity: tuple[str, ...]
    pfs: int
    pfs_enable: bool
    lifetime: int

    @property
    def name(self) -> str:
        return _group_name("AWS-ESP-", self)


def _digest(values: tuple[Any, ...]) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()[:8]


@functools.lru_cache(maxsize=4096)
def _group_name(prefix: str, group: Any) -> str:
    # cached: every peer names its groups, and a few distinct groups serve thousands of tunnels
    return prefix + _digest(attrs.astuple(group))


def _ike_group(t: Tunnel, where: str, report: Report) -> IkeGroup:
    versions = t.ike.versions or ("ikev1",)
    kex = "ikev2" if versions == ("ikev2",) else "ikev1"  # as the strongSwan target: IKEv2 only when required
    enc = t.ike.encryption or ("AES128",)
    integ = t.ike.integrity or ("SHA1",)
    dh = t.ike.dh_groups or (2,)
    missing = [n for n, v in (("encryption", t.ike.encryption), ("integrity", t.ike.integrity),
                              ("DH group", t.ike.dh_groups)) if v is None]
    if missing:
        report.warn(f"{where}: phase 1 {', '.join(missing)} not stated; using AWS's download defaults "
                    "(AES128, SHA1, group 2)", field="ike", code="vyos-default")
    interval = t.dpd_interval_s or DEFAULT_DPD_INTERVAL
    timeout = t.dpd_timeout_s or interval * (t.dpd_retries or DEFAULT_DPD_RETRIES)
    mode = "aggressive" if t.ike.mode == "aggressive" else None  # main mode is VyOS's default
    return IkeGroup(kex, enc, integ, dh, mode, t.ike.lifetime_s or DEFAULT_IKE_LIFETIME, interval, timeout)


def _esp_group(t: Tunnel, ike: IkeGroup, where: str, report: Report) -> EspGroup:
    enc = t.ipsec.encryption or ("AES128",)
    integ = t.ipsec.integrity or ("SHA1",)
    if t.ipsec.encryption is None or t.ipsec.integrity is None:
        report.warn(f"{where}: phase 2 algorithms not stated; using AWS's download defaults (AES128, SHA1)",
                    field="ipsec", code="vyos-default")
    pfs_groups = t.ipsec.pfs_dh_groups or (ike.dh_groups[0],)
    if len(pfs_groups) > 1:
        report.warn(f"{where}: VyOS takes one PFS group per esp-group; using group {pfs_groups[0]} "
                    f"(AWS also accepts {', '.join(str(g) for g in pfs_groups[1:])})", field="ipsec.pfs_dh_groups")
    if t.ipsec.mode == "transport":
        report.warn(f"{where}: IPsec transport mode cannot carry a VTI; writing tunnel mode", field="ipsec.mode")
    pfs = pfs_groups[0]
    return EspGroup(enc, integ, pfs, ike.dh_groups == (pfs,), t.ipsec.lifetime_s or DEFAULT_ESP_LIFETIME)


def _clamp(value: int, lo: int, hi: int, what: str, syntax: Syntax, report: Report) -> int:
    if lo <= value <= hi:
        return value
    new = min(max(value, lo), hi)
    report.warn(f"VyOS {syntax.version} accepts a {what} of {lo}..{hi}; writing {new} instead of {value}",
                field=what, code="vyos-clamp")
    return new


def _encryptions(encs: tuple[str, ...], syntax: Syntax, what: str, report: Report) -> list[str]:
    if syntax.version != "1.1":
        return [ENCRYPTION_WORDS[e] for e in encs]
    keep = [e for e in encs if not algorithms.is_gcm(e)]
    if not keep:
        raise EmitError(f"{what}: AES-GCM ({', '.join(encs)}) needs VyOS 1.2 or later; use --vyos-version 1.2+ "
                        "or allow AES-CBC on the tunnel")
    if len(keep) < len(encs):
        report.warn(f"{what}: VyOS 1.1 has no AES-GCM; leaving out {', '.join(e for e in encs if e not in keep)}",
                    field="encryption")
    return [ENCRYPTION_WORDS[e] for e in keep]


def _write_ike(cmds: Commands, g: IkeGroup, syntax: Syntax, report: Report) -> None:
    base = ("vpn", "ipsec", "ike-group", g.name)
    interval = _clamp(g.dpd_interval, syntax.dpd_min[0], 86400, "DPD interval", syntax, report)
    timeout = _clamp(g.dpd_timeout, syntax.dpd_min[1], 86400, "DPD timeout", syntax, report)
    cmds.set((*base, "dead-peer-detection", "action"), "restart")
    cmds.set((*base, "dead-peer-detection", "interval"), interval)
    cmds.set((*base, "dead-peer-detection", "timeout"), timeout)
    cmds.set((*base, "key-exchange"), g.key_exchange)
    cmds.set((*base, "lifetime"), _clamp(g.lifetime, syntax.ike_lifetime_min, 86400, "IKE lifetime", syntax, report))
    if g.mode == "aggressive":
        if syntax.version == "1.1":
            report.warn("VyOS 1.1 has no ike-group mode; aggressive mode is not written", field="ike.mode")
        else:
            cmds.set((*base, "mode"), "aggressive")
    n = 0
    for enc in _encryptions(g.encryption, syntax, f"ike-group {g.name}", report):
        for integ in g.integrity:
            for dh in g.dh_groups:
                n += 1
                cmds.set((*base, "proposal", n, "dh-group"), dh)
                cmds.set((*base, "proposal", n, "encryption"), enc)
                cmds.set((*base, "proposal", n, "hash"), INTEGRITY_WORDS[integ])


def _write_esp(cmds: Commands, g: EspGroup, syntax: Syntax, report: Report) -> None:
    base = ("vpn", "ipsec", "esp-group", g.name)
    if syntax.legacy:
        cmds.set((*base, "compression"), "disable")
    cmds.set((*base, "lifetime"), _clamp(g.lifetime, 30, 86400, "ESP lifetime", syntax, report))
    cmds.set((*base, "mode"), "tunnel")
    cmds.set((*base, "pfs"), "enable" if g.pfs_enable else f"dh-group{g.pfs}")
    n = 0
    for enc in _encryptions(g.encryption, syntax, f"esp-group {g.name}", report):
        # AES-GCM authenticates itself: one proposal (the hash only satisfies VyOS's syntax)
        hashes = g.integrity[:1] if enc.endswith("gcm128") else g.integrity
        for integ in hashes:
            n += 1
            cmds.set((*base, "proposal", n, "encryption"), enc)
            cmds.set((*base, "proposal", n, "hash"), INTEGRITY_WORDS[integ])


# ------------------------------------------------------------------ tunnel plan

@attrs.frozen
class Planned:
    conn: VpnConnection
    tag: str
    index: int  # 1 / 2: position in the model (sorted by AWS outside IP)
    tunnel: Tunnel
    vti_number: int
    ike: IkeGroup
    esp: EspGroup

    @property
    def vti(self) -> str:
        return f"vti{self.vti_number}"

    @property
    def peer_name(self) -> str:
        return f"AWS-{self.tag}-T{self.index}"

    @property
    def where(self) -> str:
        return f"{self.conn.name} tunnel {self.index} ({self.tunnel.aws_outside_ip})"

    @property
    def description(self) -> str:
        return f"{self.conn.name} tunnel {self.index}"


def vti_number(t: Tunnel, tag: str, first: int) -> tuple[int, bool]:
    """(number, derived from the inside address?) — see the module docstring."""
    inside = t.cgw_inside
    if inside is not None and inside.network.subnet_of(INSIDE_BLOCK) and inside.network.prefixlen >= 30:
        return first + (int(inside.network.network_address) - int(INSIDE_BLOCK.network_address)) // 4, True
    h = int(hashlib.sha256(f"{tag}|{t.aws_outside_ip}".encode()).hexdigest(), 16)
    return first + HASH_VTI_BASE + h % HASH_VTI_BASE, False


def _plan(connections: list[VpnConnection], opts: Options, report: Report) -> list[Planned]:
    conns = sorted(connections, key=lambda c: (conn_tag(c), address_key(c.tunnels[0].aws_outside_ip)))
    tags = [conn_tag(c) for c in conns]
    dup = sorted(t for t, k in Counter(tags).items() if k > 1)
    if dup:
        raise EmitError(f"two connections map to the same VyOS names (AWS-{dup[0]}-…); give them distinct "
                        "connection ids")
    out: list[Planned] = []
    used: dict[int, str] = {}
    peers: dict[str, str] = {}
    hashed: list[tuple[str, Tunnel, int, VpnConnection, str]] = []
    for c, tag in zip(conns, tags, strict=True):
        for i, t in enumerate(c.tunnels, 1):
            where = f"{c.name} tunnel {i} ({t.aws_outside_ip})"
            if t.cgw_inside is None:
                raise EmitError(f"{where}: no IPv4 inside address (169.254.x.y/30); the VyOS target needs it "
                                "for the vti interface")
            if t.cgw_inside_v6 is not None:
                report.warn(f"{where}: the IPv6 inside addresses are not written (IPv4 VTI only)",
                            field="cgw_inside_v6")
            if t.psk is None:
                raise EmitError(f"{where}: no pre-shared key in the input; {NOT_STATED_HINT}", field="psk")
            peer = str(t.aws_outside_ip)
            if peer in peers:
                raise EmitError(f"{where}: AWS outside IP {peer} is also used by {peers[peer]}")
            peers[peer] = where
            ike = _ike_group(t, where, report)
            esp = _esp_group(t, ike, where, report)
            number, by_inside = vti_number(t, tag, opts.first_vti)
            if by_inside:
                if number in used:
                    raise EmitError(f"{where}: inside network {t.cgw_inside.network} is also used by "
                                    f"{used[number]}; one router cannot hold both")
                used[number] = where
                out.append(Planned(c, tag, i, t, number, ike, esp))
            else:
                hashed.append((where, t, number, c, tag))
                out.append(Planned(c, tag, i, t, -1, ike, esp))
    # hashed numbers: probe upwards on collision, in a fixed order (by tag, AWS IP)
    if len(hashed) > HASH_VTI_BASE:
        raise EmitError(f"{len(hashed)} tunnels have no inside /30 in {INSIDE_BLOCK}; one router numbers at "
                        f"most {HASH_VTI_BASE} such vti interfaces")
    fixed: dict[tuple[str, str], int] = {}
    for where, t, number, _c, tag in sorted(hashed, key=lambda h: (h[4], address_key(h[1].aws_outside_ip))):
        n = number
        while n in used:
            n = opts.first_vti + HASH_VTI_BASE + (n - opts.first_vti - HASH_VTI_BASE + 1) % HASH_VTI_BASE
        used[n] = where
        fixed[(tag, str(t.aws_outside_ip))] = n
    return [p if p.vti_number >= 0 else attrs.evolve(p, vti_number=fixed[(p.tag, str(p.tunnel.aws_outside_ip))])
            for p in out]


# ------------------------------------------------------------------ rendering

def _identity(p: Planned, opts: Options) -> tuple[str | None, str]:
    """(IKE identity = public customer gateway IP, local-address)."""
    public = str(p.tunnel.cgw_outside_ip) if p.tunnel.cgw_outside_ip else None
    if opts.local_address is not None:
        if p.tunnel.cgw_outside_ip is not None and opts.local_address.version != p.tunnel.cgw_outside_ip.version:
            raise EmitError(f"{p.where}: local address {opts.local_address} and customer gateway "
                            f"{p.tunnel.cgw_outside_ip} are not the same IP version")
        return public, str(opts.local_address)
    return public, public or "any"


def _write_tunnel(cmds: Commands, p: Planned, opts: Options, report: Report) -> None:
    s, t = opts.syntax, p.tunnel
    public, local = _identity(p, opts)
    aws = str(t.aws_outside_ip)
    vti = ("interfaces", "vti", p.vti)
    cmds.set((*vti, "address"), t.cgw_inside)
    cmds.set((*vti, "description"), p.description)
    cmds.set((*vti, "mtu"), _clamp(t.mtu or DEFAULT_MTU, 68, 9000 if s.legacy else 16000, "vti MTU", s, report))
    if not s.legacy and t.tcp_mss:
        cmds.set((*vti, "ip", "adjust-mss"), _clamp(t.tcp_mss, 536, 65535, "TCP MSS", s, report))
    name = aws if s.legacy else p.peer_name
    peer = ("vpn", "ipsec", "site-to-site", "peer", name)
    if s.legacy:
        if public:
            cmds.set((*peer, "authentication", "id"), public)
        cmds.set((*peer, "authentication", "mode"), "pre-shared-secret")
        cmds.set((*peer, "authentication", "pre-shared-secret"), t.psk)
        cmds.set((*peer, "authentication", "remote-id"), aws)
    else:
        psk = ("vpn", "ipsec", "authentication", "psk", p.peer_name)
        cmds.set((*psk, "id"), public or local)
        cmds.set((*psk, "id"), aws)
        cmds.set((*psk, "secret"), t.psk)
        if public:
            cmds.set((*peer, "authentication", "local-id"), public)
        cmds.set((*peer, "authentication", "mode"), "pre-shared-secret")
        cmds.set((*peer, "authentication", "remote-id"), aws)
    cmds.set((*peer, "connection-type"), "initiate")
    cmds.set((*peer, "description"), p.description)
    cmds.set((*peer, "ike-group"), p.ike.name)
    cmds.set((*peer, "local-address"), local)
    if not s.legacy:
        cmds.set((*peer, "remote-address"), aws)
    cmds.set((*peer, "vti", "bind"), p.vti)
    cmds.set((*peer, "vti", "esp-group"), p.esp.name)


def _route_map(cmds: Commands, name: str, prefix_list: str | None, prepend: str | None, syntax: Syntax) -> None:
    base = ("policy", "route-map", name)
    if prefix_list is None and prepend is None:
        cmds.set((*base, "rule", 10, "action"), "deny")
        return
    cmds.set((*base, "rule", 10, "action"), "permit")
    if prefix_list:
        cmds.set((*base, "rule", 10, "match", "ip", "address", "prefix-list"), prefix_list)
    if prepend:
        path = ("set", "as-path-prepend") if syntax.legacy else ("set", "as-path", "prepend")
        cmds.set((*base, "rule", 10, *path), prepend)
    if prefix_list:
        cmds.set((*base, "rule", 20, "action"), "deny")


def _prefix_list(cmds: Commands, name: str, nets: tuple[ipaddress.IPv4Network, ...]) -> None:
    for n, net in enumerate(nets, 1):
        cmds.set(("policy", "prefix-list", name, "rule", n * 10, "action"), "permit")
        cmds.set(("policy", "prefix-list", name, "rule", n * 10, "prefix"), net)


def _accepts(p: Planned, opts: Options) -> tuple[ipaddress.IPv4Network, ...]:
    return _sorted_nets((*opts.accept_all, *opts.accept_by_conn.get(p.tag, ())))


def _write_bgp(cmds: Commands, bgp: list[Planned], opts: Options, report: Report) -> None:
    s = opts.syntax
    for p in bgp:
        b = p.tunnel.bgp
        for attr, who in (("cgw_asn", "customer gateway (this router's) ASN"), ("aws_asn", "AWS ASN")):
            if b is not None and getattr(b, attr) is None:
                raise EmitError(f"{p.where}: the input does not state the {who}; {NOT_STATED_HINT}",
                                field=f"bgp.{attr}")
    asns = sorted({p.tunnel.bgp.cgw_asn for p in bgp if p.tunnel.bgp and p.tunnel.bgp.cgw_asn})
    if len(asns) > 1:
        raise EmitError(f"the connections use different customer ASNs ({', '.join(map(str, asns))}); one VyOS "
                        "router runs one BGP ASN")
    asn = asns[0]
    for a in (asn, *(p.tunnel.bgp.aws_asn for p in bgp if p.tunnel.bgp)):
        if a > 4294967294:
            raise EmitError(f"ASN {a} is outside VyOS's range 1..4294967294")
    # policies
    hub = opts.role == "hub"
    prepend = f"{asn} {asn}"
    if not opts.advertise:
        report.warn("no --advertise: the BGP sessions advertise nothing to AWS (OUT route-maps deny all)",
                    field="advertise", code="vyos-no-advertise")
    out_names: dict[str, tuple[str, str]] = {}
    for owner in (["HUB"] if hub else sorted({p.tag for p in bgp})):
        out = f"AWS-{owner}-OUT"
        if opts.advertise:
            _prefix_list(cmds, out, opts.advertise)
        _route_map(cmds, out, out if opts.advertise else None, None, s)
        pre = out
        if opts.prefer is not None and len({p.index for p in bgp if hub or p.tag == owner}) > 1:
            pre = f"{out}-PREPEND"
            _route_map(cmds, pre, out, prepend, s)
        out_names[owner] = (out, pre)
    in_names: dict[str, str] = {}
    for p in bgp:
        if p.tag in in_names:
            continue
        name = f"AWS-{p.tag}-IN"
        nets = _accepts(p, opts)
        if nets:
            _prefix_list(cmds, name, nets)
            _route_map(cmds, name, name, None, s)
        else:
            if hub:
                report.warn(f"hub: no --accept for {p.conn.name}; accepting every route it sends",
                            field="accept")
            cmds.set(("policy", "route-map", name, "rule", 10, "action"), "permit")
        in_names[p.tag] = name
    # protocols bgp
    root: tuple[object, ...] = ("protocols", "bgp", asn) if s.legacy else ("protocols", "bgp")
    if not s.legacy:
        cmds.set(("protocols", "bgp", "system-as"), asn)
    for p in bgp:
        b = p.tunnel.bgp
        assert b is not None
        ip = b.neighbor_ip or (p.tunnel.aws_inside.ip if p.tunnel.aws_inside else None)
        if ip is None:
            raise EmitError(f"{p.where}: no BGP neighbor address (AWS inside IP) in the input")
        nb = (*root, "neighbor", ip)
        af = (*nb, "address-family", "ipv4-unicast") if s.afi else nb
        out, pre = out_names["HUB" if hub else p.tag]
        export = pre if opts.prefer is not None and p.index != opts.prefer else out
        cmds.set((*nb, "description"), p.description)
        cmds.set((*nb, "remote-as"), b.aws_asn)
        cmds.set((*af, "route-map", "export"), export)
        cmds.set((*af, "route-map", "import"), in_names[p.tag])
        cmds.set((*af, "soft-reconfiguration", "inbound"))
        if b.hold_time is not None:
            hold = b.hold_time
            if s.legacy and 0 < hold < 4:
                report.warn(f"{p.where}: VyOS {s.version} accepts a BGP hold time of 0 or 4..65535; writing 4",
                            field="bgp_hold_time")
                hold = 4
            cmds.set((*nb, "timers", "holdtime"), hold)
            if hold:
                cmds.set((*nb, "timers", "keepalive"), max(1, hold // 3))
    for net in opts.advertise:
        cmds.set((*root, *(("address-family", "ipv4-unicast") if s.afi else ()), "network", net))
    for net in opts.advertise:
        if net.prefixlen == 0:
            report.warn("--advertise 0.0.0.0/0: AWS will send all VPC traffic for the internet to this router",
                        field="advertise")
        if opts.advertise_next_hop:
            cmds.set(("protocols", "static", "route", net, "next-hop", opts.advertise_next_hop))
        else:
            cmds.set(("protocols", "static", "route", net, "blackhole", "distance"), 254)


def _write_static(cmds: Commands, static: list[Planned], opts: Options, report: Report) -> None:
    s = opts.syntax
    for p in static:
        nets = _accepts(p, opts)
        if not nets:
            report.warn(f"static connection {p.conn.name}: no --accept prefixes, so no route into the tunnels is "
                        "written (add --accept VPC_CIDR)", field="accept", code="vyos-no-route")
            continue
        distance = 10 if opts.prefer is not None and p.index != opts.prefer else None
        for net in nets:
            if s.legacy:
                path: tuple[object, ...] = ("protocols", "static", "interface-route", net, "next-hop-interface", p.vti)
            else:
                path = ("protocols", "static", "route", net, "interface", p.vti)
            if distance is None:
                cmds.set(path)
            else:
                cmds.set((*path, "distance"), distance)


def _notes(connections: list[VpnConnection], report: Report, syntax: Syntax) -> None:
    tunnels = [t for c in connections for t in c.tunnels]
    if syntax.legacy and any(t.tcp_mss for t in tunnels):
        report.warn(f"VyOS {syntax.version}: TCP MSS clamping is not written (it lives in the firewall tree "
                    "there: 'set firewall options interface vtiN adjust-mss N')", field="tcp_mss")
    if any(t.rekey_margin_s or t.rekey_fuzz_pct is not None or t.replay_window for t in tunnels):
        report.warn("rekey margin/fuzz and replay window are not written (VyOS defaults apply)",
                    field="tunnel options")


def _header(plan: list[Planned], opts: Options, connections: list[VpnConnection]) -> list[str]:
    from .. import __version__

    s = opts.syntax
    lines = [
        f"# vpnxlate: VyOS {s.version} set-commands (vpnxlate {__version__}, --to vyos --vyos-version {s.version} "
        f"--role {opts.role})",
        "# Paste in configuration mode ('configure'), then 'commit' and 'save'.",
    ]
    by_conn: dict[int, list[Planned]] = {}
    for p in plan:
        by_conn.setdefault(id(p.conn), []).append(p)
    for c in sorted(connections, key=conn_tag):
        lines.append(f"# connection {c.vpn_connection_id or '-'}: vpn-gateway {c.vpn_gateway_id or '-'}; "
                     f"transit-gateway {c.transit_gateway_id or '-'}; customer-gateway "
                     f"{c.customer_gateway_id or '-'}; routing {c.routing}")
        for p in by_conn.get(id(c), ()):
            lines.append(f"#   tunnel {p.index}: AWS {p.tunnel.aws_outside_ip}, {p.vti} {p.tunnel.cgw_inside}"
                         + ("" if s.legacy else f", peer {p.peer_name}"))
    publics = sorted({str(p.tunnel.cgw_outside_ip) for p in plan if p.tunnel.cgw_outside_ip})
    if opts.local_address is not None:
        lines.append(f"# local address {opts.local_address} from {opts.local_source} (NAT fix-up); IKE identity "
                     f"{', '.join(publics) or '-'}")
    return lines


def render(connections: list[VpnConnection], report: Report, opts: Options) -> tuple[list[str], list[str]]:
    """(header comment lines, set commands)."""
    s = opts.syntax
    plan = _plan(connections, opts, report)
    if opts.local_address is None:
        publics = ", ".join(sorted({str(p.tunnel.cgw_outside_ip) for p in plan if p.tunnel.cgw_outside_ip}))
        report.warn(f"no --local-address or --router-config: local-address is the public customer gateway IP "
                    f"as AWS prints it ({publics or 'any'}); behind NAT (EC2, most clouds) give the router's "
                    "private address", field="local_address", code="vyos-no-local-address")
    _notes(connections, report, s)
    cmds = Commands()
    if s.legacy:
        cmds.set(("vpn", "ipsec", "ipsec-interfaces", "interface"), opts.interface)
    else:
        cmds.set(("vpn", "ipsec", "interface"), opts.interface)
    if s.version != "1.1":
        cmds.set(("vpn", "ipsec", "options", "disable-route-autoinstall"))
    for g in sorted({p.ike for p in plan}, key=lambda g: g.name):
        _write_ike(cmds, g, s, report)
    for e in sorted({p.esp for p in plan}, key=lambda e: e.name):
        _write_esp(cmds, e, s, report)
    for p in plan:
        _write_tunnel(cmds, p, opts, report)
    bgp = [p for p in plan if p.conn.routing == "bgp"]
    static = [p for p in plan if p.conn.routing == "static"]
    for p in bgp:
        if p.tunnel.bgp is None:
            raise EmitError(f"{p.where}: BGP routing but no ASNs in the input")
    if opts.prefer is not None and bgp and not opts.advertise:
        raise EmitError("--prefer-tunnel with BGP needs --advertise (the prepend goes on the advertised prefixes)")
    if opts.advertise and not bgp:
        report.warn("--advertise applies to BGP connections only; these are static (AWS routes to you by its "
                    "static routes)", field="advertise")
    _write_static(cmds, static, opts, report)
    if bgp:
        _write_bgp(cmds, bgp, opts, report)
    return [comment(line) for line in _header(plan, opts, connections)], list(cmds)


def cloud_config(header: list[str], commands: list[str]) -> str:
    lines = ["#cloud-config", *header, "vyos_config_commands:"]
    lines += ["  - '" + c.replace("'", "''") + "'" for c in commands]
    return "\n".join(lines) + "\n"


def emit(connections: list[VpnConnection], report: Report, **options: Any) -> list[OutputFile]:
    opts = _options(options, connections, report)
    header, commands = render(connections, report, opts)
    if opts.cloud_init:
        return [OutputFile("vyos-cloud-init.yaml", cloud_config(header, commands), secret=True)]
    return [OutputFile("vyos.txt", "\n".join([*header, *commands]) + "\n", secret=True)]
