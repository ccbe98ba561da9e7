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

import ipaddress
import operator
import re
import types
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar, cast

import attrs

from . import algorithms
from .errors import Report, ValidationError, describe_value, unsafe_character

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Routing = Literal["bgp", "static"]

# Characters that can break an output format (quotes, comment and statement separators,
# braces of swanctl/config.boot blocks, shell and escape characters, whitespace/control).
_SAFE_SECRET = re.compile(r"[!%&()*+,\-./0-9:<=>?@A-Z\[\]^_a-z|~]+")  # printable ASCII minus the above
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")  # always fullmatch: "$" matches before a final "\n"
# The shape of AWS's own ids (vpn-0123456789abcdef0): a subset of _ID_RE without control or
# format characters, so an id of this shape passes check_id without the longer checks.
AWS_ID_RE = re.compile(r"[a-z]{1,8}-[0-9a-f]{1,32}")  # always fullmatch
# The text of an address, interface or network as the model stores it: hex digits, "." and ":"
# (and "/" before a prefix).  No scope id ("%..."), no blanks, nothing else.
_PLAIN_IP_RE = re.compile(r"[0-9A-Fa-f.:]+(?:/[0-9.]+)?")
_IP_TYPES: tuple[type[ipaddress.IPv4Address], type[ipaddress.IPv6Address]] = (
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
)
_INTERFACE_TYPES: tuple[type[ipaddress.IPv4Interface], type[ipaddress.IPv6Interface]] = (
    ipaddress.IPv4Interface,
    ipaddress.IPv6Interface,
)
_NETWORK_TYPES: tuple[type[ipaddress.IPv4Network], type[ipaddress.IPv6Network]] = (
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
)

T = TypeVar("T")

# The EC2 TunnelOptions keys that hold algorithm lists (see Tunnel.stated_tunnel_options).
TUNNEL_OPTION_LISTS: tuple[str, ...] = (
    "IkeVersions",
    "Phase1EncryptionAlgorithms",
    "Phase1IntegrityAlgorithms",
    "Phase1DHGroupNumbers",
    "Phase2EncryptionAlgorithms",
    "Phase2IntegrityAlgorithms",
    "Phase2DHGroupNumbers",
)


# ------------------------------------------------------------------ converters/validators


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError(message, field=field)


def _opt_tuple(value: Iterable[Any] | None) -> tuple[Any, ...] | None:
    """A converter: the list as a tuple (one string or bytes value is a list of one)."""
    if value is None:
        return None
    if isinstance(value, str | bytes):
        return (value,)
    return tuple(value)


def _sorted_keys(value: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    if value is None or not all(isinstance(v, str) for v in value):
        return value  # the validator reports it
    return tuple(sorted(set(value)))


def _to_option_keys(value: Iterable[str] | None) -> tuple[Any, ...] | None:
    return _sorted_keys(_opt_tuple(value))


def check_text(value: str, field: str) -> str:
    """Refuse a string holding a control or format character (C0, DEL, C1, U+0085, U+2028/2029,
    bidi controls and every other Unicode Cf character, lone surrogates); returns ``value``.

    Every string field of the model goes through this rule (see :func:`vpnxlate.errors.unsafe_character`):
    such a character can end a line or a comment in an output, or make a terminal or an editor
    show something other than what is there.  The message names the character, never the value.
    """
    if not isinstance(value, str):
        raise _fail(field, f"expected a string, got {type(value).__name__}")
    found = unsafe_character(value)
    if found is not None:
        pos, ch = found
        raise _fail(
            field,
            f"contains the control/format character U+{ord(ch):04X} at position {pos + 1}; "
            "such characters could end a line or a comment of the generated configuration",
        )
    return value


def check_id(value: str, field: str) -> str:
    """Refuse anything but a plain resource id (``vpn-…``, ``vgw-…``): ``[A-Za-z0-9][A-Za-z0-9._-]``,
    at most 128 characters, matched in full (a trailing newline is refused too); returns ``value``."""
    if type(value) is str and AWS_ID_RE.fullmatch(value):
        return value  # the usual shape: plain ASCII, within _ID_RE
    check_text(value, field)
    if not _ID_RE.fullmatch(value):
        raise _fail(field, f"not a valid identifier: {describe_value(value)}")
    return value


_SCOPE_REFUSED = (
    "IPv6 scope ids (text after '%') are refused: AWS never uses them, and the text "
    "could change the meaning of the generated configuration"
)


def _plain_ip(value: Any, types: tuple[type[Any], type[Any]], field: str, what: str) -> Any:
    """``value`` (an ipaddress object of ``types``) as an object of exactly that class, without a
    scope id (so its text is the plain canonical form); ValidationError otherwise."""
    cls = type(value)
    if cls is types[0]:  # IPv4: no scope ids
        return value
    if cls is types[1]:
        if getattr(value, "network_address", value).scope_id is not None:
            raise _fail(field, _SCOPE_REFUSED)
        return value
    if isinstance(value, bool) or not isinstance(value, types):
        raise _fail(field, f"expected {what}, got {describe_value(value)}")
    # a subclass (its __str__ may say anything): rebuild the plain object from the numbers
    base = types[0] if isinstance(value, types[0]) else types[1]
    if isinstance(value, _IP_TYPES) and not isinstance(value, _INTERFACE_TYPES):
        if getattr(value, "scope_id", None) is not None:
            raise _fail(field, _SCOPE_REFUSED)
        return base(value.packed)
    address = value.network_address if isinstance(value, _NETWORK_TYPES) else value.ip
    if getattr(address, "scope_id", None) is not None:
        raise _fail(field, _SCOPE_REFUSED)
    return base((address.packed, value.network.prefixlen if hasattr(value, "network") else value.prefixlen))


def _parse_ip(value: Any, parse: Any, field: str, what: str) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if "%" in text:
            raise _fail(field, _SCOPE_REFUSED)
        if not _PLAIN_IP_RE.fullmatch(text):
            raise _fail(field, f"expected {what}, got {describe_value(value)}")
        try:
            return parse(text)
        except ValueError:
            raise _fail(field, f"expected {what}, got {describe_value(value)}") from None
    return value


def check_address(value: Any, field: str) -> IPAddress:
    """An IPv4/IPv6 address from an ``ipaddress`` object or its text: no scope id, no other text,
    always a plain ``IPv4Address``/``IPv6Address`` (ValidationError otherwise)."""
    plain = _plain_ip(_parse_ip(value, ipaddress.ip_address, field, "an IP address"), _IP_TYPES, field, "an IP address")
    return cast(IPAddress, plain)  # _plain_ip returns an object of one of _IP_TYPES or raises


def check_interface(value: Any, field: str) -> IPInterface:
    """As :func:`check_address`, for an address with prefix (``169.254.10.2/30``)."""
    plain = _plain_ip(
        _parse_ip(value, ipaddress.ip_interface, field, "an address with prefix"),
        _INTERFACE_TYPES,
        field,
        "an address with prefix",
    )
    return cast(IPInterface, plain)  # one of _INTERFACE_TYPES or raised


def check_network(value: Any, field: str) -> IPNetwork:
    """As :func:`check_address`, for a network (``10.0.0.0/16``; host bits must be zero)."""
    plain = _plain_ip(_parse_ip(value, ipaddress.ip_network, field, "a network"), _NETWORK_TYPES, field, "a network")
    return cast(IPNetwork, plain)  # one of _NETWORK_TYPES or raised


class _Pending:
    """A converter's input that the validator (which knows the field name) must refuse."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _convert_ip(check: Callable[[Any, str], Any], value: Any) -> Any:
    if value is None:
        return None
    try:
        return check(value, "")
    except ValidationError:
        return _Pending(value)  # reported with the field name by _check_ip


# named functions, not closures: mypy's attrs plugin reads a converter's signature
def _to_address(value: Any) -> Any:
    return _convert_ip(check_address, value)


def _to_interface(value: Any) -> Any:
    return _convert_ip(check_interface, value)


def _to_networks(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str | bytes):
        value = (value,)
    out = []
    for v in value:
        try:
            out.append(check_network(v, ""))
        except ValidationError:
            return _Pending(v)
    return tuple(sorted(set(out), key=_net_key))


def _check_ip(check: Any, allowed: tuple[type, ...], what: str, optional: bool = True) -> Any:
    """Validator of an address field: the converter's refusals, with the field name; then the type."""

    def validate(inst: Any, attr: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if isinstance(value, _Pending):
            check(value.value, attr.name)  # raises with the field name
            raise _fail(attr.name, f"expected {what}")  # pragma: no cover - check raises
        if not isinstance(value, allowed):
            raise _fail(attr.name, f"expected {what}, got {describe_value(value)}")

    return validate


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
        if not isinstance(value, str):
            raise _fail(attr.name, f"not a valid identifier: {describe_value(value)}")
        check_id(value, attr.name)

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
        what = {
            " ": "a space",
            "\t": "a tab",
            "\n": "a newline",
            "\r": "a carriage return",
            "\x00": "a NUL character",
        }.get(ch, f"the character {describe_value(ch)}")
        raise _fail(
            field,
            f"the pre-shared key contains {what} at position {pos + 1}, which "
            "no AWS key holds and which could break the generated configuration",
        )


def _validate_psk(inst: Any, attr: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        check_secret(value, attr.name)


def _redact_repr(value: str | None) -> str:
    return "None" if value is None else "'***'"


# ------------------------------------------------------------------ classes


@attrs.frozen
class IkeOptions:
    """Phase 1 (IKE SA)."""

    versions: tuple[str, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.IKE_VERSIONS, algorithms.ike_version)
    )
    encryption: tuple[str, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.ENCRYPTIONS, algorithms.encryption)
    )
    integrity: tuple[str, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.INTEGRITIES, algorithms.integrity)
    )
    dh_groups: tuple[int, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.DH_GROUPS, algorithms.dh_group)
    )
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
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.ENCRYPTIONS, algorithms.encryption)
    )
    integrity: tuple[str, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.INTEGRITIES, algorithms.integrity)
    )
    pfs_dh_groups: tuple[int, ...] | None = attrs.field(
        default=None, converter=_opt_tuple, validator=_check_names(algorithms.DH_GROUPS, algorithms.dh_group)
    )
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
    """BGP session over a tunnel (dynamic routing).  An ASN is ``None`` when the input states
    only the other side's (a partial document); emitters that need it refuse then."""

    cgw_asn: int | None = attrs.field(validator=_check_int(1, 4294967295))
    aws_asn: int | None = attrs.field(validator=_check_int(1, 4294967295))
    neighbor_ip: IPAddress | None = attrs.field(
        default=None, converter=_to_address, validator=_check_ip(check_address, _IP_TYPES, "an IP address")
    )
    hold_time: int | None = attrs.field(default=None, validator=_check_int(0, 65535))


@attrs.frozen
class Tunnel:
    """One IPsec tunnel of a VPN connection.  Identity: ``aws_outside_ip``."""

    aws_outside_ip: IPAddress = attrs.field(
        converter=_to_address, validator=_check_ip(check_address, _IP_TYPES, "an IP address", optional=False)
    )
    cgw_outside_ip: IPAddress | None = attrs.field(
        default=None, converter=_to_address, validator=_check_ip(check_address, _IP_TYPES, "an IP address")
    )
    psk: str | None = attrs.field(default=None, repr=_redact_repr, validator=_validate_psk)
    cgw_inside: ipaddress.IPv4Interface | None = attrs.field(
        default=None,
        converter=_to_interface,
        validator=_check_ip(
            check_interface, (ipaddress.IPv4Interface,), "an IPv4 address with prefix (169.254.x.y/30)"
        ),
    )
    aws_inside: ipaddress.IPv4Interface | None = attrs.field(
        default=None,
        converter=_to_interface,
        validator=_check_ip(
            check_interface, (ipaddress.IPv4Interface,), "an IPv4 address with prefix (169.254.x.y/30)"
        ),
    )
    cgw_inside_v6: ipaddress.IPv6Interface | None = attrs.field(
        default=None,
        converter=_to_interface,
        validator=_check_ip(check_interface, (ipaddress.IPv6Interface,), "an IPv6 address with prefix (/126)"),
    )
    aws_inside_v6: ipaddress.IPv6Interface | None = attrs.field(
        default=None,
        converter=_to_interface,
        validator=_check_ip(check_interface, (ipaddress.IPv6Interface,), "an IPv6 address with prefix (/126)"),
    )
    ike: IkeOptions = attrs.field(factory=IkeOptions, validator=attrs.validators.instance_of(IkeOptions))
    ipsec: IpsecOptions = attrs.field(factory=IpsecOptions, validator=attrs.validators.instance_of(IpsecOptions))
    dpd_interval_s: int | None = attrs.field(default=None, validator=_check_int(1, 3600))
    dpd_retries: int | None = attrs.field(default=None, validator=_check_int(1, 100))
    mtu: int | None = attrs.field(default=None, validator=_check_int(68, 9216))
    tcp_mss: int | None = attrs.field(default=None, validator=_check_int(1, 65535))
    clear_df_bit: bool | None = attrs.field(default=None, validator=_check_type(bool, "true/false"))
    fragmentation_before_encryption: bool | None = attrs.field(default=None, validator=_check_type(bool, "true/false"))
    bgp: Bgp | None = attrs.field(default=None, validator=attrs.validators.optional(attrs.validators.instance_of(Bgp)))
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
    stated_tunnel_options: tuple[str, ...] | None = attrs.field(default=None, converter=_to_option_keys)

    @stated_tunnel_options.validator
    def _stated(self, attr: attrs.Attribute[Any], value: Any) -> None:
        for key in value or ():
            if key not in TUNNEL_OPTION_LISTS:
                raise _fail(
                    attr.name,
                    f"{describe_value(key)} is not a TunnelOptions algorithm list ({', '.join(TUNNEL_OPTION_LISTS)})",
                )

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
            # (int() of two interfaces of one family compares their addresses without making them)
            if mine is not None and other is not None and int(mine) == int(other) and mine.ip == other.ip:
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
        # (two tunnels, the usual number: one comparison costs what hashing one address costs)
        if ips[0] == ips[1] if len(ips) == 2 else len(set(ips)) != len(ips):
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
        if isinstance(value, _Pending):
            check_network(value.value, "static_routes")  # raises, naming the field
        for net in value:
            if not isinstance(net, ipaddress.IPv4Network | ipaddress.IPv6Network):
                raise _fail("static_routes", f"not a network: {describe_value(net)}")

    def __attrs_post_init__(self) -> None:
        if self.vpn_gateway_id and self.transit_gateway_id:
            raise _fail("vpn_gateway_id", "a connection has a virtual private gateway or a transit gateway, not both")

    @property
    def name(self) -> str:
        """A printable name for messages: the connection id, else the first AWS outside IP."""
        return self.vpn_connection_id or f"connection to {self.tunnels[0].aws_outside_ip}"

    def redacted(self) -> VpnConnection:
        return attrs.evolve(self, tunnels=tuple(t.redacted() for t in self.tunnels))


# ------------------------------------------------------------------ the trusted constructor

# class -> its trusted constructor (generated once: straight-line code is several times faster
# than a loop over the fields)
_TRUSTED: dict[type, Any] = {}
_ABSENT = object()


def _make_trusted(cls: type) -> Any:
    fields = attrs.fields(cls)
    env: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__, "_cls": cls, "_ABSENT": _ABSENT}
    env["_names"] = frozenset(f.name for f in fields)
    lines = [
        "def trusted(values):",
        "    if not values.keys() <= _names:",
        "        raise TypeError(f'{_cls.__name__}: unknown fields {sorted(set(values) - _names)}')",
        "    obj = _new(_cls)",
        "    get = values.get",
    ]
    for i, f in enumerate(fields):
        # a slot's own descriptor stores what object.__setattr__ stores, in less time
        slot = next((k.__dict__[f.name] for k in cls.__mro__ if f.name in k.__dict__), None)
        if isinstance(slot, types.MemberDescriptorType):
            env[f"_slot{i}"] = slot.__set__
            store = f"_slot{i}(obj, "
        else:
            store = f"_set(obj, {f.name!r}, "
        if f.default is attrs.NOTHING:
            lines.append(f"    {store}values[{f.name!r}])")
        elif isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
            env[f"_factory{i}"] = f.default.factory
            lines.append(f"    v = get({f.name!r}, _ABSENT)")
            lines.append(f"    {store}_factory{i}() if v is _ABSENT else v)")
        else:
            env[f"_default{i}"] = f.default
            lines.append(f"    {store}get({f.name!r}, _default{i}))")
    if hasattr(cls, "__attrs_post_init__"):
        lines.append("    obj.__attrs_post_init__()")
    lines.append("    return obj")
    exec("\n".join(lines), env)  # code built from the class's own field names
    return env["trusted"]


def _trusted(cls: type[T], values: dict[str, Any]) -> T:
    """``cls(**values)`` without running the field converters and validators: for values that
    have passed them already (each value exactly as the validating constructor stores it).  The
    cross-field checks (``__attrs_post_init__``) still run.

    Private, and only for code that has validated every value it passes (the parsers' fast
    paths: values converted once and cached, or built from checked integers); a validator is a
    check on one value, so a value that passed it once passes it on any object.
    ``tests/test_trusted.py`` compares this with the validating constructor."""
    make = _TRUSTED.get(cls)
    if make is None:
        make = _TRUSTED[cls] = _make_trusted(cls)
    return make(values)  # type: ignore[no-any-return]


def _trusted_evolve(inst: T, changes: dict[str, Any]) -> T:
    """``attrs.evolve(inst, **changes)`` for changed values that have passed their validators
    (see :func:`_trusted`); ``inst`` itself when nothing changes."""
    if not changes:
        return inst
    cls: Any = type(inst)
    make = _EVOLVE.get(cls)
    if make is None:
        make = _EVOLVE[cls] = _make_evolve(cls)
    return make(inst, changes)  # type: ignore[no-any-return]


def _make_evolve(cls: type) -> Any:
    """The trusted evolve of ``cls``: every field copied from the instance in one C-level read,
    the changed ones taken from ``changes`` (straight-line code, as :func:`_make_trusted`)."""
    names = [f.name for f in attrs.fields(cls)]
    env: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__, "_cls": cls}
    env["_names"] = frozenset(names)
    env["_get"] = operator.attrgetter(*names) if len(names) > 1 else (lambda obj: (getattr(obj, names[0]),))
    lines = [
        "def evolve(inst, changes):",
        "    if not changes.keys() <= _names:",
        "        raise TypeError(f'{_cls.__name__}: unknown fields {sorted(set(changes) - _names)}')",
        "    obj = _new(_cls)",
        "    get = changes.get",
        f"    ({''.join(f'v{i}, ' for i in range(len(names)))}) = _get(inst)",
        *(f"    _set(obj, {name!r}, get({name!r}, v{i}))" for i, name in enumerate(names)),
    ]
    if hasattr(cls, "__attrs_post_init__"):
        lines.append("    obj.__attrs_post_init__()")
    lines.append("    return obj")
    exec("\n".join(lines), env)  # code built from the class's own field names
    return env["evolve"]


# class -> its trusted evolve (generated once)
_EVOLVE: dict[type, Any] = {}


# ------------------------------------------------------------------ building with identity rules


def _merge_stated(a: Any, b: Any, path: str, conflicts: list[str], filled: list[str]) -> Any:
    """``a`` completed from ``b``: a value one of them leaves ``None`` ("not stated") is taken from
    the other, attrs objects (ike, ipsec, bgp) are merged field by field; the paths of values
    both state differently go to ``conflicts`` (``a``'s value is kept), those ``b`` adds to ``filled``."""
    if a == b or b is None:
        return a
    if a is None:
        filled.append(path)
        return b
    if attrs.has(type(a)) and type(a) is type(b):
        before = len(conflicts)
        changes = {
            f.name: _merge_stated(
                getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}" if path else f.name, conflicts, filled
            )
            for f in attrs.fields(type(a))
            if getattr(a, f.name) != getattr(b, f.name)
        }
        return a if len(conflicts) > before else attrs.evolve(a, **changes)
    conflicts.append(path)
    return a


def _both(path: str, a: Any, b: Any, src_a: str | None, src_b: str | None) -> str:
    """``field (VALUE in a.txt, VALUE in b.xml)``; a key is never shown."""
    if src_a is None or src_b is None or src_a == src_b:
        return path
    if path.rsplit(".", 1)[-1] == "psk":
        return f"{path} (different keys in {src_a} and {src_b})"

    def shown(v: Any) -> str:
        return describe_value(",".join(map(str, v)) if isinstance(v, tuple) else v)

    return f"{path} ({shown(a)} in {src_a}, {shown(b)} in {src_b})"


def _value_at(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part, None)
    return obj


def merge_tunnels(
    tunnels: Iterable[Tunnel],
    report: Report,
    *,
    context: str = "",
    line_of: dict[int, int] | None = None,
    sources: list[str | None] | None = None,
) -> tuple[Tunnel, ...]:
    """Apply the identity rule: tunnels with the same AWS outside IP are the same tunnel.

    Identical duplicates collapse into one (with a warning).  A duplicate that states values the
    other leaves out (``None``) completes it (with a warning naming the fields); two stated values
    that differ (a different PSK, inside CIDR, ...) are a :class:`ValidationError` naming the
    fields (and, with ``sources``, the inputs each came from; never the key).
    """
    # (keyed by address_key: equal exactly when the addresses are, and a tuple of two ints
    # hashes in C where an address hashes in Python)
    by_ip: dict[tuple[int, int], Tunnel] = {}
    src_of: dict[tuple[int, int], str | None] = {}
    for n, t in enumerate(tunnels):
        src = sources[n] if sources is not None else None
        key = t.key
        seen = by_ip.get(key)
        if seen is None:
            by_ip[key] = t
            src_of[key] = src
            continue
        line = (line_of or {}).get(n)
        first = src_of[key]
        inputs = f" ({first} and {src})" if first is not None and src is not None and first != src else ""
        if seen == t:
            report.warn(
                f"{context}two identical tunnels with AWS outside IP {t.aws_outside_ip}{inputs}; keeping one",
                line=line,
                field="tunnels",
                code="duplicate-tunnel",
            )
            continue
        conflicts: list[str] = []
        filled: list[str] = []
        merged = _merge_stated(seen, t, "", conflicts, filled)
        if conflicts:
            shown = [_both(p, _value_at(seen, p), _value_at(t, p), first, src) for p in conflicts]
            raise ValidationError(
                f"{context}two tunnels with AWS outside IP {t.aws_outside_ip} differ in "
                f"{', '.join(shown)}; a tunnel is identified by its AWS outside IP",
                field="tunnels",
                line=line,
                source=src if inputs else None,
            )
        if filled:
            report.warn(
                f"{context}tunnel {t.aws_outside_ip} is given twice{inputs}; merged: the second states "
                f"{', '.join(filled)}, which the first leaves out",
                line=line,
                field="tunnels",
                code="merged-tunnel",
            )
        else:
            report.warn(
                f"{context}tunnel {t.aws_outside_ip} is given twice{inputs}; the second states nothing "
                "the first does not; keeping the first",
                line=line,
                field="tunnels",
                code="duplicate-tunnel",
            )
        by_ip[key] = merged
    return tuple([by_ip[key] for key in sorted(by_ip)])


def build_connection(tunnels: Iterable[Tunnel], report: Report, **fields: Any) -> VpnConnection:
    """Make a :class:`VpnConnection`, merging duplicate tunnels by the identity rule."""
    context = f"{fields['vpn_connection_id']}: " if fields.get("vpn_connection_id") else ""
    merged = merge_tunnels(tunnels, report, context=context)
    return VpnConnection(tunnels=merged, **fields)


def merge_connections(
    connections: Iterable[VpnConnection], report: Report, *, sources: list[str | None] | None = None
) -> list[VpnConnection]:
    """Merge connections read from one or several inputs (``sources``: the input of each).

    The same connection -- the same connection id, or, where one of them has no id, an AWS
    outside IP in common -- collapses: values one states and the other leaves out are merged,
    its tunnels merged by :func:`merge_tunnels`.  Different ids stay apart, in first-seen order.
    Two stated values that differ are an error naming the field (and both inputs)."""
    out: list[VpnConnection] = []
    out_src: list[str | None] = []
    # (addresses by address_key, as merge_tunnels keys them)
    tunnel_src: list[dict[tuple[int, int], str | None]] = []
    by_id: dict[str, int] = {}
    by_ip: dict[tuple[int, int], int] = {}
    for i, c in enumerate(connections):
        src = sources[i] if sources is not None else None
        pos = by_id.get(c.vpn_connection_id) if c.vpn_connection_id is not None else None
        keys = [t.key for t in c.tunnels]
        if pos is None:
            hits = {by_ip[key] for key in keys if key in by_ip}
            hits = {h for h in hits if out[h].vpn_connection_id is None or c.vpn_connection_id is None}
            pos = hits.pop() if len(hits) == 1 else None
        if pos is None:
            if c.vpn_connection_id is not None:
                by_id[c.vpn_connection_id] = len(out)
            for key in keys:
                by_ip.setdefault(key, len(out))
            out.append(c)
            out_src.append(src)
            tunnel_src.append(dict.fromkeys(keys, src))
            continue
        seen, first = out[pos], out_src[pos]
        inputs = f" ({first} and {src})" if first is not None and src is not None and first != src else ""
        name = seen.vpn_connection_id or c.vpn_connection_id or c.name
        if seen == c:
            report.warn(
                f"connection {name} appears twice with the same content{inputs}; keeping one",
                field="connections",
                code="duplicate-connection",
            )
            continue
        conflicts: list[str] = []
        filled: list[str] = []
        fields = _merge_stated(attrs.evolve(seen, tunnels=c.tunnels), c, "", conflicts, filled)
        if conflicts:
            shown = [_both(p, getattr(seen, p), getattr(c, p), first, src) for p in conflicts]
            raise ValidationError(
                f"connection {name} appears twice and differs in {', '.join(shown)}",
                field="connections",
                source=src if inputs else None,
            )
        srcs = [tunnel_src[pos].get(t.key, first) for t in seen.tunnels] + [src] * len(c.tunnels)
        tunnels = merge_tunnels(seen.tunnels + c.tunnels, report, context=f"{name}: ", sources=srcs)
        if filled:
            report.warn(
                f"connection {name} appears twice{inputs}; merged: the second states "
                f"{', '.join(filled)}, which the first leaves out",
                field="connections",
                code="merged-connection",
            )
        out[pos] = merged = attrs.evolve(fields, tunnels=tunnels)
        if merged.vpn_connection_id is not None:
            by_id.setdefault(merged.vpn_connection_id, pos)
        for key in keys:
            by_ip.setdefault(key, pos)
            tunnel_src[pos].setdefault(key, src)
    return out
