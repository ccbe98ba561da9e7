"""Live proof that what vpnxlate writes *routes*: BGP and static connections over both tunnels,
with failover, for --to strongswan / swanctl and (through ../shared/tools/vyos_render.py) for
--to vyos 1.3/1.4/1.5, against ../shared/swanlab's emulated AWS side (``--bgp``,
``--static-routes``, ``--expect-advertised``, ``--failover``).

Every case generates the customer config with the CLI (VyOS: then renders it as VyOS would run
it), runs it in the lab and asserts on the lab's result: sessions Established on both tunnels,
exactly the advertised prefixes at AWS (never 0.0.0.0/0), the VPC learned over both, LAN -> VPC
routed by the config alone (no harness route), and with ``--failover`` recovery over tunnel 2
within the hold time / DPD timeout plus a margin, and tunnel 1 back.  The negative cases (wrong
ASN, a prefix outside --advertise, static routes to the customer's own networks) must fail.

Runs two at a time (``VPNXLATE_SWANLAB_JOBS``); about 12-15 minutes on the 2-core CI machine.
``VPNXLATE_ROUTING_RESULTS=FILE`` writes the measured figures (failover times) as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from .conftest import FIXTURES, SHARED, SWANLAB, run_cli
from .swan_reader import tunnel_naming
from .test_swanlab import (
    IKEV2_AWS,
    IKEV2_INPUT,
    NAT_PRIVATE,
    _describe,
    _lab_unavailable,
    lab_ok,
    run_cases,
    run_swanlab,
)

pytestmark = pytest.mark.swanlab

VYOS_RENDER = SHARED / "tools" / "vyos_render.py"
GENERIC = FIXTURES / "canonical" / "generic.txt"
ROUTING = FIXTURES / "routing"
STATIC = ROUTING / "static-canonical.json"
STATIC_V2 = ROUTING / "static-ikev2.json"
IKEV2_BGP_AWS = ROUTING / "aws-ikev2-aes256-bgp.json"
LAN = "192.0.2.64/26"  # the lab's customer LAN (what the customer advertises)
VPC = "192.0.2.0/26"  # the lab's VPC (what AWS advertises / what --accept names)
HOLD = 30  # BGP hold time of every input here (and of the lab's AWS side)
DPD_TIMEOUT = 30  # DPD timeout (IKEv1 dpdtimeout; IKEv2: retransmissions, see strongswan.conf)
MARGIN = 12  # UML under load: detection + reconvergence + 0.5 s ping resolution
RUN_TIMEOUT, FAILOVER_TIMEOUT = 420, 720


@attrs.frozen
class Case:
    inputs: tuple[Path, ...]
    target: str  # strongswan | swanctl | vyos
    aws: Path
    mode: str  # bgp | static
    options: tuple[str, ...] = ()
    vyos: str | None = None  # VyOS version rendered by vyos_render.py
    nat: bool = False
    failover: bool = False
    ike_version: str = "1"
    expect_advertised: tuple[str, ...] = (LAN,)
    must_fail: str | None = None  # negative case: what the lab must report
    preferred_lab_tunnel: int | None = None  # swanlab's tunnel number the config prefers (symmetric paths)
    replacement_check: tuple[str, str, str] | None = None  # (conn id, AWS IP, AWS inside IP), swanctl only


ADV = ("--advertise", LAN)
CASES: dict[str, Case] = {
    # strongSwan: BGP (FRR beside the IPsec files)
    "bgp-swanctl-ikev1-failover": Case(
        (GENERIC,), "swanctl", GENERIC, "bgp", (*ADV, "--prefer-tunnel", "2"), failover=True, preferred_lab_tunnel=1
    ),
    "bgp-ipsec-ikev1-nat": Case((GENERIC,), "strongswan", GENERIC, "bgp", ADV, nat=True),
    "bgp-ipsec-ikev2": Case((IKEV2_INPUT,), "strongswan", IKEV2_BGP_AWS, "bgp", ADV, ike_version="2"),
    "bgp-swanctl-ikev2-nat": Case(
        (IKEV2_INPUT,),
        "swanctl",
        IKEV2_BGP_AWS,
        "bgp",
        ADV,
        nat=True,
        ike_version="2",
        replacement_check=("vpn-0a11ce0000000ae25", "203.0.113.31", "169.254.31.1"),
    ),
    # strongSwan: static (the updown routes the --accept prefixes, metric 100 / 200)
    "static-ipsec-ikev1-failover": Case(
        (STATIC,),
        "strongswan",
        GENERIC,
        "static",
        ("--accept", VPC, "--prefer-tunnel", "2"),
        failover=True,
        preferred_lab_tunnel=1,
    ),
    "static-swanctl-ikev2-nat": Case(
        (STATIC_V2,),
        "swanctl",
        IKEV2_AWS,
        "static",
        ("--accept", VPC),
        nat=True,
        ike_version="2",
        preferred_lab_tunnel=1,
    ),
    # VyOS, rendered as VyOS 1.3 / 1.4 / 1.5 would run it
    "vyos13-bgp": Case((GENERIC,), "vyos", GENERIC, "bgp", ADV, vyos="1.3"),
    "vyos14-bgp-failover": Case(
        (GENERIC,),
        "vyos",
        GENERIC,
        "bgp",
        (*ADV, "--prefer-tunnel", "2"),
        vyos="1.4",
        failover=True,
        preferred_lab_tunnel=1,
    ),
    "vyos15-bgp-nat": Case((GENERIC,), "vyos", GENERIC, "bgp", ADV, vyos="1.5", nat=True),
    "vyos14-static-failover": Case(
        (STATIC,),
        "vyos",
        GENERIC,
        "static",
        ("--accept", VPC, "--prefer-tunnel", "2"),
        vyos="1.4",
        failover=True,
        preferred_lab_tunnel=1,
    ),
    "vyos13-static-nat": Case(
        (STATIC,),
        "vyos",
        GENERIC,
        "static",
        ("--accept", VPC, "--prefer-tunnel", "2"),
        vyos="1.3",
        nat=True,
        preferred_lab_tunnel=1,
    ),
    # negatives: each must fail
    "neg-bgp-wrong-asn": Case(
        (GENERIC,), "swanctl", ROUTING / "aws-canonical-asn65099.json", "bgp", ADV, must_fail="Bad Peer AS"
    ),
    "neg-bgp-prefix-outside-advertise": Case(
        (GENERIC,), "strongswan", GENERIC, "bgp", (*ADV, "--advertise", "192.0.2.192/26"), must_fail="192.0.2.192/26"
    ),
    "neg-static-customer-routes": Case(
        (STATIC,), "strongswan", GENERIC, "static", ("--accept", LAN), must_fail="no route into a tunnel"
    ),
}


# After the checks, inside the lab: an IKEv2 reauthentication of tunnel 1 with make-before-break
# (enabled for this test only, by reloading the customer charon's settings; vpnxlate's configs do
# not reauthenticate, but a peer-side restart or a DPD restart racing a late DELETE gives the same
# order of events): the new IKE_SA's
# CHILD_SA comes up while the old one is still installed, then the old IKE_SA is deleted.  The
# updown must keep the interface: it must still exist and carry pings.  (The previous updown
# rebuilt it on the new SA's up-client and deleted it on the old SA's down-client.)
REPLACEMENT_CHECK = r"""
set -u
C=""
for p in $(ip netns pids "${SWL}cgw"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = charon ] && C=$p; done
[ -n "$C" ] || { echo "REPLACEMENT: no charon"; exit 1; }
sw() { nsenter -t "$C" -m -n swanctl "$@"; }
ike() { sw --list-sas --ike NAME | grep -E "^NAME: #[0-9]+, ESTABLISHED" \
    | sed -E 's/^[^#]*#([0-9]+),.*/\1/' | tr '\n' ' '; }
echo "REPLACEMENT: ike before: $(ike)"
nsenter -t "$C" -m sh -c 'printf "charon {\n    make_before_break = yes\n}\n" >> /etc/strongswan.conf'
sw --reload-settings >/dev/null
# an IKE_SA reads make_before_break when it is created: the first reauthentication (break before
# make) gives an IKE_SA that has it, the second one is make-before-break
sw --rekey --ike NAME --reauth >/dev/null 2>&1
sleep 8
echo "REPLACEMENT: ike middle: $(ike)"
sw --rekey --ike NAME --reauth >/dev/null 2>&1
sleep 8
echo "REPLACEMENT: ike after: $(ike)"
if ip netns exec "${SWL}cgw" ip link show dev IFNAME >/dev/null 2>&1; then echo "REPLACEMENT: link=yes"; \
else echo "REPLACEMENT: link=no"; fi
n=$(ip netns exec "${SWL}cgw" ping -n -c 3 -i 0.3 -W 2 AWSINSIDE | grep -c "bytes from")
echo "REPLACEMENT: ping=$n/3"
"""


def _replacement_cmd(cfg: Path, conn_id: str, aws_ip: str, aws_inside: str) -> str:
    """The check for the tunnel to ``aws_ip``, by the connection name and interface the generated
    swanctl.conf in ``cfg`` gives it."""
    named = tunnel_naming({"swanctl.conf": (cfg / "swanctl.conf").read_text()})[aws_ip]
    assert named.section.startswith(conn_id + "-"), named
    return (
        REPLACEMENT_CHECK.replace("IFNAME", named.interface)
        .replace("NAME", named.section)
        .replace("AWSINSIDE", aws_inside)
    )


def _generate(case: Case, cfg: Path, work: Path) -> str | None:
    """Write the customer config into ``cfg``; an error text, or None."""
    args = ["convert", *map(str, case.inputs), "--to", case.target, "-q", *case.options]
    if case.nat:
        args += ["--local-address", NAT_PRIVATE]
    if case.vyos is None:
        cfg.mkdir(parents=True)
        gen = run_cli(*args, "--out-dir", str(cfg))
        return None if gen.returncode == 0 else gen.stderr
    gen = run_cli(*args, "--vyos-version", case.vyos)
    if gen.returncode != 0:
        return gen.stderr
    commands = work / "vyos.txt"
    commands.write_text(gen.stdout)
    render = subprocess.run(
        [sys.executable, str(VYOS_RENDER), "--version", case.vyos, str(commands), "--out", str(cfg)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if render.returncode != 0:  # 3 = VyOS would refuse the commit, 2 = not modelled
        return f"vyos_render exit {render.returncode}: {render.stdout}{render.stderr}"
    return None


def _run_case(name: str, case: Case, base: Path) -> dict[str, Any]:
    work = base / name
    work.mkdir(parents=True)
    cfg = work / "customer"
    error = _generate(case, cfg, work)
    if error is not None:
        return {"name": name, "generate_error": error}
    cmd = [
        sys.executable,
        str(SWANLAB),
        "run",
        "--aws",
        str(case.aws),
        "--customer",
        str(cfg),
        "--json",
        str(work / "result.json"),
        "--workdir",
        str(work / "runs"),
        "-q",
    ]
    if case.mode == "bgp":
        cmd += ["--bgp", "--expect-advertised", ",".join(case.expect_advertised)]
    else:
        cmd.append("--static-routes")
    # --no-vpc: the per-tunnel LAN -> VPC ping with harness routes is tests/test_swanlab.py's job;
    # here only the routed one (no harness route) counts
    cmd.append("--no-vpc")
    if case.failover:
        cmd.append("--failover")
    if case.must_fail and case.mode == "bgp":
        cmd += ["--bgp-timeout", "30"]  # a negative case need not wait the full 60 s
    if case.nat:
        cmd.append("--nat")
    if case.replacement_check:
        cmd += ["--debug-cmd", _replacement_cmd(cfg, *case.replacement_check)]
    timeout = FAILOVER_TIMEOUT if case.failover else RUN_TIMEOUT
    return {"name": name, **run_swanlab(cmd, work, timeout), "files": sorted(p.name for p in cfg.iterdir())}


@pytest.fixture(scope="module")
def lab_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    reason = _lab_unavailable()
    if reason:
        pytest.skip(reason)
    if not VYOS_RENDER.exists():
        pytest.skip(f"{VYOS_RENDER} not found")
    base = tmp_path_factory.mktemp("swanlab-routing")
    return run_cases("routing", CASES, _run_case, base, "VPNXLATE_ROUTING_RESULTS")


_ok = lab_ok


POSITIVE = [n for n, c in CASES.items() if c.must_fail is None]


@pytest.mark.parametrize("name", POSITIVE)
def test_both_tunnels_and_routing(lab_results: dict[str, dict[str, Any]], name: str) -> None:
    case = CASES[name]
    r = lab_results[name]
    res = _ok(r)
    assert res["nat"] is case.nat
    assert len(res["tunnels"]) == 2
    for t in res["tunnels"]:
        assert t["ike_up"] is True and t["child_up"] is True, t["name"]
        assert t["ike"]["version"] == case.ike_version
        if case.nat:
            assert t["ike"]["remote-port"] == "4500"
        if case.mode == "bgp":
            b = t["bgp"]
            assert b["state"] == "Established", (t["name"], b)
            # exactly --advertise at AWS, never a default route
            assert sorted(b["received"]) == sorted(case.expect_advertised), (t["name"], b)
            assert "0.0.0.0/0" not in b["received"] and b["extra"] == [] and b["missing"] == []
            assert b["cgw_learned_vpc"] is True, (t["name"], b)
            assert b["hold_s"] == HOLD
    routing = res["routing"]
    assert routing["mode"] == case.mode
    ping = routing["routed_ping"]
    assert ping["ok"] is True and ping["received"] > 0 and ping["plaintext_icmp_on_wire"] == 0, ping
    if case.mode == "bgp":
        assert routing["cgw_frr"] is True
        # the VPC over both tunnels: one path per AWS inside address ("169.254.a.2 <-> 169.254.a.1")
        vgws = sorted(t["inside"].split(" <-> ")[1] for t in res["tunnels"])
        assert sorted(routing["cgw_vpc_paths"]["peers"]) == vgws, routing
    if case.preferred_lab_tunnel is not None:
        # --prefer-tunnel steers both directions: LAN -> VPC and back through the preferred tunnel only
        # (the other tunnel still carries its own BGP keepalives: fewer packets than the pings)
        esp, n = ping["esp_packets"], ping["received"]
        pref, other = f"tunnel{case.preferred_lab_tunnel}", f"tunnel{3 - case.preferred_lab_tunnel}"
        assert esp[pref]["to_aws"] >= n and esp[pref]["from_aws"] >= n, esp
        if case.mode == "bgp":
            assert esp[other]["to_aws"] < n and esp[other]["from_aws"] < n, esp
        else:
            assert esp[other] == {"to_aws": 0, "from_aws": 0}, esp


def test_bgp_outputs_hold_frr_and_static_outputs_do_not(lab_results: dict[str, dict[str, Any]]) -> None:
    for name, case in CASES.items():
        r = lab_results[name]
        if case.vyos is not None or "files" not in r:
            continue
        assert ("frr.conf" in r["files"]) is (case.mode == "bgp"), (name, r["files"])
        assert "99-vpnxlate-forwarding.conf" in r["files"]


FAILOVER = [n for n, c in CASES.items() if c.failover]


@pytest.mark.parametrize("name", FAILOVER)
def test_failover_to_tunnel_2_and_back(lab_results: dict[str, dict[str, Any]], name: str) -> None:
    case = CASES[name]
    fo = _ok(lab_results[name])["failover"]
    assert fo["ok"] is True and fo["recovered"] is True, fo
    assert fo["via_tunnel2"] is True, fo
    bound = (HOLD if case.mode == "bgp" else DPD_TIMEOUT) + MARGIN
    assert 0 < fo["interruption_s"] <= bound, fo
    assert fo.get("lost_after_recovery", 0) == 0, fo
    assert fo["restored"] is True and fo["tunnel1_ping_after_restore"].split("/")[1] != "0", fo


NEGATIVE = [n for n, c in CASES.items() if c.must_fail is not None]


@pytest.mark.parametrize("name", NEGATIVE)
def test_negative_cases_fail(lab_results: dict[str, dict[str, Any]], name: str) -> None:
    case = CASES[name]
    r = lab_results[name]
    assert "generate_error" not in r, _describe(r)
    res = r["result"]
    assert r["rc"] == 1 and res is not None and res["ok"] is False, _describe(r)
    # IPsec itself is fine: the failure is the routing one
    assert all(t["ike_up"] and t["child_up"] for t in res["tunnels"]), _describe(r)
    text = json.dumps(res)
    assert case.must_fail in text, _describe(r)
    if name == "neg-bgp-wrong-asn":
        assert all(t["bgp"]["state"] != "Established" for t in res["tunnels"])
    elif name == "neg-bgp-prefix-outside-advertise":
        assert all(t["bgp"]["extra"] == ["192.0.2.192/26"] for t in res["tunnels"])
    else:
        assert res["routing"]["routed_ping"]["ok"] is False


REPLACEMENT = [n for n, c in CASES.items() if c.replacement_check]


@pytest.mark.parametrize("name", REPLACEMENT)
def test_make_before_break_replacement_keeps_the_interface(lab_results: dict[str, dict[str, Any]], name: str) -> None:
    res = _ok(lab_results[name])
    logs = Path(res["rundir"]) / "logs"
    debug = (logs / "debug.txt").read_text()
    marks = dict(
        line.removeprefix("REPLACEMENT: ").split(": ", 1)
        if ": " in line.removeprefix("REPLACEMENT: ")
        else line.removeprefix("REPLACEMENT: ").split("=", 1)
        for line in debug.splitlines()
        if line.startswith("REPLACEMENT: ")
    )
    ids = [marks[f"ike {k}"].split() for k in ("before", "middle", "after")]
    assert all(len(i) == 1 for i in ids) and len({i[0] for i in ids}) == 3, debug  # two reauthentications
    assert marks["link"] == "yes" and marks["ping"] == "3/3", debug
    charon = (logs / "cgw-charon.log").read_text()
    assert "kept (another SA with vti" in charon, "up-client of the new CHILD_SA did not keep the interface"
    assert f"kept (it belongs to IKE_SA #{ids[2][0]}, not #{ids[1][0]})" in charon, (
        "down-client of the replaced CHILD_SA did not keep the interface"
    )
