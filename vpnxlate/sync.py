"""``vpnxlate sync``: keep a router's configuration in step with its VPN connections.

Each poll converts the connections (usually fetched with ``aws:``) and compares the result with
the last output it wrote, kept in the state directory (mode 0700)::

    DIR/current -> gen-…            symlink, swapped atomically to a complete new generation
    DIR/gen-…/<target files>        what ``convert --out-dir`` would write (vyos.txt, swanctl.conf…)
    DIR/gen-…/vpnxlate-sync.json    the connections (the json target's model; holds keys: 0600)
    DIR/gen-…/vyos-delta.txt        (vyos) the delete/set commands from the previous generation

When nothing changed nothing is written.  Names, marks, vti numbers and interface names come
from the emitters' deterministic naming (connection id + AWS outside IP / inside /30), so the
lines of unchanged tunnels stay byte-identical and only the changed ones enter the delta.
The previous generation is kept beside the current one; older ones are removed.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .errors import OutputError, Report
from .model import VpnConnection
from .registry import SYNC_TARGETS as TARGETS
from .registry import OutputFile
from .vocab import vpnxlate_json as schema

if TYPE_CHECKING:
    from .options import TargetOptions

CURRENT = "current"
STATE_FILE = "vpnxlate-sync.json"
DELTA_FILE = "vyos-delta.txt"
STATE_VERSION = 1
RELOAD = {
    "vyos": "apply DIR/current/vyos-delta.txt in configuration mode ('configure', paste or 'source', 'commit', 'save')",
    "strongswan": "ipsec rereadsecrets && ipsec update",
    "swanctl": "swanctl --load-all",
}
_ADDRESS_KEYS = schema.TUNNEL_ADDRESSES  # the JSON keys, from the format's vocabulary
_PROPOSAL_KEYS = schema.TUNNEL_PROPOSALS
_BGP_KEYS = schema.TUNNEL_BGP


class SyncError(OutputError):
    """A poll could not complete; the last good state is kept."""


@attrs.frozen
class Change:
    kind: str  # "added", "removed", "changed"
    name: str  # connection id (or its tunnels' AWS IPs)
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~"}[self.kind]
        more = f": {'; '.join(self.details)}" if self.details else ""
        return f"{sign} {self.name} {self.kind}{more}"


@attrs.frozen
class SyncResult:
    changed: bool
    changes: tuple[Change, ...]
    connections: int
    tunnels: int
    directory: str  # DIR/current
    files: tuple[str, ...]  # names of the target's files
    delta: tuple[str, ...] | None  # vyos: the delete/set commands of this poll
    reload: str
    first: bool

    def summary(self) -> str:
        counts = {k: sum(1 for c in self.changes if c.kind == k) for k in ("added", "removed", "changed")}
        head = (
            f"{self.connections} connection{'s' if self.connections != 1 else ''}, {self.tunnels} tunnel"
            f"{'s' if self.tunnels != 1 else ''}"
        )
        if not self.changed:
            return f"{head}: no change; nothing written"
        what = ", ".join(f"{n} {k}" for k, n in counts.items())
        tail = f"; {len(self.delta)} delta commands" if self.delta is not None else ""
        return f"{head}: {what}{tail}; wrote {len(self.files)} files to {self.directory}"


# ------------------------------------------------------------------ what changed


def _key(conn: Mapping[str, Any]) -> str:
    cid = conn.get("vpn_connection_id")
    if cid:
        return str(cid)
    return "tunnels " + ",".join(sorted(str(t["aws_outside_ip"]) for t in conn["tunnels"]))


def _tunnel_details(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    what = []
    if old.get("psk") != new.get("psk"):
        what.append("PSK")  # never the key itself
    if any(old.get(k) != new.get(k) for k in _PROPOSAL_KEYS):
        what.append("proposals")
    if any(old.get(k) != new.get(k) for k in _ADDRESS_KEYS):
        what.append("addresses")
    if any(old.get(k) != new.get(k) for k in _BGP_KEYS):
        what.append("BGP")
    known = {"aws_outside_ip", "psk", *_PROPOSAL_KEYS, *_ADDRESS_KEYS, *_BGP_KEYS}
    if any(old.get(k) != new.get(k) for k in set(old) | set(new) if k not in known):
        what.append("options")
    return what


def compare(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> list[Change]:
    """Connections added, removed and changed (per tunnel: PSK, proposals, addresses, BGP, options)."""
    before = {_key(c): c for c in old}
    after = {_key(c): c for c in new}
    out = [Change("removed", k) for k in sorted(set(before) - set(after))]
    for k in sorted(after):
        c = after[k]
        if k not in before:
            n = len(c["tunnels"])
            out.append(Change("added", k, (f"{n} tunnel{'s' if n != 1 else ''}",)))
            continue
        b = before[k]
        details = []
        for field in ("routing", "static_routes", "vpn_gateway_id", "transit_gateway_id", "customer_gateway_id"):
            if b.get(field) != c.get(field):
                details.append(f"{field.replace('_', ' ')} changed")
        old_t = {t["aws_outside_ip"]: t for t in b["tunnels"]}
        new_t = {t["aws_outside_ip"]: t for t in c["tunnels"]}
        details += [f"tunnel {ip} removed" for ip in sorted(set(old_t) - set(new_t))]
        details += [f"tunnel {ip} added" for ip in sorted(set(new_t) - set(old_t))]
        for ip in sorted(set(old_t) & set(new_t)):
            what = _tunnel_details(old_t[ip], new_t[ip])
            if what:
                details.append(f"tunnel {ip}: {', '.join(what)} changed")
        if details:
            out.append(Change("changed", k, tuple(details)))
    return out


# ------------------------------------------------------------------ the state directory


def prepare(state_dir: str) -> None:
    """Create the state directory (0700), or tighten an existing one to 0700."""
    try:
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        if os.path.islink(state_dir) or not os.path.isdir(state_dir):
            raise SyncError("not a directory", source=state_dir)
        if os.stat(state_dir).st_mode & 0o077:
            os.chmod(state_dir, 0o700)
    except OSError as e:
        raise SyncError(f"cannot use the state directory: {e.strerror}", source=state_dir) from None


@attrs.frozen
class _Previous:
    generation: str  # directory name
    files: dict[str, str]  # target file name -> content
    connections: list[dict[str, Any]]


def _load(state_dir: str, target: str) -> _Previous | None:
    link = os.path.join(state_dir, CURRENT)
    if not os.path.lexists(link):
        return None
    if not os.path.islink(link):
        raise SyncError(f"{CURRENT} is not the symlink vpnxlate writes; move it away", source=state_dir)
    generation = os.readlink(link)
    base = os.path.join(state_dir, generation)
    try:
        with open(os.path.join(base, STATE_FILE), encoding="utf-8") as f:
            state = json.load(f)
        if state.get("target") != target:
            raise SyncError(
                f"the state directory holds output for --to {state.get('target')}, not --to "
                f"{target}; use another --state",
                source=state_dir,
            )
        files = {}
        for name in state["files"]:
            with open(os.path.join(base, name), encoding="utf-8") as f:
                files[name] = f.read()
        return _Previous(generation, files, list(state["connections"]))
    except (OSError, ValueError, KeyError, TypeError) as e:
        why = e.strerror if isinstance(e, OSError) else "unreadable state file"
        raise SyncError(
            f"cannot read the last state in {generation}: {why} (remove {CURRENT} to start afresh)", source=state_dir
        ) from None


class _Lock:
    def __init__(self, state_dir: str) -> None:
        self.path = os.path.join(state_dir, ".lock")
        self.fd = -1

    def __enter__(self) -> _Lock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise SyncError("another vpnxlate sync is using this state directory", source=self.path) from None
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)


def _swap(state_dir: str, generation: str | None) -> None:
    """Point DIR/current at ``generation`` atomically (None: remove it)."""
    link = os.path.join(state_dir, CURRENT)
    if generation is None:
        if os.path.lexists(link):
            os.unlink(link)
        return
    tmp = os.path.join(state_dir, f".{CURRENT}-{os.getpid()}")
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(generation, tmp)
    os.replace(tmp, link)
    fd = os.open(state_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _prune(state_dir: str, keep: Iterable[str]) -> None:
    keep = set(keep)
    for name in os.listdir(state_dir):
        if name.startswith("gen-") and name not in keep:
            _remove(os.path.join(state_dir, name))


def _new_generation(state_dir: str) -> str:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    name = f"gen-{stamp}"
    os.mkdir(os.path.join(state_dir, name), 0o700)
    return name


# ------------------------------------------------------------------ one poll


def run_apply(command: str, env: Mapping[str, str]) -> None:
    """Run the user's ``--apply`` command as an argv (``shlex.split``; no shell), output to stderr."""
    try:
        argv = shlex.split(command)
    except ValueError as e:
        raise SyncError(f"--apply: cannot split the command: {e}") from None
    if not argv:
        raise SyncError("--apply: empty command")
    try:
        done = subprocess.run(
            argv,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
    except FileNotFoundError:
        raise SyncError(f"--apply: command not found: {argv[0]}") from None
    except OSError as e:
        raise SyncError(f"--apply: cannot run {argv[0]}: {e.strerror}") from None
    if done.stdout:  # the command's output goes to stderr: stdout carries only the VyOS delta
        sys.stderr.write(done.stdout.decode("utf-8", "replace"))
    if done.returncode != 0:
        raise SyncError(
            f"--apply: {argv[0]} exited with status {done.returncode}; the previous state is "
            "restored, so the next poll applies the change again"
        )


def sync(
    connections: Sequence[VpnConnection],
    target: str,
    state_dir: str,
    *,
    report: Report | None = None,
    options: TargetOptions | Mapping[str, Any] | None = None,
    apply: str | None = None,
) -> SyncResult:
    """Convert ``connections`` for ``target`` and bring ``state_dir`` up to date (see the module doc).

    ``options``: the target's options object, or keyword values turned into it at every call (the
    CLI's: ``--router-config`` is read again at every poll)."""
    from .emitters.vpnxlate_json import connection_dict

    files = _emit(connections, target, report, options)
    new_files = {f.name: f.content for f in files}
    new_conns = sorted((connection_dict(c) for c in connections), key=_key)
    tunnels = sum(len(c.tunnels) for c in connections)
    prepare(state_dir)
    current = os.path.join(state_dir, CURRENT)
    with _Lock(state_dir):
        previous = _load(state_dir, target)
        if previous is not None and previous.files == new_files:
            return SyncResult(
                False, (), len(connections), tunnels, current, tuple(new_files), None, RELOAD[target], False
            )
        changes = compare(previous.connections if previous else [], new_conns)
        out, lines = _state_files(files, target, previous, new_files, new_conns)
        generation = _write_generation(state_dir, out)
        if apply:
            _apply(apply, state_dir, target, generation, previous, with_delta=lines is not None)
        _prune(state_dir, [generation] + ([previous.generation] if previous else []))
    return SyncResult(
        True,
        tuple(changes),
        len(connections),
        tunnels,
        current,
        tuple(new_files),
        lines,
        RELOAD[target],
        previous is None,
    )


def _emit(
    connections: Sequence[VpnConnection],
    target: str,
    report: Report | None,
    options: TargetOptions | Mapping[str, Any] | None,
) -> list[OutputFile]:
    """The target's files for ``connections``; SyncError for what sync cannot write."""
    from . import _emit_report as emit_report  # CLI terms in messages
    from .options import TargetOptions

    if target not in TARGETS:
        raise SyncError(f"sync writes --to {', '.join(TARGETS)}, not --to {target}")
    typed: TargetOptions | None = None
    opts: dict[str, Any] = {}
    if isinstance(options, TargetOptions):
        typed = options
    else:
        opts = dict(options or {})
    if target == "vyos" and (getattr(typed, "cloud_init", False) or opts.get("cloud_init")):
        raise SyncError("sync --to vyos writes set-commands and their delta; --cloud-init is for convert")
    files, _ = emit_report(connections, target, typed, report=report, **opts)
    for f in files:
        if f.name in (STATE_FILE, DELTA_FILE):
            raise SyncError(f"--to {target} writes a file named {f.name}, which sync uses itself")
    return files


def _state_files(
    files: Sequence[OutputFile],
    target: str,
    previous: _Previous | None,
    new_files: dict[str, str],
    new_conns: list[dict[str, Any]],
) -> tuple[list[OutputFile], tuple[str, ...] | None]:
    """The new generation's files: the target's, the VyOS delta from the previous state (its
    lines too; None for other targets) and the state file."""
    from .vyos_delta import commands, delta

    out: list[OutputFile] = list(files)
    lines: tuple[str, ...] | None = None
    if target == "vyos":
        old_text = previous.files.get("vyos.txt", "") if previous else ""
        lines = tuple(delta(commands(old_text), commands(new_files["vyos.txt"])))
        out.append(OutputFile(DELTA_FILE, "".join(line + "\n" for line in lines), secret=True))
    state = {"vpnxlate_sync": STATE_VERSION, "target": target, "files": list(new_files), "connections": new_conns}
    out.append(OutputFile(STATE_FILE, json.dumps(state, indent=1) + "\n", secret=True))
    return out, lines


def _write_generation(state_dir: str, out: Sequence[OutputFile]) -> str:
    """Write ``out`` into a new generation directory and make it current; its name."""
    from .io import write_files

    generation = _new_generation(state_dir)
    try:
        write_files(out, os.path.join(state_dir, generation))
        _swap(state_dir, generation)
    except (OSError, OutputError) as e:
        _remove(os.path.join(state_dir, generation))
        raise SyncError(f"cannot write the new state: {getattr(e, 'strerror', None) or e}", source=state_dir) from None
    return generation


def _apply(
    command: str, state_dir: str, target: str, generation: str, previous: _Previous | None, *, with_delta: bool
) -> None:
    """Run ``--apply`` on the new current state; when it fails, the previous state is current again."""
    current = os.path.join(state_dir, CURRENT)
    env = {"VPNXLATE_SYNC_DIR": current, "VPNXLATE_SYNC_TARGET": target}
    if with_delta:
        env["VPNXLATE_SYNC_DELTA"] = os.path.join(current, DELTA_FILE)
    try:
        run_apply(command, env)
    except SyncError:
        _swap(state_dir, previous.generation if previous else None)
        _remove(os.path.join(state_dir, generation))
        raise


# ------------------------------------------------------------------ --interval

RETRY_FIRST = 5.0


def loop(
    poll: Callable[[], int],
    interval: float,
    *,
    max_polls: int | None = None,
    retry_first: float = RETRY_FIRST,
    stop: threading.Event | None = None,
    on_wait: Callable[[float, int], None] | None = None,
) -> int:
    """Poll every ``interval`` seconds; after a failed poll retry sooner, doubling the wait from
    ``retry_first`` up to ``interval``.  Ends after ``max_polls`` polls or when ``stop`` is set;
    returns the status of the last poll."""
    stop = stop or threading.Event()
    failures = polls = 0
    while True:
        status = poll()
        polls += 1
        if max_polls is not None and polls >= max_polls:
            return status
        failures = failures + 1 if status else 0
        wait = interval if not failures else min(interval, retry_first * 2 ** (failures - 1))
        if on_wait is not None:
            on_wait(wait, failures)
        if stop.wait(wait):
            return status
