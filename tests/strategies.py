"""Hypothesis strategies that generate VALID models, the per-format projections of them, and
the settings profiles of the property tests.

Profiles (choose with the environment variable ``HYPOTHESIS_PROFILE``, default ``ci``):

* ``ci``   — 200 examples per property, no deadline (the normal test run);
* ``dev``  — 25 examples, for a quick local loop;
* ``slow`` — 100,000 examples, for the robustness property by hand
  (``HYPOTHESIS_PROFILE=slow python3 -m pytest -m slow tests/test_hostile.py``).

Models follow AWS's rules: outside IPs from the documentation ranges (unique), inside /30s
in 169.254.0.0/16 outside AWS's reserved blocks (AWS = network+1, customer = network+2),
IPv6 inside /126s in fd00::/8 on transit gateway connections only, PSKs of 8-64 characters of
``[A-Za-z0-9_.]`` not starting with ``0``, lifetimes 901..28800 / 900..3600 with the IPsec
lifetime below the IKE one (bounds included), 4-byte ASNs up to 4294967294, BGP hold time 0 or 3..65535.

Each download format expresses only part of the model; :func:`project` maps a model to the
part a format can express (documented in docs/formats/aws-targets.md) and
:func:`connections_for` generates models a format can express completely.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

from vpnxlate import algorithms
from vpnxlate.model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection
from vpnxlate.parsers import find_placeholder

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile("slow", max_examples=100_000, deadline=None, suppress_health_check=list(HealthCheck))
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)

# ------------------------------------------------------------------ scalar values

PSK_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_."
DOC_RANGES = tuple(ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
DOC_ADDRESSES: tuple[ipaddress.IPv4Address, ...] = tuple(ip for net in DOC_RANGES for ip in net.hosts())
LINK_LOCAL = ipaddress.IPv4Network("169.254.0.0/16")
RESERVED_INSIDE = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "169.254.0.0/30",
        "169.254.1.0/30",
        "169.254.2.0/30",
        "169.254.3.0/30",
        "169.254.4.0/30",
        "169.254.5.0/30",
        "169.254.169.252/30",
    )
)
_RESERVED_INDEX = frozenset((int(n.network_address) - int(LINK_LOCAL.network_address)) // 4 for n in RESERVED_INSIDE)
INSIDE_SLOTS = [i for i in range(LINK_LOCAL.num_addresses // 4) if i not in _RESERVED_INDEX]
ULA = ipaddress.IPv6Network("fd00::/8")


def _psk_ok(key: str) -> bool:
    return not key.startswith("0") and find_placeholder(key) is None


psks = st.text(PSK_ALPHABET, min_size=8, max_size=64).filter(_psk_ok)
# A PSK that cannot occur by chance in any output (for redaction / leak tests).
marked_psks = st.text(PSK_ALPHABET, min_size=0, max_size=40).map(lambda s: f"Pq7Zk_{s}")

_hex = st.text("0123456789abcdef", min_size=8, max_size=8) | st.text("0123456789abcdef", min_size=17, max_size=17)


@functools.cache
def resource_ids(prefix: str) -> st.SearchStrategy[str]:
    return _hex.map(lambda h: f"{prefix}-{h}")


ike_lifetimes = st.sampled_from([900, 28800]) | st.integers(900, 28800)
ipsec_lifetimes = st.sampled_from([900, 3600]) | st.integers(900, 3600)
cgw_asns = st.sampled_from([1, 65000, 64512 + 1, 4200000000, 4294967294]) | st.integers(1, 4294967294)
aws_asns = (
    st.sampled_from([64512, 65534, 4200000000, 4294967294])
    | st.integers(64512, 65534)
    | st.integers(4200000000, 4294967294)
)
hold_times = st.sampled_from([0, 3, 30, 65535]) | st.integers(3, 65535)


@functools.cache
def algorithm_lists(vocabulary: tuple[Any, ...], single: bool) -> st.SearchStrategy[tuple[Any, ...]]:
    """Built once per (vocabulary, single): building a strategy costs far more than drawing from it."""
    if single:
        return st.sampled_from(vocabulary).map(lambda v: (v,))
    return st.lists(st.sampled_from(vocabulary), min_size=1, max_size=len(vocabulary), unique=True).map(tuple)


# ------------------------------------------------------------------ models
#
# Every strategy a draw uses is built once, here or in a cached function: hypothesis computes a
# label for each strategy object it draws from (for a ``sampled_from`` over thousands of values
# that walks all of them), so a strategy built inside a composite costs that on every draw.

# IPsec lifetime < IKE lifetime, both bounds included where they can be: the IKE lifetime starts at
# 901 (an IPsec lifetime is at least 900), the IPsec one is drawn below it.
_ike_lifetimes_over_900 = st.sampled_from([901, 28800]) | st.integers(901, 28800)


@functools.cache
def _ipsec_lifetimes_below(p1: int) -> st.SearchStrategy[int]:
    top = min(3600, p1 - 1)
    return st.sampled_from([900, top]) | st.integers(900, top)


@functools.cache
def _unique_indices(count: int, size: int) -> st.SearchStrategy[list[int]]:
    """``size`` distinct indices into a sequence of ``count`` values (cheaper than a unique list
    of ``sampled_from`` a large sequence)."""
    return st.lists(st.integers(0, count - 1), min_size=size, max_size=size, unique=True)


@functools.cache
def _unique_ids(prefix: str, size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(resource_ids(prefix), min_size=size, max_size=size, unique=True)


_bools = st.booleans()
_ike_modes = st.sampled_from(["main", "main", "aggressive"])
_dpd_intervals = st.sampled_from([10, 30]) | st.integers(1, 3600)
_dpd_retries = st.sampled_from([3]) | st.integers(1, 100)
_mtus = st.sampled_from([1436, 1419, 68, 9216]) | st.integers(68, 9216)
_tcp_mss = st.sampled_from([1379, 1387]) | st.integers(1, 65535)
_rekey_fuzz = st.integers(0, 100)
_replay_windows = st.sampled_from([64, 1024, 2048]) | st.integers(64, 2048)
_dpd_timeouts = st.sampled_from([30]) | st.integers(30, 3600)
_dpd_actions = st.sampled_from(["clear", "none", "restart"])
_startup_actions = st.sampled_from(["add", "start"])
_routings = st.sampled_from(["bgp", "static"])
_static_routes = st.lists(
    st.integers(0, 255).map(lambda b: ipaddress.IPv4Network(f"10.{b}.0.0/16")), min_size=1, max_size=3, unique=True
)


@functools.cache
def _rekey_margins(p2: int) -> st.SearchStrategy[int]:
    return st.integers(60, min(1800, p2 // 2))


def _tunnel(
    draw: st.DrawFn,
    *,
    aws_outside: ipaddress.IPv4Address,
    cgw_outside: ipaddress.IPv4Address,
    slot: int,
    slot6: int | None,
    bgp: tuple[int, int, int] | None,
    single: bool,
) -> Tunnel:
    net = ipaddress.IPv4Network((int(LINK_LOCAL.network_address) + 4 * slot, 30))
    v6: dict[str, Any] = {}
    if slot6 is not None:
        net6 = ipaddress.IPv6Network((int(ULA.network_address) + 4 * slot6, 126))
        v6 = {
            "aws_inside_v6": ipaddress.IPv6Interface((net6.network_address + 1, 126)),
            "cgw_inside_v6": ipaddress.IPv6Interface((net6.network_address + 2, 126)),
        }
    p1 = draw(_ike_lifetimes_over_900)
    p2 = draw(_ipsec_lifetimes_below(p1))
    aws_inside = ipaddress.IPv4Interface((net.network_address + 1, 30))
    return Tunnel(
        aws_outside_ip=aws_outside,
        cgw_outside_ip=cgw_outside,
        psk=draw(psks),
        cgw_inside=ipaddress.IPv4Interface((net.network_address + 2, 30)),
        aws_inside=aws_inside,
        ike=IkeOptions(
            versions=draw(algorithm_lists(algorithms.IKE_VERSIONS, single)),
            encryption=draw(algorithm_lists(algorithms.ENCRYPTIONS, single)),
            integrity=draw(algorithm_lists(algorithms.INTEGRITIES, single)),
            dh_groups=draw(algorithm_lists(algorithms.PHASE1_DH_GROUPS, single)),
            lifetime_s=p1,
            mode=draw(_ike_modes),
        ),
        ipsec=IpsecOptions(
            protocol="esp",
            encryption=draw(algorithm_lists(algorithms.ENCRYPTIONS, single)),
            integrity=draw(algorithm_lists(algorithms.INTEGRITIES, single)),
            pfs_dh_groups=draw(algorithm_lists(algorithms.PHASE2_DH_GROUPS, single)),
            lifetime_s=p2,
            mode="tunnel",
        ),
        dpd_interval_s=draw(_dpd_intervals),
        dpd_retries=draw(_dpd_retries),
        mtu=draw(_mtus),
        tcp_mss=draw(_tcp_mss),
        clear_df_bit=draw(_bools),
        fragmentation_before_encryption=draw(_bools),
        bgp=None if bgp is None else Bgp(cgw_asn=bgp[0], aws_asn=bgp[1], neighbor_ip=aws_inside.ip, hold_time=bgp[2]),
        rekey_margin_s=draw(_rekey_margins(p2)),
        rekey_fuzz_pct=draw(_rekey_fuzz),
        replay_window=draw(_replay_windows),
        dpd_timeout_s=draw(_dpd_timeouts),
        dpd_timeout_action=draw(_dpd_actions),
        startup_action=draw(_startup_actions),
        **v6,
    )


def _other_asn(draw: st.DrawFn, strategy: st.SearchStrategy[int], other: int) -> int:
    """A value of ``strategy`` that differs from ``other`` (a clash is rare: the example is dropped)."""
    value = draw(strategy)
    assume(value != other)
    return value


@st.composite
def connection_lists(
    draw: st.DrawFn,
    *,
    min_size: int = 1,
    max_size: int = 4,
    single: bool = False,
    max_tunnels: int = 2,
    one_router: bool = False,
) -> list[VpnConnection]:
    """One to ``max_size`` valid connections with distinct ids, outside IPs and inside CIDRs.

    ``single=True`` gives download-style models (one value per algorithm list), otherwise
    TunnelOptions-style models (lists of several algorithms).  ``one_router=True``: every
    connection belongs to the same customer gateway (one outside IP, one BGP ASN), as on a
    router that runs one BGP ASN."""
    n = draw(st.integers(min_size, max_size))
    tunnel_counts = st.integers(1, max_tunnels)
    tunnels_per = [draw(tunnel_counts) for _ in range(n)]
    total = sum(tunnels_per)
    # every outside address distinct: one customer address per connection + one per tunnel
    outside = [DOC_ADDRESSES[i] for i in draw(_unique_indices(len(DOC_ADDRESSES), n + total))]
    slots = [INSIDE_SLOTS[i] for i in draw(_unique_indices(len(INSIDE_SLOTS), total))]
    slots6 = draw(_unique_indices(2**20 + 1, total))
    ids = draw(_unique_ids("vpn", n))
    out = []
    k = 0
    router_asn = draw(cgw_asns)
    router_cgw = draw(resource_ids("cgw"))
    for i in range(n):
        transit = draw(_bools)
        routing = draw(_routings)
        ipv6 = transit and draw(_bools)
        bgp = None
        if routing == "bgp":
            if one_router:
                cgw_asn = router_asn
                aws_asn = _other_asn(draw, aws_asns, router_asn)
            else:
                aws_asn = draw(aws_asns)
                cgw_asn = _other_asn(draw, cgw_asns, aws_asn)
            bgp = (cgw_asn, aws_asn, draw(hold_times))
        cgw_outside = outside[0] if one_router else outside[i]
        tunnels = []
        for _ in range(tunnels_per[i]):
            tunnels.append(
                _tunnel(
                    draw,
                    aws_outside=outside[n + k],
                    cgw_outside=cgw_outside,
                    slot=slots[k],
                    slot6=slots6[k] if ipv6 else None,
                    bgp=bgp,
                    single=single,
                )
            )
            k += 1
        routes = draw(_static_routes) if routing == "static" else None
        gw = draw(resource_ids("tgw" if transit else "vgw"))
        out.append(
            VpnConnection(
                tunnels=tunnels,
                vpn_connection_id=ids[i],
                vpn_gateway_id=None if transit else gw,
                transit_gateway_id=gw if transit else None,
                customer_gateway_id=router_cgw if one_router else draw(resource_ids("cgw")),
                routing=routing,
                static_routes=routes,
            )
        )
    return out


@st.composite
def sparse_connection_lists(draw: st.DrawFn, **kw: Any) -> list[VpnConnection]:
    """Valid connections in which any optional value may be absent (None) — what the json
    format and the API can hold, and what inputs that leave values out produce."""
    conns = draw(connection_lists(**kw))
    out = []
    for c in conns:
        tunnels = []
        for t in c.tunnels:
            changes: dict[str, Any] = {}
            for f in attrs.fields(Tunnel):
                if f.name in ("aws_outside_ip", "ike", "ipsec", "bgp"):
                    continue
                if f.name.endswith("_v6") or f.name in ("cgw_inside", "aws_inside"):
                    continue
                if draw(_bools):
                    changes[f.name] = None
            ike = attrs.evolve(t.ike, **{f.name: None for f in attrs.fields(IkeOptions) if draw(_bools)})
            ipsec = attrs.evolve(t.ipsec, **{f.name: None for f in attrs.fields(IpsecOptions) if draw(_bools)})
            tunnels.append(attrs.evolve(t, ike=ike, ipsec=ipsec, **changes))
        extra = {f: None for f in ("customer_gateway_id", "vpn_gateway_id", "transit_gateway_id") if draw(_bools)}
        out.append(attrs.evolve(c, tunnels=tuple(tunnels), **extra))
    return out


# ------------------------------------------------------------------ per-format projections

API_ONLY = (
    "rekey_margin_s",
    "rekey_fuzz_pct",
    "replay_window",
    "dpd_timeout_s",
    "dpd_timeout_action",
    "startup_action",
)
_LISTS = ("versions", "encryption", "integrity", "dh_groups")
_LISTS2 = ("encryption", "integrity", "pfs_dh_groups")


def _first(values: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    return None if values is None else values[:1]


def _download_common(c: VpnConnection) -> VpnConnection:
    """What every AWS download loses: the transit gateway id (a TGW connection shows an empty
    virtual private gateway id), static routes, IPv6 inside addresses, the EC2-API-only
    options, and all but the first value of each algorithm list."""
    tunnels = []
    for t in c.tunnels:
        ike = attrs.evolve(t.ike, **{k: _first(getattr(t.ike, k)) for k in _LISTS})
        ipsec = attrs.evolve(t.ipsec, **{k: _first(getattr(t.ipsec, k)) for k in _LISTS2})
        tunnels.append(
            attrs.evolve(t, ike=ike, ipsec=ipsec, cgw_inside_v6=None, aws_inside_v6=None, **dict.fromkeys(API_ONLY))
        )
    return attrs.evolve(c, tunnels=tuple(tunnels), transit_gateway_id=None, static_routes=None)


def _generic(c: VpnConnection) -> VpnConnection:
    return _download_common(c)


def _xml(c: VpnConnection) -> VpnConnection:
    """The XML keeps IPv6 inside addresses (tunnel_inside_ipv6_address) but has no MTU and no
    IKE version."""
    full = c
    c = _download_common(c)
    return attrs.evolve(
        c,
        tunnels=tuple(
            attrs.evolve(
                t,
                mtu=None,
                ike=attrs.evolve(t.ike, versions=None),
                cgw_inside_v6=f.cgw_inside_v6,
                aws_inside_v6=f.aws_inside_v6,
            )
            for t, f in zip(c.tunnels, full.tunnels, strict=True)
        ),
    )


def _vyatta(c: VpnConnection) -> VpnConnection:
    """Vyatta also loses the IKE version and phase 1 mode, DPD values (the template writes
    constants), TCP MSS, DF bit, fragmentation, and a static connection's AWS inside address."""
    c = _download_common(c)
    static = c.routing == "static"
    return attrs.evolve(
        c,
        tunnels=tuple(
            attrs.evolve(
                t,
                ike=attrs.evolve(t.ike, versions=None, mode=None),
                dpd_interval_s=None,
                dpd_retries=None,
                tcp_mss=None,
                clear_df_bit=None,
                fragmentation_before_encryption=None,
                aws_inside=None if static else t.aws_inside,
            )
            for t in c.tunnels
        ),
    )


def _cisco_ios(c: VpnConnection) -> VpnConnection:
    """Cisco IOS keeps static routes and the transit gateway id (header) but has no place for DPD
    retries, IPv6 inside addresses, the EC2-only options (a replay window IOS accepts is kept),
    IKEv1 main mode (IOS's default, not written) or an IKEv2 mode; keepalive below 10 s, an MSS
    outside 500..1460 and an ESP-GCM integrity are left out (see cisco_ios)."""
    full = c
    c = _download_common(c)
    tunnels = []
    for t, f in zip(c.tunnels, full.tunnels, strict=True):
        v2 = t.ike.versions == ("ikev2",)
        gcm = t.ipsec.encryption is not None and t.ipsec.encryption[0] in algorithms.GCM_ENCRYPTIONS
        tunnels.append(
            attrs.evolve(
                t,
                dpd_retries=None,
                replay_window=f.replay_window if f.replay_window in (64, 128, 256, 512, 1024) else None,
                ike=attrs.evolve(t.ike, mode=None if v2 or t.ike.mode == "main" else t.ike.mode),
                ipsec=attrs.evolve(t.ipsec, integrity=None if gcm else t.ipsec.integrity),
                dpd_interval_s=t.dpd_interval_s if t.dpd_interval_s is None or t.dpd_interval_s >= 10 else None,
                tcp_mss=t.tcp_mss if t.tcp_mss is None or 500 <= t.tcp_mss <= 1460 else None,
            )
        )
    return attrs.evolve(
        c, tunnels=tuple(tunnels), transit_gateway_id=full.transit_gateway_id, static_routes=full.static_routes
    )


PROJECTIONS: dict[str, Callable[[VpnConnection], VpnConnection]] = {
    "json": lambda c: c,
    "aws-generic": _generic,
    "aws-xml": _xml,
    "aws-vyatta": _vyatta,
    "cisco-ios": _cisco_ios,
}


def project(connections: list[VpnConnection], fmt: str) -> list[VpnConnection]:
    """The part of ``connections`` that format ``fmt`` can express."""
    return [PROJECTIONS[fmt](c) for c in connections]


def connections_for(fmt: str, **kw: Any) -> st.SearchStrategy[list[VpnConnection]]:
    """Models format ``fmt`` expresses completely (download formats: one value per algorithm)."""
    single = fmt != "json"
    return connection_lists(single=single, **kw).map(lambda cs: project(cs, fmt))


INJECTION_CLASSES: dict[str, str] = {
    "newline": "\n",
    "cr": "\r",
    "nul": "\x00",
    "single-quote": "'",
    "double-quote": '"',
    "hash": "#",
    "semicolon": ";",
    "open-brace": "{",
    "close-brace": "}",
}

SECRET_RE = re.compile(r"Pq7Zk_[A-Za-z0-9_.]*")
