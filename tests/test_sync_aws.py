"""``vpnxlate sync`` against moto's EC2 server on loopback: connections come and go between polls."""

from __future__ import annotations

import os
import re
import stat
import sys
from typing import Any

import pytest

from vpnxlate import cli, sync
from vpnxlate.vyos_delta import commands, split_command

from .conftest import VYOS_CHECK, vyos_check
from .moto_ec2 import (
    aws_like,
    backend_connection,
    closed_port,
    ec2,
    make_cgw,
    make_tgw,
    make_vgw,
    make_vpn,
    moto_server,
    set_env,
)
from .test_aws_fetch import assert_no_credentials, files_text, run
from .test_vyos_delta import Config

__all__ = ["aws_like", "ec2", "moto_server"]  # fixtures

LOCAL = ("--local-address", "10.0.0.5")


@pytest.fixture
def hub(aws_like: Any) -> dict[str, Any]:
    ec2 = aws_like
    vgw = make_vgw(ec2)
    tgw = make_tgw(ec2)
    cgw = make_cgw(ec2)
    return {
        "ec2": ec2,
        "vgw": vgw,
        "tgw": tgw,
        "cgw": cgw,
        "a": make_vpn(ec2, cgw, vgw=vgw, name="a"),
        "b": make_vpn(
            ec2,
            cgw,
            tgw=tgw,
            name="b",
            tunnel_options=[
                {"TunnelInsideCidr": "169.254.20.0/30", "Phase1EncryptionAlgorithms": [{"Value": "AES256"}]},
                {"TunnelInsideCidr": "169.254.20.4/30"},
            ],
        ),
    }


def _sync(capsys: Any, state: Any, target: str = "vyos", *extra: str) -> tuple[int, str, str]:
    return run(capsys, "sync", "aws:", "--to", target, "--state", str(state), "--once", *LOCAL, *extra)


def _current(state: Any, name: str) -> str:
    with open(os.path.join(state, "current", name), encoding="utf-8") as f:
        return f.read()


def _valid_vyos(lines: list[str], tmp_path: Any) -> None:
    """The delta's set and delete commands pass ../shared/tools/vyos_check.py (VyOS 1.4's tree);
    without ../shared this one check is left out (the rest of the test still runs)."""
    if not VYOS_CHECK.exists():
        return
    path = tmp_path / f"delta-{len(os.listdir(tmp_path))}.txt"
    path.write_text("".join(ln + "\n" for ln in lines))
    proc = vyos_check(path, "1.4")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _tag(vpn_id: str) -> str:
    return vpn_id[4:]


def _lines_of(lines: list[str], vpn_id: str, vpn_text: str) -> list[str]:
    """The lines of ``vpn_text``'s output that belong to one connection: they name its tag, its vti
    numbers or its BGP neighbours (taken from that connection's own header comment)."""
    tag = _tag(vpn_id)
    header = [ln for ln in vpn_text.splitlines() if ln.startswith("#   tunnel") or ln.startswith("# connection")]
    vtis, inside = set(), set()
    current = None
    for ln in header:
        if ln.startswith("# connection"):
            current = ln.split()[2].rstrip(":")
        elif current == vpn_id:
            m = re.search(r"(vti\d+) 169\.254\.(\d+)\.(\d+)/30", ln)
            vtis.add(m.group(1))
            inside.add(f"169.254.{m.group(2)}.{int(m.group(3)) - 1}")
    return [
        ln
        for ln in lines
        if tag in ln or any(f" {v} " in f"{ln} " for v in vtis) or any(f"neighbor {ip} " in ln for ip in inside)
    ]


def test_vyos_sync_adds_and_removes_only_the_changed_connection(
    hub: dict[str, Any], tmp_path: Any, capsys: Any
) -> None:
    state = tmp_path / "state"
    code, out, err = _sync(capsys, state)
    assert code == 0, err
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    first = _current(state, "vyos.txt")
    assert out.splitlines() == commands(first)  # first poll: everything is new
    assert f"sync: + {hub['a']} added: 2 tunnels" in err and f"sync: + {hub['b']} added: 2 tunnels" in err
    assert "2 connections, 4 tunnels: 2 added, 0 removed, 0 changed;" in err
    assert stat.S_IMODE(os.stat(state / "current" / "vyos.txt").st_mode) == 0o600
    generation = os.readlink(state / "current")

    # nothing changed: nothing written, said so
    code, out, err = _sync(capsys, state)
    assert (code, out) == (0, "")
    assert "sync: 2 connections, 4 tunnels: no change; nothing written" in err
    assert os.readlink(state / "current") == generation

    # a third connection: only its lines enter the delta; the others' lines are byte-identical
    c = make_vpn(hub["ec2"], hub["cgw"], vgw=hub["vgw"], name="c")
    code, out, err = _sync(capsys, state)
    assert code == 0, err
    second = _current(state, "vyos.txt")
    delta = out.splitlines()
    assert delta and all(ln.startswith("set ") for ln in delta)
    assert delta == _current(state, "vyos-delta.txt").splitlines()
    assert set(delta) == set(commands(second)) - set(commands(first))
    assert set(delta) <= set(_lines_of(commands(second), c, second))
    assert set(commands(first)) <= set(commands(second))  # the other lines unchanged, byte for byte
    assert f"sync: + {c} added: 2 tunnels" in err and "3 connections, 6 tunnels: 1 added, 0 removed" in err
    assert Config(commands(first) + delta).nodes() == Config(commands(second)).nodes()
    _valid_vyos(delta, tmp_path)

    # one deleted: only its lines go, with a delete of each of its highest nodes
    hub["ec2"].delete_vpn_connection(VpnConnectionId=hub["b"])
    code, out, err = _sync(capsys, state)
    assert code == 0, err
    third = _current(state, "vyos.txt")
    delta = out.splitlines()
    assert delta and all(ln.startswith("delete ") for ln in delta)
    b_lines = _lines_of(commands(second), hub["b"], second)
    # b's own IKE group (its AES256 tunnel) goes with it; the shared groups stay
    groups = {m.group(1) for ln in b_lines for m in [re.search(r"-group '(AWS-(?:IKE|ESP)-\w+)'", ln)] if m}
    still_used = {m.group(1) for ln in commands(third) for m in [re.search(r"-group '(AWS-(?:IKE|ESP)-\w+)'", ln)] if m}
    assert groups - still_used and groups & still_used
    b_lines += [ln for ln in commands(second) if any(f"-group {g} " in ln for g in groups - still_used)]
    for ln in delta:
        path = " ".join(split_command(ln)[1])
        under = [x for x in commands(second) if x[4:] == path or x[4:].startswith(path + " ")]
        assert under and set(under) <= set(b_lines), ln
    assert f"delete vpn ipsec site-to-site peer AWS-{_tag(hub['b'])}-T1" in delta
    assert not any(ln in ("delete vpn ipsec", "delete vpn") for ln in delta)
    assert set(commands(third)) == set(commands(second)) - set(b_lines)
    assert Config(commands(second)).nodes() >= Config(commands(third)).nodes()
    applied = Config(commands(second))
    for ln in delta:
        applied.run(ln)
    assert applied.nodes() == Config(commands(third)).nodes()
    _valid_vyos(delta, tmp_path)
    assert f"sync: - {hub['b']} removed" in err and f"skipped 1 connection in state deleted: {hub['b']}" in err
    # the previous generation is kept, older ones pruned
    assert sorted(n for n in os.listdir(state) if n.startswith("gen-")) == sorted(
        [
            os.readlink(state / "current"),
            *[n for n in os.listdir(state) if n.startswith("gen-") if n != os.readlink(state / "current")],
        ]
    )
    assert len([n for n in os.listdir(state) if n.startswith("gen-")]) == 2


@pytest.mark.parametrize(
    ("target", "reload_hint", "conf"),
    [
        ("swanctl", "swanctl --load-all", "swanctl.conf"),
        ("strongswan", "ipsec rereadsecrets && ipsec update", "ipsec.conf"),
    ],
)
def test_strongswan_sync_keeps_names_marks_and_interfaces(
    hub: dict[str, Any], tmp_path: Any, capsys: Any, target: str, reload_hint: str, conf: str
) -> None:
    state = tmp_path / "state"
    assert _sync(capsys, state, target)[0] == 0
    before = _current(state, conf)
    c = make_vpn(hub["ec2"], hub["cgw"], vgw=hub["vgw"], name="c")
    code, out, err = _sync(capsys, state, target)
    assert code == 0, err
    assert out == ""
    assert f"sync: reload: {reload_hint}" in err
    after = _current(state, conf)
    blocks_before = _blocks(before)
    blocks_after = _blocks(after)
    for name, block in blocks_before.items():
        assert blocks_after[name] == block  # names, marks (if_id/mark), interface names unchanged
    new = set(blocks_after) - set(blocks_before)
    assert new and all(_tag(c) in n for n in new)
    # (interface, mark) of every tunnel, from the updown command lines
    pairs_before = set(re.findall(r"-ln (\S+) .*? -m (\d+)", before))
    pairs_after = set(re.findall(r"-ln (\S+) .*? -m (\d+)", after))
    assert len(pairs_before) == 4 and pairs_before < pairs_after and len(pairs_after) == 6


def _blocks(text: str) -> dict[str, str]:
    """Connection blocks by name: ``conn NAME`` sections (ipsec.conf) or top-level ``NAME {`` (swanctl)."""
    out: dict[str, str] = {}
    if text.lstrip().startswith("connections") or "\nconnections {" in text:
        depth, name, buf = 0, None, []
        for line in text.splitlines():
            if depth == 1 and line.strip().endswith("{"):
                name, buf = line.strip()[:-1].strip(), []
            if name is not None:
                buf.append(line)
            depth += line.count("{") - line.count("}")
            if name is not None and depth == 1:
                out[name] = "\n".join(buf)
                name = None
        return out
    for part in re.split(r"\n(?=conn )", text):
        if part.startswith("conn vpn-"):  # a tunnel's own section (shared profiles list their users)
            out[part.split()[1]] = part.split("\n\n")[0].rstrip("\n")
    return out


def test_failed_poll_keeps_the_last_state(
    hub: dict[str, Any], tmp_path: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    assert _sync(capsys, state)[0] == 0
    generation = os.readlink(state / "current")
    text = _current(state, "vyos.txt")
    with closed_port() as url:
        set_env(monkeypatch, url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        code, out, err = _sync(capsys, state)
    assert (code, out) == (2, "")
    assert err == (
        f"vpnxlate: error: aws:eu-west-1: cannot reach the EC2 endpoint {url} (network, proxy, "
        "--region or AWS_ENDPOINT_URL?) (the last good state is kept)\n"
    )
    assert os.readlink(state / "current") == generation and _current(state, "vyos.txt") == text


def test_interval_mode_retries_after_failures(
    hub: dict[str, Any], tmp_path: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch, moto_server: str
) -> None:
    state = tmp_path / "state"
    with closed_port() as url:
        set_env(monkeypatch, url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        code, out, err = run(
            capsys,
            "sync",
            "aws:",
            "--to",
            "vyos",
            "--state",
            str(state),
            *LOCAL,
            "--interval",
            "0.01",
            "--max-polls",
            "3",
        )
    assert code == 2
    assert err.count("cannot reach the EC2 endpoint") == 3
    assert "poll failed (1 in a row); retrying in 0.01 s" in err and "poll failed (2 in a row)" in err
    assert not os.path.exists(state / "current")
    set_env(monkeypatch, moto_server)
    code, out, err = run(
        capsys, "sync", "aws:", "--to", "vyos", "--state", str(state), *LOCAL, "--interval", "0.01", "--max-polls", "2"
    )
    assert code == 0, err
    assert out.splitlines() == commands(_current(state, "vyos.txt"))  # the first poll's delta only
    assert "2 added" in err and "no change; nothing written" in err


def test_loop_backoff_doubles_up_to_the_interval() -> None:
    statuses = iter([2, 2, 2, 0, 2, 0])
    waits: list[tuple[float, int]] = []

    class NoSleep:
        def wait(self, seconds: float) -> bool:
            return False

    status = sync.loop(
        lambda: next(statuses),
        60,
        max_polls=6,
        retry_first=5,
        stop=NoSleep(),  # type: ignore[arg-type]
        on_wait=lambda s, f: waits.append((s, f)),
    )
    assert status == 0
    assert waits == [(5, 1), (10, 2), (20, 3), (60, 0), (5, 1)]
    assert sync.loop(lambda: 0, 60, max_polls=1) == 0


def test_apply_runs_argv_without_a_shell_and_restores_on_failure(
    hub: dict[str, Any], tmp_path: Any, capsys: Any
) -> None:
    state = tmp_path / "state"
    marker = tmp_path / "applied"
    script = tmp_path / "apply.py"
    script.write_text(
        "import os, sys\nopen(sys.argv[1], 'a').write(os.environ['VPNXLATE_SYNC_DELTA'] + '|' + "
        "' '.join(sys.argv[2:]) + '\\n')\n"
    )
    cmd = f"{sys.executable} {script} {marker} 'two words' ';' touch {tmp_path / 'injected'}"
    code, out, err = _sync(capsys, state, "vyos", "--apply", cmd)
    assert code == 0, err
    assert marker.read_text() == f"{state}/current/vyos-delta.txt|two words ; touch {tmp_path / 'injected'}\n"
    assert not (tmp_path / "injected").exists()
    generation = os.readlink(state / "current")
    make_vpn(hub["ec2"], hub["cgw"], vgw=hub["vgw"], name="c")
    code, out, err = _sync(capsys, state, "vyos", "--apply", "false")
    assert code == 2 and "--apply: false exited with status 1; the previous state is restored" in err
    assert os.readlink(state / "current") == generation
    code, out, err = _sync(capsys, state, "vyos")  # the next poll sees the change again
    assert code == 0 and "1 added" in err and out


def test_sync_outputs_hold_no_credentials(hub: dict[str, Any], tmp_path: Any, capsys: Any) -> None:
    state = tmp_path / "state"
    texts = list(_sync(capsys, state)[1:])
    make_vpn(hub["ec2"], hub["cgw"], vgw=hub["vgw"], name="c")
    texts += _sync(capsys, state, "vyos", "-q")[1:]
    texts += _sync(capsys, tmp_path / "sw", "swanctl")[1:]
    assert_no_credentials(*texts, files_text(str(tmp_path)))


def test_sync_refuses_other_state_and_cloud_init(hub: dict[str, Any], tmp_path: Any, capsys: Any) -> None:
    state = tmp_path / "state"
    assert _sync(capsys, state, "swanctl")[0] == 0
    code, out, err = _sync(capsys, state, "vyos")
    assert code == 2 and "holds output for --to swanctl, not --to vyos" in err
    code, out, err = _sync(capsys, tmp_path / "other", "vyos", "--cloud-init")
    assert (code, out) == (2, "") and "--cloud-init is for convert" in err
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["sync", "aws:", "--to", "json", "--state", str(state)])
    assert exit_info.value.code == 2 and "invalid choice: 'json'" in capsys.readouterr().err


def test_large_account_progress_and_summary(aws_like: Any, tmp_path: Any, capsys: Any) -> None:
    ec2 = aws_like
    vgw = make_vgw(ec2)
    cgw = make_cgw(ec2)
    ids = [make_vpn(ec2, cgw, vgw=vgw) for _ in range(100)]
    state = tmp_path / "state"
    code, out, err = _sync(capsys, state, "swanctl")
    assert (code, out) == (0, ""), err
    assert "vpnxlate: aws:eu-west-1: fetched 100 VPN connections; translating 100\n" in err
    assert (
        f"vpnxlate: sync: 100 connections, 200 tunnels: 100 added, 0 removed, 0 changed; wrote 6 files to "
        f"{state}/current\n"
    ) in err
    conf = _current(state, "swanctl.conf")
    assert len([n for n in _blocks(conf) if n.startswith("vpn-")]) == 200  # + one secret block per tunnel
    ec2.delete_vpn_connection(VpnConnectionId=ids[42])
    code, out, err = _sync(capsys, state, "swanctl")
    assert code == 0, err
    assert "vpnxlate: aws:eu-west-1: fetched 100 VPN connections; translating 99\n" in err
    assert f"vpnxlate: sync: - {ids[42]} removed\n" in err
    assert "99 connections, 198 tunnels: 0 added, 1 removed, 0 changed;" in err
    after = _blocks(_current(state, "swanctl.conf"))
    assert {n: b for n, b in _blocks(conf).items() if _tag(ids[42]) not in n} == after


def test_changed_tunnel_is_reported_without_its_key(hub: dict[str, Any], tmp_path: Any, capsys: Any) -> None:
    state = tmp_path / "state"
    assert _sync(capsys, state)[0] == 0
    before = _current(state, "vyos.txt")
    # what ModifyVpnTunnelOptions does on AWS (moto has no such call): new key, proposals, inside CIDR
    conn = backend_connection(hub["a"])
    tunnel = conn.vx["tunnels"][0]
    old_psk, ip = tunnel["PreSharedKey"], tunnel["OutsideIpAddress"]
    tunnel.update(
        {
            "PreSharedKey": "rotated_psk_value_77",
            "TunnelInsideCidr": "169.254.30.0/30",
            "Phase2EncryptionAlgorithms": [{"Value": "AES256"}],
        }
    )
    code, out, err = _sync(capsys, state)
    assert code == 0, err
    assert f"vpnxlate: sync: ~ {hub['a']} changed: tunnel {ip}: PSK, proposals, addresses, options changed\n" in err
    assert "0 added, 0 removed, 1 changed" in err
    assert "rotated_psk_value_77" not in err and old_psk not in err
    delta = out.splitlines()
    name = f"AWS-{_tag(hub['a'])}-T1"
    assert f"delete vpn ipsec authentication psk {name} secret '{old_psk}'" in delta
    assert f"set vpn ipsec authentication psk {name} secret 'rotated_psk_value_77'" in delta
    assert any(ln.startswith("set interfaces vti ") and ln.endswith("address '169.254.30.2/30'") for ln in delta)
    # only tunnel 1 of connection a is touched
    assert not any(f"AWS-{_tag(hub['b'])}" in ln or f"AWS-{_tag(hub['a'])}-T2" in ln for ln in delta)
    after = _current(state, "vyos.txt")
    applied = Config(commands(before))
    for ln in delta:
        applied.run(ln)
    assert applied.nodes() == Config(commands(after)).nodes()
    _valid_vyos(delta, tmp_path)
