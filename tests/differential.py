"""Differential harness for speed work: every generated and mutated document, parsed and written
for every target, reduced to one digest per (case, step).  The digests of the code before a
speed-up are recorded in ``tests/golden/perf-digests.json``; ``tests/test_perf_differential.py``
checks that the current code gives the same ones (outputs byte-identical, the same warnings,
the same error lines).

    python3 -m tests.differential --record     # after an INTENDED output change: re-record
    python3 -m tests.differential --print      # the digests as JSON (compare two checkouts)

The cases are deterministic (seeded ``random.Random``): the fixtures, describe-vpn-connections
documents with and without ``Options.TunnelOptions`` (options equal to, and differing from, the
embedded document), EC2 XML wrappers, and each of these mutated (lines dropped, duplicated or
swapped, characters changed, blanks inserted).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
GOLDEN = ROOT / "tests" / "golden" / "perf-digests.json"
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGETS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("json", "json", {}),
    ("vyos", "vyos", {}),
    ("vyos-1.1-hub", "vyos", {"vyos_version": "1.1", "role": "hub", "local_address": "192.0.2.1"}),
    ("vyos-1.5", "vyos", {"vyos_version": "1.5", "advertise": ["10.0.0.0/16"], "prefer_tunnel": 1}),
    ("strongswan", "strongswan", {}),
    ("swanctl", "swanctl", {"interface": "xfrm"}),
    ("aws-generic", "aws-generic", {}),
    ("aws-vyatta", "aws-vyatta", {}),
    ("aws-xml", "aws-xml", {}),
)
_ALGOS = {
    "Phase1EncryptionAlgorithms": ["AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"],
    "Phase2EncryptionAlgorithms": ["AES128", "AES256", "AES128-GCM-16"],
    "Phase1IntegrityAlgorithms": ["SHA1", "SHA2-256", "SHA2-384", "SHA2-512"],
    "Phase2IntegrityAlgorithms": ["SHA1", "SHA2-256", "SHA2-512"],
    "Phase1DHGroupNumbers": [2, 14, 15, 19, 20, 21],
    "Phase2DHGroupNumbers": [2, 5, 14, 19, 24],
    "IkeVersions": ["ikev1", "ikev2"],
}


def _varied_options(rng: random.Random, entry: dict[str, Any]) -> None:
    """Change some TunnelOptions values (or the routing) of one describe entry at random."""
    opts = entry["Options"]
    for t in opts.get("TunnelOptions", []):
        for key, choices in _ALGOS.items():
            if rng.random() < 0.3:
                t[key] = [{"Value": v} for v in rng.sample(choices, rng.randint(1, len(choices)))]
            elif rng.random() < 0.1:
                t.pop(key, None)
        if rng.random() < 0.2:
            t["Phase1LifetimeSeconds"] = rng.choice([900, 28800, 3600, "28800"])
        if rng.random() < 0.2:
            t["Phase2LifetimeSeconds"] = rng.choice([900, 3600, 1800])
        if rng.random() < 0.2:
            t["DpdTimeoutAction"] = rng.choice(["clear", "none", "restart", "Restart"])
        if rng.random() < 0.1:
            t["TunnelInsideCidr"] = f"169.254.{rng.randint(10, 200)}.{rng.randrange(0, 256, 4)}/30"
        if rng.random() < 0.1:
            t["PreSharedKey"] = "FAKE_other.key_" + str(rng.randint(0, 99))
        if rng.random() < 0.05:
            t["OutsideIpAddress"] = "192.0.2.99"
        if rng.random() < 0.1:
            t.pop("RekeyMarginTimeSeconds", None)
    if rng.random() < 0.15:
        opts["StaticRoutesOnly"] = True
        entry["Routes"] = [{"DestinationCidrBlock": f"10.{rng.randint(0, 255)}.0.0/16", "State": "available"}]
    if rng.random() < 0.05:
        entry["State"] = "deleted"


def _mutate(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.randrange(6)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3 and lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:k] + rng.choice("x0 .:/-<>\"'\t9") + lines[i][k + 1 :]
        elif op == 4:
            lines.insert(i, " " * rng.randint(0, 40))
        else:
            lines[i] = lines[i].upper() if rng.random() < 0.5 else lines[i].strip()
    return "\n".join(lines)


def cases() -> Iterator[tuple[str, str]]:
    """(case name, input text), deterministic."""
    import bench

    rng = random.Random(13)
    base: list[tuple[str, str]] = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix in (".txt", ".xml", ".json", ".boot") and path.name != "README.md":
            base.append((str(path.relative_to(FIXTURES)), path.read_text(encoding="utf-8", errors="replace")))
    for n in (1, 2, 5):
        base.append((f"describe-{n}", bench.build_describe(n)))
        base.append((f"describe-{n}-options", bench.build_describe(n, tunnel_options=True)))
        base.append((f"describe-xml-{n}", bench.build_describe_xml(n)))
    for k in range(40):
        entries = bench.build_entries(rng.randint(1, 4), tunnel_options=rng.random() < 0.8)
        for e in entries:
            _varied_options(rng, e)
        base.append((f"describe-varied-{k}", json.dumps({"VpnConnections": entries}, indent=rng.choice([None, 2]))))
    yield from base
    for name, text in base:
        for k in range(3):
            yield f"{name}~{k}", _mutate(rng, text)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:20]


def outcome(text: str) -> dict[str, str]:
    """One digest per step: parse (warnings or error line) and each target's files."""
    import vpnxlate

    out: dict[str, str] = {}
    try:
        conns, report = vpnxlate.parse_report(text, source="case")
    except vpnxlate.VpnxlateError as e:
        out["parse"] = _digest(["error", type(e).__name__, str(e)])
        return out
    out["parse"] = _digest(["ok", [str(d) for d in report.diagnostics]])
    for label, target, options in TARGETS:
        try:
            files, rep = vpnxlate.emit_report(conns, target, **options)
            out[label] = _digest([[f.name, f.content, f.file_mode] for f in files] + [str(d) for d in rep.diagnostics])
        except vpnxlate.VpnxlateError as e:
            out[label] = _digest(["error", type(e).__name__, str(e)])
    return out


def run() -> dict[str, dict[str, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: outcome(text) for name, text in cases()}


def main(argv: list[str]) -> int:
    if "--record" in argv:
        GOLDEN.write_text(json.dumps(run(), indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"recorded {GOLDEN}")
        return 0
    if "--print" in argv:
        print(json.dumps(run(), sort_keys=True))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
