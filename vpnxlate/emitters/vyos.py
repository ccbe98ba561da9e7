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
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import attrs

from .. import algorithms
from ..errors import NOT_STATED_HINT, EmitError, Report, describe_value, escape_text, unsafe_character
from ..model import IPAddress, Tunnel, VpnConnection, address_key
from ..options import LocalAddressOptions, cli_options, option, ordered, to_flag
from ..registry import OutputFile
from ..vocab import aws, vyatta
from ..vocab import vyos as marks
from . import _policy
from ._base import ip_text, unsupported
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

_G = TypeVar("_G")
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
    text = line if line.startswith("#") else "# " + line
    if text.isascii() and text.isprintable():
        return text  # nothing to escape (the usual line): escape_text would return it as it is
    return escape_text(text)


def word(value: object) -> str:
    """A path element (tag value, node name) written without quotes; must be a plain word."""
    text = str(value)
    if not _SAFE_WORD.fullmatch(text):
        raise EmitError(f"refusing to write {describe_value(text)} as a VyOS path element")
    return text


def _key(value: object) -> object:
    """A cache key of ``value`` that tells apart values equal across types (1 == True == 1.0)."""
    cls = value.__class__
    return value if cls is str or cls is int else (cls, value)


class Commands:
    """An ordered set of ``set`` lines: a repeated identical line is written once.

    Writers build each line from text made safe once per distinct value: :meth:`word` checks a path
    element taken from the input (:func:`word`), :meth:`value` quotes a value (:func:`quote`),
    :meth:`text` is an address's text.  Literal path elements are the writers' own words.

    The lines of one vti, peer, BGP neighbor or policy go in as a :meth:`block`: they all begin with
    the same prefix, ``set``, literal words and one checked word naming that object.  A line of
    another prefix cannot equal one of them (the two differ in a word: a checked word holds no
    blank), so a block is deduplicated against the lines of its own prefix only; one set of every
    line would be the slowest part of a large output.  :meth:`add` / :meth:`set`: any other line,
    deduplicated against every such line."""

    def __init__(self) -> None:
        self.lines: list[str] = []  # in the order first written
        self._seen: set[str] = set()  # the lines of add / set
        self._prefixes: set[str] = set()  # of the blocks
        self._words: dict[object, str] = {}  # keys: _key
        self._values: dict[object, str] = {}
        self._texts: dict[object, str] = {}  # str() of an ipaddress object is slow; many recur
        # the texts of a policy rule after its map's prefix, by the rule object (the policy shares
        # one rule object among the maps that have it); each entry holds its rule, so its id stays its own
        self.rule_texts: dict[int, tuple[object, list[str]]] = {}
        # a neighbor's lines after its prefix but for the route-maps, by what they are made of
        self.neighbor_texts: dict[tuple[object, ...], tuple[list[str], list[str]]] = {}
        self._ids: dict[int, tuple[object, str]] = {}  # text(): by the object, which the entry holds
        self.identities: dict[int, tuple[object, str | None, str]] = {}  # vyos._identity

    def add(self, line: str) -> None:
        if line not in self._seen:
            self._seen.add(line)
            self.lines.append(line)

    def block(self, prefix: str, lines: list[str], *, distinct: bool = False) -> None:
        """``lines``, each ``prefix`` + " " + the rest (see the class); ``distinct``: no two of them
        can be equal (each writes another path)."""
        if prefix in self._prefixes:  # the plan gives every name one block; exact all the same
            start = prefix + " "
            done = {line for line in self.lines if line.startswith(start)}
            lines = [line for line in lines if line not in done]
        else:
            self._prefixes.add(prefix)
        self.lines += lines if distinct else dict.fromkeys(lines)

    def word(self, value: object) -> str:
        cls = value.__class__
        key = value if cls is str or cls is int else (cls, value)  # _key, inline: called for most lines
        text = self._words.get(key)
        if text is None:
            text = self._words[key] = word(value)
        return text

    def value(self, value: object) -> str:
        cls = value.__class__
        key = value if cls is str or cls is int else (cls, value)  # _key, inline
        text = self._values.get(key)
        if text is None:
            text = self._values[key] = quote(value)
        return text

    def text(self, value: object) -> str:
        key = _key(value)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = str(value)
        return text

    def text_of(self, value: object) -> str:
        """:meth:`text` of an object of the model (its addresses recur as one object across tunnels)."""
        found = self._ids.get(id(value))
        if found is None:
            found = self._ids[id(value)] = (value, self.text(value))
        return found[1]

    def set(self, path: Iterable[object], value: object | None = None) -> None:
        """``set PATH [VALUE]``: every path element checked (:meth:`word`), the value quoted."""
        line = "set " + " ".join([self.word(p) for p in path])
        self.add(line if value is None else line + " " + self.value(value))

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


class Planned(NamedTuple):
    """One tunnel as written (its texts computed once)."""

    conn: VpnConnection
    tag: str
    position: int  # 1 / 2: position in the model (sorted by AWS outside IP)
    tunnel: Tunnel
    vti_number: int
    ike: IkeGroup
    esp: EspGroup
    aws: str  # the AWS outside IP
    inside: str  # the customer inside address (the vti's)
    where: str  # for messages: "vpn-… tunnel 1 (AWS IP)"
    description: str  # of the vti, the peer and the BGP neighbor
    ike_name: str
    esp_name: str
    peer_name: str  # 1.4+: the peer's name

    @property
    def vti(self) -> str:
        return f"vti{self.vti_number}"


_INSIDE_FIRST = int(INSIDE_BLOCK.network_address)
_INSIDE_LAST = int(INSIDE_BLOCK.broadcast_address)


def vti_number(t: Tunnel, tag: str, first: int) -> tuple[int, bool]:
    """(number, derived from the inside address?) — see the module docstring."""
    inside = t.cgw_inside
    if inside is not None and inside.network.prefixlen >= 30:  # a /30 (or smaller) lies in the block or not
        start = int(inside.network.network_address)
        if _INSIDE_FIRST <= start <= _INSIDE_LAST:
            return first + (start - _INSIDE_FIRST) // 4, True
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


_Found = tuple[IkeGroup, EspGroup, str, str]


class _GroupCache:
    """The groups of each distinct set of proposal values (a few serve thousands of tunnels): by the
    option objects' identity first (the parsers share one object among the tunnels with equal
    options; an entry holds its objects, so their ids stay theirs), by value else."""

    def __init__(self) -> None:
        self.by_value: dict[tuple[object, ...], _Found] = {}
        self.by_id: dict[tuple[object, ...], tuple[_Found, object, object]] = {}


def _groups(t: Tunnel, where: str, report: Report, cache: _GroupCache) -> _Found:
    """(ike-group, esp-group, their names) of a tunnel; made once per distinct set of proposal values
    that needs no warning."""
    ike_options, ipsec_options = t.ike, t.ipsec
    timers = (t.dpd_interval_s, t.dpd_timeout_s, t.dpd_retries)
    by_id = (id(ike_options), id(ipsec_options), *timers)
    known = cache.by_id.get(by_id)
    if known is not None:
        return known[0]
    key = (ike_options, ipsec_options, *timers)  # what the two groups depend on
    found = cache.by_value.get(key)
    if found is None:
        before = len(report.diagnostics)
        ike = _ike_group(t, where, report)
        esp = _esp_group(t, ike, where, report)
        found = (ike, esp, ike.name, esp.name)
        if len(report.diagnostics) != before:  # a warning names the tunnel: made again for the next one
            return found
        cache.by_value[key] = found
    cache.by_id[by_id] = (found, ike_options, ipsec_options)
    return found


def _number_hashed(hashed: list[Planned], used: dict[int, str], first_vti: int) -> dict[tuple[str, int], int]:
    """vti numbers of the tunnels without an inside /30 in the block: their hashed numbers, probing
    upwards on collision in a fixed order (by tag, AWS IP); ``(tag, tunnel index) -> number``."""
    if len(hashed) > HASH_VTI_BASE:
        raise EmitError(
            f"{len(hashed)} tunnels have no inside /30 in {INSIDE_BLOCK}; one router numbers at "
            f"most {HASH_VTI_BASE} such vti interfaces"
        )
    fixed: dict[tuple[str, int], int] = {}
    for p in sorted(hashed, key=lambda p: (p.tag, address_key(p.tunnel.aws_outside_ip))):
        n = p.vti_number
        while n in used:
            n = first_vti + HASH_VTI_BASE + (n - first_vti - HASH_VTI_BASE + 1) % HASH_VTI_BASE
        used[n] = p.where
        fixed[(p.tag, p.position)] = n
    return fixed


def _plan(connections: list[VpnConnection], opts: Settings, report: Report) -> list[Planned]:
    pairs = sorted(
        ((conn_tag(c), c) for c in connections), key=lambda p: (p[0], address_key(p[1].tunnels[0].aws_outside_ip))
    )
    dup = sorted(t for t, k in Counter(tag for tag, _c in pairs).items() if k > 1)
    if dup:
        raise EmitError(
            f"two connections map to the same VyOS names (AWS-{dup[0]}-…); give them distinct connection ids"
        )
    out: list[Planned] = []
    used: dict[int, str] = {}
    peers: dict[str, str] = {}
    hashed: list[Planned] = []
    groups = _GroupCache()
    first_vti, description, peer_name = opts.first_vti, marks.description, marks.peer_name
    for tag, c in pairs:
        name = c.name
        for i, t in enumerate(c.tunnels, 1):
            aws = ip_text(t.aws_outside_ip)
            where = f"{name} tunnel {i} ({aws})"
            inside = t.cgw_inside
            if inside is None or t.cgw_inside_v6 is not None or t.psk is None:
                _check_tunnel(t, where, report)
            assert inside is not None  # refused by _check_tunnel
            if peers.setdefault(aws, where) is not where:
                raise EmitError(f"{where}: AWS outside IP {aws} is also used by {peers[aws]}")
            ike, esp, ike_name, esp_name = _groups(t, where, report, groups)
            number, by_inside = vti_number(t, tag, first_vti)
            p = Planned(
                c,
                tag,
                i,
                t,
                number,
                ike,
                esp,
                aws,
                ip_text(inside),
                where,
                description(name, i),
                ike_name,
                esp_name,
                peer_name(tag, i),
            )
            out.append(p)
            if not by_inside:
                hashed.append(p)
            elif used.setdefault(number, where) is not where:
                raise EmitError(
                    f"{where}: inside network {inside.network} is also used by "
                    f"{used[number]}; one router cannot hold both"
                )
    if not hashed:
        return out
    fixed = _number_hashed(hashed, used, opts.first_vti)
    return [p if (p.tag, p.position) not in fixed else p._replace(vti_number=fixed[(p.tag, p.position)]) for p in out]


# ------------------------------------------------------------------ rendering


def _identity(p: Planned, opts: Settings, cmds: Commands) -> tuple[str | None, str]:
    """(IKE identity = public customer gateway IP, local-address); once per customer gateway IP
    object (an entry holds its object, so its id stays its own)."""
    cgw = p.tunnel.cgw_outside_ip
    known = cmds.identities.get(id(cgw))
    if known is None:
        known = cmds.identities[id(cgw)] = (cgw, *_identity_of(cgw, p, opts, cmds))
    return known[1], known[2]


def _identity_of(cgw: IPAddress | None, p: Planned, opts: Settings, cmds: Commands) -> tuple[str | None, str]:
    public = None if cgw is None else cmds.text_of(cgw)
    local_address = opts.local_address
    if local_address is not None:
        if cgw is not None and local_address.version != cgw.version:
            raise EmitError(
                f"{p.where}: local address {local_address} and customer gateway {cgw} are not the same IP version"
            )
        return public, cmds.text_of(local_address)
    return public, public or "any"


class _Fixed(NamedTuple):
    """What every tunnel's lines take from the options (made once per render)."""

    legacy: bool
    mtu_max: int
    mode: str  # the quoted values written for every tunnel
    initiate: str
    shapes: dict[tuple[object, ...], _Shape]  # see _shape


def _fixed(cmds: Commands, syntax: Syntax) -> _Fixed:
    legacy = syntax.legacy
    return _Fixed(legacy, 9000 if legacy else 16000, cmds.value("pre-shared-secret"), cmds.value("initiate"), {})


class _Shape(NamedTuple):
    """The quoted values a tunnel shares with many others (None: the line is not written)."""

    mtu: str
    mss: str | None
    public: str | None  # the IKE identity
    psk_id: str  # the identity the PSK is for (1.4+)
    ike: str
    local: str
    esp: str


def _shape(cmds: Commands, key: tuple[Any, ...]) -> _Shape:
    """``key``: (public IP text or None, local address text, MTU, TCP MSS, ike-group, esp-group)."""
    public, local, mtu, mss, ike, esp = key
    value = cmds.value
    return _Shape(
        value(mtu),
        value(mss) if mss else None,
        value(public) if public else None,
        value(public or local),
        value(ike),
        value(local),
        value(esp),
    )


def _write_tunnel(cmds: Commands, p: Planned, opts: Settings, report: Report, k: _Fixed) -> None:
    t, legacy = p.tunnel, k.legacy
    public, local = _identity(p, opts, cmds)
    aws, vti = quote(p.aws), word(p.vti)
    mtu = t.mtu or DEFAULT_MTU
    if not 68 <= mtu <= k.mtu_max:
        mtu = _clamp(mtu, 68, k.mtu_max, "vti MTU", opts.syntax, report)
    mss = None if legacy else t.tcp_mss  # 1.1-1.3: in the firewall tree (a note for all tunnels)
    if mss and not 536 <= mss <= 65535:
        mss = _clamp(mss, 536, 65535, "TCP MSS", opts.syntax, report)
    key = (public, local, mtu, mss, p.ike_name, p.esp_name)
    shape = k.shapes.get(key)
    if shape is None:
        shape = k.shapes[key] = _shape(cmds, key)
    iface = "set interfaces vti " + vti
    lines = [
        f"{iface} address {quote(p.inside)}",
        f"{iface} description {(description := quote(p.description))}",
        f"{iface} mtu {shape.mtu}",
    ]
    if shape.mss is not None:
        lines.append(f"{iface} ip adjust-mss {shape.mss}")
    cmds.block(iface, lines, distinct=True)
    secret = quote(opts.options.secret(t.psk))
    if legacy:
        peer = "set vpn ipsec site-to-site peer " + word(p.aws)
        lines = [f"{peer} authentication id {shape.public}"] if shape.public is not None else []
        lines += [f"{peer} authentication mode {k.mode}", f"{peer} authentication pre-shared-secret {secret}"]
    else:
        name = word(p.peer_name)
        peer, psk = "set vpn ipsec site-to-site peer " + name, "set vpn ipsec authentication psk " + name
        cmds.block(psk, [f"{psk} id {shape.psk_id}", f"{psk} id {aws}", f"{psk} secret {secret}"])
        lines = [f"{peer} authentication local-id {shape.public}"] if shape.public is not None else []
        lines.append(f"{peer} authentication mode {k.mode}")
    lines += [
        f"{peer} authentication remote-id {aws}",
        f"{peer} connection-type {k.initiate}",
        f"{peer} description {description}",
        f"{peer} ike-group {shape.ike}",
        f"{peer} local-address {shape.local}",
    ]
    if not legacy:
        lines.append(f"{peer} remote-address {aws}")
    lines += [f"{peer} vti bind {quote(vti)}", f"{peer} vti esp-group {shape.esp}"]
    cmds.block(peer, lines, distinct=True)


def _rule_texts(cmds: Commands, rule: object, make: Any) -> list[str]:
    """``make(cmds, rule)``: a rule's lines after its map's prefix, made once per rule object."""
    found = cmds.rule_texts.get(id(rule))
    if found is None:
        found = cmds.rule_texts[id(rule)] = (rule, make(cmds, rule))
    return found[1]


def _route_map_rule(cmds: Commands, r: _policy.RouteMapRule, prepend: str) -> list[str]:
    rule = f" rule {cmds.word(r.seq)}"
    lines = [f"{rule} action {cmds.value(r.action)}"]
    if r.match_prefix_list:
        lines.append(f"{rule} match ip address prefix-list {cmds.value(r.match_prefix_list)}")
    if r.prepend:
        lines.append(f"{rule} {prepend} {cmds.value(' '.join(str(a) for a in r.prepend))}")
    if r.local_preference is not None:
        lines.append(f"{rule} set local-preference {cmds.value(r.local_preference)}")
    return lines


def _route_map(cmds: Commands, rm: _policy.RouteMap, syntax: Syntax) -> None:
    base = "set policy route-map " + cmds.word(rm.name)
    prepend = "set as-path-prepend" if syntax.legacy else "set as-path prepend"

    def make(cmds: Commands, r: _policy.RouteMapRule) -> list[str]:
        return _route_map_rule(cmds, r, prepend)

    cmds.block(base, [base + text for r in rm.rules for text in _rule_texts(cmds, r, make)])


def _prefix_rule(cmds: Commands, r: _policy.PrefixRule) -> list[str]:
    rule = f" rule {cmds.word(r.seq)}"
    lines = [f"{rule} action {cmds.value(r.action)}", f"{rule} prefix {cmds.value(r.prefix)}"]
    if r.le is not None:
        lines.append(f"{rule} le {cmds.value(r.le)}")
    return lines


def _prefix_list(cmds: Commands, pl: _policy.PrefixList) -> None:
    base = "set policy prefix-list " + cmds.word(pl.name)
    cmds.block(base, [base + text for r in pl.rules for text in _rule_texts(cmds, r, _prefix_rule)])


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


def _neighbor_texts(cmds: Commands, key: tuple[Any, ...], s: Syntax) -> tuple[list[str], list[str]]:
    """A neighbor's lines after its prefix, before and after its route-maps, from ``key`` = (remote
    ASN, local-as, maximum-prefix, hold time, connect retry): the same for many neighbors."""
    remote_asn, local_as, max_prefix, hold, connect_retry = key
    value = cmds.value
    af = " address-family ipv4-unicast" if s.afi else ""
    head = [f" remote-as {value(remote_asn)}"]
    if local_as is not None:
        replace = "" if s.version == "1.1" else " replace-as"
        head.append(f" local-as {cmds.word(local_as)} no-prepend{replace}")
    head.append(f"{af} maximum-prefix {value(max_prefix)}")
    tail = [f"{af} soft-reconfiguration inbound"]
    if hold is not None:
        if s.legacy and 0 < hold < 4:
            hold = 4  # warned for each neighbor (_write_neighbor)
        tail.append(f" timers holdtime {value(hold)}")
        if hold:
            tail.append(f" timers keepalive {value(max(1, hold // 3))}")
    tail.append(f" timers connect {value(connect_retry)}")
    return head, tail


def _write_neighbor(
    cmds: Commands, n: _policy.Neighbor, p: Planned, root: str, asn: int, s: Syntax, report: Report
) -> None:
    """One BGP neighbor (an AWS tunnel) with its address family settings."""
    value = cmds.value
    nb = f"{root} neighbor {word(ip_text(n.address))}"
    description = f"{nb} description {quote(p.description)}"
    local_as, hold = n.local_as, n.hold_time
    if local_as is not None and s.version == "1.1":
        unsupported(
            report,
            p.where,
            "VyOS 1.1 has no 'local-as ... replace-as': AWS sees the AS_PATH "
            f"'{local_as} {asn} ...' (one AS longer than from the other connections)",
            field="bgp",
            code="vyos-local-as",
        )
    if hold is not None and 0 < hold < 4 and s.legacy:
        unsupported(
            report,
            p.where,
            f"VyOS {s.version} accepts a BGP hold time of 0 or 4..65535; writing 4",
            field="bgp_hold_time",
            code="vyos-hold-time",
        )
    key = (n.remote_asn, local_as, n.max_prefix, hold, n.connect_retry)
    texts = cmds.neighbor_texts.get(key)
    if texts is None:
        texts = cmds.neighbor_texts[key] = _neighbor_texts(cmds, key, s)
    head, tail = texts
    af = f"{nb} address-family ipv4-unicast" if s.afi else nb
    lines = [description]
    lines += [nb + text for text in head]
    lines.append(f"{af} route-map export {value(n.export_map)}")
    lines.append(f"{af} route-map import {value(n.import_map)}")
    lines += [nb + text for text in tail]
    cmds.block(nb, lines, distinct=True)


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
    where = {(p.tag, p.position): p for p in bgp}
    root_text = "set " + " ".join([cmds.word(r) for r in root])
    for n in policy.neighbors:
        _write_neighbor(cmds, n, where[(n.tag, n.index)], root_text, asn, s, report)
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


def _publics(plan: list[Planned], cmds: Commands) -> list[str]:
    """The customer gateway IPs of the tunnels, sorted as text."""
    return sorted({cmds.text_of(ip) for ip in _distinct(p.tunnel.cgw_outside_ip for p in plan) if ip})


def _write_static(cmds: Commands, static: list[Planned], policy: _policy.RoutingPolicy, opts: Settings) -> None:
    legacy = opts.syntax.legacy
    for p in static:
        vti = word(p.vti)
        for r in policy.routes_for(p.tag, p.tunnel.aws_outside_ip):
            prefix = cmds.word(r.prefix)
            if legacy:
                path = f"set protocols static interface-route {prefix} next-hop-interface {vti}"
            else:
                path = f"set protocols static route {prefix} interface {vti}"
            cmds.add(path if r.preferred else f"{path} distance {cmds.value(STATIC_BACKUP_DISTANCE)}")


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


def _header(plan: list[Planned], opts: Settings, publics: list[str]) -> list[str]:
    from .. import __version__

    s = opts.syntax
    lines = [
        marks.header(s.version, __version__, opts.role),
        "# Paste in configuration mode ('configure'), then 'commit' and 'save'.",
    ]
    conn, legacy = None, s.legacy
    for p in plan:  # by connection tag (each connection's tunnels in a row)
        c = p.conn
        if c is not conn:
            conn = c
            lines.append(
                marks.connection_line(
                    c.vpn_connection_id, c.vpn_gateway_id, c.transit_gateway_id, c.customer_gateway_id, c.routing
                )
            )
        lines.append(
            f"#   tunnel {p.position}: AWS {p.aws}, {p.vti} {p.inside}" + ("" if legacy else f", peer {p.peer_name}")
        )
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
    cmds = Commands()
    publics = _publics(plan, cmds)
    if opts.local_address is None:
        unsupported(
            report,
            None,
            f"no --local-address or --router-config: local-address is the public customer gateway IP "
            f"as AWS prints it ({', '.join(publics) or 'any'}); behind NAT (EC2, most clouds) give the router's "
            "private address",
            field="local_address",
            code="vyos-no-local-address",
        )
    _notes(connections, report, s)
    if s.legacy:
        cmds.set(("vpn", "ipsec", "ipsec-interfaces", "interface"), opts.interface)
        if s.version == "1.1" and opts.local_address is not None:
            # behind NAT: 1.1 (Openswan-era starter config) negotiates NAT-T only when told to
            cmds.set(("vpn", "ipsec", "nat-traversal"), "enable")
    else:
        cmds.set(("vpn", "ipsec", "interface"), opts.interface)
    if s.version != "1.1":
        cmds.set(("vpn", "ipsec", "options", "disable-route-autoinstall"))
    for g in sorted(_distinct(p.ike for p in plan), key=lambda g: g.name):
        _write_ike(cmds, g, s, report)
    for e in sorted(_distinct(p.esp for p in plan), key=lambda e: e.name):
        _write_esp(cmds, e, s, report)
    fixed = _fixed(cmds, s)
    for p in plan:
        _write_tunnel(cmds, p, opts, report, fixed)
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
    return [comment(line) for line in _header(plan, opts, publics)], cmds.lines


def _distinct(groups: Iterable[_G]) -> set[_G]:
    """The distinct groups (equal by value); the plan shares one object among the tunnels of each."""
    return set({id(g): g for g in groups}.values())


def cloud_config(header: list[str], commands: list[str]) -> str:
    lines = [marks.CLOUD_CONFIG, *header, marks.CLOUD_CONFIG_KEY]
    lines += [marks.cloud_config_item(c) for c in commands]
    lines.append("")  # the final newline, without copying the text once more
    return "\n".join(lines)


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    opts = _settings(options, connections, report)
    header, commands = render(connections, report, opts)
    if opts.cloud_init:
        return [OutputFile("vyos-cloud-init.yaml", cloud_config(header, commands), secret=True)]
    return [OutputFile("vyos.txt", "\n".join([*header, *commands, ""]), secret=True)]
