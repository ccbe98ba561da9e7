"""``vpnxlate sync`` with file inputs (no AWS needed): the state directory and the change report."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from vpnxlate import cli, sync

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ONE = str(FIXTURES / "canonical" / "connection.xml")


def _run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_file_input_sync_and_option_change(tmp_path: Path, capsys: Any) -> None:
    state = tmp_path / "state"
    argv = ["sync", ONE, "--to", "swanctl", "--state", str(state), "--from", "aws-xml"]
    code, out, err = _run(capsys, *argv, "--local-address", "10.0.0.5")
    assert (code, out) == (0, ""), err
    assert "1 added, 0 removed, 0 changed; wrote 6 files" in err and "sync: reload: swanctl --load-all" in err
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    gen = os.readlink(state / "current")
    saved = json.loads((state / "current" / sync.STATE_FILE).read_text())
    assert saved["target"] == "swanctl"
    assert saved["files"] == [
        "swanctl.conf",
        "aws-updown.sh",
        "strongswan.conf",
        "frr.conf",
        "daemons",
        "99-vpnxlate-forwarding.conf",
    ]
    assert stat.S_IMODE(os.stat(state / "current" / sync.STATE_FILE).st_mode) == 0o600
    code, out, err = _run(capsys, *argv, "--local-address", "10.0.0.5")
    assert code == 0 and "no change; nothing written" in err and os.readlink(state / "current") == gen
    # another local address: the files change, the connections do not
    code, out, err = _run(capsys, *argv, "--local-address", "10.0.0.6")
    assert code == 0, err
    assert "the output changed, the connections did not" in err and "0 added, 0 removed, 0 changed" in err
    assert "local_addrs = 10.0.0.6" in (state / "current" / "swanctl.conf").read_text()
    assert sorted(n for n in os.listdir(state) if n.startswith("gen-")) == sorted([gen, os.readlink(state / "current")])


def test_a_state_dir_is_tightened_and_bad_inputs_keep_the_state(tmp_path: Path, capsys: Any) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    os.chmod(state, 0o755)
    assert _run(capsys, "sync", ONE, "--to", "vyos", "--state", str(state), "--local-address", "10.0.0.5")[0] == 0
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    gen = os.readlink(state / "current")
    bad = tmp_path / "bad.txt"
    bad.write_text("not a configuration\n")
    code, out, err = _run(capsys, "sync", str(bad), "--to", "vyos", "--state", str(state))
    assert (code, out) == (2, "")
    assert err.endswith("(the last good state is kept)\n") and err.count("\n") == 1
    assert os.readlink(state / "current") == gen
    code, out, err = _run(capsys, "sync", ONE, "--to", "vyos", "--state", str(state), "--max-polls", "2")
    assert code == 2 and "--max-polls N (N >= 1) goes with --interval" in err


def test_compare_names_what_changed() -> None:
    def conn(cid: str, **tunnel: Any) -> dict[str, Any]:
        t = {
            "aws_outside_ip": "203.0.113.10",
            "psk": "k1",
            "ike": {"encryption": ["AES128"]},
            "cgw_inside_cidr": "169.254.10.2/30",
            "cgw_asn": 65000,
            "mtu": None,
            **tunnel,
        }
        return {"vpn_connection_id": cid, "routing": "bgp", "tunnels": [t]}

    old = [conn("vpn-a"), conn("vpn-b")]
    new = [conn("vpn-a", psk="k2", mtu=1400), conn("vpn-c", cgw_inside_cidr="169.254.11.2/30")]
    changes = sync.compare(old, new)
    assert [str(c) for c in changes] == [
        "- vpn-b removed",
        "~ vpn-a changed: tunnel 203.0.113.10: PSK, options changed",
        "+ vpn-c added: 1 tunnel",
    ]
    assert "k2" not in " ".join(str(c) for c in changes)
    moved = [conn("vpn-a", aws_outside_ip="203.0.113.11", ike={"encryption": ["AES256"]}, cgw_asn=65001)]
    assert [str(c) for c in sync.compare([conn("vpn-a")], moved)] == [
        "~ vpn-a changed: tunnel 203.0.113.10 removed; tunnel 203.0.113.11 added"
    ]
    assert [
        str(c)
        for c in sync.compare(
            [conn("vpn-a")],
            [conn("vpn-a", ike={"encryption": ["AES256"]}, cgw_asn=65001, cgw_inside_cidr="169.254.12.2/30")],
        )
    ] == ["~ vpn-a changed: tunnel 203.0.113.10: proposals, addresses, BGP changed"]
