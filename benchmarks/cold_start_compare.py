"""Cold start of ``vpnxlate convert INPUT --to json`` in this checkout against another revision,
interleaved (A B B A …) so that machine load hits both alike; prints medians and their ratio.

    python benchmarks/cold_start_compare.py --base main [--runs 30] [INPUT ...]

Also lists the vpnxlate/ciscoconfparse modules each side imports (``-X importtime``): a
non-Cisco input must import exactly the same modules on both sides and never ciscoconfparse.
Both sides run with ``python -S`` from a neutral directory, the package put on PYTHONPATH, so that
the editable install does not decide which checkout is imported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(pkg_parent: Path) -> dict[str, str]:
    site = sysconfig.get_paths()["purelib"]
    return {**os.environ, "PYTHONPATH": f"{pkg_parent}{os.pathsep}{site}"}


def _run(pkg_parent: Path, inp: Path, cwd: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-S", *extra, "-m", "vpnxlate", "convert", str(inp), "--to", "json"],
        env=_env(pkg_parent),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )


def _modules(pkg_parent: Path, inp: Path, cwd: str) -> list[str]:
    err = _run(pkg_parent, inp, cwd, "-X", "importtime").stderr
    names = [line.rsplit("|", 1)[-1].strip() for line in err.splitlines() if line.startswith("import time:")]
    return sorted(n for n in names if n.split(".")[0] in ("vpnxlate", "ciscoconfparse", "loguru"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="main", help="git revision to compare with (default main)")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument(
        "inputs",
        nargs="*",
        default=[
            "fixtures/canonical/generic.txt",
            "fixtures/canonical/vyatta.txt",
            "fixtures/canonical/connection.xml",
        ],
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        archive = subprocess.run(["git", "archive", args.base, "vpnxlate"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        sides = {"base": base, "this": ROOT}
        for rel in args.inputs:
            inp = (ROOT / rel).resolve()
            for parent in sides.values():
                _run(parent, inp, tmp)  # byte-compile
            mods = {k: _modules(p, inp, tmp) for k, p in sides.items()}
            times: dict[str, list[float]] = {k: [] for k in sides}
            for i in range(args.runs):
                order = list(sides.items()) if i % 2 == 0 else list(reversed(sides.items()))
                for k, parent in order:
                    t = time.perf_counter()
                    _run(parent, inp, tmp)
                    times[k].append(time.perf_counter() - t)
            med = {k: statistics.median(v) for k, v in times.items()}
            print(
                f"{rel}: base {med['base'] * 1000:.1f} ms, this {med['this'] * 1000:.1f} ms, "
                f"ratio {med['this'] / med['base']:.3f} (medians of {args.runs})"
            )
            print(
                f"  same modules imported: {mods['base'] == mods['this']}; ciscoconfparse imported: "
                f"{any(m.startswith('ciscoconfparse') for m in mods['this'])}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
