"""``--to jsonl``: added as one module (emitters/vpnxlate_jsonl.py) plus one registry line; the
generic target tests (hostile input, injection, order independence, options) cover it through
``registry.output_names()``, these pin its own content."""

from __future__ import annotations

import json
import random

import vpnxlate

from .conftest import FIXTURES, run_cli

DESCRIBE = FIXTURES / "canonical" / "ec2" / "describe-cli.json"
GENERIC = FIXTURES / "canonical" / "generic.txt"


def _conns() -> list[vpnxlate.VpnConnection]:
    conns, _ = vpnxlate.parse_many_report([str(DESCRIBE), str(GENERIC)])
    return conns


def test_each_line_is_the_connection_object_of_the_json_target_sorted_by_id() -> None:
    conns = _conns()
    assert len(conns) >= 2
    (files, _) = vpnxlate.emit_report(conns, "jsonl")
    ((f,),) = (files,)
    assert f.name == "vpn.jsonl" and f.secret is True and f.content.endswith("\n")
    lines = f.content.splitlines()
    json_doc = json.loads(vpnxlate.emit_report(conns, "json")[0][0].content)
    expected = sorted(
        json_doc["connections"], key=lambda c: (c["vpn_connection_id"], c["tunnels"][0]["aws_outside_ip"])
    )
    assert [json.loads(line) for line in lines] == expected
    assert all(line.isascii() for line in lines)
    assert lines == [json.dumps(c, separators=(",", ":")) for c in expected]


def test_order_of_the_inputs_does_not_matter() -> None:
    conns = _conns()
    shuffled = list(reversed(conns))
    random.Random(7).shuffle(shuffled)
    assert vpnxlate.emit_report(shuffled, "jsonl")[0] == vpnxlate.emit_report(conns, "jsonl")[0]


def test_redact_writes_stars_and_a_file_that_is_not_secret() -> None:
    conns = _conns()
    (f,), _ = vpnxlate.emit_report(conns, "jsonl", redact=True)
    keys = [t["psk"] for line in f.content.splitlines() for t in json.loads(line)["tunnels"]]
    assert keys and set(keys) == {"***"} and f.secret is False


def test_cli_writes_one_line_per_connection() -> None:
    proc = run_cli("convert", str(DESCRIBE), "--to", "jsonl", "--redact")
    assert proc.returncode == 0, proc.stderr
    ids = [json.loads(line)["vpn_connection_id"] for line in proc.stdout.splitlines()]
    assert ids == sorted(ids) and len(ids) == len(vpnxlate.parse(DESCRIBE.read_text()))
