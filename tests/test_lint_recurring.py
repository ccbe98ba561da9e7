"""lint runs the rules on the values that recur from tunnel to tunnel (lifetimes, rekey margin,
replay window, DPD timeout, ASNs) once per distinct set that gave no warning: what it says of a
tunnel must not depend on what it linted before (in this call or an earlier one), nor on what the
report did with an earlier warning."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from vpnxlate.diagnostics import Policy
from vpnxlate.errors import Report
from vpnxlate.lint import lint
from vpnxlate.model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection

ROOT = Path(__file__).resolve().parent.parent

# values at and around every rule's boundary
LIFETIMES_1 = [28800, None, 600, 900, 3600, 28801]
LIFETIMES_2 = [3600, None, 899, 900, 1800, 3601]
MARGINS = [540, None, 59, 60, 900, 1801]
WINDOWS = [None, 63, 64, 1024, 2049]
DPD = [None, 10, 29, 30, 40]
ASNS = [(65010, 64512), None, (64512, 64512), (7224, 64512), (None, None)]
INSIDES = [
    ("169.254.22.2/30", "169.254.22.1/30"),
    ("169.254.169.254/30", "169.254.169.253/30"),
    ("169.254.22.2/29", "169.254.22.1/29"),
    ("168.254.11.2/30", "168.254.11.1/30"),
    ("169.254.24.2/30", "169.254.25.1/30"),
]


def connection(rng: random.Random, n: int) -> VpnConnection:
    if rng.random() < 0.25:  # (a connection that keeps every rule: the first choice of each list)
        rng = _FIRST
    tunnels = []
    for k in range(2):
        inside, aws_inside = rng.choice(INSIDES)
        if inside == INSIDES[0][0]:  # (the clean one: each tunnel its own /30)
            inside, aws_inside = f"169.254.{22 + k}.2/30", f"169.254.{22 + k}.1/30"
        asns = rng.choice(ASNS)
        bgp = None if asns is None else Bgp(cgw_asn=asns[0], aws_asn=asns[1], neighbor_ip=aws_inside.split("/")[0])
        tunnels.append(
            Tunnel(
                aws_outside_ip=f"203.0.113.{2 * (n % 100) + k + 1}",
                cgw_outside_ip="198.51.100.10",
                psk=rng.choice(["FAKE_psk_for_tests_1", "0FAKE_leading", "short"]),
                cgw_inside=inside,
                aws_inside=aws_inside,
                ike=IkeOptions(lifetime_s=rng.choice(LIFETIMES_1)),
                ipsec=IpsecOptions(lifetime_s=rng.choice(LIFETIMES_2)),
                rekey_margin_s=rng.choice(MARGINS),
                replay_window=rng.choice(WINDOWS),
                dpd_timeout_s=rng.choice(DPD),
                bgp=bgp,
            )
        )
    return VpnConnection(tunnels=tunnels, vpn_connection_id=f"vpn-{n:017x}", routing="bgp" if bgp else "static")


class _First(random.Random):
    def choice(self, seq):  # type: ignore[no-untyped-def,override]
        return seq[0]


_FIRST = _First()


def per_connection(conns: list[VpnConnection]) -> dict[str, list[str]]:
    out = {}
    for c in conns:
        report = Report("x")
        lint([c], report)
        out[str(c.vpn_connection_id)] = [d.message for d in report.diagnostics]
    return out


_CHILD = """
import json, random, sys
sys.path.insert(0, sys.argv[1])
import test_lint_recurring as t
rng = random.Random(int(sys.argv[2]))
conns = [t.connection(rng, n) for n in range(int(sys.argv[3]))]
if sys.argv[4] == "reversed":
    conns.reverse()
print(json.dumps(t.per_connection(conns)))
"""


def child(seed: int, n: int, order: str) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ROOT / "tests"), str(seed), str(n), order],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_what_lint_says_of_a_connection_does_not_depend_on_the_order() -> None:
    for seed in (1, 2, 3):
        forward, backward = child(seed, 300, "forward"), child(seed, 300, "reversed")
        assert forward == backward
        said = [m for ms in forward.values() for m in ms]
        # (the draw exercises every rule, and clean connections too)
        for field in (
            "psk",
            "cgw_inside",
            "aws_inside",
            "ike.lifetime_s",
            "ipsec.lifetime_s",
            "rekey_margin_s",
            "replay_window",
            "dpd_timeout_s",
            "bgp.cgw_asn",
        ):
            assert any(f": {field}: " in m for m in said), field
        assert any(not ms for ms in forward.values())


def test_an_ignored_warning_is_given_again_to_the_next_report() -> None:
    rng = random.Random(7)
    c = connection(rng, 1)
    t = [
        Tunnel(
            **{
                **{
                    f: getattr(x, f)
                    for f in ("aws_outside_ip", "cgw_outside_ip", "psk", "cgw_inside", "aws_inside", "bgp")
                },
                "ike": IkeOptions(lifetime_s=600),
                "ipsec": IpsecOptions(lifetime_s=1800),
            }
        )
        for x in c.tunnels
    ]
    conn = VpnConnection(tunnels=t, vpn_connection_id="vpn-00000000000000abc")
    quiet = Report("x", policy=Policy(ignore={"lint-lifetime"}))
    lint([conn], quiet)
    assert not [d for d in quiet.diagnostics if "lifetime" in d.message]
    loud = Report("x")
    lint([conn], loud)
    assert [d.message.split(": ", 2)[2] for d in loud.diagnostics if "lifetime" in d.message] == [
        "ike.lifetime_s: phase 1 lifetime 600 s is outside AWS's 900..28800",
        "ipsec.lifetime_s: phase 2 lifetime 1800 s is not below phase 1's 600 s",
    ] * 2
