"""FRR writer of the routing policy (:mod:`._policy`) for the Linux IPsec targets.

:func:`frr_files` returns ``frr.conf`` (integrated config, ``vtysh -b`` / frr.service reads it)
and ``daemons`` (Debian/Ubuntu ``/etc/frr/daemons``: bgpd on) for the BGP part of a policy; no
files when the policy has no BGP neighbor.  It is a pure function of the policy and the
per-tunnel interface names an IPsec target supplies (:class:`TunnelLink`), so any IPsec target
(strongSwan, swanctl, Libreswan) writes the same FRR configuration.

What it writes and why (docs/strongswan.md, "Routing"):

* ``frr defaults traditional``; FRR 8's ``bgp ebgp-requires-policy`` stays on: every neighbor has
  a route-map in both directions (without them FRR would send and accept nothing).
* ``bgp router-id`` = the router's own address when known: otherwise FRR picks the highest
  interface address, often a tunnel's 169.254.x.y, and a tunnel going down would change the router
  id and reset the other tunnel's session too.
* One eBGP neighbor per tunnel on the AWS inside address: ``remote-as`` AWS, ``timers KEEPALIVE
  HOLD`` from the model, ``timers connect 10`` (FRR's default retry is 120 s: the session over a
  recovered tunnel would wait that long), ``local-as ASN no-prepend replace-as`` where the
  connection's customer ASN is not the router's, ``soft-reconfiguration inbound``,
  ``maximum-prefix``.
* ``network P`` needs P in the RIB (``bgp network import-check``): a connected route does, else
  the policy's origin route is written for staticd (``ip route P blackhole 254`` — any real route
  for P or a part of it wins; or ``ip route P NEXT_HOP`` when the router sits inside P).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import attrs

from ..errors import EmitError, Report, describe_value
from ..registry import OutputFile
from ._base import ip_text, unsupported
from ._policy import Neighbor, RouteMapRule, RoutingPolicy

# A word in frr.conf: no whitespace, no comment character, nothing that could end a line.
_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
# A description (rest of the line): printable ASCII without '!' (comment) or '#'.
_TEXT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:/()=,+@<>-]*$")

DAEMONS = """\
# /etc/frr/daemons written by vpnxlate (Debian/Ubuntu format): BGP for the AWS tunnels.
# zebra and staticd always run; staticd installs the routes that originate the advertised prefixes.
bgpd=yes
ospfd=no
ospf6d=no
ripd=no
ripngd=no
isisd=no
pimd=no
ldpd=no
nhrpd=no
eigrpd=no
babeld=no
sharpd=no
pbrd=no
bfdd=no
fabricd=no
vrrpd=no
pathd=no
vtysh_enable=yes
zebra_options="  -A 127.0.0.1 -s 90000000"
bgpd_options="   -A 127.0.0.1"
staticd_options="-A 127.0.0.1"
frr_profile="traditional"
"""


@attrs.frozen
class TunnelLink:
    """What an IPsec target knows about one tunnel: its policy reference and interface name."""

    tag: str
    aws_outside_ip: str
    ifname: str

    @property
    def ref(self) -> tuple[str, str]:
        return (self.tag, self.aws_outside_ip)


def frr_word(value: object, field: str = "frr") -> str:
    """``value`` as one frr.conf word; refused (EmitError) if it could add a word, a comment or a line."""
    text = str(value)
    if not _WORD.match(text):
        raise EmitError(f"refusing to write {describe_value(text)} into frr.conf", field=field)
    return text


def frr_text(value: object, field: str = "frr") -> str:
    text = str(value)
    if not _TEXT.match(text):
        raise EmitError(f"refusing to write {describe_value(text)} into frr.conf", field=field)
    return text


def _words() -> Callable[[object], str]:
    """:func:`frr_word`, remembering the words it has written (names and addresses recur)."""
    seen: dict[tuple[type, object], str] = {}

    def word(value: object) -> str:
        key = (value.__class__, value)
        text = seen.get(key)
        if text is None:
            text = seen[key] = frr_word(value)
        return text

    return word


def render_frr_conf(policy: RoutingPolicy, links: Iterable[TunnelLink] = (), *, header: Sequence[str] = ()) -> str:
    """The frr.conf text of the BGP part of ``policy`` (``links`` name the tunnel interfaces)."""
    if policy.router_asn is None or not policy.neighbors:
        raise EmitError("no BGP neighbor: nothing for FRR to do")
    w = _words()
    # each neighbor's address (an IPv4 address: always a word) and description (checked where written)
    neighbors = [(n, frr_word(ip_text(n.address)), n.description) for n in policy.neighbors]
    out = [
        "! frr.conf written by vpnxlate: BGP over the AWS Site-to-Site VPN tunnels",
        "! Install as /etc/frr/frr.conf (with the daemons file as /etc/frr/daemons), then",
        "! 'systemctl restart frr'; check with 'vtysh -c \"show bgp summary\"'.",
        *(f"! {frr_text(h)}" for h in header),
        "frr defaults traditional",
        "log syslog informational",
        "!",
        *_neighbor_comments(neighbors, {link.ref: link.ifname for link in links}),
        "!",
        *_filters(policy, w),
    ]
    for o in policy.origins:
        target = w(o.next_hop) if o.next_hop is not None else "blackhole"
        out.append(f"ip route {w(o.prefix)} {target}" + (f" {o.distance}" if o.distance is not None else ""))
    if policy.origins:
        out.append("!")
    out.append(f"router bgp {policy.router_asn}")
    if policy.router_id is not None:
        out.append(f" bgp router-id {w(policy.router_id)}")
    out.append(" bgp log-neighbor-changes")
    for n, a, description in neighbors:
        out.append(_neighbor(n, a, description))
    out += _address_family(policy, neighbors, w)
    out += ["exit", "!"]
    return "\n".join(out) + "\n"


_Checked = Sequence[tuple[Neighbor, str, str]]  # (neighbor, its address as a word, its description)


def _neighbor_comments(neighbors: _Checked, ifnames: dict[tuple[str, str], str]) -> list[str]:
    """One comment line per neighbor: tunnel interface, inside addresses, ASNs."""
    out = []
    for n, a, description in neighbors:
        ifname = ifnames.get(n.ref)
        via = f" over {frr_word(ifname)}" if ifname else ""
        local_as = n.local_as
        more = "" if local_as is None else f", local-as {local_as}"
        inside = ip_text(n.local_inside)
        out.append(
            "! " + frr_text(f"{description}{via}: {inside} <-> {a}, AS {n.local_asn} <-> AS {n.remote_asn}{more}")
        )
    return out


def _filters(policy: RoutingPolicy, w: Callable[[object], str]) -> list[str]:
    """The prefix lists and route-maps of the policy."""
    # the text of each rule after its list's / map's name, made once per rule object (the policy
    # shares one object among the lists and maps with that rule; an entry holds its rule)
    texts: dict[int, tuple[object, str, list[str]]] = {}
    out = []
    for pl in policy.prefix_lists:
        start = "ip prefix-list " + w(pl.name)
        for r in pl.rules:
            found = texts.get(id(r))
            if found is None:
                le = f" le {r.le}" if r.le is not None else ""
                found = texts[id(r)] = (r, f" seq {r.seq} {r.action} {w(r.prefix)}{le}", [])
            out.append(start + found[1])
        out.append("!")
    for rm in policy.route_maps:
        start = "route-map " + w(rm.name)
        for rule in rm.rules:
            found = texts.get(id(rule))
            if found is None:
                found = texts[id(rule)] = (rule, f" {rule.action} {rule.seq}", _route_map_lines(rule, w))
            out.append(start + found[1])
            out += found[2]
        out.append("!")
    return out


def _route_map_lines(rule: RouteMapRule, w: Callable[[object], str]) -> list[str]:
    """A route-map rule's lines after its first."""
    out = []
    if rule.match_prefix_list:
        out.append(f" match ip address prefix-list {w(rule.match_prefix_list)}")
    if rule.prepend:
        out.append(" set as-path prepend " + " ".join(str(a) for a in rule.prepend))
    if rule.local_preference is not None:
        out.append(f" set local-preference {rule.local_preference}")
    out.append("exit")
    return out


def _address_family(policy: RoutingPolicy, neighbors: _Checked, w: Callable[[object], str]) -> list[str]:
    """``address-family ipv4 unicast``: the advertised networks and each neighbor's limits and route-maps."""
    out = [" !", " address-family ipv4 unicast", *(f"  network {w(net)}" for net in policy.advertise)]
    for n, a, _ in neighbors:
        out.append(
            f"  neighbor {a} soft-reconfiguration inbound\n"
            f"  neighbor {a} maximum-prefix {n.max_prefix}\n"
            f"  neighbor {a} route-map {w(n.import_map)} in\n"
            f"  neighbor {a} route-map {w(n.export_map)} out"
        )
    return [*out, " exit-address-family"]


def _neighbor(n: Neighbor, a: str, description: str) -> str:
    text = f" neighbor {a} remote-as {n.remote_asn}\n neighbor {a} description {frr_text(description)}"
    if n.local_as is not None:
        text += f"\n neighbor {a} local-as {n.local_as} no-prepend replace-as"
    if n.hold_time is not None:
        text += f"\n neighbor {a} timers {n.keepalive} {n.hold_time}"
    return text + f"\n neighbor {a} timers connect {n.connect_retry}"


def frr_files(
    policy: RoutingPolicy, links: Iterable[TunnelLink], report: Report, *, header: Sequence[str] = ()
) -> list[OutputFile]:
    """``frr.conf`` and ``daemons`` for the BGP neighbors of ``policy``; ``[]`` without BGP."""
    if policy.router_asn is None or not policy.neighbors:
        return []
    if policy.router_id is None:
        unsupported(
            report,
            None,
            "BGP router id not set (the router's address is unknown): FRR picks the highest interface "
            "address, and if that is a tunnel's, a tunnel going down resets the other session too; set "
            "'bgp router-id' in frr.conf",
            field="bgp",
            code="frr-router-id",
        )
    return [OutputFile("frr.conf", render_frr_conf(policy, links, header=header)), OutputFile("daemons", DAEMONS)]
