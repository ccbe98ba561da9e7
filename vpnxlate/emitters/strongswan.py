"""``--to strongswan``: legacy strongSwan 5.x configuration (ipsec.conf, ipsec.secrets), route based.

Files: ``ipsec.conf``, ``ipsec.secrets`` (secret), ``aws-updown.sh`` (0755), ``strongswan.conf``.
Every tunnel of every connection is its own ``conn`` with its own mark; the updown script makes
a VTI keyed with that mark, so all tunnels are up at once.  What the tunnels share is written
once: in ``conn %default``, and in ``conn profile-XXXXXXXX`` sections (``auto = ignore``) pulled
in with ``also =`` when connections differ in proposals, lifetimes or DPD.  See docs/strongswan.md.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Sequence
from typing import Any

from ..errors import Report
from ..model import VpnConnection
from ..options import cli_options
from ..registry import OutputFile
from . import _strongswan as ss

NAME = "strongswan"
DESCRIPTION = "strongSwan 5.x ipsec.conf + ipsec.secrets, route based (VTI + marks), all tunnels up"
Options = ss.SwanOptions
OPTIONS = cli_options(Options)

# The strongSwan family's public building blocks (shared with swanctl and libreswan): the naming
# scheme (connection key, mark/if_id, section names), the quoting functions, the proposal keywords.
connection_key, tunnel_mark, section_name, safe, comment = (
    ss.connection_key,
    ss.tunnel_mark,
    ss.section_name,
    ss.safe,
    ss.comment,
)
esp_proposals, ENCRYPTION_KW, INTEGRITY_KW, PRF_KW, DH_KW = (
    ss.esp_proposals,
    ss.ENCRYPTION_KW,
    ss.INTEGRITY_KW,
    ss.PRF_KW,
    ss.DH_KW,
)

UPDOWN_PATH = "/etc/ipsec.d/aws-updown.sh"

# Order of the settings in every section.
_KEY_ORDER = (
    "type",
    "authby",
    "keyexchange",
    "reauth",
    "ike",
    "esp",
    "ikelifetime",
    "lifetime",
    "margintime",
    "keyingtries",
    "dpddelay",
    "dpdtimeout",
    "dpdaction",
    "replay_window",
    "left",
    "leftid",
    "leftsubnet",
    "rightsubnet",
    "auto",
)
_IDENTITY = ("left", "leftid")


def _settings(p: ss.TunnelPlan) -> dict[str, str]:
    s = {
        "type": "tunnel",
        "authby": "psk",
        "keyexchange": f"ikev{p.version}",
    }
    if p.version == 2:
        s["reauth"] = "no"  # AWS rekeys the IKE_SA, it does not reauthenticate (a reauth rebuilds the VTI)
    s |= {
        "ike": ",".join(p.ike_proposals) + "!",
        "esp": ",".join(p.esp_proposals) + "!",
        "ikelifetime": f"{p.ike_lifetime}s",
        "lifetime": f"{p.child_lifetime}s",
        "margintime": f"{p.margin}s",
        "keyingtries": "%forever",
        "dpddelay": f"{p.dpd_delay}s",
    }
    if p.dpd_timeout is not None:
        s["dpdtimeout"] = f"{p.dpd_timeout}s"
    s["dpdaction"] = "restart"
    if p.replay_window is not None:
        s["replay_window"] = str(p.replay_window)
    s.update(
        {
            "left": p.local_addr,
            "leftid": p.local_id,
            "leftsubnet": "0.0.0.0/0",
            "rightsubnet": "0.0.0.0/0",
            "auto": "start",
        }
    )
    return {k: ss.safe(v, k) if k not in ("ike", "esp") else v for k, v in s.items()}


def _section(header: str, items: list[tuple[str, str]], comments: Sequence[str] = ()) -> str:
    lines = [f"# {ss.comment(c)}" for c in comments]
    lines.append(header)
    lines.extend(f"    {k} = {v}" for k, v in items)
    return "\n".join(lines) + "\n"


#: the plan fields :func:`_settings` reads: plans equal in these share one settings dict
_SETTINGS_KEY = operator.attrgetter(
    "version",
    "ike_proposals",
    "esp_proposals",
    "ike_lifetime",
    "child_lifetime",
    "margin",
    "dpd_delay",
    "dpd_timeout",
    "replay_window",
    "local_addr",
    "local_id",
)


def render_ipsec_conf(plans: list[ss.TunnelPlan]) -> str:
    by_key: dict[tuple[Any, ...], dict[str, str]] = {}
    per = []
    for p in plans:
        key = _SETTINGS_KEY(p)
        s = by_key.get(key)
        if s is None:
            s = by_key[key] = _settings(p)
        per.append(s)
    distinct = list(by_key.values())
    common: dict[str, str] = {}
    for k in _KEY_ORDER:
        values = {s.get(k) for s in distinct}
        if len(values) == 1 and None not in values:
            common[k] = distinct[0][k]
    # the settings of each distinct dict that are not common: its profile (None: no profile)
    profile_names: dict[int, str | None] = {}
    profiles: dict[str, dict[str, str]] = {}
    for s in distinct:
        r = {k: v for k, v in s.items() if k not in common and k not in _IDENTITY}
        name = None
        if r:
            text = "\n".join(f"{k}={v}" for k, v in r.items())
            name = "profile-" + hashlib.sha256(text.encode()).hexdigest()[:8]
            profiles[name] = r
        profile_names[id(s)] = name
    profile_of = [profile_names[id(s)] for s in per]
    users: dict[str, set[str]] = {}
    for p, prof in zip(plans, profile_of, strict=True):
        if prof is not None:
            users.setdefault(prof, set()).add(p.conn_label)
    if profiles:
        common.pop("auto", None)

    out = [
        "# ipsec.conf written by vpnxlate from an AWS Site-to-Site VPN configuration",
        "# Route based: one VTI per tunnel, selected by the tunnel's mark (see aws-updown.sh);",
        f"# all tunnels are up at once.  Install as /etc/ipsec.conf, the script as {UPDOWN_PATH}.",
        "config setup",
        "    uniqueids = no",
        "",
        _section("conn %default", [(k, common[k]) for k in _KEY_ORDER if k in common]),
    ]
    for name in sorted(profiles):
        shared = [(k, v) for k, v in profiles[name].items() if k != "auto"] + [("auto", "ignore")]
        out.append(_section(f"conn {name}", shared, [f"shared by {', '.join(sorted(users[name]))}"]))
    identity = [k for k in _IDENTITY if k not in common]
    for p, s, prof in zip(plans, per, profile_of, strict=True):
        text = f"# {ss.comment(p.comment)}\nconn {p.name}\n"
        if prof:
            text += f"    also = {prof}\n"
        for k in identity:
            text += f"    {k} = {s[k]}\n"
        text += f'    right = {p.remote}\n    mark = {p.mark}\n    leftupdown = "{p.updown(UPDOWN_PATH, "vti")}"\n'
        if prof:
            text += "    auto = start\n"
        out.append(text)
    return "\n".join(out)


def render_secrets(plans: list[ss.TunnelPlan]) -> str:
    lines = [
        "# ipsec.secrets written by vpnxlate (mode 0600; install as /etc/ipsec.secrets)",
        '# local id (the customer gateway\'s public IP)  AWS outside IP : PSK "key"',
    ]
    for p in plans:
        lines.append(f"{p.local_id} {p.remote} : PSK {ss.quote_secret(p.psk, 'psk')}")
    return "\n".join(lines) + "\n"


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    plans = ss.plan_tunnels(connections, report, options, interface="vti")
    plans, routing = ss.routing(connections, plans, report, options)
    return [
        OutputFile("ipsec.conf", render_ipsec_conf(plans)),
        OutputFile("ipsec.secrets", render_secrets(plans), mode=0o600, secret=True),
        OutputFile("aws-updown.sh", ss.UPDOWN_SCRIPT, mode=0o755),
        OutputFile("strongswan.conf", ss.STRONGSWAN_CONF),
        *routing,
    ]
