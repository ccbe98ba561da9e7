"""``--to swanctl``: strongSwan 5.x swanctl.conf (vici), route based.

Files: ``swanctl.conf`` (connections, children and secrets; secret), ``aws-updown.sh`` (0755),
``strongswan.conf``.  One connection (with one child of the same name) per tunnel, each with its
own mark (``mark_in``/``mark_out``, VTI) or XFRM interface id (``if_id_in``/``if_id_out``,
``--interface xfrm``), so all tunnels are up at once.  swanctl.conf has no way to share settings
between connections, so every block is written in full, in a fixed order.  See docs/strongswan.md.
"""

from __future__ import annotations

import attrs

from ..errors import Report
from ..model import VpnConnection
from ..options import cli_options, ordered
from ..registry import OutputFile
from . import _strongswan as ss

NAME = "swanctl"
DESCRIPTION = "strongSwan 5.x swanctl.conf, route based (VTI + marks or XFRM if_id), all tunnels up"


@attrs.frozen(kw_only=True, slots=False, field_transformer=ordered("local_address", "ike_version", "interface"))
class Options(ss.SwanOptions, ss.InterfaceOptions):
    """strongSwan's options and ``--interface``."""


OPTIONS = cli_options(Options)

UPDOWN_PATH = "/etc/swanctl/aws-updown.sh"


def _connection(p: ss.TunnelPlan, interface: str) -> list[str]:
    ind = "    "
    lines = [f"{ind}# {ss.comment(p.comment)}", f"{ind}{p.name} {{"]
    body = [
        f"version = {p.version}",
        f"local_addrs = {p.local_addr}",
        f"remote_addrs = {p.remote}",
        f"proposals = {', '.join(p.ike_proposals)}",
        f"rekey_time = {p.ike_lifetime - p.margin}s",
        f"over_time = {p.margin}s",
        f"rand_time = {p.margin}s",
        f"dpd_delay = {p.dpd_delay}s",
    ]
    if p.dpd_timeout is not None:
        body.append(f"dpd_timeout = {p.dpd_timeout}s")
    body += [
        "keyingtries = 0",
        "local {",
        f"{ind}auth = psk",
        f"{ind}id = {p.local_id}",
        "}",
        "remote {",
        f"{ind}auth = psk",
        f"{ind}id = {p.remote}",
        "}",
        "children {",
    ]
    child = [
        "local_ts = 0.0.0.0/0",
        "remote_ts = 0.0.0.0/0",
        f"esp_proposals = {', '.join(p.esp_proposals)}",
        f"life_time = {p.child_lifetime}s",
        f"rekey_time = {p.child_lifetime - p.margin}s",
        f"rand_time = {p.margin}s",
    ]
    if p.replay_window is not None:
        child.append(f"replay_window = {p.replay_window}")
    child += ["dpd_action = restart", "start_action = start"]
    if interface == "xfrm":
        child += [f"if_id_in = {p.mark}", f"if_id_out = {p.mark}"]
    else:
        child += [f"mark_in = {p.mark}", f"mark_out = {p.mark}"]
    child.append(f"updown = {p.updown(UPDOWN_PATH, interface)}")
    body += [f"{ind}{p.name} {{", *(f"{ind}{ind}{c}" for c in child), f"{ind}}}", "}"]
    lines += [f"{ind}{ind}{b}" for b in body]
    lines.append(f"{ind}}}")
    return lines


def render_swanctl_conf(plans: list[ss.TunnelPlan], interface: str) -> str:
    kind = "XFRM interface per tunnel (if_id)" if interface == "xfrm" else "VTI per tunnel (mark)"
    out = [
        "# swanctl.conf written by vpnxlate from an AWS Site-to-Site VPN configuration",
        f"# Route based: one {kind}, made by aws-updown.sh; all tunnels are up at once.",
        f"# Install as /etc/swanctl/swanctl.conf (mode 0600), the script as {UPDOWN_PATH}.",
        "connections {",
    ]
    for n, p in enumerate(plans):
        if n:
            out.append("")
        out += _connection(p, interface)
    out += ["}", "", "secrets {"]
    for p in plans:
        out += [
            f"    ike-{p.name} {{",
            f"        id-local = {p.local_id}",
            f"        id-remote = {p.remote}",
            f"        secret = {ss.quote_secret(p.psk, 'psk')}",
            "    }",
        ]
    out.append("}")
    return "\n".join(out) + "\n"


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    interface = options.interface
    plans = ss.plan_tunnels(connections, report, options, interface=interface)
    plans, routing = ss.routing(connections, plans, report, options)
    return [
        OutputFile("swanctl.conf", render_swanctl_conf(plans, interface), mode=0o600, secret=True),
        OutputFile("aws-updown.sh", ss.UPDOWN_SCRIPT, mode=0o755),
        OutputFile("strongswan.conf", ss.STRONGSWAN_CONF),
        *routing,
    ]
