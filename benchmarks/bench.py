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


def build_entries(n: int, tunnel_options: bool = False, start: int = 0) -> list[dict[str, Any]]:
    """n distinct DescribeVpnConnections entries (own ids, outside IPs and inside /30s), the
    connections ``start`` .. ``start + n - 1`` of the series."""
    xml = TEMPLATE.read_text(encoding="utf-8")
    conns = []
    for i in range(start, start + n):
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


def _inside(s: int) -> tuple[str, str]:
    """The AWS and customer inside addresses of the s-th /30 from 169.254.0.0 (as build_entries)."""
    return f"169.254.{s // 64}.{s % 64 * 4 + 1}", f"169.254.{s // 64}.{s % 64 * 4 + 2}"


def write_describe(path: Path, n: int) -> None:
    """A describe-vpn-connections JSON document of n connections written in chunks (100k
    connections are ~500 MB of text: never held whole here)."""
    with path.open("w", encoding="utf-8") as f:
        f.write('{\n    "VpnConnections": [\n')
        for start in range(0, n, 1000):
            entries = build_entries(min(1000, n - start), start=start)
            f.write(("," if start else "") + ",\n".join(json.dumps(e, indent=4) for e in entries))
        f.write("\n    ]\n}\n")


def write_jsonl(path: Path, n: int) -> None:
    """The ``--to jsonl`` lines of the n connections of build_entries, made from the first one's
    line by replacing its ids and addresses (parsing them all would take minutes)."""
    import vpnxlate

    first = vpnxlate.emit(parse(build_describe(1)), "jsonl").rstrip("\n")
    marks = (("0" * 17, "@H"), ("198.18.0.1", "@A1"), ("198.19.0.1", "@A2"))
    marks += tuple((a, f"@{k}.{j}") for k, s in ((1, 640), (2, 641)) for j, a in enumerate(_inside(s), 1))
    for old, mark in marks:
        assert first.count(old), old
        first = first.replace(old, mark)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            a, b = divmod(i, 250)
            (i11, i12), (i21, i22) = _inside((2 * i) % 15744 + 640), _inside((2 * i + 1) % 15744 + 640)
            line = first.replace("@H", f"{i:017x}").replace("@A1", f"198.18.{a % 256}.{b + 1}")
            line = line.replace("@A2", f"198.19.{a % 256}.{b + 1}").replace("@1.1", i11).replace("@1.2", i12)
            f.write(line.replace("@2.1", i21).replace("@2.2", i22) + "\n")


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


def one_router_sizes(sizes: list[int]) -> list[int]:
    """The curve sizes of the one-router targets: capped at VYOS_MAX (100, 1k, 7.8k by default)."""
    return sorted({min(n, VYOS_MAX) for n in sizes})


def curve(sizes: list[int], budget: float | None) -> dict[str, dict[int, float | None]]:
    """us/connection of every multi-connection parser and every emitter at each size (the
    one-router targets, and the parse of the vyos output, at :func:`one_router_sizes`)."""
    rows: dict[str, dict[int, float | None]] = {}
    last: dict[str, tuple[int, float]] = {}

    def measure(label: str, n: int, fn: Callable[[], Any]) -> Any:
        prev = last.get(label)
        if (
            budget is not None
            and prev is not None
            and prev[1] * (n / prev[0]) ** 2 > budget * 4
            and prev[1] * n / prev[0] > budget
        ):
            rows.setdefault(label, {})[n] = None  # predicted to take far too long: skipped
            return None
        repeat = max(1, min(5, 2_000 // n))  # large sizes once: CPU time of seconds is stable
        t, result = cpu(fn, repeat)
        rows.setdefault(label, {})[n] = t / n * 1e6
        if budget is None:
            pass
        elif t * 2 > budget:  # the next (larger) size would blow the budget even if linear
            last[label] = (n, budget * 10)
        elif t > budget / 4:
            last[label] = (n, t)
        else:
            last.pop(label, None)
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
            m = min(n, VYOS_MAX) if target in ONE_ROUTER else n
            if m in rows.get(f"emit {label}", {}):
                continue  # a one-router target over VYOS_MAX: measured at VYOS_MAX already
            part = conns[:m]
            files = measure(f"emit {label}", m, lambda t=target, o=options, p=part: emit(p, t, o))  # type: ignore[misc]
            if files is not None and label in ("json", "vyos"):
                texts[label] = (m, vpnxlate.render(files))
        for label in ("json", "vyos"):
            if label in texts:
                m, text = texts.pop(label)
                measure(f"parse {label}", m, lambda text=text: parse(text))  # type: ignore[misc]
            elif label == "json" or n <= VYOS_MAX:
                rows.setdefault(f"parse {label}", {})[n] = None
        del conns, texts
        gc.collect()
    return rows


def print_curve(rows: dict[str, dict[int, float | None]], sizes: list[int]) -> None:
    capped = one_router_sizes(sizes)
    one_router = {f"emit {label}" for label, target, _ in TARGETS if target in ONE_ROUTER} | {"parse vyos"}
    for title, labels, columns in (
        ("linearity, us/connection", [k for k in rows if k not in one_router], sizes),
        ("one router (vyos, strongswan, swanctl)", [k for k in rows if k in one_router], capped),
    ):
        if not labels:
            continue
        print(f"{title:38}{''.join(f'{s:>9}' for s in columns)}   last/first (target <= 1.25)")
        for label in labels:
            row = rows[label]
            cells = "".join(f"{row[s]:9.1f}" if row.get(s) is not None else f"{'skip':>9}" for s in columns)
            done = [row[s] for s in columns if row.get(s) is not None]
            ratio = f"{done[-1] / done[0]:.2f}" if len(done) > 1 and done[0] else "-"  # type: ignore[operator]
            if len(done) < len(columns):
                ratio += " (incomplete)"
            print(f"  {label:36}{cells}   {ratio}")
    if capped != sorted(sizes):
        print(
            f"  one router: measured up to {VYOS_MAX} connections, about the most one router can hold: each "
            "connection takes two distinct inside /30s of 169.254.0.0/16 (one vti / BGP neighbor each), the "
            "bench draws them from 169.254.10.0-169.254.255.255 (15,744 /30s: 7,872 connections; AWS reserves "
            "blocks below) and over that they repeat, which one router refuses; parse vyos reads that output"
        )


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("vpnxlate")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "vpnxlate"]


#: runs ``sys.argv[1]`` (Python code) with the rest as its argv, then prints the process's peak
#: RSS in KB: VmHWM of its own memory map, not ru_maxrss, which on Linux also counts the pages the
#: child shared with this (large) parent between fork and exec
_MEASURED = """import sys
code, sys.argv = sys.argv[1], sys.argv[1:]
try:
    exec(compile(code, "<bench child>", "exec"), {"__name__": "__bench__"})
finally:
    sys.stdout.flush()
    try:
        kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    except OSError:  # no /proc: ru_maxrss (KB on Linux, bytes on macOS)
        import resource
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 if sys.platform == "darwin" else 1)
    sys.stderr.write(f"\\nbench-peak-kb {kb}\\n")
"""

#: the CLI in the measured child (``python -m vpnxlate`` without runpy's extra module)
_CLI_CHILD = "import sys; from vpnxlate.cli import main; rc = main(sys.argv[1:]); assert rc == 0, rc"


def child_rss(code: str, argv: list[str], what: str) -> float:
    """Peak RSS (MB) of the Python ``code`` run with ``argv`` in a child process."""
    import vpnxlate

    # the child imports the vpnxlate this process measures (``python -c`` would put the current
    # directory first on its path: a checkout there would win over PYTHONPATH)
    here = str(Path(vpnxlate.__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, (here, os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": path}  # (no warnings expected)
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURED, code, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    err = proc.stderr.decode(errors="replace")
    if proc.returncode != 0 or "bench-peak-kb " not in err:
        raise SystemExit(f"{what} failed: {err.strip()[-2000:]}")
    return int(err.rsplit("bench-peak-kb ", 1)[1].split()[0]) / 1024


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
            given = vyos_src if target == "vyos" else src
            argv = ["convert", str(given), "--to", target, "-o", str(Path(tmp) / f"out-{target}"), "-q", *extra]
            out[target] = child_rss(_CLI_CHILD, argv, f"vpnxlate convert --to {target}")
    return out


#: the children of :func:`api_memory`: argv = input, output (and the sizes are the files')
_API_CHILD = {
    # the whole DescribeVpnConnections JSON read, parsed and written as --to json (vpnxlate.convert)
    "loaded": "import vpnxlate, sys; t = open(sys.argv[1], encoding='utf-8').read(); "
    "open(sys.argv[2], 'w').write(vpnxlate.convert(t, 'json'))",
    # the JSON Lines connections as one list (iter_parse), then written at once (emit --to jsonl)
    "jsonl-list": "import vpnxlate, sys; c = list(vpnxlate.iter_parse(sys.argv[1])); "
    "open(sys.argv[2], 'w').write(vpnxlate.emit(c, 'jsonl'))",
    # streamed: each line parsed, converted and written in turn (iter_convert)
    "streamed": "import vpnxlate, sys; f = open(sys.argv[2], 'w')\n"
    "for out in vpnxlate.iter_convert(sys.argv[1], 'jsonl'): f.write(out.content)",
}


def api_memory(n: int) -> dict[str, Any]:
    """Peak RSS (MB) of n connections through the API in child processes: a DescribeVpnConnections
    JSON loaded whole; JSON Lines loaded as a list; JSON Lines streamed (n and n/10, to show that
    it does not grow); and ``vpnxlate convert N.jsonl --to jsonl`` (streamed, past the 50 MB cap)."""
    out: dict[str, Any] = {"connections": n}
    small = max(1, n // 10)
    with tempfile.TemporaryDirectory() as tmp:
        describe, lines, few = Path(tmp) / "describe.json", Path(tmp) / "vpn.jsonl", Path(tmp) / "few.jsonl"
        write_describe(describe, n)
        write_jsonl(lines, n)
        write_jsonl(few, small)
        out["describe_mb"] = describe.stat().st_size / 2**20
        out["jsonl_mb"] = lines.stat().st_size / 2**20
        dest = str(Path(tmp) / "out")
        runs = (
            ("loaded", describe, _API_CHILD["loaded"]),
            ("jsonl_list", lines, _API_CHILD["jsonl-list"]),
            ("streamed_small", few, _API_CHILD["streamed"]),
            ("streamed", lines, _API_CHILD["streamed"]),
            ("cli_streamed", lines, _CLI_CHILD),
        )
        out["streamed_small_connections"] = small
        for key, src, code in runs:
            count = small if src is few else n
            print(f"  memory: {key}, {count} connections ...", file=sys.stderr, flush=True)
            argv = ["convert", "-q", "--to", "jsonl", "-o", dest, str(src)] if code is _CLI_CHILD else [str(src), dest]
            try:
                out[key] = child_rss(code, argv, key)
            except SystemExit as e:  # e.g. a vpnxlate without the streaming path (before/after runs)
                print(f"  memory: {key}: {e}", file=sys.stderr)
                out[key] = None
                continue
            if key != "loaded":
                with open(dest, "rb") as f:
                    written = sum(1 for _ in f)
                if written != count:
                    raise SystemExit(f"{key}: wrote {written} lines, not {count}")
            os.unlink(dest)
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
    ap.add_argument(
        "--api-connections",
        type=int,
        help="connections of the API memory figures (default 100,000; --quick 20,000)",
    )
    ap.add_argument("--repeat", type=int, help="repetitions of each headline timing, best taken (default 3)")
    ap.add_argument("--runs", type=int, help="interleaved cold-start runs (default 30)")
    ap.add_argument("--sizes", help="comma-separated curve sizes (default 100,1000,10000,50000)")
    ap.add_argument(
        "--budget",
        type=float,
        help="skip a curve step predicted to take longer than this many CPU seconds (default: none; --quick: 60)",
    )
    ap.add_argument("--skip", default="", help="comma-separated sections to leave out: headline,curve,memory,api,start")
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
        budget = args.budget if args.budget is not None else 60.0 if args.quick else None
        rows = result["curve"] = curve(sizes, budget)
        print_curve(rows, sizes)
    if "memory" not in skip:
        m = args.memory_connections
        mem = result["memory_mb"] = peak_rss(m)
        print(
            f"peak RSS, vpnxlate convert of {m} connections (vyos: {min(m, VYOS_MAX)}): "
            + ", ".join(f"--to {t} {mb:.0f} MB" for t, mb in mem.items())
            + "  (target <= 300 MB)"
        )
    if "api" not in skip:
        a = result["api_memory_mb"] = api_memory(args.api_connections or (20_000 if args.quick else 100_000))

        def mb(key: str) -> str:
            return "n/a" if a[key] is None else f"{a[key]:.0f} MB"

        print(
            f"peak RSS, {a['connections']} connections through the API: describe JSON "
            f"({a['describe_mb']:.0f} MB) loaded, vpnxlate.convert --to json {mb('loaded')}; JSON Lines "
            f"({a['jsonl_mb']:.0f} MB) loaded as a list {mb('jsonl_list')}, streamed (iter_convert --to jsonl) "
            f"{mb('streamed')} ({a['streamed_small_connections']}: {mb('streamed_small')}); "
            f"vpnxlate convert N.jsonl --to jsonl {mb('cli_streamed')}"
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
