"""Packaging and test-suite plumbing: one version, package data that exists, extras that are used,
lab modules where the xdist scheduler looks for them, a cisco-ios refusal mypy found."""

from __future__ import annotations

import importlib.metadata
import ipaddress
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import vpnxlate
from vpnxlate.errors import EmitError
from vpnxlate.model import Bgp, Tunnel, VpnConnection

from .conftest import LAB_MODULE_PREFIX, ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_version_lives_in_vpnxlate_init() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project
    assert "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "vpnxlate.__version__"}


def test_installed_version_cli_and_package_agree() -> None:
    """``vpnxlate --version`` (the installed script), the distribution's metadata and
    ``vpnxlate.__version__`` say the same (an editable install: reinstall after a version bump)."""
    script = Path(sys.executable).parent / "vpnxlate"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "vpnxlate"]
    proc = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", vpnxlate.__version__)
    assert proc.stdout.strip() == f"vpnxlate {vpnxlate.__version__}"
    assert importlib.metadata.version("vpnxlate") == vpnxlate.__version__


def test_every_package_data_pattern_names_a_file() -> None:
    for package, patterns in PYPROJECT["tool"]["setuptools"]["package-data"].items():
        base = ROOT.joinpath(*package.split("."))
        for pattern in patterns:
            assert [p for p in base.glob(pattern) if p.is_file()], f"{package}: {pattern} matches nothing"


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower()


def test_no_extra_repeats_a_dependency_or_goes_unused() -> None:
    """A runtime extra adds a package the base install lacks and that the package imports."""
    project = PYPROJECT["project"]
    base = {_requirement_name(r) for r in project["dependencies"]}
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "vpnxlate").rglob("*.py"))
    for extra, requirements in project["optional-dependencies"].items():
        if extra in ("test", "dev"):
            continue
        for requirement in requirements:
            name = _requirement_name(requirement)
            assert name not in base, f"extra {extra}: {name} is already a dependency"
            module = name.replace("-", "_")
            assert re.search(rf"^\s*(?:import|from) {module}\b", source, re.MULTILINE), f"extra {extra}: {name}"


def test_dev_tools_are_not_test_dependencies() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    test = {_requirement_name(r) for r in extras["test"]}
    dev = {_requirement_name(r) for r in extras["dev"]}
    assert {"ruff", "mypy"} <= dev
    assert not {"ruff", "mypy"} & test
    assert {"pytest", "hypothesis", "boto3", "moto", "pytest-xdist"} <= test


def test_lab_modules_are_named_for_the_scheduler() -> None:
    """tests/conftest.py sends every module named ``test_swanlab*`` to one xdist worker; a lab
    module named otherwise would run beside another and start four lab runs at once."""
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        marked = re.search(r"^pytestmark = .*pytest\.mark\.swanlab", path.read_text(encoding="utf-8"), re.MULTILINE)
        assert bool(marked) == path.name.startswith(LAB_MODULE_PREFIX), path.name


def test_ci_runs_the_static_checks_before_the_tests() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    steps = [
        "pip install -e '.[test,dev]'",
        "ruff check vpnxlate tests benchmarks",
        "ruff format --check vpnxlate tests benchmarks",
        "mypy --strict vpnxlate",
        "pytest",
    ]
    positions = [script.find(s) for s in steps]
    assert -1 not in positions, dict(zip(steps, positions, strict=True))
    assert positions == sorted(positions)
    assert "set -euo pipefail" in script


def _bgp_connection(cgw_asn: int | None) -> list[VpnConnection]:
    tunnel = Tunnel(
        aws_outside_ip=ipaddress.ip_address("198.51.100.1"),
        cgw_outside_ip=ipaddress.ip_address("203.0.113.1"),
        psk="abcdefgh12",
        cgw_inside=ipaddress.IPv4Interface("169.254.10.2/30"),
        aws_inside=ipaddress.IPv4Interface("169.254.10.1/30"),
        bgp=Bgp(cgw_asn=cgw_asn, aws_asn=64512, neighbor_ip=ipaddress.ip_address("169.254.10.1")),
    )
    return [VpnConnection(tunnels=[tunnel], vpn_connection_id="vpn-12345678", routing="bgp")]


@pytest.mark.filterwarnings("ignore::vpnxlate.VpnxlateWarning")
def test_cisco_ios_refuses_bgp_without_the_customer_asn() -> None:
    """It wrote ``router bgp None`` (and with one tunnel's ASN missing, a TypeError traceback)."""
    with pytest.raises(EmitError) as e:
        vpnxlate.emit(_bgp_connection(None), "cisco-ios")
    assert e.value.field == "bgp.cgw_asn"
    assert e.value.message.startswith(
        "vpn-12345678 tunnel 1 (198.51.100.1): the input does not state the customer gateway (this router's) ASN; "
    )
    out = vpnxlate.emit(_bgp_connection(65000), "cisco-ios")
    assert "router bgp 65000" in out.splitlines()
