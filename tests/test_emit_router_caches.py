"""The router writers' caches change nothing (issue 13): ``--to vyos`` (spoke and hub), ``strongswan``
and ``swanctl`` remember texts and option values by the identity of the model's objects first (the
parsers share one object among the tunnels with equal values) and by value else, and remember the
texts of a BGP neighbor or policy rule by what they are made of.  Here the same connections are
written with their option objects and addresses shared across tunnels (the identity path) and with
every one a distinct, equal copy (the value path): the files and the warnings are identical.  And a
connection whose neighbor settings differ from the others' (hold time, ASN, MTU) gets its own lines
and warnings when written among others, as when written alone.  Byte identity with the code before
the speed-ups is pinned by tests/test_perf_differential.py."""

from __future__ import annotations

import ipaddress
import re
import warnings
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

import vpnxlate
from vpnxlate.model import VpnConnection

from .conftest import fixture_text
from .strategies import connection_lists

CASES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("vyos", {"local_address": "192.0.2.1"}),
    ("vyos", {"role": "hub", "accept": ["172.16.0.0/12"]}),
    ("vyos", {"vyos_version": "1.1", "advertise": ["10.0.0.0/16"], "prefer_tunnel": 1}),
    ("vyos", {"vyos_version": "1.3", "role": "hub", "advertise": ["10.0.0.0/16"], "accept": ["10.9.0.0/16"]}),
    ("strongswan", {}),
    ("strongswan", {"local_address": "192.0.2.1", "role": "hub", "advertise": ["10.0.0.0/16"], "prefer_tunnel": 2}),
    ("swanctl", {"accept": ["172.16.0.0/12"]}),
    ("swanctl", {"interface": "xfrm", "advertise": ["10.0.0.0/16"], "prefer_tunnel": 1}),
)


def _write(conns: list[VpnConnection], target: str, options: dict[str, Any]) -> Any:
    """The files and warnings, or the error line."""
    try:
        files, report = vpnxlate.emit_report(conns, target, **options)
    except vpnxlate.VpnxlateError as e:
        return str(e)
    return [(f.name, f.content, f.mode) for f in files], report.messages()


def _shared(conns: list[VpnConnection]) -> list[VpnConnection]:
    """The connections with one object for each distinct option value and address (as parsed)."""
    seen: dict[Any, Any] = {}

    def one(value: Any) -> Any:
        return value if value is None else seen.setdefault((type(value), value), value)

    return [
        attrs.evolve(
            c,
            tunnels=[
                attrs.evolve(t, ike=one(t.ike), ipsec=one(t.ipsec), cgw_outside_ip=one(t.cgw_outside_ip))
                for t in c.tunnels
            ],
        )
        for c in conns
    ]


def _copy(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return ipaddress.ip_address(str(value))
    return attrs.evolve(value)  # a new object, equal


def _distinct(conns: list[VpnConnection]) -> list[VpnConnection]:
    """The connections with every option object and address a copy of its own."""
    return [
        attrs.evolve(
            c,
            tunnels=[
                attrs.evolve(
                    t, ike=_copy(t.ike), ipsec=_copy(t.ipsec), bgp=_copy(t.bgp), cgw_outside_ip=_copy(t.cgw_outside_ip)
                )
                for t in c.tunnels
            ],
        )
        for c in conns
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conns=connection_lists(max_size=4, one_router=True))
def test_shared_and_distinct_objects_write_the_same(conns: list[VpnConnection]) -> None:
    shared, distinct = _shared(conns), _distinct(conns)
    tunnels = [t for c in distinct for t in c.tunnels]
    assert len({id(t.ike) for t in tunnels}) == len({id(t.ipsec) for t in tunnels}) == len(tunnels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for target, options in CASES:
            assert _write(shared, target, options) == _write(distinct, target, options), (target, options)


def _sample(n: int, tunnel: dict[str, Any] | None = None, **bgp: Any) -> VpnConnection:
    """The BGP fixture connection, renumbered as connection ``n`` (own id, outside and inside
    addresses), its tunnels' values and BGP values changed as given."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (conn,) = vpnxlate.parse(fixture_text("canonical/connection.xml"))
    tunnels = []
    for k, t in enumerate(conn.tunnels):
        base = 64 * n + 8 * k
        assert t.bgp is not None
        tunnels.append(
            attrs.evolve(
                t,
                aws_outside_ip=f"198.18.{n}.{k + 1}",
                cgw_inside=f"169.254.{n}.{base % 256 + 2}/30",
                aws_inside=f"169.254.{n}.{base % 256 + 1}/30",
                bgp=attrs.evolve(t.bgp, neighbor_ip=f"169.254.{n}.{base % 256 + 1}", **bgp),
                **(tunnel or {}),
            )
        )
    return attrs.evolve(conn, vpn_connection_id=f"vpn-{n:017x}", tunnels=tunnels)


VARIANTS = {
    "plain-1": {},
    "short-hold": {"hold_time": 3},  # VyOS 1.1-1.3 write 4 (a warning per neighbor)
    "plain-2": {},
    "no-hold": {"hold_time": None},
    "other-asn": {"cgw_asn": 65123},  # local-as on a router of another ASN
    "other-aws-asn": {"aws_asn": 64600},
    "dpd-mtu": {"tunnel": {"dpd_interval_s": 30, "mtu": 1400, "tcp_mss": 1360}},  # another ike-group, vti values
    "plain-3": {},
}


def _own_lines(text: str, conn: VpnConnection) -> list[str]:
    """The lines of the connection's vti interfaces, peers and BGP neighbors (vyos.txt)."""
    words = [f" AWS-{conn.vpn_connection_id.removeprefix('vpn-')}-T"]  # type: ignore[union-attr]
    for t in conn.tunnels:
        assert t.bgp is not None and t.cgw_inside is not None
        words.append(f" neighbor {t.bgp.neighbor_ip} ")
        start = int(t.cgw_inside.network.network_address) - int(ipaddress.IPv4Address("169.254.0.0"))
        words.append(f" vti vti{start // 4} ")
    return [line for line in text.splitlines() if any(w in line for w in words)]


def _mine(messages: list[str], conn: VpnConnection) -> list[str]:
    names = [f"{conn.vpn_connection_id} tunnel {i}" for i in range(1, len(conn.tunnels) + 1)]
    return [m for m in messages if any(n in m for n in names)]


@pytest.mark.parametrize("version", ["1.1", "1.3", "1.4"])
def test_vyos_neighbors_each_as_if_alone(version: str) -> None:
    conns = [_sample(n, **bgp) for n, bgp in enumerate(VARIANTS.values(), 1)]
    options = {"vyos_version": version, "local_address": "192.0.2.1", "router_asn": 65000}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        files, report = vpnxlate.emit_report(conns, "vyos", **options)
        together, notes = files[0].content, report.messages()
        seen = set()
        for name, conn in zip(VARIANTS, conns, strict=True):
            files, report = vpnxlate.emit_report([conn], "vyos", **options)
            lines = _own_lines(files[0].content, conn)
            assert lines and _own_lines(together, conn) == lines, name
            assert _mine(notes, conn) == _mine(report.messages(), conn), name
            seen.add(tuple(re.sub(r"\d+\.\d+\.\d+\.\d+|vti\d+|AWS-\w+-T|vpn-\w+", "", line) for line in lines))
    assert len(seen) >= 6  # the variants write different settings
    holds = [m for m in notes if "BGP hold time of 0 or 4..65535" in m]
    assert len(holds) == (0 if version == "1.4" else 2)  # one per neighbor of the short-hold connection
    assert ("timers holdtime '4'" in together) == (version != "1.4")
    assert ("timers holdtime '3'" in together) == (version == "1.4")


@pytest.mark.parametrize("target", ["strongswan", "swanctl"])
def test_frr_neighbors_each_as_if_alone(target: str) -> None:
    conns = [_sample(n, **bgp) for n, bgp in enumerate(VARIANTS.values(), 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        files, _ = vpnxlate.emit_report(conns, target, router_asn=65000)
        together = {f.name: f.content for f in files}["frr.conf"]
        for name, conn in zip(VARIANTS, conns, strict=True):
            files, _ = vpnxlate.emit_report([conn], target, router_asn=65000)
            alone = {f.name: f.content for f in files}["frr.conf"]
            ips = [str(t.bgp.neighbor_ip) for t in conn.tunnels if t.bgp]
            mine = [line for line in alone.splitlines() if any(f" {ip} " in f"{line} " for ip in ips)]
            assert mine and mine == [
                line for line in together.splitlines() if any(f" {ip} " in f"{line} " for ip in ips)
            ], name
