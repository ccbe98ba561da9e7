"""What the two EC2 wrappers (``ec2-xml``, ``ec2-json``) share: the wrapper's ids and routing
on top of the embedded document, and ``Options.TunnelOptions`` merged into the tunnels **by
AWS outside IP** (never by position).

Where TunnelOptions and the embedded ``CustomerGatewayConfiguration`` disagree, TunnelOptions
win: AWS does not update the document when tunnel options are modified (aws/aws-cli#9421).
"""

from __future__ import annotations

import ipaddress
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ..diagnostics import relocate
from ..errors import ParseError, Report, ValidationError, VpnxlateError, describe_value
from ..model import IPAddress, Routing, Tunnel, VpnConnection, _trusted_evolve, check_interface
from ._common import _quad, algos, dh_group, encryption, ike_version, integrity, to_int, to_ip, to_psk
from .aws_xml import Document, build, read_document

# TunnelOptions key -> (model part: None = Tunnel, "ike", "ipsec"; model attribute; converter)
_LISTS: dict[str, tuple[str, str, Callable[..., Any]]] = {
    "IkeVersions": ("ike", "versions", ike_version),
    "Phase1EncryptionAlgorithms": ("ike", "encryption", encryption),
    "Phase1IntegrityAlgorithms": ("ike", "integrity", integrity),
    "Phase1DHGroupNumbers": ("ike", "dh_groups", dh_group),
    "Phase2EncryptionAlgorithms": ("ipsec", "encryption", encryption),
    "Phase2IntegrityAlgorithms": ("ipsec", "integrity", integrity),
    "Phase2DHGroupNumbers": ("ipsec", "pfs_dh_groups", dh_group),
}
_INTS: dict[str, tuple[str | None, str]] = {
    "Phase1LifetimeSeconds": ("ike", "lifetime_s"),
    "Phase2LifetimeSeconds": ("ipsec", "lifetime_s"),
    "RekeyMarginTimeSeconds": (None, "rekey_margin_s"),
    "RekeyFuzzPercentage": (None, "rekey_fuzz_pct"),
    "ReplayWindowSize": (None, "replay_window"),
    "DpdTimeoutSeconds": (None, "dpd_timeout_s"),
}
_WORDS: dict[str, str] = {"DpdTimeoutAction": "dpd_timeout_action", "StartupAction": "startup_action"}

_ID_KEYS = (
    # model field, wrapper's JSON name (XML uses the lowerCamel form), document element
    ("vpn_connection_id", "VpnConnectionId", "vpn_connection/@id"),
    ("customer_gateway_id", "CustomerGatewayId", "customer_gateway_id"),
    ("vpn_gateway_id", "VpnGatewayId", "vpn_gateway_id"),
    ("transit_gateway_id", "TransitGatewayId", "transit_gateway_id"),
)


def read_embedded(text: str, report: Report, name: str, element: str, **where: Any) -> Document:
    """Read the document a wrapper embeds; its errors say which connection and element they
    come from.  ``where`` is ``line_offset=`` or ``fixed_line=`` for aws_xml.read_document."""
    try:
        return read_document(text, report, **where)
    except VpnxlateError as e:
        raise relocate(e, context=f"{name}: {element}", known=name) from None


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _values(raw: Any, field: str) -> list[Any] | None:
    """``[{"Value": x}, ...]`` (also plain ``[x, ...]``) -> ``[x, ...]``; empty means "not stated"."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ParseError(f'expected a list of {{"Value": ...}} objects, got {type(raw).__name__}', field=field)
    out = []
    for item in raw:
        value = item.get("Value") if isinstance(item, dict) else item
        if value is None or isinstance(value, dict | list | bool):
            raise ParseError(f"not a value: {describe_value(item)}", field=field)
        out.append(value)
    return out or None


#: TunnelOptions keys whose input line a wrapper parser reports (``option_lines`` of assemble)
INSIDE_KEYS = ("TunnelInsideCidr", "TunnelInsideIpv6Cidr")
OptionLines = Mapping[int, Mapping[str, int]]  # id() of a TunnelOptions entry -> key -> input line


def _inside_pair(
    cidr: Any, field: str, version: int, report: Report | None = None, line: int | None = None
) -> tuple[Any, Any]:
    """``169.254.21.0/30`` -> (customer .2/30, AWS .1/30): AWS takes the first host, the customer the second.

    A CIDR written with host bits set (``169.254.21.1/30``, as other tools write it) is read as
    its network, with a warning saying so (with ``report``; without, it is an error)."""
    if not isinstance(cidr, str):
        raise ParseError(f"expected a CIDR string, got {describe_value(cidr)}", field=field)
    text = cidr.strip()
    quad = _quad(text) if version == 4 else None
    if quad is not None and quad[1] is not None and quad[1] <= 30 and not quad[0] & (0xFFFFFFFF >> quad[1]):
        # the common case (a dotted quad /0../30, no host bits) from integers: same objects
        return ipaddress.IPv4Interface((quad[0] + 2, quad[1])), ipaddress.IPv4Interface((quad[0] + 1, quad[1]))
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ParseError(f"not a network: {describe_value(cidr)}", field=field) from None
    if net.version != version or net.num_addresses < 4:
        raise ValidationError(f"{net} is not an IPv{version} tunnel inside CIDR (/30 or /126 expected)", field=field)
    iface = ipaddress.ip_interface
    cgw, aws = iface(f"{net[2]}/{net.prefixlen}"), iface(f"{net[1]}/{net.prefixlen}")
    if ipaddress.ip_interface(text).ip != net.network_address:
        message = (
            f"{field}: {describe_value(text)} has host bits set; read as the network {net} (customer "
            f"gateway {cgw.ip}/{net.prefixlen}, AWS {aws.ip}/{net.prefixlen})"
        )
        if report is None:
            raise ValidationError(message, field=field)
        report.warn(message, line=line, field=field, code="inside-host-bits")
    return cgw, aws


class _Merge:
    """Collects TunnelOptions values for one tunnel and the fields that disagree with the document."""

    def __init__(self, tunnel: Tunnel) -> None:
        self.tunnel = tunnel
        self.top: dict[str, Any] = {}
        self.ike: dict[str, Any] = {}
        self.ipsec: dict[str, Any] = {}
        self.diffs: list[str] = []

    def set(self, part: str | None, attr: str, value: Any, key: str, *, secret: bool = False) -> None:
        if value is None:
            return
        current = getattr(self.tunnel if part is None else getattr(self.tunnel, part), attr)
        if current is not None and current != value:
            if secret:
                self.diffs.append(f"{key} (values not shown)")
            else:
                self.diffs.append(f"{key} (document {_shown(current)}, TunnelOptions {_shown(value)})")
        {None: self.top, "ike": self.ike, "ipsec": self.ipsec}[part][attr] = value

    def result(self) -> Tunnel:
        """The tunnel with the collected values; only the parts a value changes are built again
        (and validated again), and options that change nothing give back the tunnel itself."""
        t = self.tunnel
        top = {k: v for k, v in self.top.items() if getattr(t, k) != v}
        ike, ipsec = _evolved(t.ike, self.ike), _evolved(t.ipsec, self.ipsec)
        if ike is not t.ike:
            top["ike"] = ike
        if ipsec is not t.ipsec:
            top["ipsec"] = ipsec
        return attrs.evolve(t, **top) if top else t


# (phase options, changed values) -> the evolved phase options: the same few proposal sets
# recur on every tunnel (they are frozen, so one object serves all).  Only successes; bounded.
_EVOLVED: dict[tuple[Any, ...], Any] = {}


def _evolved(part: Any, values: dict[str, Any]) -> Any:
    changed = tuple(sorted((k, v) for k, v in values.items() if getattr(part, k) != v))
    if not changed:
        return part
    key = (part, changed)
    known = _EVOLVED.get(key)
    if known is None:
        known = attrs.evolve(part, **dict(changed))
        if len(_EVOLVED) > 256:
            _EVOLVED.clear()
        _EVOLVED[key] = known
    return known


def _apply_options(
    tunnel: Tunnel,
    opts: Mapping[str, Any],
    where: str,
    report: Report | None = None,
    line: int | None = None,
    option_lines: OptionLines | None = None,
) -> tuple[Tunnel, list[str]]:
    """The tunnel with one TunnelOptions entry applied, and what disagreed with the document.

    The values that recur from tunnel to tunnel (proposals, lifetimes, DPD, rekey, ...) are
    merged once per distinct (tunnel values, options) and the result reused (:func:`_recurring`);
    anything unusual takes the plain path, which says exactly what is wrong."""
    key = _recurring_key(tunnel, opts)
    known = _RECURRING.get(key) if key is not None else None
    if known is None and key is not None:
        known = _recurring(tunnel, opts, where)
        if known is not None:
            _RECURRING[key] = known
            if len(_RECURRING) > 256:  # a handful of combinations recur; never let odd inputs grow it
                _RECURRING.clear()
    if known is None:
        return _apply_plain(tunnel, opts, where, report, line, option_lines)
    m = _Merge(tunnel)
    _apply_unique(m, tunnel, opts, where, report, line, option_lines)
    changes = {k: v for k, v in m.top.items() if getattr(tunnel, k) != v}
    if m.top.get("cgw_inside_v6") is not None or m.top.get("aws_inside_v6") is not None:
        for attr in ("cgw_inside_v6", "aws_inside_v6"):  # (IPv6 from text: the model's own check)
            if attr in changes:
                changes[attr] = check_interface(changes[attr], attr)
    recurring_changes, recurring_diffs = known
    changes.update(recurring_changes)
    try:
        return _trusted_evolve(tunnel, changes), m.diffs + recurring_diffs
    except VpnxlateError as e:
        raise relocate(e, parent=where) from None


# (the tunnel's values TunnelOptions may set but its inside addresses and key, the options but
# OutsideIpAddress, the inside CIDRs and the key) -> (changed values, validated; disagreements)
_RECURRING: dict[tuple[Any, ...], tuple[dict[str, Any], list[str]]] = {}
_UNIQUE_OPTIONS = frozenset({"OutsideIpAddress", "TunnelInsideCidr", "TunnelInsideIpv6Cidr", "PreSharedKey"})
_RECURRING_ATTRS = (
    "ike",
    "ipsec",
    "stated_tunnel_options",
    *(attr for part, attr in _INTS.values() if part is None),
    *_WORDS.values(),
)
_recurring_values = operator.attrgetter(*_RECURRING_ATTRS)


_LIST_KEYS = tuple(_LISTS)
_SCALAR_KEYS = (*_INTS, *_WORDS)
_SCALAR_TYPES = frozenset({str, int, type(None)})


def _recurring_key(tunnel: Tunnel, opts: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The cache key of :data:`_RECURRING`; None when a value has no plain hashable form.

    Only the keys the merge reads count (:data:`_LISTS`, :data:`_INTS`, :data:`_WORDS`: any
    other key is ignored by the plain path too; absent and ``null`` read alike), each list as the
    tuple of its values (a str or an int: the two never compare equal, a bool or float declines)."""
    if type(opts) is not dict:
        return None
    get = opts.get
    scalars = tuple(map(get, _SCALAR_KEYS))
    if not _SCALAR_TYPES.issuperset(map(type, scalars)):
        return None
    key: list[Any] = [_recurring_values(tunnel), scalars]
    for raw in map(get, _LIST_KEYS):
        if raw is not None:
            raw = _hashable(raw)
            if raw is None:
                return None
        key.append(raw)
    return tuple(key)


def _recurring(tunnel: Tunnel, opts: Mapping[str, Any], where: str) -> tuple[dict[str, Any], list[str]] | None:
    """The recurring options merged the plain (validating) way: (changed values, diffs), or None."""
    m = _Merge(tunnel)
    try:
        _apply_recurring(m, tunnel, {k: v for k, v in opts.items() if k not in _UNIQUE_OPTIONS}, where)
        merged = m.result()
    except VpnxlateError:
        return None  # the plain path raises it, in its order
    changes = {
        attr: getattr(merged, attr) for attr in _RECURRING_ATTRS if getattr(merged, attr) != getattr(tunnel, attr)
    }
    return changes, m.diffs


def _apply_plain(
    tunnel: Tunnel,
    opts: Mapping[str, Any],
    where: str,
    report: Report | None,
    line: int | None,
    option_lines: OptionLines | None,
) -> tuple[Tunnel, list[str]]:
    m = _Merge(tunnel)
    _apply_unique(m, tunnel, opts, where, report, line, option_lines)
    _apply_recurring(m, tunnel, opts, where)
    try:
        return m.result(), m.diffs
    except VpnxlateError as e:
        raise relocate(e, parent=where) from None


def _same_inside(current: Any, cidr: Any) -> bool:
    """Whether an IPv4 TunnelInsideCidr written as a plain dotted-quad network is the network of
    ``current`` (then it changes nothing, and :func:`_inside_pair` need not build interfaces)."""
    if current is None or type(cidr) is not str:
        return False
    quad = _quad(cidr.strip())
    if quad is None or quad[1] is None or quad[1] > 30 or quad[0] & (0xFFFFFFFF >> quad[1]):
        return False
    net = current.network
    return net.prefixlen == quad[1] and int(net.network_address) == quad[0]


def _apply_unique(
    m: _Merge,
    tunnel: Tunnel,
    opts: Mapping[str, Any],
    where: str,
    report: Report | None,
    line: int | None,
    option_lines: OptionLines | None,
) -> None:
    """The inside CIDRs and the key of one TunnelOptions entry (the values each tunnel has its own)."""
    cidr = opts.get("TunnelInsideCidr")

    def line_of(key: str) -> int | None:  # (option_lines may be computed on first use)
        return option_lines.get(id(opts), {}).get(key, line) if option_lines is not None else line

    if cidr and not _same_inside(tunnel.cgw_inside, cidr):
        cgw, aws = _inside_pair(cidr, f"{where}.TunnelInsideCidr", 4, report, line_of("TunnelInsideCidr"))
        if tunnel.cgw_inside is None or tunnel.cgw_inside.network != cgw.network:
            m.set(None, "cgw_inside", cgw, "TunnelInsideCidr")
            m.top["aws_inside"] = aws
            if tunnel.bgp is not None and (tunnel.bgp.neighbor_ip is None or tunnel.bgp.neighbor_ip.version == 4):
                m.top["bgp"] = attrs.evolve(tunnel.bgp, neighbor_ip=aws.ip)
    cidr6 = opts.get("TunnelInsideIpv6Cidr")
    if cidr6:
        cgw6, aws6 = _inside_pair(cidr6, f"{where}.TunnelInsideIpv6Cidr", 6, report, line_of("TunnelInsideIpv6Cidr"))
        if tunnel.cgw_inside_v6 is None or tunnel.cgw_inside_v6.network != cgw6.network:
            m.set(None, "cgw_inside_v6", cgw6, "TunnelInsideIpv6Cidr")
            m.top["aws_inside_v6"] = aws6
            bgp = m.top.get("bgp", tunnel.bgp)
            if bgp is not None and (bgp.neighbor_ip is None or bgp.neighbor_ip.version == 6):
                m.top["bgp"] = attrs.evolve(bgp, neighbor_ip=aws6.ip)
    psk = opts.get("PreSharedKey")
    if psk is not None and not (tunnel.psk is not None and isinstance(psk, str) and psk.strip() == tunnel.psk):
        # (the tunnel's own key passed to_psk already: the same text gives the same key)
        if not isinstance(psk, str):
            raise ParseError("the pre-shared key must be a string", field=f"{where}.PreSharedKey")
        m.set(None, "psk", to_psk(psk, field=f"{where}.PreSharedKey"), "PreSharedKey", secret=True)


def _apply_recurring(m: _Merge, tunnel: Tunnel, opts: Mapping[str, Any], where: str) -> None:
    """The algorithm lists, numbers and words of one TunnelOptions entry."""
    stated = set(tunnel.stated_tunnel_options or ())
    for key, (part, attr, fn) in _LISTS.items():
        raw = opts.get(key)
        if raw is None:
            continue
        spelled = _hashable(raw)
        canon = None if spelled is None else _ALGOS.get((key, spelled))
        if canon is None:
            values = _values(raw, f"{where}.{key}")
            if values is None:
                continue
            canon = algos(fn, values, field=f"{where}.{key}")
            if spelled is not None:
                if len(_ALGOS) > 256:
                    _ALGOS.clear()
                _ALGOS[(key, spelled)] = canon
        m.set(part, attr, canon, key)
        stated.add(key)
    if stated:
        m.top["stated_tunnel_options"] = tuple(sorted(stated))
    for key, (ipart, attr) in _INTS.items():
        value = opts.get(key)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ParseError(f"expected a number, got {describe_value(value)}", field=f"{where}.{key}")
            m.set(ipart, attr, to_int(value, field=f"{where}.{key}"), key)
    for key, attr in _WORDS.items():
        value = opts.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise ParseError(f"expected a string, got {describe_value(value)}", field=f"{where}.{key}")
            m.set(None, attr, value.strip().lower(), key)


# (TunnelOptions key, its list as written) -> the canonical algorithm names (only successes; bounded)
_ALGOS: dict[tuple[str, Any], tuple[Any, ...]] = {}


def _hashable(raw: Any) -> Any:
    """A list of {"Value": x} (or plain values; x a str or int) as a hashable key (the tuple of
    the values: a str never equals an int); None for other shapes."""
    if type(raw) is not list:
        return None
    out = []
    for item in raw:
        if type(item) is dict:
            if len(item) != 1:
                return None
            item = item.get("Value")
        cls = type(item)
        if cls is not str and cls is not int:
            return None
        out.append(item)
    return tuple(out) or None


def _tunnel_from_options(
    opts: Mapping[str, Any],
    ip: IPAddress,
    where: str,
    report: Report,
    line: int | None,
    option_lines: OptionLines | None,
) -> Tunnel | None:
    """A tunnel from TunnelOptions alone (document without tunnels): needs outside IP, inside CIDR, PSK."""
    if not (opts.get("TunnelInsideCidr") or opts.get("TunnelInsideIpv6Cidr")) or not opts.get("PreSharedKey"):
        return None
    tunnel, _diffs = _apply_options(Tunnel(aws_outside_ip=ip), opts, where, report, line, option_lines)
    return tunnel


def assemble(
    doc: Document | None,
    report: Report,
    *,
    wrapper_ids: Mapping[str, str | None],
    static_routes_only: bool | None,
    routes: Sequence[str] | None,
    tunnel_options: Sequence[Mapping[str, Any]] | None,
    options_path: str = "Options.TunnelOptions",
    line: int | None = None,
    camel: bool = False,
    option_lines: OptionLines | None = None,
) -> VpnConnection:
    """The connection of one wrapper entry: document + wrapper ids/routing/routes + TunnelOptions."""
    name = wrapper_ids.get("vpn_connection_id") or (doc.vpn_connection_id if doc else None) or "connection"
    try:
        return _assemble(
            doc,
            report,
            name,
            wrapper_ids,
            static_routes_only,
            routes,
            tunnel_options,
            options_path,
            line,
            camel,
            option_lines,
        )
    except VpnxlateError as e:
        raise relocate(e, context=name, line=line) from None


def _wire_name(key: str, camel: bool) -> str:
    """The wrapper's name for a JSON ``key``: the XML wrapper uses the lowerCamel form."""
    return key[0].lower() + key[1:] if camel else key


def _assemble(
    doc: Document | None,
    report: Report,
    name: str,
    wrapper_ids: Mapping[str, str | None],
    static_routes_only: bool | None,
    routes: Sequence[str] | None,
    tunnel_options: Sequence[Mapping[str, Any]] | None,
    options_path: str,
    line: int | None,
    camel: bool,
    option_lines: OptionLines | None,
) -> VpnConnection:
    fields = _ids(doc, report, name, wrapper_ids, line, camel)
    tunnels = list(doc.tunnels) if doc else []
    tunnel_lines = list(doc.tunnel_lines) if doc else []
    routing, tunnels = _routing(doc, tunnels, report, name, static_routes_only, line, camel)
    fields["routing"] = routing

    if tunnel_options:
        tunnels = _merge_options(tunnels, tunnel_lines, tunnel_options, report, name, options_path, line, option_lines)
        if routing == "bgp" and (doc is None or not doc.tunnels):
            report.warn(
                f"{name}: BGP routing, but TunnelOptions do not state the BGP ASNs",
                line=line,
                field=options_path,
                code="bgp-no-asn",
            )
    if not tunnels:
        raise ParseError(
            "no tunnels: the embedded document has no <ipsec_tunnel> and "
            f"{options_path} has no entry with OutsideIpAddress, TunnelInsideCidr and "
            "PreSharedKey",
            field=options_path,
        )
    fields["static_routes"] = list(routes) if routes else None
    return build(tunnels, report, tunnel_lines=tuple(tunnel_lines), line=line, **fields)


def _ids(
    doc: Document | None,
    report: Report,
    name: str,
    wrapper_ids: Mapping[str, str | None],
    line: int | None,
    camel: bool,
) -> dict[str, Any]:
    """The connection's ids: the wrapper's win over the document's (warning where they differ),
    and a gateway the document names is dropped when the wrapper names the other kind."""
    fields: dict[str, Any] = {}
    for attr, key, element in _ID_KEYS:
        mine = wrapper_ids.get(attr)
        theirs = getattr(doc, attr) if doc else None
        if mine and theirs and mine != theirs:
            report.warn(
                f"{name}: the wrapper's {_wire_name(key, camel)} {mine} differs from the document's {element} "
                f"{theirs}; using {mine}",
                line=line,
                field=_wire_name(key, camel),
                code="wrapper-mismatch",
            )
        fields[attr] = mine or theirs
    if fields["vpn_gateway_id"] and fields["transit_gateway_id"]:
        # one side came from the document only: the wrapper's gateway wins
        drop = "vpn_gateway_id" if wrapper_ids.get("transit_gateway_id") else "transit_gateway_id"
        if not wrapper_ids.get(drop):
            report.warn(
                f"{name}: the document names {fields[drop]} but the wrapper has "
                f"{fields['transit_gateway_id' if drop == 'vpn_gateway_id' else 'vpn_gateway_id']}; "
                f"ignoring {fields[drop]}",
                line=line,
                field=drop,
                code="wrapper-mismatch",
            )
            fields[drop] = None
    return fields


def _routing(
    doc: Document | None,
    tunnels: list[Tunnel],
    report: Report,
    name: str,
    static_routes_only: bool | None,
    line: int | None,
    camel: bool,
) -> tuple[Routing, list[Tunnel]]:
    """The routing the document states, reconciled with the wrapper's ``StaticRoutesOnly``
    (which wins towards static: the tunnels then lose their BGP settings)."""
    routing: Routing = doc.routing if doc else ("static" if static_routes_only else "bgp")
    sro = _wire_name("Options", camel) + "." + _wire_name("StaticRoutesOnly", camel)
    if static_routes_only is True and routing == "bgp":
        report.warn(
            f"{name}: {sro} is true but the document has BGP settings; reading a static connection and ignoring them",
            line=line,
            field=sro,
            code="routing-conflict",
        )
        routing = "static"
        tunnels = [attrs.evolve(t, bgp=None) for t in tunnels]
    elif static_routes_only is False and routing == "static" and doc is not None and doc.tunnels:
        report.warn(
            f"{name}: {sro} is false but the document has no BGP settings"
            f"{' (NoBGPVPNConnection)' if doc.no_bgp_attribute else ''}; reading a static connection",
            line=line,
            field=sro,
            code="routing-conflict",
        )
    return routing, tunnels


def _merge_options(
    tunnels: list[Tunnel],
    tunnel_lines: list[int | None],
    tunnel_options: Sequence[Mapping[str, Any]],
    report: Report,
    name: str,
    path: str,
    line: int | None,
    option_lines: OptionLines | None = None,
) -> list[Tunnel]:
    fast = _merge_fast(tunnels, tunnel_options, path)
    if fast is not None:
        return fast
    from_document = bool(tunnels)
    out = list(tunnels)
    seen: set[IPAddress] = set()
    for i, opts in enumerate(tunnel_options):
        where = f"{path}[{i}]"
        ip = _option_ip(opts, where, report, name, line)
        if ip is None:
            continue
        if ip in seen:
            report.warn(
                f"{name}: {path} lists tunnel {ip} twice; using the first entry",
                line=line,
                field=where,
                code="tunnel-options-ignored",
            )
            continue
        seen.add(ip)
        matches = [n for n, t in enumerate(out) if t.aws_outside_ip == ip]
        if matches:
            _apply_to_matches(out, matches, opts, ip, where, report, name, path, line, option_lines)
        elif from_document:
            report.warn(
                f"{name}: {where} is for outside IP {ip}, which no tunnel of the embedded document has; ignored",
                line=line,
                field=where,
                code="tunnel-options-ignored",
            )
        else:
            tunnel = _tunnel_from_options(opts, ip, where, report, line, option_lines)
            if tunnel is None:
                report.warn(
                    f"{name}: {where} (tunnel {ip}) lacks TunnelInsideCidr or PreSharedKey; "
                    "cannot build a tunnel from it",
                    line=line,
                    field=where,
                    code="tunnel-options-ignored",
                )
                continue
            out.append(tunnel)
            tunnel_lines.append(None)
    return out


def _merge_fast(tunnels: list[Tunnel], tunnel_options: Sequence[Any], path: str) -> list[Tunnel] | None:
    """What :func:`_merge_options` gives for the usual batch (AWS's own TunnelOptions: each entry
    an object for one IPv4 tunnel of the document, with its inside CIDR and key as the document
    has them and the recurring values merged before without a disagreement), without a report;
    None, having changed nothing, for anything else (the plain path then says what it says)."""
    index: dict[int, int] = {}
    for n, t in enumerate(tunnels):
        if type(t.aws_outside_ip) is not ipaddress.IPv4Address:
            return None
        index[int(t.aws_outside_ip)] = n
    if len(index) != len(tunnels) or not tunnels:
        return None  # (two tunnels with one outside IP, or none: the plain path)
    out = list(tunnels)
    for i, opts in enumerate(tunnel_options):
        if type(opts) is not dict:
            return None
        raw_ip = opts.get("OutsideIpAddress")
        quad = _quad(raw_ip) if type(raw_ip) is str else None
        at = index.pop(quad[0], None) if quad is not None and quad[1] is None else None
        if at is None:
            return None  # not a dotted quad, no such tunnel, or listed twice
        t = tunnels[at]
        cidr, psk = opts.get("TunnelInsideCidr"), opts.get("PreSharedKey")
        if (cidr and not _same_inside(t.cgw_inside, cidr)) or opts.get("TunnelInsideIpv6Cidr"):
            return None
        if psk is not None and not (t.psk is not None and type(psk) is str and psk.strip() == t.psk):
            return None
        key = _recurring_key(t, opts)
        if key is None:
            return None
        known = _RECURRING.get(key)
        if known is None:
            known = _recurring(t, opts, f"{path}[{i}]")
            if known is None:
                return None
            _RECURRING[key] = known
            if len(_RECURRING) > 256:
                _RECURRING.clear()
        changes, diffs = known
        if diffs:
            return None  # (a warning to give)
        out[at] = _trusted_evolve(t, changes)
    return out


def _option_ip(opts: Any, where: str, report: Report, name: str, line: int | None) -> IPAddress | None:
    """A TunnelOptions entry's ``OutsideIpAddress`` (the key it is matched by); None, with a
    warning, when the entry has none."""
    if not isinstance(opts, Mapping):
        raise ParseError("a TunnelOptions entry must be an object", field=where)
    raw_ip = opts.get("OutsideIpAddress")
    if not raw_ip:
        report.warn(
            f"{name}: {where} has no OutsideIpAddress; it cannot be matched to a tunnel and is ignored",
            line=line,
            field=where,
            code="tunnel-options-ignored",
        )
        return None
    if not isinstance(raw_ip, str):
        raise ParseError(
            f"expected an IP address string, got {describe_value(raw_ip)}", field=f"{where}.OutsideIpAddress"
        )
    return to_ip(raw_ip, field=f"{where}.OutsideIpAddress")


def _apply_to_matches(
    out: list[Tunnel],
    matches: list[int],
    opts: Mapping[str, Any],
    ip: IPAddress,
    where: str,
    report: Report,
    name: str,
    path: str,
    line: int | None,
    option_lines: OptionLines | None,
) -> None:
    """Merge one TunnelOptions entry into the document's tunnels with its outside IP, in place."""
    for n in matches:  # identical duplicates collapse later; each gets the same options
        merged, diffs = _apply_options(out[n], opts, where, report, line, option_lines)
        if diffs:
            report.warn(
                f"{name}: tunnel {ip}: {path} disagree with the embedded "
                f"CustomerGatewayConfiguration in {'; '.join(diffs)}; using TunnelOptions "
                "(AWS does not update the document when tunnel options change)",
                line=line,
                field=where,
                code="tunnel-options",
            )
        out[n] = merged
