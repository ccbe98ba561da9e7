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


def _connection(p: ss.TunnelPlan, interface: str) -> str:
    """The connection block of one tunnel (without a final newline)."""
    dpd_timeout = "" if p.dpd_timeout is None else f"        dpd_timeout = {p.dpd_timeout}s\n"
    replay = "" if p.replay_window is None else f"                replay_window = {p.replay_window}\n"
    kind = "if_id" if interface == "xfrm" else "mark"
    margin = p.margin
    return (
        f"    # {ss.comment(p.comment)}\n"
        f"    {p.name} {{\n"
        f"        version = {p.version}\n"
        f"        local_addrs = {p.local_addr}\n"
        f"        remote_addrs = {p.remote}\n"
        f"        proposals = {', '.join(p.ike_proposals)}\n"
        f"        rekey_time = {p.ike_lifetime - margin}s\n"
        f"        over_time = {margin}s\n"
        f"        rand_time = {margin}s\n"
        f"        dpd_delay = {p.dpd_delay}s\n"
        f"{dpd_timeout}"
        "        keyingtries = 0\n"
        "        local {\n"
        "            auth = psk\n"
        f"            id = {p.local_id}\n"
        "        }\n"
        "        remote {\n"
        "            auth = psk\n"
        f"            id = {p.remote}\n"
        "        }\n"
        "        children {\n"
        f"            {p.name} {{\n"
        "                local_ts = 0.0.0.0/0\n"
        "                remote_ts = 0.0.0.0/0\n"
        f"                esp_proposals = {', '.join(p.esp_proposals)}\n"
        f"                life_time = {p.child_lifetime}s\n"
        f"                rekey_time = {p.child_lifetime - margin}s\n"
        f"                rand_time = {margin}s\n"
        f"{replay}"
        "                dpd_action = restart\n"
        "                start_action = start\n"
        f"                {kind}_in = {p.mark}\n"
        f"                {kind}_out = {p.mark}\n"
        f"                updown = {p.updown(UPDOWN_PATH, interface)}\n"
        "            }\n"
        "        }\n"
        "    }"
    )


def render_swanctl_conf(plans: list[ss.TunnelPlan], interface: str) -> str:
    kind = "XFRM interface per tunnel (if_id)" if interface == "xfrm" else "VTI per tunnel (mark)"
    out = [
        "# swanctl.conf written by vpnxlate from an AWS Site-to-Site VPN configuration",
        f"# Route based: one {kind}, made by aws-updown.sh; all tunnels are up at once.",
        f"# Install as /etc/swanctl/swanctl.conf (mode 0600), the script as {UPDOWN_PATH}.",
        "connections {",
        "\n\n".join([_connection(p, interface) for p in plans]),
        "}",
        "",
        "secrets {",
    ]
    if not plans:
        del out[4]
    for p in plans:
        out.append(
            f"    ike-{p.name} {{\n"
            f"        id-local = {p.local_id}\n"
            f"        id-remote = {p.remote}\n"
            f"        secret = {ss.quote_secret(p.psk, 'psk')}\n"
            "    }"
        )
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
