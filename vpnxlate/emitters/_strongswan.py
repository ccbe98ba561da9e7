"""Shared logic of the strongSwan targets (``--to strongswan`` and ``--to swanctl``).

Both targets are route based and bring every tunnel of every connection up at once: each tunnel
gets its own CHILD_SA mark (ipsec.conf ``mark=``, swanctl ``mark_in``/``mark_out``, or
``if_id_in``/``if_id_out`` for XFRM interfaces) and its own tunnel interface, created by the
updown script (:data:`UPDOWN_SCRIPT`) when the CHILD_SA comes up.

This module plans every tunnel once (:func:`plan_tunnels`): names, marks and interface names
derived from the connection id and the AWS outside IP (never from a position), strongSwan
proposals mapped from the model's algorithm lists, lifetimes, rekey margin, DPD, NAT fix-up.
The two emitters only format the plans.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import operator
import re
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from .. import algorithms
from ..errors import NOT_STATED_HINT, EmitError, Report, describe_value, escape_text
from ..model import IPAddress, Tunnel, VpnConnection, check_secret
from ..options import LocalAddressOptions, TargetOptions, from_kwargs, option
from ..registry import OutputFile
from ..vocab import aws
from . import _frr, _policy
from ._base import address_text, ip_text, unsupported

# ------------------------------------------------------------------ AWS's defaults

DEFAULT_MTU = aws.MTU
DEFAULT_MSS = aws.TCP_MSS
DEFAULT_IKE_LIFETIME = aws.IKE_LIFETIME_S
DEFAULT_CHILD_LIFETIME = aws.IPSEC_LIFETIME_S
DEFAULT_DPD_INTERVAL = aws.DPD_INTERVAL_S
DEFAULT_DPD_RETRIES = aws.DPD_RETRIES
AWS_REKEY_MARGIN = aws.REKEY_MARGIN_S
AWS_REKEY_FUZZ = aws.REKEY_FUZZ_PCT

# ------------------------------------------------------------------ algorithm keywords

ENCRYPTION_KW: dict[str, str] = {
    "AES128": "aes128",
    "AES256": "aes256",
    "AES128-GCM-16": "aes128gcm16",
    "AES256-GCM-16": "aes256gcm16",
}
INTEGRITY_KW: dict[str, str] = {
    "SHA1": "sha1",
    "SHA2-256": "sha256",
    "SHA2-384": "sha384",
    "SHA2-512": "sha512",
}
PRF_KW: dict[str, str] = {
    "SHA1": "prfsha1",
    "SHA2-256": "prfsha256",
    "SHA2-384": "prfsha384",
    "SHA2-512": "prfsha512",
}
DH_KW: dict[int, str] = {
    2: "modp1024",
    5: "modp1536",
    14: "modp2048",
    15: "modp3072",
    16: "modp4096",
    17: "modp6144",
    18: "modp8192",
    19: "ecp256",
    20: "ecp384",
    21: "ecp521",
    22: "modp1024s160",
    23: "modp2048s224",
    24: "modp2048s256",
}

# ------------------------------------------------------------------ options


def _parse_ike_version(value: Any) -> int | None:
    if value is None or value == "":
        return None
    text = str(value).strip().lower().removeprefix("ikev")
    if text not in ("1", "2"):
        raise EmitError(f"--ike-version must be 1 or 2, not {describe_value(value)}", field="ike_version")
    return int(text)


def parse_interface(value: Any) -> str:
    text = "vti" if value is None else str(value)
    if text not in ("vti", "xfrm"):
        raise EmitError(f"--interface must be vti or xfrm, not {describe_value(value)}", field="interface")
    return text


@attrs.frozen(kw_only=True, slots=False)
class IkeVersionOptions(TargetOptions):
    ike_version: int | None = option(
        "--ike-version",
        "IKE version to use (default: ikev2 only when the input allows only IKEv2, else ikev1)",
        choices=("1", "2"),
        metavar="{1,2}",
        convert=_parse_ike_version,
    )


@attrs.frozen(kw_only=True, slots=False)
class InterfaceOptions(TargetOptions):
    interface: str = option(
        "--interface",
        "tunnel interface type: vti (marks) or xfrm (XFRM interfaces with if_id; Linux 4.19+)",
        choices=("vti", "xfrm"),
        default="vti",
        metavar="{vti,xfrm}",
        convert=parse_interface,
    )


# Base classes in reverse: attrs lists inherited fields base-most first (local, IKE version, routing).
@attrs.frozen(kw_only=True, slots=False)
class SwanOptions(_policy.RoutingTargetOptions, IkeVersionOptions, LocalAddressOptions):
    """The options of ``--to strongswan`` (and the base of swanctl's and libreswan's)."""


MARK_MIN, MARK_SPAN = 100_000_000, 900_000_000  # 9 decimal digits: names stay <= 15 characters
IFNAME_MAX = 15

# ------------------------------------------------------------------ value safety

# A value written into ipsec.conf/ipsec.secrets/swanctl.conf or onto the updown command line:
# no whitespace, quotes, comment or statement characters, braces, shell characters.
_SAFE_VALUE = re.compile(r"[A-Za-z0-9._:/%,!@+=-]+")  # fullmatch: "$" would let a final "\n" through
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")


def safe(value: object, field: str) -> str:
    """``value`` as text, refused (EmitError) if it could add a line, a setting or a shell word."""
    text = value if value.__class__ is str else str(value)
    if not text or not _SAFE_VALUE.fullmatch(text):
        raise EmitError(
            f"refusing to write {describe_value(text)}: it contains characters that could change "
            "the meaning of the configuration (whitespace, quotes, #, ;, braces, ...)",
            field=field,
        )
    return text


def comment(text: str) -> str:
    """Text for a ``#`` comment line of ipsec.conf/swanctl.conf: every control and format character
    escaped (strongSwan ends a comment at a newline and, in swanctl.conf, at a carriage return, so
    either would turn the rest of the text into configuration)."""
    if text.isascii() and text.isprintable():
        return text  # nothing to escape (the usual text): escape_text would return it as it is
    return escape_text(text)


def quote_secret(psk: str, field: str = "psk") -> str:
    """The PSK in double quotes (the model has already refused keys with quotes or backslashes)."""
    check_secret(psk, field)
    return f'"{psk}"'


def section_name(text: str) -> str:
    """A connection/section name from an id: letters, digits, ``-`` and ``_`` only."""
    return _NAME_CHARS.sub("-", text).strip("-") or "aws"


# ------------------------------------------------------------------ the plan of one tunnel


@attrs.frozen(slots=False)  # a dict, so that _new_plan can fill it at once
class TunnelPlan:
    """Everything a strongSwan config needs for one tunnel (all values already validated)."""

    conn_key: str  # connection id (or derived from the outside IPs)
    conn_label: str  # for comments/messages
    name: str  # conn / connection / child name
    mark: int  # CHILD_SA mark == VTI ikey/okey (or XFRM if_id)
    ifname: str
    version: int  # 1 or 2
    ike_proposals: tuple[str, ...]
    esp_proposals: tuple[str, ...]
    ike_lifetime: int
    child_lifetime: int
    margin: int  # rekey margin (s): rekey this long (plus fuzz) before expiry
    dpd_delay: int
    dpd_timeout: int | None  # IKEv1 only
    local_addr: str  # left / local_addrs
    local_id: str  # leftid / local.id / PSK selector (the public CGW IP)
    remote: str  # AWS outside IP (right / remote_addrs / remote.id)
    inside_local: str  # 169.254.x.y/30
    inside_remote: str  # 169.254.x.z
    mtu: int
    mss: int
    routes: tuple[str, ...]  # static routes sent into this tunnel
    route_metric: int
    psk: str
    replay_window: int | None
    comment: str
    # the algorithm lists behind the proposals (AWS names; AWS's defaults filled in), for targets
    # with another proposal syntax (Libreswan), and the tunnel the plan was made from
    ike_algorithms: tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]] = ((), (), ())
    esp_algorithms: tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]] = ((), (), ())
    source: Tunnel | None = attrs.field(default=None, repr=False)

    def updown(self, script: str, interface: str) -> str:
        """The updown command line (no quotes; every word that is not a constant validated)."""
        start, end = _updown_parts(script, self.mtu, self.mss, interface == "xfrm")
        # the inside addresses were checked (safe) when the plan was made
        line = (
            f"{start}{safe(self.ifname, 'updown')} -ll {self.inside_local}"
            f" -lr {self.inside_remote} -m {safe(self.mark, 'updown')}{end}"
        )
        if self.routes:
            line += f" -r {safe(','.join(self.routes), 'updown')} -rm {safe(self.route_metric, 'updown')}"
        return line


@functools.lru_cache(maxsize=64, typed=True)
def _updown_parts(script: str, mtu: int, mss: int, xfrm: bool) -> tuple[str, str]:
    """The updown command line's words before the interface name and after the mark (the same
    for most tunnels)."""
    start = f"{safe(script, 'updown')} -ln "
    return start, f" -mtu {safe(mtu, 'updown')} -mss {safe(mss, 'updown')}" + (" -t xfrm" if xfrm else "")


_PLAN_FIELDS = frozenset(f.name for f in attrs.fields(TunnelPlan))
# plan field <- attribute of _Values: what every tunnel with the same values has (besides "version")
_FROM_VALUES = {
    "esp_proposals": "esp_proposals",
    "ike_lifetime": "ike_life",
    "child_lifetime": "child_life",
    "margin": "margin",
    "dpd_delay": "dpd_delay",
    "dpd_timeout": "dpd_timeout",
    "mtu": "mtu",
    "mss": "mss",
    "ike_algorithms": "ike",
    "esp_algorithms": "esp",
}
_GET_VALUES = operator.attrgetter(*_FROM_VALUES.values())
_SHARED_FIELDS = frozenset(("version", *_FROM_VALUES))
_OWN_FIELDS = _PLAN_FIELDS - _SHARED_FIELDS


def _new_plan(shared: dict[str, Any], **values: Any) -> TunnelPlan:
    """``TunnelPlan(**shared, **values)`` with every field given (``shared``: :data:`_SHARED_FIELDS`,
    ``values`` the others), without a setattr per field: the class has no converter, validator or
    default to apply, so its ``__dict__`` is exactly their values."""
    if values.keys() != _OWN_FIELDS or shared.keys() != _SHARED_FIELDS:
        raise TypeError(f"TunnelPlan: fields {sorted((values.keys() | shared) ^ _PLAN_FIELDS)} missing or unknown")
    plan = object.__new__(TunnelPlan)
    fields = plan.__dict__
    fields.update(shared)
    fields.update(values)
    return plan


def split_aead(enc: Sequence[str]) -> list[tuple[bool, list[str]]]:
    """The ciphers in two groups, AEAD (GCM) and not, each only if present, in the order of their
    first cipher in ``enc``: an AEAD proposal has no integrity algorithm (ESP) or a PRF (IKE)."""
    aead = [e for e in enc if algorithms.is_gcm(e)]
    plain = [e for e in enc if not algorithms.is_gcm(e)]
    groups = [(True, aead), (False, plain)]
    return sorted(((g, c) for g, c in groups if c), key=lambda gc: enc.index(gc[1][0]))


def ike_ciphers(version: int, enc: Sequence[str], report: Report, label: str) -> tuple[str, ...]:
    """The phase 1 ciphers usable with this IKE version: IKEv1 cannot use AES-GCM for the IKE SA
    (a warning; an error when nothing else is left)."""
    aead = [e for e in enc if algorithms.is_gcm(e)]
    if aead and version == 1:
        unsupported(
            report,
            label,
            f"IKEv1 cannot use AES-GCM for the IKE SA; leaving out {', '.join(aead)} in phase 1",
            field="ike.encryption",
            code="ikev1-gcm",
            error=EmitError,
        )
        if len(aead) == len(enc):
            raise EmitError(
                f"{label}: phase 1 allows only AES-GCM, which IKEv1 cannot use; use --ike-version 2",
                field="ike.encryption",
            )
        return tuple(e for e in enc if not algorithms.is_gcm(e))
    return tuple(enc)


def ike_proposals(
    t: Tunnel, version: int, enc: Sequence[str], integ: Sequence[str], dh: Sequence[int], report: Report, label: str
) -> tuple[str, ...]:
    """strongSwan IKE proposals: AEAD (GCM + PRF) and non-AEAD (cipher + integrity) kept apart."""
    return _ike_texts(ike_ciphers(version, enc, report, label), integ, dh)


def _ike_texts(enc: Sequence[str], integ: Sequence[str], dh: Sequence[int]) -> tuple[str, ...]:
    """The IKE proposals of ciphers usable with the IKE version (:func:`ike_ciphers`)."""
    dh_kw = [DH_KW[g] for g in dh]
    return tuple(
        "-".join([ENCRYPTION_KW[e] for e in ciphers] + [(PRF_KW if aead else INTEGRITY_KW)[i] for i in integ] + dh_kw)
        for aead, ciphers in split_aead(enc)
    )


def esp_proposals(enc: Sequence[str], integ: Sequence[str], pfs: Sequence[int]) -> tuple[str, ...]:
    """strongSwan ESP proposals with the PFS groups (phase 2 needs PFS on AWS); GCM without integrity."""
    dh_kw = [DH_KW[g] for g in pfs]
    return tuple(
        "-".join([ENCRYPTION_KW[e] for e in ciphers] + ([] if aead else [INTEGRITY_KW[i] for i in integ]) + dh_kw)
        for aead, ciphers in split_aead(enc)
    )


def connection_key(conn: VpnConnection) -> str:
    """The connection's id, or (without one) a stable key derived from its AWS outside IPs."""
    if conn.vpn_connection_id:
        return conn.vpn_connection_id
    ips = ",".join(sorted(str(t.aws_outside_ip) for t in conn.tunnels))
    return "aws-" + hashlib.sha256(ips.encode()).hexdigest()[:10]


def tunnel_mark(conn_key: str, aws_ip: IPAddress | str) -> int:
    """A mark (and XFRM if_id) from the connection key and the AWS outside IP (or its text): 9 decimal digits."""
    digest = hashlib.sha256(f"vpnxlate-strongswan|{conn_key}|{aws_ip}".encode()).digest()
    return MARK_MIN + int.from_bytes(digest[:8], "big") % MARK_SPAN


_text = ip_text  # str() of an address or interface, quicker for IPv4


def _ip_slug(ip: IPAddress | str) -> str:
    return str(ip).replace(".", "-").replace(":", "-")


def _choose_version(t: Tunnel, forced: int | None, label: str, defaults: list[str]) -> int:
    allowed = t.ike.versions
    if forced is not None:
        want = f"ikev{forced}"
        if allowed is not None and want not in allowed:
            raise EmitError(
                f"{label}: --ike-version {forced} contradicts the input, which allows only "
                f"{', '.join(allowed)} on the AWS side",
                field="ike_version",
            )
        return forced
    if allowed is None:
        defaults.append("IKE version (ikev1)")
        return 1
    return 2 if allowed == ("ikev2",) else 1


def _rekey_margin(t: Tunnel, lifetimes: Iterable[int]) -> tuple[int, str | None]:
    """Our rekey margin: AWS rekeys ``margin .. margin*(1+fuzz)`` before expiry, strongSwan (fuzz 100 %)
    ``m .. 2m`` before; ``m = margin*(1+fuzz)`` makes us rekey first.  With the warning to give
    when the lifetimes are too short for it (then a quarter of the shortest)."""
    # No download format states these two (only EC2 TunnelOptions do), so AWS's documented
    # defaults are the AWS side's real values when they are absent: no warning for them.
    aws_margin = AWS_REKEY_MARGIN if t.rekey_margin_s is None else t.rekey_margin_s
    fuzz = AWS_REKEY_FUZZ if t.rekey_fuzz_pct is None else t.rekey_fuzz_pct
    margin = aws_margin * (100 + fuzz) // 100
    shortest = min(lifetimes)
    if 2 * margin >= shortest:
        clamped = max(shortest // 4, 1)
        return clamped, (
            f"rekeying before AWS would need a margin of {margin} s, too long for a lifetime "
            f"of {shortest} s; using {clamped} s (AWS may rekey first)"
        )
    return margin, None


def plan_tunnels(
    connections: Sequence[VpnConnection],
    report: Report,
    options: SwanOptions | None = None,
    *,
    interface: str = "vti",
    ifname_prefix: str | None = None,
    dpd_timeout_always: bool = False,
    **values: Any,
) -> list[TunnelPlan]:
    """Plan every tunnel of every connection; sorted by (connection key, AWS outside IP).

    ``options``: the target's options (``values``: the same as keyword arguments, without an
    options object).  ``ifname_prefix`` overrides the interface name's prefix (``vti``/``xfrm``);
    with ``dpd_timeout_always`` the DPD timeout is planned for IKEv2 tunnels too (Libreswan uses it)."""
    opts = options if options is not None else from_kwargs(SwanOptions, values, target="strongswan")
    local = opts.local_address
    if local is not None and not isinstance(local, ipaddress.IPv4Address):
        raise EmitError(
            f"--local-address: {local} is not an IPv4 address (the tunnels are IPv4)", field="local_address"
        )
    setup = _Setup(local, opts.ike_version, interface, ifname_prefix, dpd_timeout_always, opts)
    keyed: list[tuple[tuple[str, int], TunnelPlan]] = []
    for key, conn in sorted(((connection_key(c), c) for c in connections), key=_first):
        conn_label = conn.vpn_connection_id or f"connection {key} (no VPN connection id)"
        conn_note = _conn_note(conn)
        # section_name(f"{key}-{slug}") is this + "-" + slug without leading "-": the slug of an
        # IPv4 address (the only kind planned) is digits and "-", a digit first and last
        head = _NAME_CHARS.sub("-", key)
        for index, t in enumerate(conn.tunnels):
            plan = _plan_one(key, head, conn_label, conn_note, index, t, report, setup)
            keyed.append(((key, int(t.aws_outside_ip)), plan))  # IPv4 only (_check_tunnel)
    if local is None:
        public_ips = {plan.local_id for _, plan in keyed}
        ips = ", ".join(sorted(public_ips, key=lambda ip: ipaddress.ip_address(ip).packed))
        unsupported(
            report,
            None,
            f"no --local-address: using the customer gateway IP ({ips}) as the local address and "
            "IKE identity; a router behind NAT (an EC2 instance with an elastic IP) needs "
            "--local-address PRIVATE_IP",
            field="local_address",
            code="no-local-address",
            error=EmitError,
        )
    keyed.sort(key=_first)
    plans = [plan for _, plan in keyed]
    _check_unique(plans)
    return plans


def _first(item: tuple[Any, Any]) -> Any:
    return item[0]


class _Setup:
    """What every tunnel's plan takes from the options, and what the plans of one call share:
    the text of repeated values (``str`` of an address is slow) and the values, proposals and
    warnings of each distinct set of tunnel options."""

    def __init__(
        self,
        local: ipaddress.IPv4Address | None,
        forced: int | None,  # --ike-version
        interface: str,
        ifname_prefix: str | None,
        dpd_timeout_always: bool,
        options: TargetOptions,  # redaction
    ) -> None:
        self.local = local
        self.forced = forced
        self.interface = interface
        self.ifname_prefix = ifname_prefix
        self.dpd_timeout_always = dpd_timeout_always
        self.options = options
        self.prefix = ifname_prefix or ("xfrm" if interface == "xfrm" else "vti")
        self.local_text = None if local is None else safe(local, "local_address")
        self._texts: dict[Any, str] = {}
        self._values: dict[tuple[Any, ...], _Values] = {}
        # the same by the identity of the model's objects first (the parsers share one object among
        # the tunnels with equal values); each entry holds its objects, so their ids stay theirs
        self._texts_by_id: dict[int, tuple[object, str]] = {}
        self._values_by_id: dict[tuple[Any, ...], tuple[_Values, object, object]] = {}
        self._plan_fields: dict[int, tuple[_Values, dict[str, Any]]] = {}  # by the values object (held)

    def text(self, value: IPAddress, field: str) -> str:
        """``safe(value, field)`` of a value that recurs across tunnels (the customer gateway IP)."""
        known = self._texts_by_id.get(id(value))
        if known is not None:
            return known[1]
        text = self._texts.get(value)
        if text is None:
            text = self._texts[value] = safe(value, field)
        self._texts_by_id[id(value)] = (value, text)
        return text

    def plan_fields(self, v: _Values, version: int) -> dict[str, Any]:
        """The plan fields of a tunnel with the values ``v`` (made for IKE ``version``): :data:`_SHARED_FIELDS`."""
        known = self._plan_fields.get(id(v))
        if known is None:
            fields = dict(zip(_FROM_VALUES, _GET_VALUES(v), strict=True))
            fields["version"] = version
            known = self._plan_fields[id(v)] = (v, fields)
        return known[1]

    def values(self, t: Tunnel, version: int) -> _Values:
        ike, ipsec, timers = t.ike, t.ipsec, _TIMERS(t)
        by_id = (version, id(ike), id(ipsec), *timers)
        known = self._values_by_id.get(by_id)
        if known is not None:
            return known[0]
        key = (version, ike, ipsec, *timers)
        v = self._values.get(key)
        if v is None:
            v = self._values[key] = _values(t, version, self)
        self._values_by_id[by_id] = (v, ike, ipsec)
        return v


_TIMERS = operator.attrgetter(
    "dpd_interval_s", "dpd_timeout_s", "dpd_retries", "mtu", "tcp_mss", "rekey_margin_s", "rekey_fuzz_pct"
)


def _check_unique(plans: Sequence[TunnelPlan]) -> None:
    n = len(plans)
    if len({p.name for p in plans}) == len({p.mark for p in plans}) == len({p.ifname for p in plans}) == n:
        return  # the usual case; else the first clash is found and named below
    for attr in ("name", "mark", "ifname"):
        seen: dict[Any, TunnelPlan] = {}
        for p in plans:
            value = getattr(p, attr)
            other = seen.get(value)
            if other is not None:
                raise EmitError(
                    f"{other.conn_label} tunnel {other.remote} and {p.conn_label} tunnel {p.remote} "
                    f"would get the same {attr} {value}; give the connections distinct ids",
                    field="tunnels",
                )
            seen[value] = p


def _check_tunnel(t: Tunnel, label: str, report: Report) -> None:
    """Refuse a tunnel the strongSwan targets cannot write; warn about what they write otherwise."""
    if not isinstance(t.aws_outside_ip, ipaddress.IPv4Address):
        raise EmitError(
            f"{label}: IPv6 outside addresses are not supported by the strongSwan targets (VTI)", field="aws_outside_ip"
        )
    if t.cgw_outside_ip is None:
        raise EmitError(
            f"{label}: the input does not state the customer gateway IP, which is the IKE identity "
            f"AWS expects (--local-address is the router's own address, not the identity); "
            f"{NOT_STATED_HINT}",
            field="cgw_outside_ip",
        )
    if t.psk is None:
        raise EmitError(f"{label}: the input holds no pre-shared key for this tunnel; {NOT_STATED_HINT}", field="psk")
    if t.cgw_inside is None or t.aws_inside is None:
        raise EmitError(
            f"{label}: the input does not state the tunnel's IPv4 inside addresses (IPv6-only "
            "tunnels are not supported by the strongSwan targets)",
            field="cgw_inside",
        )
    if t.cgw_inside_v6 is not None:
        unsupported(
            report,
            label,
            f"the IPv6 inside addresses ({t.cgw_inside_v6}) are not configured (VTI carries IPv4 only)",
            field="cgw_inside_v6",
            code="ipv6-inside",
            error=EmitError,
        )
    if t.ike.mode == "aggressive":
        unsupported(
            report,
            label,
            "the input says aggressive mode; AWS uses main mode, which is what is written",
            field="ike.mode",
            code="aggressive-mode",
            error=EmitError,
        )
    if t.ipsec.mode == "transport":
        unsupported(
            report,
            label,
            "the input says transport mode; route-based tunnels use tunnel mode, which is what is written",
            field="ipsec.mode",
            code="transport-mode",
            error=EmitError,
        )


@attrs.frozen
class _Values:
    """A tunnel's algorithms and timers: the model's values, AWS's defaults where it states none;
    the defaults taken and the rekey-margin warning (given for each tunnel), and the proposals
    (``ike_proposals`` None: IKEv1 with AES-GCM, which warns for each tunnel)."""

    ike: tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]]
    esp: tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]]
    ike_life: int
    child_life: int
    dpd_delay: int
    dpd_timeout: int | None
    mtu: int
    mss: int
    margin: int
    defaults: tuple[str, ...]
    margin_note: str | None
    ike_proposals: tuple[str, ...] | None
    esp_proposals: tuple[str, ...]


def _values(t: Tunnel, version: int, setup: _Setup) -> _Values:
    """The tunnel's values; each default taken is named in ``defaults`` (one warning per tunnel)."""
    ike, ipsec, dflt = t.ike, t.ipsec, algorithms.AWS_DEFAULTS
    defaults: list[str] = []

    def pick(value: tuple[Any, ...] | None, default: tuple[Any, ...], what: str) -> tuple[Any, ...]:
        if value is not None:
            return value
        defaults.append(f"{what} ({', '.join(str(v) for v in default)})")
        return default

    def stated(value: int | None, default: int, what: str) -> int:
        if value is not None:
            return value
        defaults.append(what.format(default))
        return default

    ike_enc = pick(ike.encryption, dflt["phase1_encryption"], "phase 1 encryption")
    ike_int = pick(ike.integrity, dflt["phase1_integrity"], "phase 1 integrity")
    ike_dh = pick(ike.dh_groups, dflt["phase1_dh"], "phase 1 DH groups")
    esp_enc = pick(ipsec.encryption, dflt["phase2_encryption"], "phase 2 encryption")
    esp_int: tuple[str, ...] = ()
    if any(not algorithms.is_gcm(e) for e in esp_enc):
        esp_int = pick(ipsec.integrity, dflt["phase2_integrity"], "phase 2 integrity")
    pfs = pick(ipsec.pfs_dh_groups, dflt["phase2_dh"], "phase 2 PFS groups")
    ike_life = stated(ike.lifetime_s, DEFAULT_IKE_LIFETIME, "phase 1 lifetime ({} s)")
    child_life = stated(ipsec.lifetime_s, DEFAULT_CHILD_LIFETIME, "phase 2 lifetime ({} s)")
    dpd_delay = stated(t.dpd_interval_s, DEFAULT_DPD_INTERVAL, "DPD interval ({} s)")
    dpd_timeout: int | None = None
    if version == 1 or setup.dpd_timeout_always:
        dpd_timeout = t.dpd_timeout_s
        if dpd_timeout is None:
            dpd_timeout = dpd_delay * stated(t.dpd_retries, DEFAULT_DPD_RETRIES, "DPD retries ({})")
    mtu = stated(t.mtu, DEFAULT_MTU, "tunnel interface MTU ({})")
    mss = stated(t.tcp_mss, DEFAULT_MSS, "TCP MSS ({})")
    margin, margin_note = _rekey_margin(t, (ike_life, child_life))
    ike_v = (tuple(ike_enc), tuple(ike_int), tuple(ike_dh))
    esp_v = (tuple(esp_enc), tuple(esp_int), tuple(pfs))
    warns = version == 1 and any(algorithms.is_gcm(e) for e in ike_enc)  # ike_ciphers warns (per tunnel)
    return _Values(
        ike_v,
        esp_v,
        ike_life,
        child_life,
        dpd_delay,
        dpd_timeout,
        mtu,
        mss,
        margin,
        tuple(defaults),
        margin_note,
        None if warns else _safe_proposals(_ike_texts(*ike_v), "ike.proposals"),
        _safe_proposals(esp_proposals(*esp_v), "ipsec.proposals"),
    )


def _safe_proposals(proposals: Iterable[str], field: str) -> tuple[str, ...]:
    return tuple(safe(p, field) for p in proposals)


def _conn_note(conn: VpnConnection) -> str:
    """What every tunnel comment of a static connection ends with (its static routes)."""
    if conn.routing == "static" and conn.static_routes:
        return f", static (AWS routes {', '.join(safe(n, 'static_routes') for n in conn.static_routes)} here)"
    return ""


def _tunnel_comment(t: Tunnel, conn_label: str, conn_note: str, remote: str, ifname: str, local: str, aws: str) -> str:
    text = f"{conn_label}, tunnel {remote}: {ifname} {local} <-> {aws}"
    if t.bgp is not None:
        neighbor = aws if t.bgp.neighbor_ip is None else _text(t.bgp.neighbor_ip)  # aws: the AWS inside IP
        text += f", BGP AS {t.bgp.cgw_asn or '?'} <-> AS {t.bgp.aws_asn or '?'} (neighbor {neighbor})"
    else:
        text += conn_note
    return comment(text)


def _warn_values(v: _Values, defaults: list[str], report: Report, label: str) -> None:
    """The tunnel's warnings about its values: the rekey margin, AWS's defaults taken (with ``defaults``)."""
    if v.margin_note is not None:
        unsupported(report, label, v.margin_note, field="rekey_margin_s", code="rekey-margin", error=EmitError)
    if defaults or v.defaults:
        unsupported(
            report,
            label,
            f"not stated in the input, using AWS's defaults: {'; '.join([*defaults, *v.defaults])}",
            field="tunnels",
            code="aws-default",
            error=EmitError,
        )


def _plan_one(
    key: str, head: str, conn_label: str, conn_note: str, index: int, t: Tunnel, report: Report, setup: _Setup
) -> TunnelPlan:
    remote = _text(t.aws_outside_ip)
    label = f"{conn_label} tunnel {remote}"
    _check_tunnel(t, label, report)
    assert t.psk is not None and t.cgw_inside is not None and t.aws_inside is not None  # _check_tunnel
    assert t.cgw_outside_ip is not None
    defaults: list[str] = []
    version = _choose_version(t, setup.forced, label, defaults)
    v = setup.values(t, version)
    _warn_values(v, defaults, report, label)
    mark = tunnel_mark(key, remote)
    ifname = setup.prefix + str(mark)
    if len(ifname) > IFNAME_MAX:  # cannot happen with 9-digit marks; kept as a guard
        raise EmitError(f"{label}: interface name {ifname} is longer than {IFNAME_MAX} characters", field="name")
    name = f"{head}-{_ip_slug(remote)}".lstrip("-")  # section_name(f"{key}-{slug}"): see plan_tunnels
    public = setup.text(t.cgw_outside_ip, "cgw_outside_ip")
    inside_local = safe(_text(t.cgw_inside), "cgw_inside")
    inside_remote = safe(address_text(t.aws_inside), "aws_inside")
    comment_text = _tunnel_comment(t, conn_label, conn_note, remote, ifname, inside_local, inside_remote)
    ike = v.ike_proposals
    if ike is None:
        ike = _safe_proposals(ike_proposals(t, version, *v.ike, report, label), "ike.proposals")
    return _new_plan(
        setup.plan_fields(v, version),
        conn_key=key,
        conn_label=conn_label,
        name=safe(name, "name"),
        mark=mark,
        ifname=ifname,
        ike_proposals=ike,
        local_addr=public if setup.local_text is None else setup.local_text,
        local_id=public,
        remote=safe(remote, "aws_outside_ip"),
        inside_local=inside_local,
        inside_remote=inside_remote,
        routes=(),
        route_metric=100 * (index + 1),
        psk=setup.options.secret(t.psk),
        replay_window=t.replay_window,
        comment=comment_text,
        source=t,
    )


def routing(
    connections: Sequence[VpnConnection], plans: list[TunnelPlan], report: Report, options: SwanOptions
) -> tuple[list[TunnelPlan], list[OutputFile]]:
    """The routing half of the strongSwan targets, from the shared policy (:mod:`._policy`).

    Static connections: the ``--accept`` prefixes go on the updown command line of both tunnels
    (``-r``), the preferred tunnel with metric 100, the other with 200; the route disappears with
    its tunnel interface, so the other tunnel takes over.  BGP connections: FRR's ``frr.conf`` and
    ``daemons`` (:mod:`._frr`).  Always: ``99-vpnxlate-forwarding.conf`` for /etc/sysctl.d."""
    local = options.local_address
    addresses: list[IPAddress] = [local] if local is not None else []
    public = {ipaddress.ip_address(text) for text in {p.local_id for p in plans}}
    addresses += sorted(public, key=lambda a: (a.version, int(a)))
    policy = _policy.build_policy(connections, options, report, router_addresses=addresses, require_asns=False)
    routes_by_ref: dict[tuple[str, str], list[_policy.StaticRoute]] = {}
    for r in policy.static_routes:
        routes_by_ref.setdefault(r.ref, []).append(r)
    links: list[_frr.TunnelLink] = []
    updated: dict[tuple[str, str], TunnelPlan] = {}
    tags = {connection_key(c): _policy.conn_tag(c) for c in connections}  # a plan per tunnel, names unique
    for plan in plans:
        tag, remote = tags[plan.conn_key], plan.remote  # remote: the AWS outside IP's text
        links.append(_frr.TunnelLink(tag, remote, plan.ifname))
        routes = routes_by_ref.get((tag, remote))
        if routes:
            metric = METRIC_PREFERRED if routes[0].preferred else METRIC_BACKUP
            nets = tuple(safe(r.prefix, "accept") for r in routes)
            comment = f"{plan.comment}, routes {', '.join(nets)} (metric {metric})"
            updated[(plan.conn_key, remote)] = attrs.evolve(plan, routes=nets, route_metric=metric, comment=comment)
    plans = [updated.get((p.conn_key, p.remote), p) for p in plans] if updated else plans
    files = _frr.frr_files(policy, links, report)
    files.append(OutputFile(SYSCTL_NAME, SYSCTL_CONF))
    return plans, files


METRIC_PREFERRED, METRIC_BACKUP = 100, 200
SYSCTL_NAME = "99-vpnxlate-forwarding.conf"
SYSCTL_CONF = """\
# written by vpnxlate: this router forwards between its LAN and the AWS tunnels.
# Install as /etc/sysctl.d/99-vpnxlate-forwarding.conf and run 'sysctl --system'.
net.ipv4.ip_forward = 1
"""


# ------------------------------------------------------------------ files shared by both targets

STRONGSWAN_CONF = """\
# strongswan.conf written by vpnxlate for route-based AWS tunnels
# (Debian/Ubuntu: /etc/strongswan.conf; the includes are those of Debian's default file)
charon {
    load_modular = yes
    # with 0.0.0.0/0 traffic selectors charon would otherwise put a default route into
    # table 220 and pull all traffic away from the tunnel interfaces
    install_routes = no
    install_virtual_ip = no
    # IKEv2 has no DPD timeout: a peer is dead when the retransmissions of a DPD (or any) request
    # give up: 2.5 s x (1 + 1.8 + 1.8^2 + 1.8^3) = 30 s, AWS's DPD timeout.  strongSwan's default
    # (4 s, 5 tries: 165 s) would hold traffic on a dead tunnel that long before failing over.
    retransmit_timeout = 2.5
    retransmit_base = 1.8
    retransmit_tries = 3
    plugins {
        include strongswan.d/charon/*.conf
        # the forecast plugin re-marks inbound ESP, which breaks VTI + mark tunnels
        forecast {
            load = no
        }
    }
}

include strongswan.d/*.conf
"""

UPDOWN_SCRIPT = r"""#!/bin/bash
# aws-updown.sh written by vpnxlate: create/remove the tunnel interface of one AWS tunnel.
# Called by charon's updown plugin (PLUTO_* environment) for the CHILD_SA, e.g.
#   aws-updown.sh -ln vti123456789 -ll 169.254.21.2/30 -lr 169.254.21.1 -m 123456789 -mtu 1436 -mss 1379
# -ln NAME     interface name
# -ll ADDR/PFX local inside address
# -lr ADDR     AWS inside address
# -m  N        CHILD_SA mark (VTI ikey/okey) or XFRM if_id: must equal the connection's value
# -mtu N       interface MTU
# -mss N       TCP MSS clamp for connections through the interface
# -t  vti|xfrm interface type (default vti)
# -r  NETS     optional comma-separated routes sent into this interface, with metric -rm N
set -u
TYPE=vti
ROUTES=""
METRIC=100
MTU=1436
MSS=""
while [ $# -gt 1 ]; do
    case "$1" in
        -ln)  IFNAME="$2" ;;
        -ll)  LOCAL_INSIDE="$2" ;;
        -lr)  REMOTE_INSIDE="$2" ;;
        -m)   MARK="$2" ;;
        -mtu) MTU="$2" ;;
        -mss) MSS="$2" ;;
        -t)   TYPE="$2" ;;
        -r)   ROUTES="$2" ;;
        -rm)  METRIC="$2" ;;
        *)    echo "aws-updown: unknown option $1" >&2; exit 1 ;;
    esac
    shift 2
done
: "${IFNAME:?-ln missing}" "${LOCAL_INSIDE:?-ll missing}" "${REMOTE_INSIDE:?-lr missing}" "${MARK:?-m missing}"

mss_rule() {
    iptables -t mangle "$1" FORWARD -o "$IFNAME" -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss "$MSS"
}

# A CHILD_SA can come up before the one it replaces goes down (IKEv2 make-before-break
# reauthentication, a duplicate CHILD_SA, a restart racing a late DELETE).  The interface then
# belongs to the newer SA: up-client keeps a live interface, and down-client deletes it only if
# the IKE_SA going down is the one that brought it up last and no other installed outbound SA
# uses this mark / if_id.
STATE_DIR="${VPNXLATE_UPDOWN_STATE:-/run/vpnxlate-updown}"
sa_count() {
    local key
    if [ "$TYPE" = xfrm ]; then key="if_id $(printf '0x%x' "$MARK")"; else key="mark $(printf '0x%x' "$MARK")/"; fi
    ip -o xfrm state list dst "$PLUTO_PEER" proto esp 2>/dev/null | grep -c -F -e "$key" || true
}

case "${PLUTO_VERB:-}" in
up-client)
    if ip link show dev "$IFNAME" >/dev/null 2>&1 && [ "$(sa_count)" -ge 2 ]; then
        echo "aws-updown: $IFNAME kept (another SA with $TYPE $MARK is installed)"
    else
        ip link del "$IFNAME" 2>/dev/null
        if [ "$TYPE" = xfrm ]; then
            ip link add "$IFNAME" type xfrm if_id "$MARK"
        else
            # local is the address IKE runs from (the private one behind NAT)
            ip link add "$IFNAME" type vti local "$PLUTO_ME" remote "$PLUTO_PEER" ikey "$MARK" okey "$MARK"
            sysctl -qw "net.ipv4.conf.$IFNAME.disable_policy=1"
        fi
    fi
    mkdir -p "$STATE_DIR" && echo "${PLUTO_UNIQUEID:-}" > "$STATE_DIR/$IFNAME"
    sysctl -qw "net.ipv4.conf.$IFNAME.rp_filter=2"
    ip addr replace "$LOCAL_INSIDE" dev "$IFNAME"
    ip link set "$IFNAME" up mtu "$MTU"
    for r in ${ROUTES//,/ }; do
        ip route replace "$r" dev "$IFNAME" metric "$METRIC"
    done
    if [ -n "$MSS" ]; then
        mss_rule -C 2>/dev/null || mss_rule -A 2>/dev/null \
            || echo "aws-updown: TCP MSS clamp for $IFNAME not installed" >&2
    fi
    echo "aws-updown: $IFNAME up ($LOCAL_INSIDE <-> $REMOTE_INSIDE over $PLUTO_ME -> $PLUTO_PEER, $TYPE $MARK)"
    ;;
down-client)
    owner="$(cat "$STATE_DIR/$IFNAME" 2>/dev/null || true)"
    if [ -n "$owner" ] && [ "$owner" != "${PLUTO_UNIQUEID:-}" ]; then
        echo "aws-updown: $IFNAME kept (it belongs to IKE_SA #$owner, not #${PLUTO_UNIQUEID:-?})"
        exit 0
    fi
    if [ "$(sa_count)" -ge 2 ]; then
        echo "aws-updown: $IFNAME kept (another SA with $TYPE $MARK is installed)"
        exit 0
    fi
    if [ -n "$MSS" ]; then
        while mss_rule -D 2>/dev/null; do :; done
    fi
    ip link del "$IFNAME" 2>/dev/null
    rm -f "$STATE_DIR/$IFNAME"
    echo "aws-updown: $IFNAME down"
    ;;
esac
exit 0
"""
