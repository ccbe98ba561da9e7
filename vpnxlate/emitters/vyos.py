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
from typing import TYPE_CHECKING, Any

import attrs

from .. import algorithms
from ..errors import NOT_STATED_HINT, EmitError, Report, describe_value, escape_text, unsafe_character
from ..model import IPAddress, Tunnel, VpnConnection, address_key
from ..options import LocalAddressOptions, cli_options, option, ordered, to_flag
from ..registry import OutputFile
from ..vocab import aws, vyatta
from ..vocab import vyos as marks
from . import _policy
from ._base import unsupported
from ._policy import RoutingTargetOptions, conn_tag

if TYPE_CHECKING:
    from ..vyos_configboot import RouterConfig

NAME = "vyos"
DESCRIPTION = "VyOS 1.1-1.5 set-commands (VTI, BGP with prefix-list/route-map policy, or static routes)"

VERSIONS: tuple[str, ...] = ("1.1", "1.2", "1.3", "1.4", "1.5")

# code names of the release trains (VyOS's own images and docs use both)
CODE_NAMES = {"helium": "1.1", "crux": "1.2", "equuleus": "1.3", "sagitta": "1.4", "circinus": "1.5"}
_VERSION_RE = re.compile(r"[vV]?(\d{1,3})\.(\d{1,3})(?:[.-][A-Za-z0-9][A-Za-z0-9.+_-]{0,63})?")

ENCRYPTION_WORDS = vyatta.ENCRYPTION
INTEGRITY_WORDS = vyatta.INTEGRITY

# AWS's values when the input does not state them (what AWS's own downloads print).
DEFAULT_IKE_LIFETIME = aws.IKE_LIFETIME_S
DEFAULT_ESP_LIFETIME = aws.IPSEC_LIFETIME_S
DEFAULT_DPD_INTERVAL = aws.DPD_INTERVAL_S
DEFAULT_DPD_RETRIES = aws.DPD_RETRIES
DEFAULT_MTU = aws.MTU
INSIDE_BLOCK = ipaddress.IPv4Network("169.254.0.0/16")
HASH_VTI_BASE = 16384  # tunnels without an IPv4 inside /30 in 169.254.0.0/16 get hashed numbers above this
MAX_FIRST_VTI = 1_000_000
STATIC_BACKUP_DISTANCE = 10  # the non-preferred tunnel's static routes (the preferred one: 1)

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
    if text and text.isascii() and text.isprintable() and "'" not in text:
        return f"'{text}'"  # the usual value: printable ASCII (no control character), no quote
    bad = unsafe_character(text)
    if bad or not text or "'" in text:
        what = "is empty" if not text else f"contains {describe_value(bad[1] if bad else chr(39))}"
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
        self._ips: dict[ipaddress.IPv4Address, str] = {}  # IPv4 addresses as words (str() is slow)

    def set(self, path: Iterable[object], value: object | None = None) -> None:
        words = self._words
        parts = []
        for p in path:
            cls = p.__class__
            if cls is str:
                if p not in words:  # most elements repeat on every line
                    word(p)
                    words.add(p)
            elif cls is ipaddress.IPv4Address:
                text = self._ips.get(p)  # type: ignore[call-overload]
                if text is None:
                    text = self._ips[p] = word(p)  # type: ignore[index]
                p = text
            else:
                p = word(p)
            parts.append(p)
        line = "set " + " ".join(parts)  # type: ignore[arg-type]
        if value is not None:
            line += " " + quote(self._ips.get(value, value) if value.__class__ is ipaddress.IPv4Address else value)
        self.lines.setdefault(line, None)

    def __iter__(self) -> Any:
        return iter(self.lines)


# ------------------------------------------------------------------ options


@attrs.frozen
class Settings:
    """The options resolved for one emit (the router config's address, the routing against the connections)."""

    syntax: Syntax
    local_address: IPAddress | None
    local_source: str | None  # where local_address came from (for the header)
    interface: str
    routing: _policy.RoutingOptions
    gateway: tuple[ipaddress.IPv4Address, str] | None  # next hop derived from --router-config
    first_vti: int
    cloud_init: bool
    options: Options

    @property
    def role(self) -> str:
        return self.routing.role

    @property
    def prefer(self) -> int | None:
        return self.routing.prefer


def vyos_series(version: str) -> str:
    """The release train (``1.1`` … ``1.5``) of a VyOS version: ``1.4``, ``1.4.1``,
    ``1.5-rolling-202411050024``, ``1.3.8``, ``1.2.9-S1``, ``sagitta``; anything else is an error."""
    text = version.strip()
    series = CODE_NAMES.get(text.lower())
    if series is None:
        m = _VERSION_RE.fullmatch(text)
        if m is None:
            raise EmitError(
                f"--vyos-version: {describe_value(version)} is not a VyOS version (use a release "
                f"train {', '.join(VERSIONS)} or a release such as 1.4.1)"
            )
        series = f"{int(m.group(1))}.{int(m.group(2))}"
    if series not in VERSIONS:
        which = "" if series == text else f" (release train {series})"
        raise EmitError(
            f"--vyos-version: {describe_value(version)}{which}: unknown VyOS release train "
            f"(known: {', '.join(VERSIONS)})"
        )
    return series


def _version(value: Any) -> str:
    return vyos_series(str(value or "1.4"))


def _interface(value: Any) -> str:
    iface = str(value or "eth0")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,14}(\.\d{1,4}){0,2}", iface):
        raise EmitError(f"--local-interface: not an interface name: {describe_value(iface)}")
    return iface


def _router_config(value: Any) -> RouterConfig | None:
    if value is None:
        return None
    from ..vyos_configboot import RouterConfig  # only when given: start-up

    if isinstance(value, RouterConfig):
        return value
    raise EmitError(
        "--router-config: the target takes the router's config.boot as read by "
        "vpnxlate.vyos_configboot.read_router_config (vpnxlate.emit reads a file name itself)"
    )


def _first_vti(value: Any) -> int:
    first = 0 if value is None else value
    if isinstance(first, bool) or not isinstance(first, int) or not 0 <= first <= MAX_FIRST_VTI:
        raise EmitError(f"--first-vti: must be an integer 0..{MAX_FIRST_VTI}, not {describe_value(first)}")
    return first


@attrs.frozen(
    kw_only=True,
    slots=False,
    field_transformer=ordered("vyos_version", "local_address", "local_interface", "router_config"),
)
class Options(RoutingTargetOptions, LocalAddressOptions):
    """The options of ``--to vyos``."""

    vyos_version: str = option(
        "--vyos-version",
        f"VyOS release train to write for: {', '.join(VERSIONS)}, or a release of one "
        "(1.4.1, 1.5-rolling-202411050024, 1.3.8) or its code name (sagitta); default 1.4",
        default="1.4",
        metavar="VERSION",
        convert=_version,
    )
    local_interface: str = option(
        "--local-interface",
        "interface that carries IPsec (default eth0); with --router-config its address is the local address",
        default="eth0",
        metavar="IFACE",
        convert=_interface,
    )
    # read (in the API/CLI layer) by vpnxlate.vyos_configboot.read_router_config: the emitter gets the result
    router_config: RouterConfig | None = option(
        "--router-config",
        "the router's config.boot: read --local-interface's address from it",
        metavar="FILE",
        convert=_router_config,
        load="vpnxlate.vyos_configboot:read_router_config",
        excludes="local_address",
    )
    first_vti: int = option(
        "--first-vti",
        "offset added to every vti number (default 0)",
        kind="int",
        default=0,
        metavar="N",
        convert=_first_vti,
    )
    cloud_init: bool = option(
        "--cloud-init",
        "wrap the commands as #cloud-config vyos_config_commands",
        kind="flag",
        default=False,
        convert=to_flag,
    )


OPTIONS = cli_options(Options)


def _settings(options: Options, connections: list[VpnConnection], report: Report) -> Settings:
    local: IPAddress | None = options.local_address
    local_source = "--local-address" if local is not None else None
    gateway: tuple[ipaddress.IPv4Address, str] | None = None
    config = options.router_config
    if config is not None:
        for note, line in config.notes:
            report.warn(note, source=config.source, line=line, field="router_config", code="router-config")
        local = config.address.ip
        local_source = f"{config.source} ({config.interface} {config.address})"
        gateway = config.gateway
    routing = _policy.parse_options(options, connections)
    syntax = Syntax(options.vyos_version)
    return Settings(
        syntax,
        local,
        local_source,
        options.local_interface,
        routing,
        gateway,
        options.first_vti,
        options.cloud_init,
        options,
    )


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
    missing = [
        n
        for n, v in (("encryption", t.ike.encryption), ("integrity", t.ike.integrity), ("DH group", t.ike.dh_groups))
        if v is None
    ]
    if missing:
        unsupported(
            report,
            where,
            f"phase 1 {', '.join(missing)} not stated; using AWS's download defaults (AES128, SHA1, group 2)",
            field="ike",
            code="vyos-default",
        )
    interval = t.dpd_interval_s or DEFAULT_DPD_INTERVAL
    timeout = t.dpd_timeout_s or interval * (t.dpd_retries or DEFAULT_DPD_RETRIES)
    mode = "aggressive" if t.ike.mode == "aggressive" else None  # main mode is VyOS's default
    return IkeGroup(kex, enc, integ, dh, mode, t.ike.lifetime_s or DEFAULT_IKE_LIFETIME, interval, timeout)


def _esp_group(t: Tunnel, ike: IkeGroup, where: str, report: Report) -> EspGroup:
    enc = t.ipsec.encryption or ("AES128",)
    integ = t.ipsec.integrity or ("SHA1",)
    if t.ipsec.encryption is None or t.ipsec.integrity is None:
        unsupported(
            report,
            where,
            "phase 2 algorithms not stated; using AWS's download defaults (AES128, SHA1)",
            field="ipsec",
            code="vyos-default",
        )
    pfs_groups = t.ipsec.pfs_dh_groups or (ike.dh_groups[0],)
    if len(pfs_groups) > 1:
        unsupported(
            report,
            where,
            f"VyOS takes one PFS group per esp-group; using group {pfs_groups[0]} "
            f"(AWS also accepts {', '.join(str(g) for g in pfs_groups[1:])})",
            field="ipsec.pfs_dh_groups",
            code="one-value",
        )
    if t.ipsec.mode == "transport":
        unsupported(
            report,
            where,
            "IPsec transport mode cannot carry a VTI; writing tunnel mode",
            field="ipsec.mode",
            code="transport-mode",
        )
    pfs = pfs_groups[0]
    return EspGroup(enc, integ, pfs, ike.dh_groups == (pfs,), t.ipsec.lifetime_s or DEFAULT_ESP_LIFETIME)


def _clamp(value: int, lo: int, hi: int, what: str, syntax: Syntax, report: Report) -> int:
    if lo <= value <= hi:
        return value
    new = min(max(value, lo), hi)
    unsupported(
        report,
        None,
        f"VyOS {syntax.version} accepts a {what} of {lo}..{hi}; writing {new} instead of {value}",
        field=what,
        code="vyos-clamp",
    )
    return new


def _encryptions(encs: tuple[str, ...], syntax: Syntax, what: str, report: Report) -> list[str]:
    if syntax.version != "1.1":
        return [ENCRYPTION_WORDS[e] for e in encs]
    keep = [e for e in encs if not algorithms.is_gcm(e)]
    if not keep:
        raise EmitError(
            f"{what}: AES-GCM ({', '.join(encs)}) needs VyOS 1.2 or later; use --vyos-version 1.2+ "
            "or allow AES-CBC on the tunnel"
        )
    if len(keep) < len(encs):
        unsupported(
            report,
            what,
            f"VyOS 1.1 has no AES-GCM; leaving out {', '.join(e for e in encs if e not in keep)}",
            field="encryption",
            code="unsupported",
        )
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
            unsupported(
                report,
                None,
                "VyOS 1.1 has no ike-group mode; aggressive mode is not written",
                field="ike.mode",
                code="aggressive-mode",
            )
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
        return marks.peer_name(self.tag, self.index)

    @property
    def where(self) -> str:
        return f"{self.conn.name} tunnel {self.index} ({self.tunnel.aws_outside_ip})"

    @property
    def description(self) -> str:
        return marks.description(self.conn.name, self.index)


def vti_number(t: Tunnel, tag: str, first: int) -> tuple[int, bool]:
    """(number, derived from the inside address?) — see the module docstring."""
    inside = t.cgw_inside
    if inside is not None and inside.network.subnet_of(INSIDE_BLOCK) and inside.network.prefixlen >= 30:
        return first + (int(inside.network.network_address) - int(INSIDE_BLOCK.network_address)) // 4, True
    h = int(hashlib.sha256(f"{tag}|{t.aws_outside_ip}".encode()).hexdigest(), 16)
    return first + HASH_VTI_BASE + h % HASH_VTI_BASE, False


def _check_tunnel(t: Tunnel, where: str, report: Report) -> None:
    """What a vti tunnel needs (IPv4 inside address, pre-shared key); IPv6 inside addresses are warned about."""
    if t.cgw_inside is None:
        raise EmitError(
            f"{where}: no IPv4 inside address (169.254.x.y/30); the VyOS target needs it for the vti interface"
        )
    if t.cgw_inside_v6 is not None:
        unsupported(
            report,
            where,
            "the IPv6 inside addresses are not written (IPv4 VTI only)",
            field="cgw_inside_v6",
            code="ipv6-inside",
        )
    if t.psk is None:
        raise EmitError(f"{where}: no pre-shared key in the input; {NOT_STATED_HINT}", field="psk")


def _number_hashed(
    hashed: list[tuple[str, Tunnel, int, VpnConnection, str]], used: dict[int, str], first_vti: int
) -> dict[tuple[str, str], int]:
    """vti numbers of the tunnels without an inside /30 in the block: their hashed numbers, probing
    upwards on collision in a fixed order (by tag, AWS IP); ``(tag, AWS IP) -> number``."""
    if len(hashed) > HASH_VTI_BASE:
        raise EmitError(
            f"{len(hashed)} tunnels have no inside /30 in {INSIDE_BLOCK}; one router numbers at "
            f"most {HASH_VTI_BASE} such vti interfaces"
        )
    fixed: dict[tuple[str, str], int] = {}
    for where, t, number, _c, tag in sorted(hashed, key=lambda h: (h[4], address_key(h[1].aws_outside_ip))):
        n = number
        while n in used:
            n = first_vti + HASH_VTI_BASE + (n - first_vti - HASH_VTI_BASE + 1) % HASH_VTI_BASE
        used[n] = where
        fixed[(tag, str(t.aws_outside_ip))] = n
    return fixed


def _plan(connections: list[VpnConnection], opts: Settings, report: Report) -> list[Planned]:
    conns = sorted(connections, key=lambda c: (conn_tag(c), address_key(c.tunnels[0].aws_outside_ip)))
    tags = [conn_tag(c) for c in conns]
    dup = sorted(t for t, k in Counter(tags).items() if k > 1)
    if dup:
        raise EmitError(
            f"two connections map to the same VyOS names (AWS-{dup[0]}-…); give them distinct connection ids"
        )
    out: list[Planned] = []
    used: dict[int, str] = {}
    peers: dict[str, str] = {}
    hashed: list[tuple[str, Tunnel, int, VpnConnection, str]] = []
    for c, tag in zip(conns, tags, strict=True):
        for i, t in enumerate(c.tunnels, 1):
            where = f"{c.name} tunnel {i} ({t.aws_outside_ip})"
            _check_tunnel(t, where, report)
            assert t.cgw_inside is not None  # refused by _check_tunnel
            peer = str(t.aws_outside_ip)
            if peer in peers:
                raise EmitError(f"{where}: AWS outside IP {peer} is also used by {peers[peer]}")
            peers[peer] = where
            ike = _ike_group(t, where, report)
            esp = _esp_group(t, ike, where, report)
            number, by_inside = vti_number(t, tag, opts.first_vti)
            if by_inside:
                if number in used:
                    raise EmitError(
                        f"{where}: inside network {t.cgw_inside.network} is also used by "
                        f"{used[number]}; one router cannot hold both"
                    )
                used[number] = where
                out.append(Planned(c, tag, i, t, number, ike, esp))
            else:
                hashed.append((where, t, number, c, tag))
                out.append(Planned(c, tag, i, t, -1, ike, esp))
    fixed = _number_hashed(hashed, used, opts.first_vti)
    return [
        p if p.vti_number >= 0 else attrs.evolve(p, vti_number=fixed[(p.tag, str(p.tunnel.aws_outside_ip))])
        for p in out
    ]


# ------------------------------------------------------------------ rendering


def _identity(p: Planned, opts: Settings) -> tuple[str | None, str]:
    """(IKE identity = public customer gateway IP, local-address)."""
    public = str(p.tunnel.cgw_outside_ip) if p.tunnel.cgw_outside_ip else None
    if opts.local_address is not None:
        if p.tunnel.cgw_outside_ip is not None and opts.local_address.version != p.tunnel.cgw_outside_ip.version:
            raise EmitError(
                f"{p.where}: local address {opts.local_address} and customer gateway "
                f"{p.tunnel.cgw_outside_ip} are not the same IP version"
            )
        return public, str(opts.local_address)
    return public, public or "any"


def _write_tunnel(cmds: Commands, p: Planned, opts: Settings, report: Report) -> None:
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
        cmds.set((*peer, "authentication", "pre-shared-secret"), opts.options.secret(t.psk))
        cmds.set((*peer, "authentication", "remote-id"), aws)
    else:
        psk = ("vpn", "ipsec", "authentication", "psk", p.peer_name)
        cmds.set((*psk, "id"), public or local)
        cmds.set((*psk, "id"), aws)
        cmds.set((*psk, "secret"), opts.options.secret(t.psk))
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


def _route_map(cmds: Commands, rm: _policy.RouteMap, syntax: Syntax) -> None:
    base = ("policy", "route-map", rm.name)
    for r in rm.rules:
        cmds.set((*base, "rule", r.seq, "action"), r.action)
        if r.match_prefix_list:
            cmds.set((*base, "rule", r.seq, "match", "ip", "address", "prefix-list"), r.match_prefix_list)
        if r.prepend:
            path = ("set", "as-path-prepend") if syntax.legacy else ("set", "as-path", "prepend")
            cmds.set((*base, "rule", r.seq, *path), " ".join(str(a) for a in r.prepend))
        if r.local_preference is not None:
            cmds.set((*base, "rule", r.seq, "set", "local-preference"), r.local_preference)


def _prefix_list(cmds: Commands, pl: _policy.PrefixList) -> None:
    for r in pl.rules:
        cmds.set(("policy", "prefix-list", pl.name, "rule", r.seq, "action"), r.action)
        cmds.set(("policy", "prefix-list", pl.name, "rule", r.seq, "prefix"), r.prefix)
        if r.le is not None:
            cmds.set(("policy", "prefix-list", pl.name, "rule", r.seq, "le"), r.le)


def _write_policies(cmds: Commands, policy: _policy.RoutingPolicy, syntax: Syntax) -> None:
    """Every route-map, each after the prefix-lists it matches (first use)."""
    lists = {pl.name: pl for pl in policy.prefix_lists}
    for rm in policy.route_maps:
        for r in rm.rules:
            pl = lists.pop(r.match_prefix_list, None) if r.match_prefix_list else None
            if pl is not None:
                _prefix_list(cmds, pl)
        _route_map(cmds, rm, syntax)
    for pl in lists.values():
        _prefix_list(cmds, pl)


def _write_neighbor(
    cmds: Commands, n: _policy.Neighbor, p: Planned, root: tuple[object, ...], asn: int, s: Syntax, report: Report
) -> None:
    """One BGP neighbor (an AWS tunnel) with its address family settings."""
    nb = (*root, "neighbor", n.address)
    af = (*nb, "address-family", "ipv4-unicast") if s.afi else nb
    cmds.set((*nb, "description"), p.description)
    cmds.set((*nb, "remote-as"), n.remote_asn)
    if n.local_as is not None:
        if s.version == "1.1":
            unsupported(
                report,
                p.where,
                "VyOS 1.1 has no 'local-as ... replace-as': AWS sees the AS_PATH "
                f"'{n.local_as} {asn} ...' (one AS longer than from the other connections)",
                field="bgp",
                code="vyos-local-as",
            )
            cmds.set((*nb, "local-as", n.local_as, "no-prepend"))
        else:
            cmds.set((*nb, "local-as", n.local_as, "no-prepend", "replace-as"))
    cmds.set((*af, "maximum-prefix"), n.max_prefix)
    cmds.set((*af, "route-map", "export"), n.export_map)
    cmds.set((*af, "route-map", "import"), n.import_map)
    cmds.set((*af, "soft-reconfiguration", "inbound"))
    if n.hold_time is not None:
        hold = n.hold_time
        if s.legacy and 0 < hold < 4:
            unsupported(
                report,
                p.where,
                f"VyOS {s.version} accepts a BGP hold time of 0 or 4..65535; writing 4",
                field="bgp_hold_time",
                code="vyos-hold-time",
            )
            hold = 4
        cmds.set((*nb, "timers", "holdtime"), hold)
        if hold:
            cmds.set((*nb, "timers", "keepalive"), max(1, hold // 3))
    cmds.set((*nb, "timers", "connect"), n.connect_retry)


def _write_bgp(
    cmds: Commands, bgp: list[Planned], policy: _policy.RoutingPolicy, opts: Settings, report: Report
) -> None:
    s = opts.syntax
    asn = policy.router_asn
    assert asn is not None
    for a in (asn, *(n.remote_asn for n in policy.neighbors), *(n.local_asn for n in policy.neighbors)):
        if a > 4294967294:
            raise EmitError(f"ASN {a} is outside VyOS's range 1..4294967294")
    _write_policies(cmds, policy, s)
    root: tuple[object, ...] = ("protocols", "bgp", asn) if s.legacy else ("protocols", "bgp")
    if not s.legacy:
        cmds.set(("protocols", "bgp", "system-as"), asn)
    if policy.router_id is not None:
        cmds.set((*root, "parameters", "router-id"), policy.router_id)
    where = {(p.tag, str(p.tunnel.aws_outside_ip)): p for p in bgp}
    for n in policy.neighbors:
        _write_neighbor(cmds, n, where[n.ref], root, asn, s, report)
    for net in policy.advertise:
        cmds.set((*root, *(("address-family", "ipv4-unicast") if s.afi else ()), "network", net))
    for o in policy.origins:
        if o.next_hop is not None:
            cmds.set(("protocols", "static", "route", o.prefix, "next-hop", o.next_hop))
        else:
            cmds.set(("protocols", "static", "route", o.prefix, "blackhole", "distance"), o.distance)


def _router_addresses(plan: list[Planned], opts: Settings) -> tuple[IPAddress, ...]:
    """The router's own address: the local address, else the customer gateway IP(s) it holds."""
    if opts.local_address is not None:
        return (opts.local_address,)
    return tuple(sorted({p.tunnel.cgw_outside_ip for p in plan if p.tunnel.cgw_outside_ip}, key=address_key))


def _write_static(cmds: Commands, static: list[Planned], policy: _policy.RoutingPolicy, opts: Settings) -> None:
    s = opts.syntax
    for p in static:
        for r in policy.routes_for(p.tag, p.tunnel.aws_outside_ip):
            if s.legacy:
                path: tuple[object, ...] = (
                    "protocols",
                    "static",
                    "interface-route",
                    r.prefix,
                    "next-hop-interface",
                    p.vti,
                )
            else:
                path = ("protocols", "static", "route", r.prefix, "interface", p.vti)
            if r.preferred:
                cmds.set(path)
            else:
                cmds.set((*path, "distance"), STATIC_BACKUP_DISTANCE)


def _notes(connections: list[VpnConnection], report: Report, syntax: Syntax) -> None:
    tunnels = [t for c in connections for t in c.tunnels]
    if syntax.legacy and any(t.tcp_mss for t in tunnels):
        unsupported(
            report,
            None,
            f"VyOS {syntax.version}: TCP MSS clamping is not written (it lives in the firewall tree "
            "there: 'set firewall options interface vtiN adjust-mss N')",
            field="tcp_mss",
            code="unsupported",
        )
    if any(t.rekey_margin_s or t.rekey_fuzz_pct is not None or t.replay_window for t in tunnels):
        unsupported(
            report,
            None,
            "rekey margin/fuzz and replay window are not written (VyOS defaults apply)",
            field="tunnel options",
            code="unsupported",
        )


def _header(plan: list[Planned], opts: Settings, connections: list[VpnConnection]) -> list[str]:
    from .. import __version__

    s = opts.syntax
    lines = [
        marks.header(s.version, __version__, opts.role),
        "# Paste in configuration mode ('configure'), then 'commit' and 'save'.",
    ]
    by_conn: dict[int, list[Planned]] = {}
    for p in plan:
        by_conn.setdefault(id(p.conn), []).append(p)
    for c in sorted(connections, key=conn_tag):
        lines.append(
            marks.connection_line(
                c.vpn_connection_id, c.vpn_gateway_id, c.transit_gateway_id, c.customer_gateway_id, c.routing
            )
        )
        for p in by_conn.get(id(c), ()):
            lines.append(
                f"#   tunnel {p.index}: AWS {p.tunnel.aws_outside_ip}, {p.vti} {p.tunnel.cgw_inside}"
                + ("" if s.legacy else f", peer {p.peer_name}")
            )
    publics = sorted({str(p.tunnel.cgw_outside_ip) for p in plan if p.tunnel.cgw_outside_ip})
    if opts.local_address is not None:
        lines.append(
            f"# local address {opts.local_address} from {opts.local_source} (NAT fix-up); IKE identity "
            f"{', '.join(publics) or '-'}"
        )
    return lines


def render(connections: list[VpnConnection], report: Report, opts: Settings) -> tuple[list[str], list[str]]:
    """(header comment lines, set commands)."""
    s = opts.syntax
    plan = _plan(connections, opts, report)
    if opts.local_address is None:
        publics = ", ".join(sorted({str(p.tunnel.cgw_outside_ip) for p in plan if p.tunnel.cgw_outside_ip}))
        unsupported(
            report,
            None,
            f"no --local-address or --router-config: local-address is the public customer gateway IP "
            f"as AWS prints it ({publics or 'any'}); behind NAT (EC2, most clouds) give the router's "
            "private address",
            field="local_address",
            code="vyos-no-local-address",
        )
    _notes(connections, report, s)
    cmds = Commands()
    if s.legacy:
        cmds.set(("vpn", "ipsec", "ipsec-interfaces", "interface"), opts.interface)
        if s.version == "1.1" and opts.local_address is not None:
            # behind NAT: 1.1 (Openswan-era starter config) negotiates NAT-T only when told to
            cmds.set(("vpn", "ipsec", "nat-traversal"), "enable")
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
    policy = _policy.build_policy(
        connections,
        opts.routing,
        report,
        router_addresses=_router_addresses(plan, opts),
        derived_next_hop=opts.gateway,
        next_hop_hint="--advertise-next-hop or --router-config",
    )
    _write_static(cmds, static, policy, opts)
    if bgp:
        _write_bgp(cmds, bgp, policy, opts, report)
    return [comment(line) for line in _header(plan, opts, connections)], list(cmds)


def cloud_config(header: list[str], commands: list[str]) -> str:
    lines = [marks.CLOUD_CONFIG, *header, marks.CLOUD_CONFIG_KEY]
    lines += [marks.cloud_config_item(c) for c in commands]
    return "\n".join(lines) + "\n"


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    opts = _settings(options, connections, report)
    header, commands = render(connections, report, opts)
    if opts.cloud_init:
        return [OutputFile("vyos-cloud-init.yaml", cloud_config(header, commands), secret=True)]
    return [OutputFile("vyos.txt", "\n".join([*header, *commands]) + "\n", secret=True)]
