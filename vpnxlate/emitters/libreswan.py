"""``--to libreswan``: Libreswan (pluto) configuration, route based, every tunnel up at once.

Files: ``ipsec.conf`` (``config setup`` + ``include /etc/ipsec.d/*.conf``, as the distributions ship
it, with ``ikev1-policy=accept`` when a tunnel uses IKEv1), per connection a drop-in
``aws-<connection>.conf`` and ``aws-<connection>.secrets`` (0600) for ``/etc/ipsec.d/``, and
``aws-libreswan-updown`` (0755).  One ``conn`` per tunnel, VTI keyed by the tunnel's mark
(``mark=N/0xffffffff``, ``vti-interface=``, ``leftvti=``, ``vti-routing=no``; Libreswan's own
``_updown`` creates the VTI) or an XFRM interface (``ipsec-interface=N``, ``--interface xfrm``).
What a connection's tunnels share is written once, in ``conn <connection>-shared``, pulled in
with ``also=`` (a ``conn %default`` in a drop-in would change every other conn on the host).

Names, marks, lifetimes, rekey margin, DPD and the NAT fix-up are planned by
:mod:`._strongswan`, shared with the strongSwan targets.  Libreswan's own limits are handled
here: current builds have no MODP1024 (DH group 2, all an AWS download lists) and no DH 22-24;
IKEv1 quick mode takes one PFS group and no ECP group.  See docs/libreswan.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import attrs

from .. import algorithms
from ..errors import EmitError, Report, describe_value
from ..model import Tunnel, VpnConnection, check_secret
from ..options import TargetOptions, cli_options, option, ordered
from ..registry import OutputFile
from . import _strongswan as ss
from ._base import unsupported

NAME = "libreswan"
DESCRIPTION = "Libreswan 4.x/5.x ipsec.conf + ipsec.d drop-ins, route based (VTI + marks or XFRM), all tunnels up"


def _major(value: Any) -> str:
    major = str(value or "4")
    if major not in ("4", "5"):
        raise EmitError(f"--libreswan-version must be 4 or 5, not {describe_value(major)}", field="libreswan_version")
    return major


@attrs.frozen(kw_only=True, slots=False)
class _VersionOptions(TargetOptions):
    libreswan_version: str = option(
        "--libreswan-version",
        "Libreswan major version: 4 (ikev2=no|insist; Debian 12, RHEL 8/9, Amazon Linux) or 5 "
        "(keyexchange=ikev1|ikev2)",
        choices=("4", "5"),
        default="4",
        metavar="{4,5}",
        convert=_major,
    )


@attrs.frozen(
    kw_only=True,
    slots=False,
    field_transformer=ordered("local_address", "ike_version", "interface", "libreswan_version"),
)
class Options(ss.SwanOptions, ss.InterfaceOptions, _VersionOptions):
    """The strongSwan targets' options and ``--libreswan-version``."""


OPTIONS = cli_options(Options)

UPDOWN_PATH = "/usr/local/sbin/aws-libreswan-updown"
UPDOWN_NAME = "aws-libreswan-updown"

# ------------------------------------------------------------------ algorithms

ENCRYPTION_KW: dict[str, str] = {
    "AES128": "aes128",
    "AES256": "aes256",
    "AES128-GCM-16": "aes_gcm128",
    "AES256-GCM-16": "aes_gcm256",
}
INTEGRITY_KW: dict[str, str] = {
    "SHA1": "sha1",
    "SHA2-256": "sha2_256",
    "SHA2-384": "sha2_384",
    "SHA2-512": "sha2_512",
}
# DH groups current Libreswan builds support (4.10 checked with its algparse): no MODP1024 (2),
# no 22-24.  IKEv1 quick mode (PFS) takes MODP groups only, and only one.
DH_KW: dict[int, str] = {
    5: "modp1536",
    14: "modp2048",
    15: "modp3072",
    16: "modp4096",
    17: "modp6144",
    18: "modp8192",
    19: "dh19",
    20: "dh20",
    21: "dh21",
}
MODP_GROUPS = frozenset({5, 14, 15, 16, 17, 18})
# Security strength in bits (NIST SP 800-57 part 1, table 2), for "strongest first".
_STRENGTH: dict[int, int] = {
    2: 80,
    5: 96,
    14: 112,
    15: 128,
    16: 152,
    17: 176,
    18: 200,
    19: 128,
    20: 192,
    21: 256,
    22: 80,
    23: 112,
    24: 112,
}
# What AWS accepts per phase when the tunnel's DH options are left at their defaults.
AWS_DEFAULT_DH = {1: algorithms.PHASE1_DH_GROUPS, 2: algorithms.PHASE2_DH_GROUPS}
_DH_OPTION = {1: "Phase1DHGroupNumbers", 2: "Phase2DHGroupNumbers"}

# ------------------------------------------------------------------ the one quoting function

_VALUE = re.compile(r"^[A-Za-z0-9._:/%,@+;-]+$")


def q(value: object, field: str, *, words: bool = False, secret: bool = False) -> str:
    """Every value written into ipsec.conf / ipsec.secrets goes through here.

    A plain value may hold letters, digits and ``. _ : / % , @ + ; -`` only (nothing that starts
    a comment, ends a line, quotes or separates a setting); ``words=True`` checks each word of a
    command line (leftupdown) that way and wraps it in double quotes; ``secret=True`` is a PSK:
    the model's secret check, in double quotes, never shown in a message."""
    if secret:
        text = str(value)
        check_secret(text, field)
        return f'"{text}"'
    text = str(value)
    parts = text.split(" ") if words else [text]
    for part in parts:
        if not part or not _VALUE.match(part):
            raise EmitError(
                f"refusing to write {describe_value(text)}: it contains characters that could change "
                "the meaning of the Libreswan configuration (whitespace, quotes, #, =, ...)",
                field=field,
            )
    return f'"{text}"' if words else text


def _strongest(groups: Sequence[int]) -> list[int]:
    return sorted(groups, key=lambda g: (-_STRENGTH[g], g not in (19, 20, 21)))


def _supported(phase: int, version: int) -> frozenset[int]:
    if phase == 2 and version == 1:
        return MODP_GROUPS
    return frozenset(DH_KW) - ({5} if phase == 1 else set())


def _dh_groups(t: Tunnel, phase: int, version: int, planned: Sequence[int], label: str) -> tuple[list[int], str | None]:
    """The DH groups to write for one phase, and what to say about them: the input's groups that
    Libreswan supports (strongest first); when there are none and the input does not restrict
    them (a download lists only AWS's minimum, group 2), the strongest group AWS accepts by
    default; an error when EC2 TunnelOptions restrict the groups to ones Libreswan lacks."""
    option = _DH_OPTION[phase]
    what = "phase 1 (IKE)" if phase == 1 else "phase 2 (PFS)"
    supported = _supported(phase, version)
    usable = _strongest([g for g in planned if g in supported])
    dropped = [g for g in planned if g not in supported]
    v1_pfs = phase == 2 and version == 1
    limit = "current Libreswan builds have no MODP1024 (group 2) and no groups 22-24" + (
        "; IKEv1 quick mode takes one MODP group (5, 14-18)" if v1_pfs else ""
    )
    groups = ", ".join(map(str, planned))
    if usable:
        chosen = usable[:1] if v1_pfs else usable
        if not dropped:
            return chosen, None
        return chosen, f"{what}: leaving out DH group(s) {', '.join(map(str, dropped))} of {groups} ({limit})"
    if option in (t.stated_tunnel_options or ()):
        need = "5 or 14-18" if v1_pfs else ("14-21" if phase == 1 else "5 or 14-21")
        hint = " (or use --ike-version 2)" if v1_pfs else ""
        raise EmitError(
            f"{label}: the tunnel's TunnelOptions {option} allow only DH group(s) {groups}, which "
            f"Libreswan cannot use for {what} ({limit}); add group {need} to {option} on the AWS "
            f"side (aws ec2 modify-vpn-tunnel-options){hint}",
            field=option,
        )
    best = _strongest([g for g in AWS_DEFAULT_DH[phase] if g in supported])[0]
    accepted = "2, 14-24" if phase == 1 else "2, 5, 14-24"
    return [best], (
        f"{what}: the input lists only DH group(s) {groups} ({limit}); written: group {best} "
        f"({DH_KW[best]}), the strongest AWS accepts by default ({accepted}, unless the tunnel's "
        f"{option} restrict them; then add {best} there)"
    )


def _dh_choice(p: ss.TunnelPlan, report: Report) -> tuple[list[int], list[int]]:
    """Both phases' groups, with one warning per tunnel for what had to change."""
    t = p.source
    assert t is not None
    label = f"{p.conn_label} tunnel {p.remote}"
    dh1, note1 = _dh_groups(t, 1, p.version, p.ike_algorithms[2], label)
    dh2, note2 = _dh_groups(t, 2, p.version, p.esp_algorithms[2], label)
    notes = [n for n in (note1, note2) if n]
    if notes:
        unsupported(
            report,
            label,
            f"Libreswan cannot use every DH group of the input: {'; '.join(notes)}. AWS's downloads "
            "list AWS's minimum; restrictions are set with aws ec2 modify-vpn-tunnel-options",
            field="ike.dh_groups" if note1 else "ipsec.pfs_dh_groups",
            code="libreswan-dh",
            error=EmitError,
        )
    return dh1, dh2


def ike_proposals(
    version: int, enc: Sequence[str], integ: Sequence[str], dh: Sequence[int], report: Report, label: str
) -> str:
    """``ike=``: IKEv2 one proposal per cipher kind (``aes128+aes256-sha1+sha2_256;dh21+modp2048``,
    GCM with PRFs); IKEv1 has no such lists, so every combination is its own proposal."""
    ciphers = ss.ike_ciphers(version, enc, report, label)
    dh_kw = [DH_KW[g] for g in dh]
    integ_kw = [INTEGRITY_KW[i] for i in integ]
    if version == 2:
        return ",".join(
            "+".join(ENCRYPTION_KW[e] for e in group) + "-" + "+".join(integ_kw) + ";" + "+".join(dh_kw)
            for _, group in ss.split_aead(ciphers)
        )
    return ",".join(f"{ENCRYPTION_KW[e]}-{i};{d}" for e in ciphers for i in integ_kw for d in dh_kw)


def esp_proposals(version: int, enc: Sequence[str], integ: Sequence[str], pfs: Sequence[int]) -> str:
    """``phase2alg=`` with the PFS group(s) after ``;`` (AWS requires PFS); GCM with ``null``."""
    dh_kw = [DH_KW[g] for g in pfs]
    integ_kw = [INTEGRITY_KW[i] for i in integ]
    if version == 2:
        return ",".join(
            "+".join(ENCRYPTION_KW[e] for e in group)
            + "-"
            + ("null" if aead else "+".join(integ_kw))
            + ";"
            + "+".join(dh_kw)
            for aead, group in ss.split_aead(enc)
        )
    out = []
    for e in enc:
        for i in ["null"] if algorithms.is_gcm(e) else integ_kw:
            out.append(f"{ENCRYPTION_KW[e]}-{i};{dh_kw[0]}")
    return ",".join(out)


# ------------------------------------------------------------------ settings

_SHARED_ORDER = (
    "type",
    "authby",
    "ikev2",
    "keyexchange",
    "ike",
    "phase2alg",
    "pfs",
    "ikelifetime",
    "salifetime",
    "rekeymargin",
    "rekeyfuzz",
    "keyingtries",
    "dpddelay",
    "dpdtimeout",
    "dpdaction",
    "retransmit-timeout",
    "replay-window",
    "left",
    "leftid",
    "leftsubnet",
    "rightsubnet",
    "vti-routing",
    "vti-shared",
)
_TUNNEL_ORDER = ("right", "rightid", "mark", "vti-interface", "leftvti", "ipsec-interface", "leftupdown", "auto")


def _settings(p: ss.TunnelPlan, major: str, interface: str, report: Report) -> dict[str, str]:
    label = f"{p.conn_label} tunnel {p.remote}"
    ike_enc, ike_int, _ = p.ike_algorithms
    esp_enc, esp_int, _ = p.esp_algorithms
    dh1, dh2 = _dh_choice(p, report)
    for life, what in ((p.ike_lifetime, "ikelifetime"), (p.child_lifetime, "salifetime")):
        if life > 86400:
            unsupported(
                report,
                label,
                f"{what} {life} s is longer than Libreswan's maximum of 24 h; pluto uses 24 h",
                field="lifetime_s",
                code="libreswan-lifetime",
                error=EmitError,
            )
    s: dict[str, str] = {"type": "tunnel", "authby": "secret"}
    if major == "4":
        s["ikev2"] = "insist" if p.version == 2 else "no"
    else:
        s["keyexchange"] = f"ikev{p.version}"
    s.update(
        {
            "ike": ike_proposals(p.version, ike_enc, ike_int, dh1, report, label),
            "phase2alg": esp_proposals(p.version, esp_enc, esp_int, dh2),
            "pfs": "yes",
            "ikelifetime": f"{p.ike_lifetime}s",
            "salifetime": f"{p.child_lifetime}s",
            "rekeymargin": f"{p.margin}s",
            "rekeyfuzz": "100%",
            "keyingtries": "%forever",
            "dpddelay": str(p.dpd_delay),
            "dpdtimeout": str(p.dpd_timeout),
            "dpdaction": "restart",
        }
    )
    if p.version == 2:
        # Libreswan 4.10 declares an IKEv2 peer dead only when a liveness request's retransmissions
        # give up (retransmit-timeout, default 60 s), whatever dpdtimeout says: measured in the lab,
        # 83 s of interruption for a static connection; AWS's DPD timeout is the bound to keep
        s["retransmit-timeout"] = f"{p.dpd_timeout}s"
    if p.replay_window is not None:
        s["replay-window"] = str(p.replay_window)
    s.update({"left": p.local_addr, "leftid": p.local_id, "leftsubnet": "0.0.0.0/0", "rightsubnet": "0.0.0.0/0"})
    if interface == "vti":
        s.update({"vti-routing": "no", "vti-shared": "no"})
    s.update({"right": p.remote, "rightid": p.remote})
    if interface == "vti":
        s.update({"mark": f"{p.mark}/0xffffffff", "vti-interface": p.ifname, "leftvti": p.inside_local})
    else:
        s["ipsec-interface"] = str(p.mark)
    updown = [UPDOWN_PATH, "-ln", p.ifname, "-ll", p.inside_local, "-mtu", str(p.mtu), "-mss", str(p.mss)]
    if p.routes:
        updown += ["-r", ",".join(p.routes), "-rm", str(p.route_metric)]
    s["leftupdown"] = " ".join(updown)
    s["auto"] = "start"
    return s


def _line(key: str, value: str) -> str:
    return f"    {key}={q(value, key, words=key == 'leftupdown')}"


def render_connection(conn_key: str, plans: Sequence[ss.TunnelPlan], settings: Sequence[dict[str, str]]) -> str:
    """The drop-in of one connection: a shared section (``also=``) and one conn per tunnel."""
    shared_name = q(ss.section_name(f"{conn_key}-shared"), "name")
    common = {
        k: settings[0][k]
        for k in _SHARED_ORDER
        if k in settings[0] and all(s.get(k) == settings[0][k] for s in settings)
    }
    out = [
        f"# {plans[0].conn_label}: written by vpnxlate from an AWS Site-to-Site VPN configuration",
        "# Libreswan drop-in: install as /etc/ipsec.d/" + _file_stem(conn_key) + ".conf (the distribution's",
        "# /etc/ipsec.conf includes /etc/ipsec.d/*.conf); route based, one VTI/XFRM interface per tunnel.",
        "",
        f"# what the tunnels of {plans[0].conn_label} share (no auto=: only pulled in with also=)",
        f"conn {shared_name}",
        *(_line(k, v) for k, v in common.items()),
    ]
    for p, s in zip(plans, settings, strict=True):
        out += ["", f"# {p.comment}", f"conn {q(p.name, 'name')}", f"    also={shared_name}"]
        own = [k for k in _SHARED_ORDER if k in s and k not in common] + [k for k in _TUNNEL_ORDER if k in s]
        out += [_line(k, s[k]) for k in own]
    return "\n".join(out) + "\n"


def render_secrets(conn_key: str, plans: Sequence[ss.TunnelPlan]) -> str:
    lines = [
        f"# {plans[0].conn_label}: pre-shared keys (mode 0600; install as /etc/ipsec.d/{_file_stem(conn_key)}.secrets,",
        "# which the distribution's /etc/ipsec.secrets includes)",
        '# local id (the customer gateway\'s public IP)  AWS outside IP : PSK "key"',
    ]
    for p in plans:
        lines.append(f"{q(p.local_id, 'leftid')} {q(p.remote, 'right')} : PSK {q(p.psk, 'psk', secret=True)}")
    return "\n".join(lines) + "\n"


def render_ipsec_conf(ikev1: bool, major: str) -> str:
    out = [
        f"# ipsec.conf written by vpnxlate for Libreswan {major}.x: the distribution's default",
        "# (config setup + include) with what the AWS tunnels need; install as /etc/ipsec.conf, or",
        "# add the config setup lines below to yours.",
        "config setup",
    ]
    if ikev1:
        out += [
            "    # Libreswan 4.x/5.x default to ikev1-policy=drop and refuse every IKEv1 conn; some",
            "    # distribution builds have no IKEv1 at all (then use vpnxlate --ike-version 2)",
            "    ikev1-policy=accept",
        ]
    else:
        out.append("    # all tunnels use IKEv2: nothing to change from the defaults")
    out += ["", "include /etc/ipsec.d/*.conf"]
    return "\n".join(out) + "\n"


IPSEC_SECRETS = """\
# ipsec.secrets written by vpnxlate: the distribution's default (install as /etc/ipsec.secrets,
# mode 0600, or keep yours if it has this line); the keys are in /etc/ipsec.d/aws-*.secrets
include /etc/ipsec.d/*.secrets
"""


def _file_stem(conn_key: str) -> str:
    name = ss.section_name(conn_key)
    return name if name.startswith("aws-") else f"aws-{name}"


UPDOWN_SCRIPT = r"""#!/bin/sh
# aws-libreswan-updown written by vpnxlate: Libreswan's own updown (which creates the VTI from
# vti-interface= / mark= / leftvti=) plus what an AWS tunnel needs on top: the interface MTU,
# a TCP MSS clamp, the inside address on an XFRM interface, and the tunnel's routes.
# Called by pluto (PLUTO_* environment) as the conn's leftupdown, e.g.
#   leftupdown="/usr/local/sbin/aws-libreswan-updown -ln vti123456789 -ll 169.254.21.2/30 -mtu 1436 -mss 1379"
# -ln NAME     interface name (vti-interface=, or ipsecN for ipsec-interface=N)
# -ll ADDR/PFX local inside address
# -mtu N       interface MTU
# -mss N       TCP MSS clamp for connections through the interface
# -r  NETS     optional comma-separated routes sent into this interface, with metric -rm N;
#              removed again when the tunnel goes down (Libreswan keeps the VTI itself up)
ROUTES=""
METRIC=100
MTU=1436
MSS=""
while [ $# -gt 1 ]; do
    case "$1" in
        -ln)  IFNAME="$2" ;;
        -ll)  LOCAL_INSIDE="$2" ;;
        -mtu) MTU="$2" ;;
        -mss) MSS="$2" ;;
        -r)   ROUTES="$2" ;;
        -rm)  METRIC="$2" ;;
        *)    echo "aws-libreswan-updown: unknown option $1" >&2; exit 1 ;;
    esac
    shift 2
done
: "${IFNAME:?-ln missing}" "${LOCAL_INSIDE:?-ll missing}"

# Libreswan's own script first (VTI creation, sysctls); its exit status is ours
if [ -x /usr/libexec/ipsec/_updown ]; then
    /usr/libexec/ipsec/_updown
else
    ipsec _updown
fi
rc=$?

mss_rule() {
    iptables -t mangle "$1" FORWARD -o "$IFNAME" -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss "$MSS"
}

# every command is a process, and pluto waits for this script before it answers AWS (IKEv1 sends
# its last quick mode message after up-client): one 'ip -batch' and shell built-ins where possible
routes() {  # the -r list, one per line
    old_ifs=$IFS; IFS=,
    for r in $ROUTES; do echo "$r"; done
    IFS=$old_ifs
}

case "${PLUTO_VERB:-}" in
up-client)
    if [ ! -d "/proc/sys/net/ipv4/conf/$IFNAME" ]; then
        echo "aws-libreswan-updown: no interface $IFNAME" >&2
        exit 1
    fi
    echo 2 > "/proc/sys/net/ipv4/conf/$IFNAME/rp_filter"
    {
        echo "address replace $LOCAL_INSIDE dev $IFNAME"
        echo "link set $IFNAME up mtu $MTU"
        routes | while read -r r; do echo "route replace $r dev $IFNAME metric $METRIC"; done
    } | ip -batch -
    if [ -n "$MSS" ]; then
        mss_rule -C 2>/dev/null || mss_rule -A 2>/dev/null \
            || echo "aws-libreswan-updown: TCP MSS clamp for $IFNAME not installed" >&2
    fi
    echo "aws-libreswan-updown: $IFNAME up ($LOCAL_INSIDE over $PLUTO_ME -> $PLUTO_PEER)"
    ;;
down-client)
    if [ -n "$ROUTES" ]; then
        routes | while read -r r; do echo "route del $r dev $IFNAME metric $METRIC"; done \
            | ip -force -batch - 2>/dev/null
    fi
    if [ -n "$MSS" ]; then
        while mss_rule -D 2>/dev/null; do :; done
    fi
    echo "aws-libreswan-updown: $IFNAME down"
    ;;
esac
exit $rc
"""


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    interface, major = options.interface, options.libreswan_version
    plans = ss.plan_tunnels(
        connections,
        report,
        options,
        interface=interface,
        ifname_prefix="ipsec" if interface == "xfrm" else "vti",
        dpd_timeout_always=True,
    )
    plans, routing = ss.routing(connections, plans, report, options)
    by_conn: dict[str, list[ss.TunnelPlan]] = {}
    for p in plans:
        by_conn.setdefault(p.conn_key, []).append(p)
    ikev1 = any(p.version == 1 for p in plans)
    if ikev1:
        unsupported(
            report,
            None,
            "IKEv1: the written ipsec.conf sets ikev1-policy=accept in config setup (Libreswan 4.x/5.x "
            "refuse IKEv1 conns without it); keep that line if you use your own ipsec.conf, and on a "
            "build without IKEv1 use --ike-version 2",
            field="ike_version",
            code="libreswan-ikev1",
            error=EmitError,
        )
    files = [
        OutputFile("ipsec.conf", render_ipsec_conf(ikev1, major)),
        OutputFile("ipsec.secrets", IPSEC_SECRETS, mode=0o600, secret=True),
    ]
    for key, conn_plans in by_conn.items():
        settings = [_settings(p, major, interface, report) for p in conn_plans]
        stem = _file_stem(key)
        files.append(OutputFile(f"{stem}.conf", render_connection(key, conn_plans, settings)))
        files.append(OutputFile(f"{stem}.secrets", render_secrets(key, conn_plans), mode=0o600, secret=True))
    files.append(OutputFile(UPDOWN_NAME, UPDOWN_SCRIPT, mode=0o755))
    return files + routing
