"""The routing policy of every routing target: one model, built once, written by each target.

:func:`build_policy` turns the routing options (:class:`RoutingTargetOptions`, the base of the options
class of every IPsec target that routes: ``vyos``, ``strongswan``, ``swanctl``, ...) and the connections into a
:class:`RoutingPolicy`:

* **BGP** (dynamic connections): one :class:`Neighbor` per tunnel (the AWS inside address, the
  AWS ASN, the ASN AWS expects from this connection, hold time/keepalive, prefix limit, the
  route-maps it uses), the prefix-lists and route-maps (:class:`PrefixList`, :class:`RouteMap`)
  and how each advertised prefix gets into the routing table (:class:`Origin`: a blackhole
  route with distance 254, or a route via a next hop when the router's own address lies inside
  the prefix).
* **static** connections: the ``--accept`` prefixes (the AWS side: VPC CIDRs) routed into both
  tunnels, the preferred tunnel first (:class:`StaticRoute`).

Writers: VyOS set-commands (``vyos.py``) and FRR's ``frr.conf`` (``_frr.py``) for the strongSwan
targets.  Names use ``[-A-Za-z0-9]`` only, so they need no quoting anywhere.

Policy rules (docs/strongswan.md, docs/vyos.md):

* OUT: exactly the ``--advertise`` prefixes, nothing without them (never 0.0.0.0/0 by accident);
  with ``--prefer-tunnel N`` the other tunnel's OUT route-map prepends the ASN twice.
* IN: exactly the ``--accept`` prefixes; without ``--accept`` everything except a default
  route (unless ``--allow-default``) and the advertised prefixes themselves; at most
  ``--max-prefix`` prefixes per session; with ``--prefer-tunnel N`` tunnel N's routes get
  local preference 200, so the router also *sends* through tunnel N (symmetric paths).
* A hub whose connections use different customer ASNs runs one ASN (``--router-asn``, default
  the smallest) and gives every other neighbor ``local-as ASN no-prepend replace-as``, so each
  AWS side sees exactly the ASN it was configured with.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from ..errors import NOT_STATED_HINT, EmitError, Report, describe_value, escape_text
from ..model import IPAddress, Tunnel, VpnConnection, address_key
from ..options import TargetOptions, cli_options, from_kwargs, option, to_flag
from ._base import ip_text

DEFAULT_MAX_PREFIX = 1000
MAX_PREFIX_LIMIT = 4294967295
BLACKHOLE_DISTANCE = 254
PREFERRED_LOCAL_PREF = 200
CONNECT_RETRY = 10
MAX_ASN = 4294967295
DEFAULT_ROUTE = ipaddress.IPv4Network("0.0.0.0/0")

Net = ipaddress.IPv4Network
_NOT_IN_TAG = re.compile(r"[^A-Za-z0-9-]")


# ------------------------------------------------------------------ the model


@attrs.frozen
class PrefixRule:
    seq: int
    action: Literal["permit", "deny"]
    prefix: Net
    le: int | None = None


@attrs.frozen
class PrefixList:
    name: str
    rules: tuple[PrefixRule, ...]


@attrs.frozen
class RouteMapRule:
    seq: int
    action: Literal["permit", "deny"]
    match_prefix_list: str | None = None
    prepend: tuple[int, ...] = ()
    local_preference: int | None = None


@attrs.frozen
class RouteMap:
    name: str
    rules: tuple[RouteMapRule, ...]


@attrs.frozen
class Origin:
    """How an advertised prefix gets into the RIB: via ``next_hop``, else a blackhole route."""

    prefix: Net
    next_hop: ipaddress.IPv4Address | None
    distance: int | None  # None: the route's default distance


@attrs.frozen
class Neighbor:
    """One eBGP session over one tunnel."""

    tag: str  # connection tag (names, lookups)
    conn_name: str
    index: int  # 1 / 2: the tunnel's position (sorted by AWS outside IP)
    aws_outside_ip: IPAddress  # the tunnel's identity
    address: ipaddress.IPv4Address  # the AWS inside address = the BGP neighbor
    local_inside: ipaddress.IPv4Interface  # the customer inside address
    remote_asn: int  # AWS
    local_asn: int  # the ASN AWS expects from this connection
    router_asn: int  # the router's own ASN
    hold_time: int | None
    keepalive: int | None
    export_map: str
    import_map: str
    max_prefix: int
    connect_retry: int = CONNECT_RETRY  # s; FRR's default (120 s) would delay a recovered tunnel's session

    @property
    def ref(self) -> tuple[str, str]:
        return (self.tag, ip_text(self.aws_outside_ip))

    @property
    def local_as(self) -> int | None:
        """``local-as`` for this neighbor (None when it is the router's ASN)."""
        return None if self.local_asn == self.router_asn else self.local_asn

    @property
    def description(self) -> str:
        return f"{self.conn_name} tunnel {self.index}"


@attrs.frozen
class StaticRoute:
    """A prefix on the AWS side routed into one tunnel of a static connection."""

    prefix: Net
    tag: str
    conn_name: str
    index: int
    aws_outside_ip: IPAddress
    preferred: bool

    @property
    def ref(self) -> tuple[str, str]:
        return (self.tag, ip_text(self.aws_outside_ip))


@attrs.frozen
class RoutingPolicy:
    role: str
    prefer: int | None
    router_asn: int | None  # None: no BGP connection
    router_id: ipaddress.IPv4Address | None
    advertise: tuple[Net, ...]
    origins: tuple[Origin, ...]
    prefix_lists: tuple[PrefixList, ...]
    route_maps: tuple[RouteMap, ...]
    neighbors: tuple[Neighbor, ...]
    static_routes: tuple[StaticRoute, ...]
    _routes_by_tunnel: dict[tuple[str, IPAddress], tuple[StaticRoute, ...]] = attrs.field(
        init=False, eq=False, repr=False
    )

    @_routes_by_tunnel.default
    def _index_routes(self) -> dict[tuple[str, IPAddress], tuple[StaticRoute, ...]]:
        by_tunnel: dict[tuple[str, IPAddress], list[StaticRoute]] = {}
        for r in self.static_routes:
            by_tunnel.setdefault((r.tag, r.aws_outside_ip), []).append(r)
        return {k: tuple(v) for k, v in by_tunnel.items()}

    def routes_for(self, tag: str, aws_outside_ip: IPAddress) -> tuple[StaticRoute, ...]:
        """The static routes into one tunnel (in policy order)."""
        return self._routes_by_tunnel.get((tag, aws_outside_ip), ())


# ------------------------------------------------------------------ helpers


def conn_tag(c: VpnConnection) -> str:
    """The connection's part of every name: the vpn id without ``vpn-`` (else the first AWS IP)."""
    if c.vpn_connection_id:
        raw = c.vpn_connection_id
        raw = raw[4:] if raw.startswith("vpn-") and len(raw) > 4 else raw
    else:
        raw = "ip-" + str(c.tunnels[0].aws_outside_ip)
    return _NOT_IN_TAG.sub("-", raw)


def parse_prefix(text: object, flag: str) -> Net:
    try:
        net = ipaddress.ip_network(str(text).strip(), strict=True)
    except ValueError as e:
        raise EmitError(f"{flag}: not a network prefix: {describe_value(text)} ({escape_text(str(e))})") from None
    if not isinstance(net, ipaddress.IPv4Network):
        raise EmitError(f"{flag}: {net} is IPv6; BGP/static routing is written for IPv4 only")
    return net


def sorted_nets(nets: Iterable[Net]) -> tuple[Net, ...]:
    return tuple(sorted(set(nets), key=lambda n: (int(n.network_address), n.prefixlen)))


def _ipv4(value: Any, flag: str) -> ipaddress.IPv4Address:
    try:
        addr = ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise EmitError(f"{flag}: not an IP address: {describe_value(value)}") from None
    if not isinstance(addr, ipaddress.IPv4Address):
        raise EmitError(f"{flag}: must be an IPv4 address")
    return addr


# ------------------------------------------------------------------ options (shared by every routing target)


def _prefixes(flag: str) -> Any:
    def convert(values: Iterable[Any] | None) -> tuple[Net, ...]:
        return sorted_nets(parse_prefix(p, flag) for p in values or ())

    return convert


def _next_hop(value: Any) -> ipaddress.IPv4Address | None:
    return _ipv4(value, "--advertise-next-hop") if value else None


def accept_items(values: Iterable[Any] | None, prefix: Callable[[object], Net]) -> tuple[tuple[str | None, Net], ...]:
    """``--accept`` items, ``PREFIX`` or ``CONN_ID=PREFIX``, as (connection id or None, prefix);
    the ids are checked against the connections when the policy is built (:func:`parse_options`)."""
    out: list[tuple[str | None, Net]] = []
    for item in values or ():
        if isinstance(item, tuple):  # already converted (attrs.evolve converts again)
            out.append(item)
            continue
        text = str(item)
        cid, eq, pfx = text.partition("=")
        out.append((cid.strip(), prefix(pfx)) if eq else (None, prefix(text)))
    return tuple(out)


def _accept(values: Iterable[Any] | None) -> tuple[tuple[str | None, Net], ...]:
    return accept_items(values, lambda p: parse_prefix(p, "--accept"))


def _bounded_int(flag: str, low: int, high: int) -> Any:
    def convert(value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise EmitError(f"{flag}: must be an integer {low}..{high}, not {describe_value(value)}")
        return value

    return convert


def to_prefer_tunnel(value: Any) -> int | None:
    """``--prefer-tunnel``: 1 or 2 (str from the CLI, str or int from the API)."""
    if value is None:
        return None
    if str(value) not in ("1", "2"):
        raise EmitError(f"--prefer-tunnel: must be 1 or 2, not {describe_value(value)}")
    return int(value)


def _role(value: Any) -> str:
    role = str(value or "spoke")
    if role not in ("spoke", "hub"):
        raise EmitError(f"--role: must be spoke or hub, not {describe_value(role)}")
    return role


@attrs.frozen(kw_only=True, slots=False)
class RoutingTargetOptions(TargetOptions):
    """The routing options, declared once here and taken by every routing target (its ``Options``
    class derives from this one)."""

    advertise: tuple[Net, ...] = option(
        "--advertise",
        "prefix to advertise to AWS over BGP (repeatable)",
        kind="list",
        metavar="PREFIX",
        convert=_prefixes("--advertise"),
    )
    advertise_next_hop: ipaddress.IPv4Address | None = option(
        "--advertise-next-hop",
        "next hop of the route that puts each --advertise prefix into the routing table "
        "(default: a blackhole route, distance 254; needed when the router's own address is inside a prefix)",
        metavar="IP",
        convert=_next_hop,
    )
    accept: tuple[tuple[str | None, Net], ...] = option(
        "--accept",
        "prefix to accept from AWS (BGP) / to route into the tunnels (static): PREFIX or CONN_ID=PREFIX (repeatable)",
        kind="list",
        metavar="[CONN_ID=]PREFIX",
        convert=_accept,
    )
    allow_default: bool = option(
        "--allow-default",
        "accept a default route (0.0.0.0/0) from AWS; refused otherwise",
        kind="flag",
        default=False,
        convert=to_flag,
    )
    max_prefix: int = option(
        "--max-prefix",
        "most prefixes accepted from AWS per BGP session; more close the session (default 1000)",
        kind="int",
        default=DEFAULT_MAX_PREFIX,
        metavar="N",
        convert=_bounded_int("--max-prefix", 1, MAX_PREFIX_LIMIT),
    )
    prefer_tunnel: int | None = option(
        "--prefer-tunnel",
        "tunnel 1 or 2 (by AWS outside IP, lower first) carries the traffic "
        "while it is up, both ways: BGP local preference 200 on its routes and AS-path prepend on the "
        "other's announcements; static routes: the other one gets the higher metric",
        choices=("1", "2"),
        metavar="N",
        convert=to_prefer_tunnel,
    )
    role: str = option(
        "--role",
        "spoke (policies per connection) or hub (one aggregate OUT policy, one IN policy per connection)",
        choices=("spoke", "hub"),
        default="spoke",
        metavar="ROLE",
        convert=_role,
    )
    router_asn: int | None = option(
        "--router-asn",
        "the router's own BGP ASN when the connections use different customer "
        "ASNs (default: the smallest; the others get per-neighbor local-as)",
        kind="int",
        metavar="ASN",
        convert=_bounded_int("--router-asn", 1, MAX_ASN),
    )

    @advertise_next_hop.validator
    def _needs_advertise(self, _attribute: Any, value: Any) -> None:
        if value is not None and not self.advertise:
            raise EmitError("--advertise-next-hop needs --advertise")

    @accept.validator
    def _no_default_route(self, _attribute: Any, value: tuple[tuple[str | None, Net], ...]) -> None:
        if not self.allow_default and any(net == DEFAULT_ROUTE for _cid, net in value):
            raise EmitError("--accept 0.0.0.0/0: a default route from AWS is refused unless --allow-default is given")


#: The routing options' command-line forms (the same objects in every routing target's options).
ROUTING_OPTIONS = cli_options(RoutingTargetOptions)


@attrs.frozen
class RoutingOptions:
    """The routing options resolved against the connections (``--accept CONN_ID=`` by tag)."""

    advertise: tuple[Net, ...]
    next_hop: ipaddress.IPv4Address | None
    accept_all: tuple[Net, ...]  # sorted and distinct (sorted_nets): accepts() returns it as it is
    accept_by_conn: Mapping[str, tuple[Net, ...]]
    allow_default: bool
    max_prefix: int
    prefer: int | None
    role: str
    router_asn: int | None

    def accepts(self, tag: str) -> tuple[Net, ...]:
        own = self.accept_by_conn.get(tag)
        if not own:
            return self.accept_all  # sorted and distinct already (parse_options)
        return sorted_nets((*self.accept_all, *own))


def parse_options(o: RoutingTargetOptions | Mapping[str, Any], connections: Sequence[VpnConnection]) -> RoutingOptions:
    """The routing options of ``o`` (typed, or keyword values as the API takes them) for ``connections``."""
    if not isinstance(o, RoutingTargetOptions):
        o = from_kwargs(RoutingTargetOptions, o, target="routing")
    ids: dict[str, str] = {}
    for c in connections if any(cid is not None for cid, _net in o.accept) else ():  # only for CONN_ID=PREFIX
        tag = conn_tag(c)
        ids[tag] = tag
        if c.vpn_connection_id:
            ids[c.vpn_connection_id] = tag
    accept_all: list[Net] = []
    by_conn: dict[str, list[Net]] = {}
    for cid, net in o.accept:
        if cid is None:
            accept_all.append(net)
            continue
        owner = ids.get(cid)
        if owner is None:
            known = ", ".join(sorted(c.vpn_connection_id or conn_tag(c) for c in connections))
            raise EmitError(f"--accept: no connection {describe_value(cid)} (connections: {known})")
        by_conn.setdefault(owner, []).append(net)
    return RoutingOptions(
        o.advertise,
        o.advertise_next_hop,
        sorted_nets(accept_all),
        {k: sorted_nets(v) for k, v in by_conn.items()},
        o.allow_default,
        o.max_prefix,
        o.prefer_tunnel,
        o.role,
        o.router_asn,
    )


# ------------------------------------------------------------------ building the policy


def build_policy(
    connections: Sequence[VpnConnection],
    options: RoutingTargetOptions | RoutingOptions | Mapping[str, Any],
    report: Report,
    *,
    router_addresses: Iterable[IPAddress] = (),
    derived_next_hop: tuple[ipaddress.IPv4Address, str] | None = None,
    next_hop_hint: str = "--advertise-next-hop",
    require_asns: bool = True,
) -> RoutingPolicy:
    """The routing policy of ``connections`` (sorted by connection tag and AWS outside IP).

    ``router_addresses``: the router's own addresses the target knows (local/private address,
    customer gateway IP); an advertised prefix that contains one of them is never blackholed.
    ``derived_next_hop``: (next hop, where it came from), used for such a prefix when
    ``--advertise-next-hop`` is not given (VyOS: from ``--router-config``).  ``next_hop_hint``
    names the option(s) in the error raised when neither is available.  ``require_asns``: a BGP
    connection without ASNs is an error (else a warning, and no BGP for it).
    """
    opts = options if isinstance(options, RoutingOptions) else parse_options(options, connections)
    bgp, static = _split_connections(connections, report, require_asns)
    if opts.advertise and not bgp:
        report.warn(
            "--advertise applies to BGP connections only; these are static (AWS routes to you by its static routes)",
            field="advertise",
            code="advertise-static",
        )
    static_routes = _static_routes(static, opts, report)
    if not bgp:
        return RoutingPolicy(opts.role, opts.prefer, None, None, opts.advertise, (), (), (), (), static_routes)

    if opts.prefer is not None and not opts.advertise:
        raise EmitError("--prefer-tunnel with BGP needs --advertise (the prepend goes on the advertised prefixes)")
    _check_asns(bgp)
    asns = sorted({t.bgp.cgw_asn for _tag, c in bgp for t in c.tunnels if t.bgp and t.bgp.cgw_asn is not None})
    router_asn = opts.router_asn if opts.router_asn is not None else asns[0]
    router_id = _router_id(router_addresses)
    origins = _origins(opts, report, router_addresses, derived_next_hop, next_hop_hint)
    if not opts.advertise:
        report.warn(
            "no --advertise: the BGP sessions advertise nothing to AWS (OUT route-maps deny all)",
            field="advertise",
            code="no-advertise",
        )
    maps = _Maps(opts, report)
    neighbors = _neighbors(bgp, opts, maps, router_asn)
    return RoutingPolicy(
        opts.role,
        opts.prefer,
        router_asn,
        router_id,
        opts.advertise,
        origins,
        tuple(maps.prefix_lists.values()),
        tuple(maps.route_maps.values()),
        tuple(neighbors),
        static_routes,
    )


_Tagged = list[tuple[str, VpnConnection]]  # (connection tag, connection)


def _split_connections(
    connections: Sequence[VpnConnection], report: Report, require_asns: bool
) -> tuple[_Tagged, _Tagged]:
    """(BGP, static) connections with their tags, sorted; without ``require_asns`` a BGP one without
    ASNs is left out (a warning)."""
    tagged = sorted(
        ((conn_tag(c), c) for c in connections), key=lambda p: (p[0], address_key(p[1].tunnels[0].aws_outside_ip))
    )
    seen = Counter(tag for tag, _c in tagged)
    clash = min((t for t, n in seen.items() if n > 1), default=None)
    if clash is not None:
        raise EmitError(
            f"two connections map to the same policy names (AWS-{clash}-…); give them distinct connection ids"
        )
    bgp = [p for p in tagged if p[1].routing == "bgp"]
    static = [p for p in tagged if p[1].routing == "static"]
    if not require_asns:
        for pair in [
            p
            for p in bgp
            if not all(t.bgp and t.bgp.cgw_asn is not None and t.bgp.aws_asn is not None for t in p[1].tunnels)
        ]:
            c = pair[1]
            report.warn(
                f"{c.name}: BGP routing, but the input names no ASNs for its tunnels; no BGP configuration "
                "is written for it",
                field="bgp",
                code="no-bgp-asn",
                error=EmitError,
            )
            bgp.remove(pair)
    return bgp, static


def _check_asns(bgp: _Tagged) -> None:
    if all(t.bgp and t.bgp.cgw_asn is not None and t.bgp.aws_asn is not None for _tag, c in bgp for t in c.tunnels):
        return  # the usual case; else the first tunnel without them is named below
    for _tag, c in bgp:
        for i, t in enumerate(c.tunnels, 1):
            if t.bgp is None:
                raise EmitError(f"{c.name} tunnel {i} ({t.aws_outside_ip}): BGP routing but no ASNs in the input")
            for attr, who in (("cgw_asn", "customer gateway (this router's) ASN"), ("aws_asn", "AWS ASN")):
                if getattr(t.bgp, attr) is None:
                    raise EmitError(
                        f"{c.name} tunnel {i} ({t.aws_outside_ip}): the input does not state the {who}; "
                        f"{NOT_STATED_HINT}",
                        field=f"bgp.{attr}",
                    )


class _Maps:
    """The prefix-lists and route-maps of a policy, each made once, in the order of first use."""

    def __init__(self, opts: RoutingOptions, report: Report) -> None:
        self.opts = opts
        self.report = report
        self.hub = opts.role == "hub"
        self.prefix_lists: dict[str, PrefixList] = {}
        self.route_maps: dict[str, RouteMap] = {}
        self._accept_all: tuple[PrefixRule, ...] | None = None  # the same rules for every connection

    def out_map(self, owner: str, asn: int, prepend: bool, mixed: bool) -> str:
        name = f"AWS-{owner}-OUT"
        advertise = self.opts.advertise
        if advertise and name not in self.prefix_lists:
            self.prefix_lists[name] = PrefixList(
                name, tuple(PrefixRule(10 * n, "permit", net) for n, net in enumerate(advertise, 1))
            )
        if name not in self.route_maps:
            self.route_maps[name] = _match_map(name, name if advertise else None)
        if not prepend:
            return name
        pre = f"{name}-PREPEND" + (f"-{asn}" if mixed else "")
        if pre not in self.route_maps:
            self.route_maps[pre] = RouteMap(
                pre, (RouteMapRule(10, "permit", name, prepend=(asn, asn)), RouteMapRule(20, "deny"))
            )
        return pre

    def in_map(self, c: VpnConnection, tag: str, preferred: bool) -> str:
        name = f"AWS-{tag}-IN"
        if name not in self.prefix_lists:
            nets = self.opts.accepts(tag)
            if nets:
                rules = tuple(PrefixRule(10 * n, "permit", net) for n, net in enumerate(nets, 1))
            else:
                if self.hub:
                    self.report.warn(
                        f"hub: no --accept for {c.name}; accepting every route it sends except "
                        + (
                            "the advertised prefixes"
                            if self.opts.allow_default
                            else "a default route and the advertised prefixes"
                        ),
                        field="accept",
                        code="accept-all",
                    )
                if self._accept_all is None:
                    self._accept_all = _accept_all_rules(self.opts)
                rules = self._accept_all
            self.prefix_lists[name] = PrefixList(name, rules)
            self.route_maps[name] = _match_map(name, name)
        if not preferred:
            return name
        pref = f"{name}-PREFERRED"
        if pref not in self.route_maps:
            self.route_maps[pref] = RouteMap(
                pref,
                (RouteMapRule(10, "permit", name, local_preference=PREFERRED_LOCAL_PREF), RouteMapRule(20, "deny")),
            )
        return pref


def _where(c: VpnConnection, i: int, t: Tunnel) -> str:
    """The tunnel as messages name it (made only for a message)."""
    return f"{c.name} tunnel {i} ({t.aws_outside_ip})"


def _neighbors(bgp: _Tagged, opts: RoutingOptions, maps: _Maps, router_asn: int) -> list[Neighbor]:
    """One BGP neighbor per tunnel, with the route-maps it uses."""
    neighbors: list[Neighbor] = []
    owners_asns: dict[str, set[int]] = {}
    hub = maps.hub
    for tag, c in bgp:
        owner = "HUB" if hub else tag
        owners_asns.setdefault(owner, set()).update(
            t.bgp.cgw_asn for t in c.tunnels if t.bgp and t.bgp.cgw_asn is not None
        )
    seen_ips: dict[ipaddress.IPv4Address, tuple[VpnConnection, int, Tunnel]] = {}
    prefer, max_prefix, append = opts.prefer, opts.max_prefix, neighbors.append
    for tag, c in bgp:
        owner = "HUB" if hub else tag
        two = len(c.tunnels) > 1
        # without --prefer-tunnel both tunnels use the connection's two maps (made at its first tunnel)
        maps_of_conn: tuple[str, str] | None = None
        for i, t in enumerate(c.tunnels, 1):
            b = t.bgp
            assert b is not None
            cgw_asn, aws_asn = b.cgw_asn, b.aws_asn
            assert cgw_asn is not None and aws_asn is not None  # a BGP tunnel without both ASNs is refused above
            ip = b.neighbor_ip or (t.aws_inside.ip if t.aws_inside else None)
            local_inside = t.cgw_inside
            if not isinstance(ip, ipaddress.IPv4Address) or local_inside is None:
                raise EmitError(f"{_where(c, i, t)}: no IPv4 BGP neighbor address (AWS inside IP) in the input")
            this = (c, i, t)
            first = seen_ips.setdefault(ip, this)
            if first is not this:
                raise EmitError(f"{_where(c, i, t)}: BGP neighbor {ip} is also the neighbor of {_where(*first)}")
            if cgw_asn == aws_asn:
                raise EmitError(
                    f"{_where(c, i, t)}: the customer ASN and the AWS ASN are both {aws_asn}; AWS needs eBGP"
                )
            if prefer is None:
                if maps_of_conn is None:
                    maps_of_conn = (maps.out_map(owner, cgw_asn, False, False), maps.in_map(c, tag, False))
                export_map, import_map = maps_of_conn
            else:
                export_map = maps.out_map(owner, cgw_asn, two and i != prefer, len(owners_asns[owner]) > 1)
                import_map = maps.in_map(c, tag, two and i == prefer)
            hold = b.hold_time
            append(
                Neighbor(
                    tag,
                    c.name,
                    i,
                    t.aws_outside_ip,
                    ip,
                    local_inside,
                    aws_asn,
                    cgw_asn,
                    router_asn,
                    hold,
                    None if hold is None else (max(1, hold // 3) if hold else 0),
                    export_map,
                    import_map,
                    max_prefix,
                )
            )
    return neighbors


_DENY_ALL = (RouteMapRule(10, "deny"),)  # frozen: one object serves every map (equal by value)
_DENY_REST = RouteMapRule(20, "deny")


def _match_map(name: str, prefix_list: str | None) -> RouteMap:
    if prefix_list is None:
        return RouteMap(name, _DENY_ALL)
    return RouteMap(name, (RouteMapRule(10, "permit", prefix_list), _DENY_REST))


def _accept_all_rules(opts: RoutingOptions) -> tuple[PrefixRule, ...]:
    """Everything AWS sends, except a default route (unless allowed) and our own advertised prefixes."""
    rules: list[PrefixRule] = []
    if not opts.allow_default:
        rules.append(PrefixRule(10, "deny", DEFAULT_ROUTE))
    for n, net in enumerate(opts.advertise, 1):
        rules.append(PrefixRule(10 + 10 * n, "deny", net, le=32))
    rules.append(PrefixRule(10 * (len(opts.advertise) + 2), "permit", DEFAULT_ROUTE, le=32))
    return tuple(rules)


def _router_id(addresses: Iterable[IPAddress]) -> ipaddress.IPv4Address | None:
    """A stable router id: the first IPv4 address the target knows (its local or public address).

    Without it FRR picks the highest interface address, often a tunnel's 169.254.x.y, and a
    tunnel going down would then change the router id and reset every BGP session."""
    for a in addresses:
        if isinstance(a, ipaddress.IPv4Address):
            return a
    return None


def _origins(
    opts: RoutingOptions,
    report: Report,
    router_addresses: Iterable[IPAddress],
    derived: tuple[ipaddress.IPv4Address, str] | None,
    hint: str,
) -> tuple[Origin, ...]:
    own = [a for a in router_addresses if isinstance(a, ipaddress.IPv4Address)]
    out: list[Origin] = []
    for net in opts.advertise:
        if net.prefixlen == 0:
            report.warn(
                "--advertise 0.0.0.0/0: AWS will send all VPC traffic for the internet to this router",
                field="advertise",
                code="advertise-default",
            )
        inside = [a for a in own if a in net]
        if opts.next_hop is not None:
            out.append(Origin(net, opts.next_hop, None))
        elif inside and derived is not None:
            report.warn(
                f"--advertise {net} contains the router's own address {inside[0]}: routing it via "
                f"{derived[0]} ({derived[1]}) instead of a blackhole route, which would cut the router "
                f"off from the rest of {net}",
                field="advertise",
                code="advertise-next-hop",
            )
            out.append(Origin(net, derived[0], None))
        elif inside:
            raise EmitError(
                f"--advertise {net} contains the router's own address {inside[0]}: a blackhole route "
                f"for it would cut the router off from the rest of {net}; give {hint} (the next hop "
                f"towards {net}, e.g. its subnet's gateway)"
            )
        else:
            out.append(Origin(net, None, BLACKHOLE_DISTANCE))
    return tuple(out)


def _static_routes(static: _Tagged, opts: RoutingOptions, report: Report) -> tuple[StaticRoute, ...]:
    out: list[StaticRoute] = []
    for tag, c in static:
        nets = opts.accepts(tag)
        if not nets:
            report.warn(
                f"static connection {c.name}: no --accept prefixes, so no route into the tunnels is "
                "written (add --accept VPC_CIDR)",
                field="accept",
                code="no-static-route",
            )
            continue
        own = [n for n in nets if any(n.overlaps(r) for r in c.static_routes or ())]
        if own:
            report.warn(
                f"static connection {c.name}: --accept {', '.join(map(str, own))} overlaps the "
                "connection's static routes, which are your own networks (AWS routes them to you); "
                "--accept names the AWS side (the VPC)",
                field="accept",
                code="accept-own-network",
            )
        preferred = opts.prefer if opts.prefer is not None and len(c.tunnels) > 1 else 1
        for i, t in enumerate(c.tunnels, 1):
            for net in nets:
                out.append(StaticRoute(net, tag, c.name, i, t.aws_outside_ip, i == preferred))
    return tuple(out)


def tunnel_index(conn: VpnConnection, tunnel: Tunnel) -> int:
    """1-based position of ``tunnel`` in ``conn`` (sorted by AWS outside IP)."""
    return conn.tunnels.index(tunnel) + 1
