"""The neutral tunnel model: the contract between every parser and every emitter.

Small frozen attrs classes.  Addresses are :mod:`ipaddress` objects, algorithm names use
AWS's TunnelOptions vocabulary (see :mod:`vpnxlate.algorithms`), and ``None`` means
"the input did not state this value".

A tunnel's identity is its AWS outside IP: :class:`VpnConnection` keeps its tunnels ordered
by it, never by their position in a file.  Use :func:`build_connection` to merge duplicates
(identical tunnels collapse with a warning, conflicting ones are an error).

A pre-shared key never shows in ``repr``/``str`` of these objects.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Iterable
from typing import Any, Literal, TypeVar

import attrs

from . import algorithms
from .errors import Report, ValidationError, describe_value

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Routing = Literal["bgp", "static"]

# Characters that can break an output format (quotes, comment and statement separators,
# braces of swanctl/config.boot blocks, shell and escape characters, whitespace/control).
_SAFE_SECRET = re.compile(r"[!%&()*+,\-./0-9:<=>?@A-Z\[\]^_a-z|~]+")  # printable ASCII minus the above
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_TEXT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._,:/()+@=-]{0,254}$")

T = TypeVar("T")

# The EC2 TunnelOptions keys that hold algorithm lists (see Tunnel.stated_tunnel_options).
TUNNEL_OPTION_LISTS: tuple[str, ...] = (
    "IkeVersions", "Phase1EncryptionAlgorithms", "Phase1IntegrityAlgorithms", "Phase1DHGroupNumbers",
    "Phase2EncryptionAlgorithms", "Phase2IntegrityAlgorithms", "Phase2DHGroupNumbers",
)


# ------------------------------------------------------------------ converters/validators

def _fail(field: str, message: str) -> ValidationError:
    return ValidationError(message, field=field)


def _opt_tuple(value: Iterable[T] | None) -> tuple[T, ...] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes):
        return (value,)  # type: ignore[return-value]
    return tuple(value)


def _sorted_keys(value: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    if value is None or not all(isinstance(v, str) for v in value):
        return value  # the validator reports it
    return tuple(sorted(set(value)))


def _to_address(value: Any) -> Any:
    if value is None or isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    if isinstance(value, str):
        try:
            return ipaddress.ip_address(value.strip())
        except ValueError:
            pass
    return value  # the validator reports it with the field name


def _to_interface(value: Any) -> Any:
    if value is None or isinstance(value, ipaddress.IPv4Interface | ipaddress.IPv6Interface):
        return value
    if isinstance(value, str):
        try:
            return ipaddress.ip_interface(value.strip())
        except ValueError:
            pass
    return value


def _to_networks(value: Any) -> Any:
    if value is None:
        return None
    out = []
    for v in value:
        item = v
        if isinstance(v, str):
            with contextlib.suppress(ValueError):
                item = ipaddress.ip_network(v.strip())
        out.append(item)
    return tuple(sorted(set(out), key=_net_key)) if all(
        isinstance(v, ipaddress.IPv4Network | ipaddress.IPv6Network) for v in out) else tuple(out)


def _net_key(net: IPNetwork) -> tuple[int, int, int]:
    return (net.version, int(net.network_address), net.prefixlen)


def address_key(ip: IPAddress) -> tuple[int, int]:
    """Sort key of an address that works across IPv4 and IPv6."""
    return (ip.version, int(ip))


def _check_type(expected: type | tuple[type, ...], what: str, optional: bool = True) -> Any:
    def check(inst: Any, attr: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise _fail(attr.name, f"expected {what}, got {describe_value(value)}")
    return check


def _check_int(lo: int, hi: int) -> Any:
    def check(inst: Any, attr: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(attr.name, f"expected an integer, got {describe_value(value)}")
        if not lo <= value <= hi:
            raise _fail(attr.name, f"{value} is out of range ({lo}..{hi})")
    return check


def _check_names(vocabulary: tuple[Any, ...], normalise: Any) -> Any:
    def check(inst: Any, attr: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        if not value:
            raise _fail(attr.name, "empty list (use None when the input does not state it)")
        for item in value:
            if item not in vocabulary:
                # the error names the value (raises ValidationError for unknown spellings)
                canon = normalise(item, field=attr.name)
                raise _fail(attr.name, f"{describe_value(item)} is not canonical (use {canon!r})")
        if len(set(value)) != len(value):
            raise _fail(attr.name, "duplicate entries")
    return check


def _check_id() -> Any:
    def check(inst: Any, attr: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not _ID_RE.match(value):
            raise _fail(attr.name, f"not a valid identifier: {describe_value(value)}")
    return check


def check_secret(value: str, field: str = "psk") -> None:
    """Refuse a pre-shared key that could break an output (the key is never shown)."""
    if not isinstance(value, str):
        raise _fail(field, "the pre-shared key must be a string")
    if not value:
        raise _fail(field, "the pre-shared key is empty")
    if len(value) > 256:
        raise _fail(field, f"the pre-shared key is {len(value)} characters long (at most 256 accepted)")
    if not _SAFE_SECRET.fullmatch(value):
        pos, ch = next((i, c) for i, c in enumerate(value) if not _SAFE_SECRET.fullmatch(c))
        what = {" ": "a space", "\t": "a tab", "\n": "a newline", "\r": "a carriage return",
                "\x00": "a NUL character"}.get(ch, f"the character {describe_value(ch)}")
        raise _fail(field, f"the pre-shared key contains {what} at position {pos + 1}, which "
                           "no AWS key holds and which could break the generated configuration")


def _validate_psk(inst: Any, attr: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        check_secret(value, attr.name)


def _redact_repr(value: str | None) -> str:
    return "None" if value is None else "'***'"


def _check_text(inst: Any, attr: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not _TEXT_RE.match(value)):
        raise _fail(attr.name, f"unsafe or empty text {describe_value(value)}")


# ------------------------------------------------------------------ classes

@attrs.frozen
class IkeOptions:
    """Phase 1 (IKE SA)."""

    versions: tuple[str, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.IKE_VERSIONS, algorithms.ike_version))
    encryption: tuple[str, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.ENCRYPTIONS, algorithms.encryption))
    integrity: tuple[str, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.INTEGRITIES, algorithms.integrity))
    dh_groups: tuple[int, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.DH_GROUPS, algorithms.dh_group))
    lifetime_s: int | None = attrs.field(default=None, validator=_check_int(1, 7 * 86400))
    mode: Literal["main", "aggressive"] | None = attrs.field(default=None)

    @mode.validator
    def _mode(self, attr: attrs.Attribute[Any], value: Any) -> None:
        if value not in (None, "main", "aggressive"):
            raise _fail("ike.mode", f"unknown phase 1 mode {describe_value(value)}")


@attrs.frozen
class IpsecOptions:
    """Phase 2 (IPsec/CHILD SA)."""

    protocol: Literal["esp"] | None = attrs.field(default=None)
    encryption: tuple[str, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.ENCRYPTIONS, algorithms.encryption))
    integrity: tuple[str, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.INTEGRITIES, algorithms.integrity))
    pfs_dh_groups: tuple[int, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.DH_GROUPS, algorithms.dh_group))
    lifetime_s: int | None = attrs.field(default=None, validator=_check_int(1, 7 * 86400))
    mode: Literal["tunnel", "transport"] | None = attrs.field(default=None)

    @protocol.validator
    def _protocol(self, attr: attrs.Attribute[Any], value: Any) -> None:
        if value not in (None, "esp"):
            raise _fail("ipsec.protocol", f"unsupported IPsec protocol {describe_value(value)} (AWS uses esp)")

    @mode.validator
    def _mode(self, attr: attrs.Attribute[Any], value: Any) -> None:
        if value not in (None, "tunnel", "transport"):
            raise _fail("ipsec.mode", f"unknown IPsec mode {describe_value(value)}")


@attrs.frozen
class Bgp:
    """BGP session over a tunnel (dynamic routing)."""

    cgw_asn: int = attrs.field(validator=_check_int(1, 4294967295))
    aws_asn: int = attrs.field(validator=_check_int(1, 4294967295))
    neighbor_ip: IPAddress | None = attrs.field(
        default=None, converter=_to_address,
        validator=_check_type((ipaddress.IPv4Address, ipaddress.IPv6Address), "an IP address"))
    hold_time: int | None = attrs.field(default=None, validator=_check_int(0, 65535))


@attrs.frozen
class Tunnel:
    """One IPsec tunnel of a VPN connection.  Identity: ``aws_outside_ip``."""

    aws_outside_ip: IPAddress = attrs.field(
        converter=_to_address,
        validator=_check_type((ipaddress.IPv4Address, ipaddress.IPv6Address), "an IP address", optional=False))
    cgw_outside_ip: IPAddress | None = attrs.field(
        default=None, converter=_to_address,
        validator=_check_type((ipaddress.IPv4Address, ipaddress.IPv6Address), "an IP address"))
    psk: str | None = attrs.field(default=None, repr=_redact_repr, validator=_validate_psk)
    cgw_inside: ipaddress.IPv4Interface | None = attrs.field(
        default=None, converter=_to_interface,
        validator=_check_type(ipaddress.IPv4Interface, "an IPv4 address with prefix (169.254.x.y/30)"))
    aws_inside: ipaddress.IPv4Interface | None = attrs.field(
        default=None, converter=_to_interface,
        validator=_check_type(ipaddress.IPv4Interface, "an IPv4 address with prefix (169.254.x.y/30)"))
    cgw_inside_v6: ipaddress.IPv6Interface | None = attrs.field(
        default=None, converter=_to_interface,
        validator=_check_type(ipaddress.IPv6Interface, "an IPv6 address with prefix (/126)"))
    aws_inside_v6: ipaddress.IPv6Interface | None = attrs.field(
        default=None, converter=_to_interface,
        validator=_check_type(ipaddress.IPv6Interface, "an IPv6 address with prefix (/126)"))
    ike: IkeOptions = attrs.field(factory=IkeOptions, validator=attrs.validators.instance_of(IkeOptions))
    ipsec: IpsecOptions = attrs.field(factory=IpsecOptions, validator=attrs.validators.instance_of(IpsecOptions))
    dpd_interval_s: int | None = attrs.field(default=None, validator=_check_int(1, 3600))
    dpd_retries: int | None = attrs.field(default=None, validator=_check_int(1, 100))
    mtu: int | None = attrs.field(default=None, validator=_check_int(68, 9216))
    tcp_mss: int | None = attrs.field(default=None, validator=_check_int(1, 65535))
    clear_df_bit: bool | None = attrs.field(default=None, validator=_check_type(bool, "true/false"))
    fragmentation_before_encryption: bool | None = attrs.field(
        default=None, validator=_check_type(bool, "true/false"))
    bgp: Bgp | None = attrs.field(default=None, validator=attrs.validators.optional(
        attrs.validators.instance_of(Bgp)))
    # Tunnel options only the EC2 API (DescribeVpnConnections TunnelOptions) states
    rekey_margin_s: int | None = attrs.field(default=None, validator=_check_int(1, 86400))
    rekey_fuzz_pct: int | None = attrs.field(default=None, validator=_check_int(0, 100))
    replay_window: int | None = attrs.field(default=None, validator=_check_int(1, 65535))
    dpd_timeout_s: int | None = attrs.field(default=None, validator=_check_int(1, 86400))
    dpd_timeout_action: Literal["clear", "none", "restart"] | None = attrs.field(default=None)
    startup_action: Literal["add", "start"] | None = attrs.field(default=None)
    # Which algorithm lists came from EC2 TunnelOptions (their AWS key names, e.g.
    # "Phase1DHGroupNumbers"): such a list is the complete set AWS accepts on this tunnel.  Any
    # other list is what a download printed, AWS's minimum (AWS accepts its defaults as well).
    stated_tunnel_options: tuple[str, ...] | None = attrs.field(
        default=None, converter=lambda v: _sorted_keys(_opt_tuple(v)))

    @stated_tunnel_options.validator
    def _stated(self, attr: attrs.Attribute[Any], value: Any) -> None:
        for key in value or ():
            if key not in TUNNEL_OPTION_LISTS:
                raise _fail(attr.name, f"{describe_value(key)} is not a TunnelOptions algorithm list "
                                       f"({', '.join(TUNNEL_OPTION_LISTS)})")

    @dpd_timeout_action.validator
    def _dpd_action(self, attr: attrs.Attribute[Any], value: Any) -> None:
        if value not in (None, "clear", "none", "restart"):
            raise _fail(attr.name, f"unknown DPD timeout action {describe_value(value)}")

    @startup_action.validator
    def _startup(self, attr: attrs.Attribute[Any], value: Any) -> None:
        if value not in (None, "add", "start"):
            raise _fail(attr.name, f"unknown startup action {describe_value(value)}")

    def __attrs_post_init__(self) -> None:
        for mine, other in ((self.cgw_inside, self.aws_inside), (self.cgw_inside_v6, self.aws_inside_v6)):
            if mine is not None and other is not None and mine.ip == other.ip:
                raise _fail("inside addresses", f"customer and AWS inside addresses are both {mine.ip}")

    @property
    def key(self) -> tuple[int, int]:
        """Sort key / identity: the AWS outside IP."""
        return address_key(self.aws_outside_ip)

    def redacted(self) -> Tunnel:
        return self if self.psk is None else attrs.evolve(self, psk="***")


def _sorted_tunnels(value: Iterable[Tunnel]) -> tuple[Tunnel, ...]:
    tunnels = tuple(value)
    if all(isinstance(t, Tunnel) for t in tunnels):
        return tuple(sorted(tunnels, key=lambda t: t.key))
    return tunnels


@attrs.frozen
class VpnConnection:
    """A Site-to-Site VPN connection: its ids, routing type and tunnels (ordered by AWS outside IP)."""

    tunnels: tuple[Tunnel, ...] = attrs.field(converter=_sorted_tunnels)
    vpn_connection_id: str | None = attrs.field(default=None, validator=_check_id())
    vpn_gateway_id: str | None = attrs.field(default=None, validator=_check_id())
    transit_gateway_id: str | None = attrs.field(default=None, validator=_check_id())
    customer_gateway_id: str | None = attrs.field(default=None, validator=_check_id())
    routing: Routing = attrs.field(default="bgp")
    static_routes: tuple[IPNetwork, ...] | None = attrs.field(default=None, converter=_to_networks)

    @tunnels.validator
    def _tunnels(self, attr: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        if not value:
            raise _fail("tunnels", "a VPN connection needs at least one tunnel")
        for t in value:
            if not isinstance(t, Tunnel):
                raise _fail("tunnels", f"expected Tunnel objects, got {type(t).__name__}")
        ips = [t.aws_outside_ip for t in value]
        if len(set(ips)) != len(ips):
            dup = next(ip for ip in ips if ips.count(ip) > 1)
            raise _fail("tunnels", f"two tunnels with the AWS outside IP {dup} (use build_connection to merge)")

    @routing.validator
    def _routing(self, attr: attrs.Attribute[Any], value: Any) -> None:
        if value not in ("bgp", "static"):
            raise _fail("routing", f"routing must be 'bgp' or 'static', not {describe_value(value)}")

    @static_routes.validator
    def _routes(self, attr: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        for net in value:
            if not isinstance(net, ipaddress.IPv4Network | ipaddress.IPv6Network):
                raise _fail("static_routes", f"not a network: {describe_value(net)}")

    def __attrs_post_init__(self) -> None:
        if self.vpn_gateway_id and self.transit_gateway_id:
            raise _fail("vpn_gateway_id", "a connection has a virtual private gateway or a transit gateway, "
                                          "not both")

    @property
    def name(self) -> str:
        """A printable name for messages: the connection id, else the first AWS outside IP."""
        return self.vpn_connection_id or f"connection to {self.tunnels[0].aws_outside_ip}"

    def redacted(self) -> VpnConnection:
        return attrs.evolve(self, tunnels=tuple(t.redacted() for t in self.tunnels))


# ------------------------------------------------------------------ building with identity rules

def _differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    out = []
    for f in attrs.fields(type(a)):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if va == vb:
            continue
        if attrs.has(type(va)) and type(va) is type(vb):
            out.extend(_differences(va, vb, prefix + f.name + "."))
        else:
            out.append(prefix + f.name)
    return out


def merge_tunnels(
    tunnels: Iterable[Tunnel], report: Report, *, context: str = "", line_of: dict[int, int] | None = None
) -> tuple[Tunnel, ...]:
    """Apply the identity rule: tunnels with the same AWS outside IP must be identical.

    Identical duplicates collapse into one (with a warning); a duplicate with a different PSK,
    inside CIDR or any other value is a :class:`ValidationError` naming the fields (never the key).
    """
    by_ip: dict[IPAddress, Tunnel] = {}
    for n, t in enumerate(tunnels):
        seen = by_ip.get(t.aws_outside_ip)
        if seen is None:
            by_ip[t.aws_outside_ip] = t
            continue
        line = (line_of or {}).get(n)
        if seen == t:
            report.warn(f"{context}two identical tunnels with AWS outside IP {t.aws_outside_ip}; "
                        "keeping one", line=line, field="tunnels", code="duplicate-tunnel")
            continue
        diffs = _differences(seen, t)
        raise ValidationError(
            f"{context}two tunnels with AWS outside IP {t.aws_outside_ip} differ in "
            f"{', '.join(diffs)}; a tunnel is identified by its AWS outside IP",
            field="tunnels", line=line)
    return tuple(sorted(by_ip.values(), key=lambda t: t.key))


def build_connection(tunnels: Iterable[Tunnel], report: Report, **fields: Any) -> VpnConnection:
    """Make a :class:`VpnConnection`, merging duplicate tunnels by the identity rule."""
    context = f"{fields['vpn_connection_id']}: " if fields.get("vpn_connection_id") else ""
    merged = merge_tunnels(tunnels, report, context=context)
    return VpnConnection(tunnels=merged, **fields)


def merge_connections(connections: Iterable[VpnConnection], report: Report) -> list[VpnConnection]:
    """Merge connections read from several inputs: the same connection id twice collapses
    (its tunnels merged by the identity rule); different ids stay apart, in first-seen order.
    Connection fields that disagree are an error."""
    out: dict[str, VpnConnection] = {}
    anonymous: list[VpnConnection] = []
    for c in connections:
        if c.vpn_connection_id is None:
            anonymous.append(c)
            continue
        seen = out.get(c.vpn_connection_id)
        if seen is None:
            out[c.vpn_connection_id] = c
            continue
        if seen == c:
            report.warn(f"connection {c.vpn_connection_id} appears twice with the same content; "
                        "keeping one", field="connections", code="duplicate-connection")
            continue
        diffs = [d for d in _differences(attrs.evolve(seen, tunnels=c.tunnels), c)]
        if diffs:
            raise ValidationError(f"connection {c.vpn_connection_id} appears twice and differs in "
                                  f"{', '.join(diffs)}", field="connections")
        out[c.vpn_connection_id] = attrs.evolve(
            seen, tunnels=merge_tunnels(seen.tunnels + c.tunnels, report, context=f"{c.vpn_connection_id}: "))
    return [*out.values(), *anonymous]
