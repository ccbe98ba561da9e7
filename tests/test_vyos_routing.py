"""--to vyos routing (issue 8): no blackhole over the router's own network, the IN policy, prefix
limits, --prefer-tunnel both ways, local-as for mixed customer ASNs, 1.1 NAT traversal; every new
line accepted by ../shared/tools/vyos_check.py for its version."""

from __future__ import annotations

from pathlib import Path

import pytest

import vpnxlate
from vpnxlate import EmitError, Report, VpnConnection

from .conftest import FIXTURES, assert_one_line_error, fixture_text, run_cli, vyos_check
from .test_vyos import spoke

TAG = "0c0ffee0123456789"
VERSIONS = ("1.1", "1.2", "1.3", "1.4", "1.5")


def parsed(rel: str) -> list[VpnConnection]:
    conns, _ = vpnxlate.parse_report(fixture_text(rel), lint=False)
    return conns


def emit(conns: list[VpnConnection], **options: object) -> tuple[list[str], Report]:
    files, report = vpnxlate.emit_report(conns, "vyos", **options)
    return [line for line in files[0].content.splitlines() if line.startswith("set ")], report


def test_issue_scenario_router_inside_its_advertised_vpc_is_an_error_naming_the_options() -> None:
    proc = run_cli(
        "convert",
        "fixtures/canonical/generic.txt",
        "--to",
        "vyos",
        "--local-address",
        "10.0.1.5",
        "--advertise",
        "10.0.0.0/16",
    )
    line = assert_one_line_error(
        proc,
        "--advertise 10.0.0.0/16 contains the router's own address 10.0.1.5",
        "--advertise-next-hop or --router-config",
    )
    assert "blackhole" in line


def test_router_config_gives_the_vpc_router_as_next_hop() -> None:
    cmds, report = emit(
        parsed("canonical/generic.txt"),
        router_config=str(FIXTURES / "vyos" / "config.boot"),
        advertise=("10.0.0.0/16",),
    )
    assert "set protocols static route 10.0.0.0/16 next-hop 10.0.1.1" in cmds
    assert not [c for c in cmds if "blackhole" in c]
    notes = [d.message for d in report.diagnostics if d.code == "advertise-next-hop"]
    assert notes == [
        "advertise 10.0.0.0/16 contains the router's own address 10.0.1.5: routing it via 10.0.1.1 "
        "(the VPC router of 10.0.1.0/24, derived from router_config) instead of a blackhole route, "
        "which would cut the router off from the rest of 10.0.0.0/16"
    ]


def test_router_config_default_route_wins(tmp_path: Path) -> None:
    boot = fixture_text("vyos/config.boot").replace(
        "service {",
        "protocols {\n    static {\n        route 0.0.0.0/0 {\n            next-hop 10.0.1.254 {\n"
        "            }\n        }\n    }\n}\nservice {",
        1,
    )
    path = tmp_path / "config.boot"
    path.write_text(boot)
    cmds, _ = emit(parsed("canonical/generic.txt"), router_config=str(path), advertise=("10.0.0.0/16",))
    assert "set protocols static route 10.0.0.0/16 next-hop 10.0.1.254" in cmds


def test_prefix_outside_the_router_keeps_the_blackhole() -> None:
    cmds, _ = emit(parsed("canonical/generic.txt"), local_address="10.0.1.5", advertise=("172.16.0.0/12",))
    assert "set protocols static route 172.16.0.0/12 blackhole distance '254'" in cmds


def test_in_policy_refuses_a_default_route_and_limits_prefixes() -> None:
    cmds, _ = emit(parsed("canonical/generic.txt"), local_address="10.0.1.5", max_prefix=20)
    inn = f"AWS-{TAG}-IN"
    assert [c for c in cmds if f"prefix-list {inn} rule 10" in c] == [
        f"set policy prefix-list {inn} rule 10 action 'deny'",
        f"set policy prefix-list {inn} rule 10 prefix '0.0.0.0/0'",
    ]
    assert [c for c in cmds if "maximum-prefix" in c] == [
        "set protocols bgp neighbor 169.254.22.1 address-family ipv4-unicast maximum-prefix '20'",
        "set protocols bgp neighbor 169.254.21.1 address-family ipv4-unicast maximum-prefix '20'",
    ]
    with pytest.raises(EmitError, match="unless allow_default is given"):
        emit(parsed("canonical/generic.txt"), accept=("0.0.0.0/0",))
    cmds, _ = emit(parsed("canonical/generic.txt"), local_address="10.0.1.5", allow_default=True)
    assert not [c for c in cmds if f"prefix-list {inn}" in c and "'deny'" in c]


@pytest.mark.parametrize(
    ("version", "root"), [("1.1", "set protocols bgp 65010 neighbor"), ("1.4", "set protocols bgp neighbor")]
)
def test_prefer_tunnel_steers_both_directions(version: str, root: str) -> None:
    cmds, _ = emit(
        parsed("canonical/generic.txt"),
        vyos_version=version,
        local_address="10.0.1.5",
        advertise=("172.16.0.0/12",),
        prefer_tunnel="2",
    )
    af = " address-family ipv4-unicast" if version != "1.1" else ""
    assert f"{root} 169.254.22.1{af} route-map export 'AWS-{TAG}-OUT-PREPEND'" in cmds
    assert f"{root} 169.254.22.1{af} route-map import 'AWS-{TAG}-IN'" in cmds
    assert f"{root} 169.254.21.1{af} route-map export 'AWS-{TAG}-OUT'" in cmds
    assert f"{root} 169.254.21.1{af} route-map import 'AWS-{TAG}-IN-PREFERRED'" in cmds
    assert f"set policy route-map AWS-{TAG}-IN-PREFERRED rule 10 set local-preference '200'" in cmds


def test_mixed_asn_hub_on_1_1_warns_about_replace_as() -> None:
    cmds, report = emit(
        [*parsed("canonical/generic.txt"), spoke(65099)], vyos_version="1.1", local_address="10.0.1.5", role="hub"
    )
    assert "set protocols bgp 65010 neighbor 169.254.71.5 local-as 65099 no-prepend" in cmds
    assert [d.code for d in report.diagnostics].count("vyos-local-as") == 2


def test_nat_traversal_only_for_1_1_behind_nat() -> None:
    line = "set vpn ipsec nat-traversal 'enable'"
    assert line in emit(parsed("canonical/generic.txt"), vyos_version="1.1", local_address="10.0.1.5")[0]
    assert line not in emit(parsed("canonical/generic.txt"), vyos_version="1.1")[0]
    assert line not in emit(parsed("canonical/generic.txt"), vyos_version="1.3", local_address="10.0.1.5")[0]


@pytest.mark.parametrize("version", VERSIONS)
def test_checker_accepts_the_routing_lines(version: str, tmp_path: Path) -> None:
    conns = [*parsed("canonical/generic.txt"), spoke(65099), *parsed("canonical/static-generic.txt")]
    files, _ = vpnxlate.emit_report(
        conns,
        "vyos",
        vyos_version=version,
        role="hub",
        local_address="10.0.1.5",
        advertise=("10.0.0.0/16",),
        advertise_next_hop="10.0.1.1",
        accept=("10.1.0.0/16",),
        prefer_tunnel="1",
        max_prefix=50,
    )
    text = files[0].content
    for needle in (
        "local-as 65099 no-prepend",
        "maximum-prefix '50'",
        "local-preference '200'",
        "timers connect '10'",
        "parameters router-id '10.0.1.5'",
        "distance '10'",
    ):
        assert needle in text, needle
    path = tmp_path / "vyos.txt"
    path.write_text(text)
    check = vyos_check(path, version)
    assert check.returncode == 0 and "ERROR" not in check.stdout, check.stdout
