"""The routing policy, public: what every routing target writes, as one model (a building block).

The implementation lives with the emitters (``vpnxlate/emitters/_policy.py``, ``_frr.py``); this
module is its public, documented face for tests, tools and writers of new routing targets:

* :func:`build_policy` turns the connections and the routing options (``--advertise``,
  ``--accept``, ``--prefer-tunnel``, ...; :data:`ROUTING_OPTIONS`, their command-line forms) into a
  :class:`RoutingPolicy`: BGP :class:`Neighbor` objects, prefix-lists of :class:`PrefixRule`,
  route-maps of :class:`RouteMapRule`, the :class:`Origin` of each advertised prefix and the
  :class:`StaticRoute` objects of static connections;
* :func:`render_frr_conf` / :func:`frr_files` write a policy as FRR's ``frr.conf`` (and
  ``daemons``), with one :class:`TunnelLink` per tunnel interface; :func:`frr_word` is the FRR
  writer's one check of a word it writes.
"""

from __future__ import annotations

from .emitters._frr import TunnelLink, frr_files, frr_word, render_frr_conf
from .emitters._policy import (
    ROUTING_OPTIONS,
    Neighbor,
    Origin,
    PrefixList,
    PrefixRule,
    RouteMap,
    RouteMapRule,
    RoutingPolicy,
    RoutingTargetOptions,
    StaticRoute,
    build_policy,
)

__all__ = [
    "ROUTING_OPTIONS",
    "Neighbor",
    "Origin",
    "PrefixList",
    "PrefixRule",
    "RouteMap",
    "RouteMapRule",
    "RoutingPolicy",
    "RoutingTargetOptions",
    "StaticRoute",
    "TunnelLink",
    "build_policy",
    "frr_files",
    "frr_word",
    "render_frr_conf",
]
