"""The streaming path: JSON Lines read back (parsers/vpnxlate_jsonl.py), directories and JSON Lines
files item by item (vpnxlate/stream.py) through the API (``iter_parse``, ``iter_convert``) and the
CLI, errors naming FILE:LINE, and memory that does not grow with the connections streamed."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import vpnxlate
from vpnxlate import EmitError, InputError, ParseError, ValidationError, VpnxlateWarning

from .conftest import FIXTURES, ROOT, assert_one_line_error, run_cli

DESCRIBE = FIXTURES / "canonical" / "ec2" / "describe-cli.json"
GENERIC = FIXTURES / "canonical" / "generic.txt"
GENERIC_ID = "vpn-0c0ffee0123456789"


def _conns() -> list[vpnxlate.VpnConnection]:
    return vpnxlate.parse_many_report([str(DESCRIBE), str(GENERIC)])[0]


def _lines() -> list[str]:
    """The --to jsonl lines of the fixture connections (sorted by connection id)."""
    return vpnxlate.emit(_conns(), "jsonl").splitlines()


def _ids(conns: object) -> list[str | None]:
    return [c.vpn_connection_id for c in conns]  # type: ignore[attr-defined]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _mixed_bgp(line: str) -> str:
    """The connection of ``line`` with BGP on its first tunnel only (lint-bgp-mixed)."""
    d = json.loads(line)
    d["tunnels"][1].update(cgw_asn=None, aws_asn=None, bgp_neighbor_ip=None, bgp_hold_time=None)
    return json.dumps(d, separators=(",", ":"))


# ------------------------------------------------------------------ the jsonl input format


def test_jsonl_output_reads_back_to_the_same_connections() -> None:
    text = vpnxlate.emit(_conns(), "jsonl")
    assert vpnxlate.detect_format(text) == "jsonl"
    back = vpnxlate.parse(text)
    assert vpnxlate.to_dict(back) == [json.loads(line) for line in text.splitlines()]
    assert vpnxlate.emit(back, "jsonl") == text
    # blank lines, a BOM and CRLF line ends are accepted
    crlf = "\ufeff\n" + text.replace("\n", "\r\n\r\n")
    assert vpnxlate.to_dict(vpnxlate.parse(crlf, format="jsonl")) == vpnxlate.to_dict(back)


def test_detection_still_tells_the_other_json_formats_apart() -> None:
    conns = _conns()
    assert vpnxlate.detect_format(vpnxlate.emit(conns, "json")) == "json"
    assert vpnxlate.detect_format(DESCRIBE.read_text()) == "ec2-json"
    assert vpnxlate.detect_format('{"tunnels": []}\n') == "jsonl"


def test_a_bad_line_is_named_by_its_line() -> None:
    first, second = _lines()
    bad_ip = second.replace('"aws_outside_ip":"', '"aws_outside_ip":"x', 1)
    with pytest.raises(ValidationError) as e:
        vpnxlate.parse("\n".join([first, bad_ip]), source="v.jsonl")
    assert str(e.value) == (
        "v.jsonl:2: tunnels[0].aws_outside_ip: expected an IP address, got <a value of 13 characters, "
        "not shown: it could be a key>"
    )
    with pytest.raises(ParseError) as e2:
        vpnxlate.parse("\n".join([first, "", "{nope"]), source="v.jsonl")
    assert str(e2.value) == "v.jsonl:3: invalid JSON: Expecting property name enclosed in double quotes (column 2)"
    with pytest.raises(ParseError) as e3:
        vpnxlate.parse(first + "\n[1]\n", source="v.jsonl", format="jsonl")
    assert str(e3.value) == "v.jsonl:2: a connection must be an object"


# ------------------------------------------------------------------ the API


def test_iter_parse_reads_a_directory_file_by_file_in_name_order(tmp_path: Path) -> None:
    lines = _lines()
    shutil.copy(GENERIC, tmp_path / "a.txt")
    _write(tmp_path / "b.jsonl", list(reversed(lines)))
    (tmp_path / ".notes").write_text("not a configuration\n")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "x.txt").write_text("not a configuration\n")
    got = vpnxlate.iter_parse(tmp_path)
    assert next(got).vpn_connection_id == GENERIC_ID  # an iterator: one item read at a time
    expected = [json.loads(line)["vpn_connection_id"] for line in reversed(lines)]
    assert _ids(got) == expected
    # several inputs: paths, (source, text) pairs and open files, in order
    with open(tmp_path / "b.jsonl", encoding="utf-8") as f:
        mixed = list(vpnxlate.iter_parse([("g", GENERIC.read_text()), f, str(tmp_path / "a.txt")]))
    assert _ids(mixed) == [GENERIC_ID, *expected, GENERIC_ID]


def test_iter_parse_warnings_and_errors_name_the_file_and_line(tmp_path: Path) -> None:
    first, second = _lines()
    path = _write(tmp_path / "v.jsonl", [first, "", _mixed_bgp(second)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(list(vpnxlate.iter_parse(path))) == 2
    (w,) = [w.message for w in caught if isinstance(w.message, VpnxlateWarning)]
    assert (w.diagnostic.source, w.diagnostic.line, w.diagnostic.code) == (str(path), 3, "lint-bgp-mixed")
    with pytest.raises(ValidationError) as e:
        list(vpnxlate.iter_parse(path, strict=True))
    assert str(e.value) == f"{path}:3: bgp: {GENERIC_ID}: some tunnels have BGP settings and others do not"
    _write(tmp_path / "w.jsonl", [first, "{nope"])
    got = vpnxlate.iter_parse(tmp_path / "w.jsonl")
    assert next(got).vpn_connection_id == json.loads(first)["vpn_connection_id"]  # before the bad line
    with pytest.raises(ParseError, match=r"w\.jsonl:2: invalid JSON"):
        next(got)


def test_each_line_has_the_size_cap_not_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vpnxlate.io

    lines = _lines()
    cap = max(len(line) for line in lines) + 10
    path = _write(tmp_path / "v.jsonl", lines * 3)
    assert path.stat().st_size > 3 * cap
    monkeypatch.setattr(vpnxlate.io, "MAX_INPUT_BYTES", cap)
    assert len(list(vpnxlate.iter_parse(path))) == 6
    _write(path, [lines[0], lines[1] + " " * cap])
    with pytest.raises(InputError) as e:
        list(vpnxlate.iter_parse(path))
    assert (e.value.source, e.value.line) == (str(path), 2) and "line is larger than" in e.value.message


def test_iter_convert_writes_what_emit_writes_one_connection_at_a_time(tmp_path: Path) -> None:
    conns = _conns()
    path = _write(tmp_path / "v.jsonl", _lines())
    assert "".join(f.content for f in vpnxlate.iter_convert(path, "jsonl")) == vpnxlate.emit(conns, "jsonl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        streamed = {f.name: (f.content, f.secret) for f in vpnxlate.iter_convert(path, "aws-generic")}
        whole = {f.name: (f.content, f.secret) for f in vpnxlate.emit_report(conns, "aws-generic")[0]}
        redacted = list(vpnxlate.iter_convert(path, "jsonl", redact=True))
    assert streamed == whole and len(whole) == 2
    keys = {t["psk"] for f in redacted for t in json.loads(f.content)["tunnels"]}
    assert keys == {"***"} and not any(f.secret for f in redacted)


def test_iter_convert_refuses_the_targets_that_need_every_connection(tmp_path: Path) -> None:
    path = _write(tmp_path / "v.jsonl", _lines())
    with pytest.raises(EmitError) as e:
        next(vpnxlate.iter_convert(path, "vyos", local_address="192.0.2.1"))
    assert str(e.value) == (
        "target vyos needs every connection at once (one router or one document); streamed conversion "
        "writes only the targets that write each connection on its own (jsonl, aws-*)"
    )
    # those take the connections of iter_parse as a list
    vyos = vpnxlate.emit(vpnxlate.iter_parse(path), "vyos", local_address="192.0.2.1", ignore=["all"])
    assert vyos == vpnxlate.emit(_conns(), "vyos", local_address="192.0.2.1", ignore=["all"])


def test_parse_many_reads_directories_and_json_lines_as_the_cli_does(tmp_path: Path) -> None:
    shutil.copy(DESCRIBE, tmp_path / "describe.json")
    shutil.copy(GENERIC, tmp_path / "generic.txt")
    by_dir, rep_dir = vpnxlate.parse_many_report([tmp_path])
    by_files, rep_files = vpnxlate.parse_many_report([str(tmp_path / "describe.json"), str(tmp_path / "generic.txt")])
    assert vpnxlate.to_dict(by_dir) == vpnxlate.to_dict(by_files) and rep_dir.messages() == rep_files.messages()
    # the same connection twice in a JSON Lines file is merged, as two files are
    line = next(x for x in _lines() if GENERIC_ID in x)
    (conn,) = vpnxlate.parse_many([_write(tmp_path / "twice.jsonl", [line, line])], ignore=["all"])
    assert vpnxlate.to_dict(conn) == json.loads(line)


# ------------------------------------------------------------------ the CLI


def test_cli_directory_is_read_as_its_files_are(tmp_path: Path) -> None:
    d = tmp_path / "vpns"
    d.mkdir()
    shutil.copy(DESCRIBE, d / "describe.json")
    shutil.copy(GENERIC, d / "generic.txt")
    opts = ["--to", "vyos", "--local-address", "192.0.2.1"]
    by_dir = run_cli("convert", str(d), *opts)
    by_files = run_cli("convert", str(d / "describe.json"), str(d / "generic.txt"), *opts)
    assert by_dir.returncode == 0, by_dir.stderr
    assert (by_dir.stdout, by_dir.stderr) == (by_files.stdout, by_files.stderr)
    assert "set interfaces vti" in by_dir.stdout
    # a lint warning of a JSON Lines line is given once (named by its line), not again for the merged list
    first, second = _lines()
    path = _write(tmp_path / "v.jsonl", [first, _mixed_bgp(second)])
    proc = run_cli("convert", str(path), "--to", "json")
    assert proc.returncode == 0, proc.stderr
    assert [x for x in proc.stderr.splitlines() if "lint-bgp-mixed" in x] == [
        f"vpnxlate: warning: {path}:2: {GENERIC_ID}: some tunnels have BGP settings and others do not [lint-bgp-mixed]"
    ]


def test_cli_streams_jsonl_in_input_order(tmp_path: Path) -> None:
    lines = list(reversed(_lines()))  # not sorted: the streamed output keeps the input order
    path = _write(tmp_path / "v.jsonl", lines)
    proc = run_cli("convert", str(path), "--to", "jsonl")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == lines
    out = tmp_path / "out.jsonl"
    assert run_cli("convert", str(path), "--to", "jsonl", "-o", str(out)).returncode == 0
    assert out.read_text().splitlines() == lines
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # a key may come in any line
    piped = run_cli("convert", "-", "--from", "jsonl", "--to", "jsonl", "--redact", stdin=path.read_text())
    assert [[t["psk"] for t in json.loads(x)["tunnels"]] for x in piped.stdout.splitlines()] == [["***"] * 2] * 2


def test_cli_streamed_error_names_the_line_and_writes_nothing(tmp_path: Path) -> None:
    first, second = _lines()
    path = _write(tmp_path / "v.jsonl", [first, second, second.replace('"routing":"', '"routing":"x')])
    out = tmp_path / "out.jsonl"
    line = assert_one_line_error(run_cli("convert", str(path), "--to", "jsonl", "-o", str(out)))
    assert line == f"vpnxlate: error: {path}:3: routing must be 'bgp' or 'static', not xbgp"
    assert sorted(os.listdir(tmp_path)) == ["v.jsonl"]  # no output, no temporary file
    to_stdout = run_cli("convert", str(path), "--to", "jsonl")  # standard output: all or nothing too
    assert assert_one_line_error(to_stdout) == line and to_stdout.stdout == ""
    _write(path, [first, _mixed_bgp(second)])
    line = assert_one_line_error(run_cli("convert", str(path), "--to", "jsonl", "--strict", "-o", str(out)))
    assert line == f"vpnxlate: error: {path}:2: bgp: {GENERIC_ID}: some tunnels have BGP settings and others do not"
    assert sorted(os.listdir(tmp_path)) == ["v.jsonl"]
    assert run_cli("convert", str(path), "--to", "jsonl", "--strict").stdout == ""
    warned = run_cli("convert", str(path), "--to", "jsonl")
    assert warned.stderr.splitlines() == [
        f"vpnxlate: warning: {path}:2: {GENERIC_ID}: some tunnels have BGP settings and others do not [lint-bgp-mixed]"
    ]
    assert len(warned.stdout.splitlines()) == 2


# ------------------------------------------------------------------ bounded memory

_PEAK = """import sys, vpnxlate
src, dst, how = sys.argv[1:]
with open(dst, "w") as f:
    if how == "streamed":
        for out in vpnxlate.iter_convert(src, "jsonl"):
            f.write(out.content)
    else:
        f.write(vpnxlate.emit(list(vpnxlate.iter_parse(src)), "jsonl"))
print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")))
"""


def _peak_kb(src: Path, how: str, tmp: Path) -> tuple[int, list[str]]:
    dst = tmp / f"out-{how}-{src.name}"
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK, str(src), str(dst), how], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout), dst.read_text().splitlines()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (VmHWM)")
def test_streamed_memory_does_not_grow_with_the_connections(tmp_path: Path) -> None:
    line = next(x for x in _lines() if GENERIC_ID in x)
    made = {n: [line.replace(GENERIC_ID, f"vpn-{i:017x}") for i in range(n)] for n in (200, 3000)}
    small, big = (_write(tmp_path / f"{n}.jsonl", made[n]) for n in (200, 3000))
    small_kb, small_out = _peak_kb(small, "streamed", tmp_path)
    big_kb, big_out = _peak_kb(big, "streamed", tmp_path)
    list_kb, list_out = _peak_kb(big, "list", tmp_path)
    assert small_out == made[200] and big_out == made[3000] == list_out
    # 3,000 connections held as a list take tens of MB more; streamed, they take what 200 take
    assert list_kb - big_kb > 15 * 1024, (small_kb, big_kb, list_kb)
    assert big_kb - small_kb < 6 * 1024, (small_kb, big_kb, list_kb)


def test_a_repeated_connection_is_refused_when_streamed(tmp_path: Path) -> None:
    """Streamed, connections are not merged: the same id again (here with another key) is an
    error, not a second file of the same name or a second line."""
    first, second = _lines()
    other_key = first.replace('"psk":"', '"psk":"FAKE_other', 1)
    assert other_key != first
    path = _write(tmp_path / "v.jsonl", [first, second, other_key])
    first_id = json.loads(first)["vpn_connection_id"]
    with pytest.raises(EmitError, match=f"{first_id} comes again: streamed conversion does not merge"):
        list(vpnxlate.iter_convert(str(path), "aws-xml"))
    proc = run_cli("convert", str(path), "--to", "jsonl")
    assert assert_one_line_error(proc).startswith(f"vpnxlate: error: {path}: {first_id} comes again")
    assert proc.stdout == ""


def test_an_invalid_jsonl_file_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a valid file name"):
        list(vpnxlate.iter_parse("a\x00.jsonl"))
