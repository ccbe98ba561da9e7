"""aws-updown.sh (the strongSwan targets' updown script) against fake ``ip``/``sysctl``/``iptables``
commands: a CHILD_SA that comes up before the one it replaces goes down keeps its interface.

The fakes keep the links in a directory and print the installed SAs from a file, so each case
sets up the kernel state charon would leave and checks which ``ip`` commands the script ran.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import vpnxlate

from .conftest import fixture_text


def _updown_script() -> str:
    """aws-updown.sh as ``--to strongswan`` writes it (swanctl writes the same script)."""
    conns = vpnxlate.parse(fixture_text("canonical/generic.txt"))
    scripts = {
        target: [
            f for f in vpnxlate.emit_report(conns, target, local_address="192.0.2.130")[0] if f.name == "aws-updown.sh"
        ]
        for target in ("strongswan", "swanctl")
    }
    (strongswan,), (swanctl,) = scripts["strongswan"], scripts["swanctl"]
    assert strongswan.file_mode == 0o755 and swanctl.content == strongswan.content
    return strongswan.content


UPDOWN_SCRIPT = _updown_script()

MARK = 123456789
IFNAME = f"vti{MARK}"
PEER = "203.0.113.21"

FAKE_IP = r"""#!/bin/bash
# fake ip: links are files in $FAKE/links, SAs come from $FAKE/states; every call is logged
echo "ip $*" >> "$FAKE/log"
args=("$@")
[ "${args[0]}" = -o ] && args=("${args[@]:1}")
case "${args[0]} ${args[1]}" in
"link show") [ -e "$FAKE/links/${args[3]}" ] ;;
"link del") [ -e "$FAKE/links/${args[2]}" ] && rm "$FAKE/links/${args[2]}" ;;
"link add") echo "${args[*]}" > "$FAKE/links/${args[2]}" ;;
"xfrm state") cat "$FAKE/states" 2>/dev/null ;;
*) exit 0 ;;
esac
"""

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")


def _sa(mark: int, spi: str) -> str:
    return (
        f"src 198.51.100.10 dst {PEER}\\	proto esp spi {spi} reqid 1 mode tunnel\\	replay-window 0 "
        f"flag af-unspec\\	mark {mark:#x}/0xffffffff\\	auth-trunc hmac(sha1) 0x00 96\\\n"
    )


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    fake = tmp_path / "fake"
    (fake / "links").mkdir(parents=True)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "ip").write_text(FAKE_IP)
    (bindir / "sysctl").write_text('#!/bin/bash\necho "sysctl $*" >> "$FAKE/log"\n')
    # iptables: no rule to check or delete (-C/-D fail), adding works
    (bindir / "iptables").write_text(
        '#!/bin/bash\necho "iptables $*" >> "$FAKE/log"\ncase " $* " in *" -C "*|*" -D "*) exit 1 ;; esac\n'
    )
    for f in bindir.iterdir():
        f.chmod(0o755)
    script = tmp_path / "aws-updown.sh"
    script.write_text(UPDOWN_SCRIPT)
    script.chmod(0o755)
    return tmp_path


def run(lab: Path, verb: str, unique_id: int, states: list[str]) -> list[str]:
    fake = lab / "fake"
    (fake / "states").write_text("".join(states))
    (fake / "log").write_text("")
    env = {
        "PATH": f"{lab / 'bin'}:{os.environ['PATH']}",
        "FAKE": str(fake),
        "PLUTO_VERB": verb,
        "PLUTO_ME": "198.51.100.10",
        "PLUTO_PEER": PEER,
        "PLUTO_UNIQUEID": str(unique_id),
        "VPNXLATE_UPDOWN_STATE": str(lab / "state"),
    }
    proc = subprocess.run(
        [
            str(lab / "aws-updown.sh"),
            "-ln",
            IFNAME,
            "-ll",
            "169.254.22.2/30",
            "-lr",
            "169.254.22.1",
            "-m",
            str(MARK),
            "-mtu",
            "1436",
            "-mss",
            "1379",
            "-r",
            "10.0.0.0/16",
            "-rm",
            "100",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert proc.returncode == 0, proc.stderr
    return [line for line in (fake / "log").read_text().splitlines() if line.startswith("ip link")]


def link_exists(lab: Path) -> bool:
    return (lab / "fake" / "links" / IFNAME).exists()


@needs_bash
def test_first_up_creates_the_vti_and_last_down_removes_it(lab: Path) -> None:
    calls = run(lab, "up-client", 1, [_sa(MARK, "0xc0000001")])
    assert calls == [
        f"ip link show dev {IFNAME}",
        f"ip link del {IFNAME}",
        f"ip link add {IFNAME} type vti local 198.51.100.10 remote {PEER} ikey {MARK} okey {MARK}",
        f"ip link set {IFNAME} up mtu 1436",
    ]
    assert link_exists(lab)
    calls = run(lab, "down-client", 1, [_sa(MARK, "0xc0000001")])
    assert f"ip link del {IFNAME}" in calls and not link_exists(lab)


@needs_bash
def test_replacement_up_before_old_down_keeps_the_interface(lab: Path) -> None:
    run(lab, "up-client", 1, [_sa(MARK, "0xc0000001")])
    # IKEv2 reauthentication (make-before-break): the new IKE_SA #2 brings its CHILD_SA up first
    both = [_sa(MARK, "0xc0000001"), _sa(MARK, "0xc0000002")]
    calls = run(lab, "up-client", 2, both)
    assert not [c for c in calls if c.startswith(("ip link del", "ip link add"))], calls
    # ... then the old IKE_SA #1 goes down: the interface belongs to #2 now
    calls = run(lab, "down-client", 1, both)
    assert not [c for c in calls if c.startswith("ip link del")], calls
    assert link_exists(lab)
    # the replacement going down for good removes it
    calls = run(lab, "down-client", 2, [_sa(MARK, "0xc0000002")])
    assert f"ip link del {IFNAME}" in calls and not link_exists(lab)


@needs_bash
def test_duplicate_child_of_the_same_ike_sa_keeps_the_interface(lab: Path) -> None:
    run(lab, "up-client", 3, [_sa(MARK, "0xc0000001")])
    run(lab, "up-client", 3, [_sa(MARK, "0xc0000001"), _sa(MARK, "0xc0000002")])
    calls = run(lab, "down-client", 3, [_sa(MARK, "0xc0000001"), _sa(MARK, "0xc0000002")])
    assert not [c for c in calls if c.startswith("ip link del")], calls
    assert link_exists(lab)


@needs_bash
def test_stale_interface_is_rebuilt_and_other_marks_do_not_count(lab: Path) -> None:
    (lab / "fake" / "links" / IFNAME).write_text("stale")
    # another tunnel's SA (another mark) to the same peer is not a replacement
    calls = run(lab, "up-client", 1, [_sa(MARK, "0xc0000001"), _sa(MARK + 1, "0xc0000009")])
    assert f"ip link del {IFNAME}" in calls
    assert "ikey" in (lab / "fake" / "links" / IFNAME).read_text()
    calls = run(lab, "down-client", 1, [_sa(MARK, "0xc0000001"), _sa(MARK + 1, "0xc0000009")])
    assert f"ip link del {IFNAME}" in calls
