"""Writing files (issue 9, section 2): only regular files are replaced, ``-o -`` is stdout, the
output set is all or nothing (also on injected failures and unexpected exceptions), exclusive
creation between concurrent runs, ``--out-dir`` created with safe modes, symlinked ``--out-dir``
refused."""

from __future__ import annotations

import errno
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import vpnxlate
from vpnxlate.io import write_file, write_files
from vpnxlate.registry import OutputFile

from .conftest import FIXTURES, ROOT, assert_one_line_error, run_cli

GENERIC = str(FIXTURES / "canonical" / "generic.txt")
SWAN = ("--to", "strongswan", "--local-address", "192.0.2.130")
SWAN_FILES = [
    "99-vpnxlate-forwarding.conf",
    "aws-updown.sh",
    "daemons",
    "frr.conf",
    "ipsec.conf",
    "ipsec.secrets",
    "strongswan.conf",
]


def _temps(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(".vpnxlate-")]


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), stat.S_IMODE(p.stat().st_mode)) for p in sorted(directory.iterdir())}


def _set(tag: str) -> list[OutputFile]:
    return [
        OutputFile("a.conf", f"a {tag}\n"),
        OutputFile("b.secrets", f"b {tag} KEY_{tag}\n", secret=True),
        OutputFile("c.sh", f"c {tag}\n", mode=0o755),
    ]


# ------------------------------------------------------------------ -o: only regular files


@pytest.mark.parametrize("force", [False, True])
def test_o_refuses_fifo(tmp_path: Path, force: bool) -> None:
    fifo = tmp_path / "null"  # stands in for /dev/null (a real /dev is never touched)
    os.mkfifo(fifo)
    proc = run_cli("convert", GENERIC, "--to", "json", "-o", str(fifo), *(["--force"] if force else []))
    assert assert_one_line_error(proc) == (
        f"vpnxlate: error: {fifo}: is a FIFO, not a regular file; refusing to replace it"
    )
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


@pytest.mark.parametrize("force", [False, True])
def test_o_refuses_symlink(tmp_path: Path, force: bool) -> None:
    real = tmp_path / "real.json"
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    proc = run_cli("convert", GENERIC, "--to", "json", "-o", str(link), *(["--force"] if force else []))
    assert assert_one_line_error(proc) == (
        f"vpnxlate: error: {link}: is a symbolic link, not a regular file; refusing to replace it"
    )
    assert os.path.islink(link) and real.read_text() == "old\n"
    assert _temps(tmp_path) == []


def test_o_refuses_directory_and_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    assert_one_line_error(
        run_cli("convert", GENERIC, "--to", "json", "-o", str(tmp_path / "d"), "--force"),
        f"{tmp_path / 'd'}: is a directory, not a regular file",
    )
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")  # following it would create a file elsewhere
    assert_one_line_error(
        run_cli("convert", GENERIC, "--to", "json", "-o", str(dangling), "--force"),
        "is a symbolic link, not a regular file",
    )
    assert not (tmp_path / "nowhere").exists()
    assert_one_line_error(
        run_cli("convert", GENERIC, "--to", "json", "-o", str(tmp_path / "no" / "x.json")),
        f"{tmp_path / 'no' / 'x.json'}: directory does not exist",
    )


def test_o_force_replaces_regular_file(tmp_path: Path) -> None:
    out = tmp_path / "vpn.json"
    out.write_text("old\n")
    os.chmod(out, 0o644)
    proc = run_cli("convert", GENERIC, "--to", "json", "-o", str(out), "--force", "-q")
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == run_cli("convert", GENERIC, "--to", "json", "-q").stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # it holds keys
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vpn.json"]


def test_o_dash_is_stdout(tmp_path: Path) -> None:
    plain = run_cli("convert", GENERIC, "--to", "json", "-q", cwd=tmp_path)
    proc = run_cli("convert", GENERIC, "--to", "json", "-o", "-", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == plain.stdout and '"vpn_connection_id"' in proc.stdout
    several = run_cli("convert", GENERIC, *SWAN, "-o", "-", "-q", cwd=tmp_path)  # several files: headers
    assert several.returncode == 0, several.stderr
    assert "#### vpnxlate file: ipsec.secrets (mode 0600) ####\n" in several.stdout
    assert list(tmp_path.iterdir()) == []  # no file named "-"


# ------------------------------------------------------------------ the set is all or nothing


def test_planted_directory_leaves_old_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli("convert", GENERIC, *SWAN, "--out-dir", str(out), "-q").returncode == 0
    (out / "ipsec.secrets").unlink()
    (out / "ipsec.secrets").mkdir()  # planted where one file of the set goes
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    proc = run_cli("convert", GENERIC, *SWAN, "--out-dir", str(out), "--force", "--redact", "-q")
    assert assert_one_line_error(proc) == (
        f"vpnxlate: error: {out / 'ipsec.secrets'}: is a directory, not a regular file; refusing to replace it"
    )
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(before) == [n for n in SWAN_FILES if n != "ipsec.secrets"]
    assert _temps(out) == []


def _fail_at(monkeypatch: pytest.MonkeyPatch, name: str, nth: int, exc: BaseException) -> dict[str, int]:
    """Make ``os.<name>`` raise ``exc`` on its ``nth`` call (counting from 1); returns the counter."""
    calls = {"n": 0}
    real = getattr(os, name)

    def broken(*args: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == nth:
            raise exc
        return real(*args, **kw)

    monkeypatch.setattr(os, name, broken)
    return calls


@pytest.mark.parametrize("nth", [1, 2, 3])
def test_replace_failing_at_nth_file_restores_old_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nth: int
) -> None:
    write_files(_set("old"), str(tmp_path))
    os.chmod(tmp_path / "a.conf", 0o640)
    before = _snapshot(tmp_path)
    calls = _fail_at(monkeypatch, "replace", nth, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(vpnxlate.OutputError, match="cannot write: No space left on device"):
        write_files(_set("new"), str(tmp_path), force=True)
    monkeypatch.undo()
    assert calls["n"] >= nth
    assert _snapshot(tmp_path) == before  # byte-identical, modes too, no temp or backup file left


@pytest.mark.parametrize("nth", [1, 2, 3])
def test_link_failing_at_nth_file_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    (tmp_path / "unrelated").write_text("mine\n")
    _fail_at(monkeypatch, "link", nth, OSError(errno.EIO, "Input/output error"))
    with pytest.raises(vpnxlate.OutputError, match="cannot write: Input/output error"):
        write_files(_set("new"), str(tmp_path))
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unrelated"]


def test_forced_set_backup_link_failing_restores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(_set("old"), str(tmp_path))
    before = _snapshot(tmp_path)
    _fail_at(monkeypatch, "link", 3, OSError(errno.EIO, "Input/output error"))  # the third file's backup
    with pytest.raises(vpnxlate.OutputError):
        write_files(_set("new"), str(tmp_path), force=True)
    monkeypatch.undo()
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(("name", "nth"), [("write", 3), ("replace", 2)])  # Ctrl-C while staging / placing
def test_unexpected_exception_leaves_no_temp_with_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, nth: int
) -> None:
    write_files(_set("old"), str(tmp_path))
    before = _snapshot(tmp_path)
    _fail_at(monkeypatch, name, nth, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_files(_set("new"), str(tmp_path), force=True)
    monkeypatch.undo()
    assert _snapshot(tmp_path) == before
    assert not any(b"KEY_new" in p.read_bytes() for p in tmp_path.iterdir())


def test_lone_surrogate_is_one_error_and_leaves_nothing(tmp_path: Path) -> None:
    files = [OutputFile("vpn.secrets", "psk KEY_secret\n", secret=True), OutputFile("notes", "id \udc80\n")]
    with pytest.raises(vpnxlate.OutputError) as err:
        write_files(files, str(tmp_path))
    assert str(err.value) == (f"{tmp_path / 'notes'}: cannot encode the output as UTF-8 (U+DC80 at character 4)")
    assert list(tmp_path.iterdir()) == []
    target = tmp_path / "one"
    with pytest.raises(vpnxlate.OutputError, match="cannot encode"):
        write_file(str(target), "x\udc80", mode=0o600)
    assert list(tmp_path.iterdir()) == []


def test_set_without_links_falls_back_to_exclusive_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*args: Any, **kw: Any) -> Any:  # e.g. vfat: link(2) is not supported
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    write_files(_set("one"), str(tmp_path))
    assert _snapshot(tmp_path) == {
        "a.conf": (b"a one\n", 0o644),
        "b.secrets": (b"b one KEY_one\n", 0o600),
        "c.sh": (b"c one\n", 0o755),
    }
    with pytest.raises(vpnxlate.OutputError, match="exists; use --force"):
        write_files(_set("two"), str(tmp_path))
    write_files(_set("three"), str(tmp_path), force=True)
    assert (tmp_path / "b.secrets").read_bytes() == b"b three KEY_three\n"
    assert _temps(tmp_path) == []


# ------------------------------------------------------------------ concurrent runs


def _racer(directory: str, tag: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        write_files(_set(tag), directory)
        results.put((tag, "ok"))
    except vpnxlate.OutputError as e:
        results.put((tag, str(e)))


@pytest.mark.parametrize("round_", range(8))
def test_two_racing_writers_exactly_one_wins(tmp_path: Path, round_: int) -> None:
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    out = tmp_path / "out"
    out.mkdir()
    procs = [ctx.Process(target=_racer, args=(str(out), tag, barrier, results)) for tag in ("one", "two")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    outcome = dict(results.get(timeout=5) for _ in procs)
    winners = [tag for tag, res in outcome.items() if res == "ok"]
    assert len(winners) == 1, outcome
    loser = next(tag for tag in outcome if tag not in winners)
    assert "exists" in outcome[loser] and "use --force" in outcome[loser]
    w = winners[0]
    assert _snapshot(out) == {
        "a.conf": (f"a {w}\n".encode(), 0o644),
        "b.secrets": (f"b {w} KEY_{w}\n".encode(), 0o600),
        "c.sh": (f"c {w}\n".encode(), 0o755),
    }  # one run's whole set, nothing else


@pytest.mark.parametrize("round_", range(3))
def test_two_racing_cli_runs(tmp_path: Path, round_: int) -> None:
    out = tmp_path / "out"  # missing: both runs create it
    cmds = [
        [sys.executable, "-m", "vpnxlate", "convert", GENERIC, *SWAN, "--out-dir", str(out), "-q", *extra]
        for extra in ([], ["--redact"])
    ]
    procs = [subprocess.Popen(c, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in cmds]
    done = [(p.wait(60), p.stderr.read().decode()) for p in procs]  # type: ignore[union-attr]
    for p in procs:
        p.stdout.close()  # type: ignore[union-attr]
        p.stderr.close()  # type: ignore[union-attr]
    assert sorted(rc for rc, _ in done) == [0, 2], done
    loser = next(err for rc, err in done if rc == 2)
    assert loser.count("\n") == 1 and loser.startswith("vpnxlate: error: ") and "exists" in loser
    redacted = done[1][0] == 0
    assert sorted(p.name for p in out.iterdir()) == SWAN_FILES
    assert ("***" in (out / "ipsec.secrets").read_text()) == redacted  # all four files from the winner
    assert ("***" in (out / "ipsec.conf").read_text()) is False


# ------------------------------------------------------------------ --out-dir


def test_out_dir_created_with_modes(tmp_path: Path) -> None:
    old = os.umask(0o077)  # the modes do not depend on the umask
    try:
        secret_dir = tmp_path / "new" / "secret"
        proc = run_cli("convert", GENERIC, *SWAN, "--out-dir", str(secret_dir), "-q")
        assert proc.returncode == 0, proc.stderr
        assert stat.S_IMODE(os.stat(secret_dir).st_mode) == 0o700
        assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in secret_dir.iterdir()} == {
            "99-vpnxlate-forwarding.conf": 0o644,
            "aws-updown.sh": 0o755,
            "daemons": 0o644,
            "frr.conf": 0o644,
            "ipsec.conf": 0o644,
            "ipsec.secrets": 0o600,
            "strongswan.conf": 0o644,
        }
        public = tmp_path / "public"
        proc = run_cli("convert", GENERIC, "--to", "json", "--out-dir", str(public), "--redact", "-q")
        assert proc.returncode == 0, proc.stderr
        assert stat.S_IMODE(os.stat(public).st_mode) == 0o755  # no file of the set holds a key
        assert stat.S_IMODE(os.stat(public / "vpn.json").st_mode) == 0o644
    finally:
        os.umask(old)


@pytest.mark.parametrize("slash", ["", "/"])
def test_symlinked_out_dir_refused(tmp_path: Path, slash: str) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    proc = run_cli("convert", GENERIC, *SWAN, "--out-dir", str(link) + slash, "-q")
    assert assert_one_line_error(proc) == (
        f"vpnxlate: error: {link}{slash}: is a symbolic link; refusing to "
        f"follow it (give the directory it points to: {real})"
    )
    assert list(real.iterdir()) == []


def test_out_dir_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x\n")
    assert_one_line_error(
        run_cli("convert", GENERIC, "--to", "json", "--out-dir", str(tmp_path / "file")),
        f"{tmp_path / 'file'}: is a regular file, not a directory",
    )


def test_out_dir_fifo_in_set_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "ipsec.conf")
    proc = run_cli("convert", GENERIC, *SWAN, "--out-dir", str(tmp_path), "--force", "-q")
    assert_one_line_error(proc, f"{tmp_path / 'ipsec.conf'}: is a FIFO, not a regular file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ipsec.conf"]
    assert stat.S_ISFIFO(os.lstat(tmp_path / "ipsec.conf").st_mode)
