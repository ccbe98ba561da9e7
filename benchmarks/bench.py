#!/usr/bin/env python3
"""vpnxlate benchmark (run by hand; not a test).  Prints every figure of issue 13 in one run,
as ratios to figures measured in the same run (the machine's speed and load cancel out).

1. **Floor**: ``json.loads`` of a DescribeVpnConnections JSON with N connections (default
   10,000) plus ``lxml.etree.fromstring`` of every embedded ``CustomerGatewayConfiguration``.
2. **Parse** (``vpnxlate.parse_report``: detection, JSON, XML, model, validation, lint) of that
   document without and with ``Options.TunnelOptions`` (as AWS returns them), as x floor;
   target <= 3x.
3. **Parse + emit** for every target (vyos spoke and hub, strongswan, swanctl, json, aws-*), as
   x floor; target <= 5x.
4. **Linearity**: us/connection at 100, 1k, 10k and 50k connections for every parser that reads
   many connections (ec2-json with and without TunnelOptions, ec2-xml, json, vyos) and every
   emitter; the 50k/100 ratio must be <= 1.25.  A step predicted to take longer than
   ``--budget`` seconds is skipped (printed as ``skip``).
5. **Memory**: peak RSS of ``vpnxlate convert`` of 10k connections ``--to json`` (and vyos)
   in a child process; target <= 300 MB (without TunnelOptions: with them the document is over
   the CLI's 50 MB input limit).
6. **Cold start**: ``vpnxlate convert generic.txt --to json`` against ``python -c "import
   attrs"``, medians of R interleaved runs each (bytecode compiled first); target <= 1.3x.

    python3 benchmarks/bench.py [--quick] [--connections N] [--runs R] [--json OUT]

Times are CPU seconds (``time.process_time``) of this process, best of ``--repeat`` runs (the
curve's small sizes repeat more); cold start and memory are wall time / ru_maxrss of children.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "fixtures" / "canonical" / "connection.xml"
GENERIC = ROOT / "fixtures" / "canonical" / "generic.txt"

#: the most connections one VyOS router can be given (distinct inside /30s, one vti each); the
#: strongSwan targets (one router, one BGP neighbor per inside /30) refuse repeated neighbors alike
VYOS_MAX = 7800
ONE_ROUTER = ("vyos", "strongswan", "swanctl")

TARGETS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    # (label, target, options)
    ("vyos", "vyos", {"local_address": "192.0.2.1"}),
    ("vyos-hub", "vyos", {"local_address": "192.0.2.1", "role": "hub"}),
    ("strongswan", "strongswan", {}),
    ("swanctl", "swanctl", {}),
    ("json", "json", {}),
    ("aws-generic", "aws-generic", {}),
    ("aws-vyatta", "aws-vyatta", {}),
    ("aws-xml", "aws-xml", {}),
)


# ------------------------------------------------------------------ inputs


def _tunnel_options(tunnels: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """TunnelOptions as AWS returns them for a connection created with default options."""

    def values(*v: Any) -> list[dict[str, Any]]:
        return [{"Value": x} for x in v]

    return [
        {
            "OutsideIpAddress": ip,
            "TunnelInsideCidr": cidr,
            "PreSharedKey": psk,
            "Phase1LifetimeSeconds": 28800,
            "Phase2LifetimeSeconds": 3600,
            "Phase1EncryptionAlgorithms": values("AES128"),
            "Phase2EncryptionAlgorithms": values("AES128"),
            "Phase1IntegrityAlgorithms": values("SHA1"),
            "Phase2IntegrityAlgorithms": values("SHA1"),
            "Phase1DHGroupNumbers": values(2),
            "Phase2DHGroupNumbers": values(2),
            "IkeVersions": values("ikev1", "ikev2"),
            "DpdTimeoutSeconds": 30,
            "DpdTimeoutAction": "clear",
            "StartupAction": "add",
            "RekeyMarginTimeSeconds": 540,
            "RekeyFuzzPercentage": 100,
            "ReplayWindowSize": 1024,
        }
        for ip, cidr, psk in tunnels
    ]


def build_entries(n: int, tunnel_options: bool = False) -> list[dict[str, Any]]:
    """n distinct DescribeVpnConnections entries (own ids, outside IPs and inside /30s)."""
    xml = TEMPLATE.read_text(encoding="utf-8")
    conns = []
    for i in range(n):
        hexid = f"{i:017x}"
        a, b = divmod(i, 250)
        # inside /30s as distinct as 169.254.10.0-169.254.255.255 allows (AWS keeps them unique
        # per gateway; over 7,872 connections need more /30s than exist, so some repeat, with
        # warnings, and the one-router targets are measured on the first VYOS_MAX connections)
        s1, s2 = (2 * i) % 15744 + 640, (2 * i + 1) % 15744 + 640
        aws1, aws2 = f"198.18.{a % 256}.{b + 1}", f"198.19.{a % 256}.{b + 1}"
        doc = (
            xml.replace("0c0ffee0123456789", hexid)
            .replace("203.0.113.22", aws1)
            .replace("203.0.113.21", aws2)
            .replace("169.254.21.", "@1.")
            .replace("169.254.22.", "@2.")  # no chained replacements
            .replace("@1.1<", f"169.254.{s1 // 64}.{s1 % 64 * 4 + 1}<")
            .replace("@1.2<", f"169.254.{s1 // 64}.{s1 % 64 * 4 + 2}<")
            .replace("@2.1<", f"169.254.{s2 // 64}.{s2 % 64 * 4 + 1}<")
            .replace("@2.2<", f"169.254.{s2 // 64}.{s2 % 64 * 4 + 2}<")
        )
        options: dict[str, Any] = {"EnableAcceleration": False, "StaticRoutesOnly": False}
        if tunnel_options:
            options["TunnelOptions"] = _tunnel_options(
                [
                    (aws1, f"169.254.{s1 // 64}.{s1 % 64 * 4}/30", "FAKE_tunnel1.key_example"),
                    (aws2, f"169.254.{s2 // 64}.{s2 % 64 * 4}/30", "FAKE_tunnel2.key_example"),
                ]
            )
        conns.append(
            {
                "CustomerGatewayConfiguration": doc,
                "CustomerGatewayId": f"cgw-{hexid}",
                "Category": "VPN",
                "State": "available",
                "Type": "ipsec.1",
                "VpnConnectionId": f"vpn-{hexid}",
                "VpnGatewayId": f"vgw-{hexid}",
                "Options": options,
                "Routes": [],
                "Tags": [{"Key": "Name", "Value": f"bench-{i}"}],
            }
        )
    return conns


def build_describe(n: int, tunnel_options: bool = False) -> str:
    """A describe-vpn-connections JSON document (the CLI's output) with n connections."""
    return json.dumps({"VpnConnections": build_entries(n, tunnel_options)}, indent=4)


def build_describe_xml(n: int) -> str:
    """The same connections as an EC2 DescribeVpnConnectionsResponse (ec2-xml)."""
    from xml.sax.saxutils import escape

    items = []
    for c in build_entries(n):
        items.append(
            "    <item>\n"
            f"      <vpnConnectionId>{c['VpnConnectionId']}</vpnConnectionId>\n"
            f"      <customerGatewayId>{c['CustomerGatewayId']}</customerGatewayId>\n"
            f"      <vpnGatewayId>{c['VpnGatewayId']}</vpnGatewayId>\n"
            "      <category>VPN</category>\n      <state>available</state>\n      <type>ipsec.1</type>\n"
            f"      <customerGatewayConfiguration>{escape(c['CustomerGatewayConfiguration'])}"
            "</customerGatewayConfiguration>\n"
            "      <options>\n        <staticRoutesOnly>false</staticRoutesOnly>\n      </options>\n"
            "    </item>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<DescribeVpnConnectionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">\n'
        "  <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>\n  <vpnConnectionSet>\n"
        + "".join(items)
        + "  </vpnConnectionSet>\n</DescribeVpnConnectionsResponse>\n"
    )


# ------------------------------------------------------------------ timing


def cpu(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """(best CPU seconds of ``repeat`` calls, the last result); garbage collected between runs."""
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        result = None
        gc.collect()
        t0 = time.process_time()
        result = fn()
        best = min(best, time.process_time() - t0)
    return best, result


def floor_seconds(text: str, repeat: int) -> float:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

    def run() -> int:
        data = json.loads(text)
        for c in data["VpnConnections"]:
            etree.fromstring(c["CustomerGatewayConfiguration"].encode(), parser)
        return len(data["VpnConnections"])

    return cpu(run, repeat)[0]


def parse(text: str) -> Any:
    import vpnxlate

    return vpnxlate.parse_report(text, source="bench")[0]


def emit(connections: Any, target: str, options: dict[str, Any]) -> Any:
    import vpnxlate

    return vpnxlate.emit_report(connections, target, **options)[0]


# ------------------------------------------------------------------ sections


def headline(n: int, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {"connections": n}
    warm = parse(build_describe(20, tunnel_options=True))  # imports, compiled patterns, caches
    for _label, target, options in TARGETS:
        emit(warm, target, options)
    plain, with_options = build_describe(n), build_describe(n, tunnel_options=True)
    out["floor_s"] = floor = floor_seconds(plain, repeat)
    out["floor_us_per_conn"] = floor / n * 1e6
    t_plain, conns = cpu(lambda: parse(plain), repeat)
    t_opts, _ = cpu(lambda: parse(with_options), repeat)
    out["parse_x_floor"] = t_plain / floor
    out["parse_tunnel_options_x_floor"] = t_opts / floor
    out["parse_us_per_conn"] = t_plain / n * 1e6
    out["parse_tunnel_options_us_per_conn"] = t_opts / n * 1e6
    out["parse_emit_x_floor"] = {}
    for label, target, options in TARGETS:
        part = conns[:VYOS_MAX] if target in ONE_ROUTER else conns
        t, _ = cpu(lambda t=target, o=options, p=part: emit(p, t, o), repeat)  # type: ignore[misc]
        out["parse_emit_x_floor"][label] = (t_plain + t * len(conns) / len(part)) / floor
    return out


def curve(sizes: list[int], budget: float) -> dict[str, dict[int, float | None]]:
    """us/connection of every multi-connection parser and every emitter at each size."""
    rows: dict[str, dict[int, float | None]] = {}
    last: dict[str, tuple[int, float]] = {}

    def measure(label: str, n: int, fn: Callable[[], Any]) -> Any:
        prev = last.get(label)
        if prev is not None and prev[1] * (n / prev[0]) ** 2 > budget * 4 and prev[1] * n / prev[0] > budget:
            rows.setdefault(label, {})[n] = None  # predicted to take far too long: skipped
            return None
        repeat = max(1, min(5, 2_000 // n))
        t, result = cpu(fn, repeat)
        rows.setdefault(label, {})[n] = t / n * 1e6
        if t > budget / 4:
            last[label] = (n, t)
        else:
            last.pop(label, None)
        if t * 2 > budget:  # the next (larger) size would blow the budget even if linear
            last[label] = (n, budget * 10)
        return result

    import vpnxlate

    for n in sizes:
        print(f"  curve: {n} connections ...", file=sys.stderr, flush=True)
        plain = build_describe(n)
        conns = measure("parse ec2-json", n, lambda doc=plain: parse(doc))
        del plain
        with_options = build_describe(n, tunnel_options=True)
        measure("parse ec2-json+TunnelOptions", n, lambda doc=with_options: parse(doc))
        del with_options
        xml = build_describe_xml(n)
        measure("parse ec2-xml", n, lambda doc=xml: parse(doc))
        del xml
        if conns is None:
            conns = parse(build_describe(n))
        texts = {}
        for label, target, options in TARGETS:
            part = conns[:VYOS_MAX] if target in ONE_ROUTER else conns
            files = measure(f"emit {label}", n, lambda t=target, o=options, p=part: emit(p, t, o))  # type: ignore[misc]
            if files is not None and len(part) < n:  # per connection of what was written
                rows[f"emit {label}"][n] = rows[f"emit {label}"][n] * n / len(part)  # type: ignore[operator]
            if files is not None and label in ("json", "vyos"):
                texts[label] = vpnxlate.render(files)
        for label in ("json", "vyos"):
            if label in texts:
                text = texts.pop(label)
                measure(f"parse {label}", n, lambda text=text: parse(text))  # type: ignore[misc]
            else:
                rows.setdefault(f"parse {label}", {})[n] = None
        del conns, texts
        gc.collect()
    return rows


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("vpnxlate")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "vpnxlate"]


def peak_rss(n: int) -> dict[str, float]:
    """Peak RSS (MB) of ``vpnxlate convert`` of n connections in a child process, per target."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "describe.json"
        # without TunnelOptions: with them, 10k connections are over the CLI's 50 MB input limit
        src.write_text(build_describe(n), encoding="utf-8")
        vyos_src = Path(tmp) / "describe-vyos.json"
        vyos_src.write_text(build_describe(min(n, VYOS_MAX)), encoding="utf-8")
        for target, extra in (("json", []), ("vyos", ["--local-address", "192.0.2.1"])):
            dest = Path(tmp) / f"out-{target}"
            proc = subprocess.Popen(
                [
                    *_cli(),
                    "convert",
                    str(vyos_src if target == "vyos" else src),
                    "--to",
                    target,
                    "-o",
                    str(dest),
                    "-q",
                    *extra,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            err = proc.stderr.read().decode() if proc.stderr else ""
            if proc.returncode != 0:
                raise SystemExit(f"vpnxlate convert --to {target} failed: {err.strip()}")
            out[target] = usage.ru_maxrss / 1024  # KB on Linux
    return out


def cold_start(runs: int, compile_first: bool) -> dict[str, float]:
    if compile_first:
        # what `pip install .` does: byte-compile the package once (an editable install under
        # PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module on every start)
        import compileall

        compileall.compile_dir(str(ROOT / "vpnxlate"), quiet=1)
    floor_cmd = [sys.executable, "-c", "import attrs"]
    ours_cmd = [*_cli(), "convert", str(GENERIC), "--to", "json"]
    floor, ours = [], []

    def wall(cmd: list[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return time.perf_counter() - t0

    wall(floor_cmd), wall(ours_cmd)  # warm the page cache
    for _ in range(runs):  # interleaved: load changes hit both alike
        floor.append(wall(floor_cmd))
        ours.append(wall(ours_cmd))
    f, o = statistics.median(floor), statistics.median(ours)
    return {"import_attrs_ms": f * 1e3, "convert_ms": o * 1e3, "ratio": o / f, "runs": runs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--quick", action="store_true", help="2,000 connections, curve 100/1k/10k, 2 repetitions, 15 cold-start runs"
    )
    ap.add_argument("--connections", type=int, help="connections of the headline figures (default 10,000)")
    ap.add_argument(
        "--memory-connections", type=int, default=10_000, help="connections of the peak-RSS figure (default 10,000)"
    )
    ap.add_argument("--repeat", type=int, help="repetitions of each headline timing, best taken (default 3)")
    ap.add_argument("--runs", type=int, help="interleaved cold-start runs (default 30)")
    ap.add_argument("--sizes", help="comma-separated curve sizes (default 100,1000,10000,50000)")
    ap.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="skip a curve step predicted to take longer than this many CPU seconds",
    )
    ap.add_argument("--skip", default="", help="comma-separated sections to leave out: headline,curve,memory,start")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument(
        "--no-compile", action="store_true", help="do not byte-compile vpnxlate before timing the cold start"
    )
    args = ap.parse_args()
    n = args.connections or (2000 if args.quick else 10_000)
    repeat = args.repeat or (2 if args.quick else 3)
    runs = args.runs or (15 if args.quick else 30)
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([100, 1000, 10_000] if args.quick else [100, 1000, 10_000, 50_000])
    )
    skip = set(filter(None, args.skip.split(",")))
    warnings.simplefilter("ignore")
    result: dict[str, Any] = {"python": sys.version.split()[0]}

    if "headline" not in skip:
        h = result["headline"] = headline(n, repeat)
        print(
            f"floor (json.loads + lxml.etree.fromstring of every document), {n} connections: "
            f"{h['floor_us_per_conn']:.0f} us/connection"
        )
        print(f"parse                      {h['parse_x_floor']:5.2f} x floor  (target <= 3)")
        print(f"parse with TunnelOptions   {h['parse_tunnel_options_x_floor']:5.2f} x floor  (target <= 3)")
        for label, ratio in h["parse_emit_x_floor"].items():
            print(f"parse + emit {label:13} {ratio:5.2f} x floor  (target <= 5)")
    if "curve" not in skip:
        rows = result["curve"] = curve(sizes, args.budget)
        print(f"linearity, us/connection    {''.join(f'{s:>9}' for s in sizes)}   last/first (target <= 1.25)")
        for label, row in rows.items():
            cells = "".join(f"{row[s]:9.1f}" if row.get(s) is not None else f"{'skip':>9}" for s in sizes)
            if label.startswith(tuple(f"emit {t}" for t in ONE_ROUTER)) and sizes[-1] > VYOS_MAX:
                label += "*"
            done = [row[s] for s in sizes if row.get(s) is not None]
            ratio = f"{done[-1] / done[0]:.2f}" if len(done) > 1 and done[0] else "-"
            if len(done) < len(sizes):
                ratio += " (incomplete)"
            print(f"  {label:27}{cells}   {ratio}")
        if sizes[-1] > VYOS_MAX:
            print(
                f"  * vyos, strongswan, swanctl: at sizes over {VYOS_MAX} the first {VYOS_MAX} connections "
                "(one router holds one vti per distinct inside /30 of 169.254.0.0/16)"
            )
    if "memory" not in skip:
        m = args.memory_connections
        mem = result["memory_mb"] = peak_rss(m)
        print(
            f"peak RSS, vpnxlate convert of {m} connections (vyos: {min(m, VYOS_MAX)}): "
            + ", ".join(f"--to {t} {mb:.0f} MB" for t, mb in mem.items())
            + "  (target <= 300 MB)"
        )
    if "start" not in skip:
        c = result["cold_start"] = cold_start(runs, not args.no_compile)
        print(
            f"cold start: convert generic.txt --to json {c['convert_ms']:.1f} ms vs python -c 'import attrs' "
            f"{c['import_attrs_ms']:.1f} ms (medians of {runs}): ratio {c['ratio']:.2f} (target <= 1.3)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
