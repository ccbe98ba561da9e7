"""Terraform's validation rules for AWS tunnel values, reported as warnings.

Real downloads break some of these rules (placeholder keys, typos in inside addresses), so
none of them is an error: the model accepts the value and the user is told.
Rules (terraform-provider-aws ``aws_vpn_connection``):

* PSK: 8-64 characters of ``[A-Za-z0-9_.]``, not starting with ``0``;
* inside IPv4 CIDR: a /30 inside 169.254.0.0/16, outside the reserved blocks;
  inside IPv6 CIDR: a /126 inside fd00::/8;
* phase 1 lifetime 900-28800 s, phase 2 lifetime 900-3600 s (and below phase 1's),
  rekey margin 60-1800 s (at most half the phase 2 lifetime), fuzz 0-100 %,
  replay window 64-2048, DPD timeout >= 30 s;
* customer ASN != AWS ASN; the AWS inside address inside the customer's /30.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from .errors import Report
from .model import Tunnel, VpnConnection

_PSK_RE = re.compile(r"[A-Za-z0-9_.]{8,64}")  # fullmatch
_LINK_LOCAL = ipaddress.IPv4Network("169.254.0.0/16")
_RESERVED = tuple(
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
_ULA = ipaddress.IPv6Network("fd00::/8")
# ASNs AWS reserves for itself (a customer gateway cannot use them)
_AWS_RESERVED_ASNS = frozenset({7224, 9059, 10124, 17943})


def _span(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> tuple[int, int]:
    """First and last address of a network as integers (the range tests below are integer compares)."""
    first = int(net.network_address)
    return first, first + (1 << (net.max_prefixlen - net.prefixlen)) - 1


_LINK_LOCAL_SPAN = _span(_LINK_LOCAL)
_RESERVED_SPANS = tuple((r, *_span(r)) for r in _RESERVED)


#: The diagnostic code of each tunnel rule, by the field it checks.
_CODE_OF_FIELD = {
    "psk": "lint-psk",
    "cgw_inside": "lint-inside-cidr",
    "aws_inside": "lint-aws-inside",
    "ike.lifetime_s": "lint-lifetime",
    "ipsec.lifetime_s": "lint-lifetime",
    "rekey_margin_s": "lint-rekey-margin",
    "replay_window": "lint-replay-window",
    "dpd_timeout_s": "lint-dpd-timeout",
    "bgp.cgw_asn": "lint-asn",
    "bgp.neighbor_ip": "lint-bgp-neighbor",
}


_Warn = Callable[[str, str], None]
_LINK_LOCAL_FIRST = _LINK_LOCAL_SPAN[0] >> 16
_RESERVED_FIRSTS = frozenset(r_first for r, r_first, _r_last in _RESERVED_SPANS if r.prefixlen == 30)
# the values :func:`_lint_values` reads, of tunnels that gave no warning (bounded): they recur
# from tunnel to tunnel, so the rules run once per distinct set
_QUIET_VALUES: set[tuple[object, ...]] = set()


def _values_key(t: Tunnel) -> tuple[object, ...]:
    bgp = t.bgp
    asns = None if bgp is None else (bgp.cgw_asn, bgp.aws_asn)
    return (t.ike.lifetime_s, t.ipsec.lifetime_s, t.rekey_margin_s, t.replay_window, t.dpd_timeout_s, asns)


def lint_tunnel(t: Tunnel, report: Report, context: str) -> None:
    def warn(field: str, message: str) -> None:
        message = f"{context}tunnel {t.aws_outside_ip}: {field}: {message}"
        report.warn(message, field=field, code=_CODE_OF_FIELD[field])

    if t.psk is not None and t.psk != "***":
        if not _PSK_RE.fullmatch(t.psk):
            warn(
                "psk",
                f"the pre-shared key ({len(t.psk)} characters) is not 8-64 characters of "
                "A-Z a-z 0-9 _ . as AWS requires",
            )
        elif t.psk.startswith("0"):
            warn("psk", "the pre-shared key starts with 0, which AWS does not accept")
    if t.cgw_inside is not None:
        net = t.cgw_inside.network
        first, last = _span(net)
        # (the usual case, where none of _lint_inside's rules warns: a /30 of 169.254.0.0/16 that
        # is none of the reserved /30s, holding the AWS inside address)
        usual = net.prefixlen == 30 and first >> 16 == _LINK_LOCAL_FIRST and first not in _RESERVED_FIRSTS
        if not usual or (t.aws_inside is not None and not first <= int(t.aws_inside) <= last):
            _lint_inside(t, net, first, last, warn)
    key = _values_key(t)
    if key not in _QUIET_VALUES:
        warned: list[str] = []

        def noted(field: str, message: str) -> None:
            warned.append(field)  # (whatever the report then does with it: ignored codes too)
            warn(field, message)

        _lint_values(t, noted)
        if not warned:
            if len(_QUIET_VALUES) >= 256:
                _QUIET_VALUES.clear()
            _QUIET_VALUES.add(key)
    if (
        t.bgp is not None
        and t.bgp.neighbor_ip is not None
        and t.aws_inside is not None
        and t.bgp.neighbor_ip != t.aws_inside.ip
        and (t.aws_inside_v6 is None or t.bgp.neighbor_ip != t.aws_inside_v6.ip)
    ):
        warn("bgp.neighbor_ip", f"BGP neighbor {t.bgp.neighbor_ip} is not the AWS inside address {t.aws_inside.ip}")


def _lint_inside(
    t: Tunnel, net: ipaddress.IPv4Network | ipaddress.IPv6Network, first: int, last: int, warn: _Warn
) -> None:
    if net.prefixlen != 30:
        warn("cgw_inside", f"inside CIDR {net} is not a /30")
    if not (_LINK_LOCAL_SPAN[0] <= first and last <= _LINK_LOCAL_SPAN[1]):  # net.subnet_of(_LINK_LOCAL)
        warn("cgw_inside", f"inside CIDR {net} is not inside 169.254.0.0/16")
    for r, r_first, r_last in _RESERVED_SPANS:
        if first <= r_last and r_first <= last:  # net.overlaps(r)
            warn("cgw_inside", f"inside CIDR {net} overlaps the reserved block {r}")
    if t.aws_inside is not None and not first <= int(t.aws_inside) <= last:  # aws_inside.ip in net
        warn("aws_inside", f"AWS inside address {t.aws_inside.ip} is not inside the customer's {net}")


def _lint_values(t: Tunnel, warn: _Warn) -> None:
    """The rules on the values that recur from tunnel to tunnel (lifetimes, rekey margin, replay
    window, DPD timeout, the ASNs): they read only :func:`_values_key`."""
    p1, p2 = t.ike.lifetime_s, t.ipsec.lifetime_s
    if p1 is not None and not 900 <= p1 <= 28800:
        warn("ike.lifetime_s", f"phase 1 lifetime {p1} s is outside AWS's 900..28800")
    if p2 is not None and not 900 <= p2 <= 3600:
        warn("ipsec.lifetime_s", f"phase 2 lifetime {p2} s is outside AWS's 900..3600")
    if p1 is not None and p2 is not None and p2 >= p1:
        warn("ipsec.lifetime_s", f"phase 2 lifetime {p2} s is not below phase 1's {p1} s")
    if t.rekey_margin_s is not None:
        if not 60 <= t.rekey_margin_s <= 1800:
            warn("rekey_margin_s", f"rekey margin {t.rekey_margin_s} s is outside AWS's 60..1800")
        if p2 is not None and t.rekey_margin_s > p2 // 2:
            warn("rekey_margin_s", f"rekey margin {t.rekey_margin_s} s is more than half the phase 2 lifetime")
    if t.replay_window is not None and not 64 <= t.replay_window <= 2048:
        warn("replay_window", f"replay window {t.replay_window} is outside AWS's 64..2048")
    if t.dpd_timeout_s is not None and t.dpd_timeout_s < 30:
        warn("dpd_timeout_s", f"DPD timeout {t.dpd_timeout_s} s is below AWS's minimum of 30")
    if t.bgp is not None:
        if t.bgp.cgw_asn == t.bgp.aws_asn:
            warn("bgp.cgw_asn", f"the customer ASN equals the AWS ASN ({t.bgp.aws_asn}); AWS refuses this")
        if t.bgp.cgw_asn in _AWS_RESERVED_ASNS:
            warn("bgp.cgw_asn", f"the customer ASN {t.bgp.cgw_asn} is reserved by AWS")


def lint_connection(conn: VpnConnection, report: Report) -> None:
    context = f"{conn.vpn_connection_id}: " if conn.vpn_connection_id else ""
    for t in conn.tunnels:
        lint_tunnel(t, report, context)
    if (
        conn.routing == "bgp"
        and any(t.bgp is None for t in conn.tunnels)
        and any(t.bgp is not None for t in conn.tunnels)
    ):
        report.warn(f"{context}some tunnels have BGP settings and others do not", field="bgp", code="lint-bgp-mixed")
    cidrs = [(t.cgw_inside.network, *_span(t.cgw_inside.network)) for t in conn.tunnels if t.cgw_inside is not None]
    for i, (a, a_first, a_last) in enumerate(cidrs):
        for b, b_first, b_last in cidrs[i + 1 :]:
            if a_first <= b_last and b_first <= a_last:  # a.overlaps(b)
                report.warn(
                    f"{context}the tunnels' inside CIDRs {a} and {b} overlap",
                    field="cgw_inside",
                    code="lint-inside-overlap",
                )


def lint(connections: list[VpnConnection], report: Report) -> None:
    """Lint every connection, and the inside CIDRs across connections (one router holds them all)."""
    for c in connections:
        lint_connection(c, report)
    seen: dict[tuple[int, int], str] = {}  # inside network (address, prefix length) -> first user
    for c in connections:
        name = c.name
        for t in c.tunnels:
            if t.cgw_inside is None:
                continue
            net = t.cgw_inside.network
            key = (int(net.network_address), net.prefixlen)
            other = seen.setdefault(key, name)
            if other != name:
                report.warn(
                    f"inside CIDR {net} is used by both {other} and {name}",
                    field="cgw_inside",
                    code="lint-inside-overlap",
                )
