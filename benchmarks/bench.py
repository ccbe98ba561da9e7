#!/usr/bin/env python3
"""vpnxlate benchmark (run by hand; not a test).

1. Parse throughput: builds a DescribeVpnConnections JSON (``aws ec2 describe-vpn-connections``
   output) with N connections (default 10,000), each with its own embedded XML document, and
   reports connections parsed per second through ``vpnxlate.parse`` (JSON decode, XML parse,
   model construction, validation and lint included).
2. Cold start: wall time of ``vpnxlate convert <generic file> --to json`` as a ratio to
   ``python -c "import attrs"`` measured in the same run (best of R runs each).

    python3 benchmarks/bench.py [--connections 10000] [--runs 15] [--json OUT]

Targets: >= 20,000 connections/s; cold-start ratio <= 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "fixtures" / "canonical" / "connection.xml"
GENERIC = ROOT / "fixtures" / "canonical" / "generic.txt"


def build_describe(n: int) -> str:
    """A describe-vpn-connections document with n distinct connections."""
    xml = TEMPLATE.read_text(encoding="utf-8")
    conns = []
    for i in range(n):
        hexid = f"{i:017x}"
        # every connection gets its own ids, outside IPs and inside /30s
        a, b = divmod(i, 250)
        # inside /30s as distinct as 169.254.10.0-169.254.255.255 allows (AWS keeps them unique
        # per gateway; 20,000 tunnels need more /30s than exist, so some repeat, with warnings)
        s1, s2 = (2 * i) % 15744 + 640, (2 * i + 1) % 15744 + 640
        doc = (xml.replace("0c0ffee0123456789", hexid)
                  .replace("203.0.113.22", f"198.18.{a % 256}.{b + 1}")
                  .replace("203.0.113.21", f"198.19.{a % 256}.{b + 1}")
                  .replace("169.254.21.1<", f"169.254.{s1 // 64}.{s1 % 64 * 4 + 1}<")
                  .replace("169.254.21.2<", f"169.254.{s1 // 64}.{s1 % 64 * 4 + 2}<")
                  .replace("169.254.22.1<", f"169.254.{s2 // 64}.{s2 % 64 * 4 + 1}<")
                  .replace("169.254.22.2<", f"169.254.{s2 // 64}.{s2 % 64 * 4 + 2}<"))
        conns.append({
            "CustomerGatewayConfiguration": doc,
            "CustomerGatewayId": f"cgw-{hexid}",
            "Category": "VPN",
            "State": "available",
            "Type": "ipsec.1",
            "VpnConnectionId": f"vpn-{hexid}",
            "VpnGatewayId": f"vgw-{hexid}",
            "Options": {"EnableAcceleration": False, "StaticRoutesOnly": False},
            "Routes": [],
            "Tags": [{"Key": "Name", "Value": f"bench-{i}"}],
        })
    return json.dumps({"VpnConnections": conns}, indent=4)


def parse_throughput(n: int) -> dict[str, float]:
    import warnings

    import vpnxlate

    text = build_describe(n)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conns = vpnxlate.parse(text, source="bench.json")
    dt = time.perf_counter() - t0
    assert len(conns) == n, (len(conns), n)
    return {"connections": n, "megabytes": round(len(text) / 1e6, 1), "seconds": round(dt, 3),
            "connections_per_s": round(n / dt)}


def best_of(cmd: list[str], runs: int) -> float:
    best = float("inf")
    env = dict(os.environ)
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
        best = min(best, time.perf_counter() - t0)
    return best


def cold_start(runs: int, compile_first: bool) -> dict[str, float]:
    if compile_first:
        # what `pip install .` does: byte-compile the package once (an editable install under
        # PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module on every start)
        import compileall

        compileall.compile_dir(str(ROOT / "vpnxlate"), quiet=1)
    exe = Path(sys.executable).with_name("vpnxlate")
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "vpnxlate"]
    floor = best_of([sys.executable, "-c", "import attrs"], runs)
    ours = best_of([*cli, "convert", str(GENERIC), "--to", "json"], runs)
    return {"import_attrs_s": round(floor, 4), "convert_s": round(ours, 4), "ratio": round(ours / floor, 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connections", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--no-compile", action="store_true",
                    help="do not byte-compile vpnxlate before timing the cold start")
    args = ap.parse_args()
    result = {"python": sys.version.split()[0], "parse": parse_throughput(args.connections),
              "cold_start": cold_start(args.runs, not args.no_compile)}
    p, c = result["parse"], result["cold_start"]
    print(f"parse: {p['connections']} connections ({p['megabytes']} MB JSON) in {p['seconds']} s "
          f"= {p['connections_per_s']} connections/s (target >= 20000)")
    print(f"cold start: vpnxlate convert --to json {c['convert_s']} s vs python -c 'import attrs' "
          f"{c['import_attrs_s']} s: ratio {c['ratio']} (target <= 1.5)")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
