"""Typed target options (vpnxlate/options.py): one attrs class per target, declared once; API
keywords, the CLI's flags and the emitters all go through it."""

from __future__ import annotations

import argparse
import ast
import ipaddress
import re
from pathlib import Path

import attrs
import pytest

import vpnxlate
from vpnxlate import EmitError, Report, registry
from vpnxlate.emitters import cisco_ios, libreswan, strongswan, swanctl, vyos
from vpnxlate.options import CLI, TargetOptions, add_arguments, cli_options, from_kwargs, from_namespace, option
from vpnxlate.vyos_configboot import RouterConfig, read_router_config

from .conftest import FIXTURES, assert_one_line_error, run_cli

GENERIC = FIXTURES / "canonical" / "generic.txt"
BOOT = FIXTURES / "vyos" / "config.boot"
KEY_RE = re.compile(r"pre-shared-secret '([^']*)'|secret '([^']*)'")


@pytest.fixture(scope="module")
def conns() -> list[vpnxlate.VpnConnection]:
    return vpnxlate.parse(GENERIC.read_text(), source="generic.txt")


def _keys(text: str) -> set[str]:
    return {a or b for a, b in KEY_RE.findall(text)}


# ------------------------------------------------------------------ from keyword arguments


def test_keywords_become_the_typed_object() -> None:
    opts = from_kwargs(
        vyos.Options,
        {"vyos_version": "sagitta", "local_address": " 10.0.1.5 ", "advertise": ["192.0.2.0/26"], "first_vti": 4},
        target="vyos",
    )
    assert opts.vyos_version == "1.4"  # the code name's release train
    assert opts.local_address == ipaddress.IPv4Address("10.0.1.5")
    assert opts.advertise == (ipaddress.IPv4Network("192.0.2.0/26"),)
    assert (opts.first_vti, opts.local_interface, opts.role, opts.max_prefix, opts.redact) == (
        4,
        "eth0",
        "spoke",
        1000,
        False,
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        opts.first_vti = 5  # type: ignore[misc]


def test_value_errors_in_cli_terms_from_the_builder_and_api_terms_from_the_api(
    conns: list[vpnxlate.VpnConnection],
) -> None:
    with pytest.raises(EmitError) as e:
        from_kwargs(vyos.Options, {"first_vti": -1}, target="vyos")
    assert str(e.value) == "--first-vti: must be an integer 0..1000000, not -1"
    with pytest.raises(EmitError) as e:
        vpnxlate.emit(conns, "vyos", first_vti=-1)
    assert str(e.value) == "first_vti: must be an integer 0..1000000, not -1"
    with pytest.raises(EmitError) as e:
        vpnxlate.emit(conns, "vyos", local_address="router")
    assert str(e.value) == "local_address: not an IP address: router"
    with pytest.raises(EmitError) as e:
        vpnxlate.emit(conns, "swanctl", advertise_next_hop="10.0.1.1")
    assert str(e.value) == "advertise_next_hop needs advertise"


def test_unknown_keyword_names_the_known_ones(conns: list[vpnxlate.VpnConnection]) -> None:
    with pytest.raises(EmitError) as e:
        vpnxlate.emit(conns, "strongswan", interface="xfrm")
    assert str(e.value) == (
        "option interface does not apply to target strongswan (its options: local_address, ike_version, "
        "advertise, advertise_next_hop, accept, allow_default, max_prefix, prefer_tunnel, role, router_asn)"
    )
    with pytest.raises(EmitError) as e:
        vpnxlate.emit(conns, "json", local_address="10.0.1.5")
    assert str(e.value) == "option local_address does not apply to target json (its options: none)"


def test_the_object_positional_or_by_keyword_equals_the_keywords(conns: list[vpnxlate.VpnConnection]) -> None:
    by_keywords = vpnxlate.emit(conns, "vyos", local_address="10.0.1.5", advertise=["192.0.2.0/26"], strict=False)
    typed = vyos.Options(local_address="10.0.1.5", advertise=["192.0.2.0/26"])
    assert vpnxlate.emit(conns, "vyos", typed) == by_keywords
    assert vpnxlate.emit(conns, "vyos", options=typed) == by_keywords
    with pytest.raises(EmitError) as e:
        vpnxlate.emit(conns, "vyos", typed, first_vti=2)
    assert str(e.value) == "give the options of target vyos as an options object or as first_vti, not both"
    with pytest.raises(EmitError) as e:
        vpnxlate.emit(conns, "vyos", swanctl.Options())
    assert str(e.value) == "target vyos takes vpnxlate.emitters.vyos.Options, not Options"


# ------------------------------------------------------------------ declared once


def test_local_address_is_one_field_of_every_target_that_plans_it() -> None:
    fields = [attrs.fields(m.Options).local_address for m in (vyos, strongswan, swanctl, libreswan)]
    assert all(f.metadata[CLI] is fields[0].metadata[CLI] for f in fields)
    assert all(f.converter is fields[0].converter for f in fields)
    # one rule (an IP address, v4 or v6); the strongSwan targets refuse IPv6 where they plan tunnels
    assert vyos.Options(local_address="2001:db8::5").local_address == ipaddress.IPv6Address("2001:db8::5")
    assert strongswan.Options(local_address="2001:db8::5").local_address == ipaddress.IPv6Address("2001:db8::5")
    # cisco-ios keeps its own (IPv4-only, another message), see its module
    assert attrs.fields(cisco_ios.Options).local_address.metadata[CLI] is not fields[0].metadata[CLI]


def test_ipv6_local_address_refused_by_the_strongswan_targets(conns: list[vpnxlate.VpnConnection]) -> None:
    with pytest.raises(EmitError) as e:
        vpnxlate.emit(conns, "swanctl", local_address="2001:db8::5")
    assert str(e.value) == "local_address: 2001:db8::5 is not an IPv4 address (the tunnels are IPv4)"


def test_routing_options_are_the_same_fields_in_every_routing_target() -> None:
    names = [o.dest for o in cli_options(vyos.Options)]
    assert names == [
        "vyos_version",
        "local_address",
        "local_interface",
        "router_config",
        "advertise",
        "advertise_next_hop",
        "accept",
        "allow_default",
        "max_prefix",
        "prefer_tunnel",
        "role",
        "router_asn",
        "first_vti",
        "cloud_init",
    ]
    for m in (strongswan, swanctl, libreswan):
        assert [o.dest for o in m.OPTIONS][-8:] == names[4:12], m.NAME
        assert all(a is b for a, b in zip(m.OPTIONS[-8:], vyos.OPTIONS[4:12], strict=True)), m.NAME


# ------------------------------------------------------------------ the command line


@attrs.frozen(kw_only=True, slots=False)
class _Demo(TargetOptions):
    speed: int = option("--speed", "how fast", kind="int", default=3, metavar="N")
    mode: str = option("--mode", "a or b", choices=("a", "b"), default="a", metavar="{a,b}")
    tag: tuple[str, ...] = option("--tag", "a tag (repeatable)", kind="list", metavar="TAG", convert=tuple)
    loud: bool = option("--loud", "say more", kind="flag", default=False, convert=bool)


def test_flags_generated_from_a_class() -> None:
    parser = argparse.ArgumentParser(prog="demo", formatter_class=lambda prog: argparse.HelpFormatter(prog, width=200))
    table = add_arguments(parser.add_argument_group("target options"), {"demo": _Demo})
    assert list(table) == ["speed", "mode", "tag", "loud"]
    helptext = parser.format_help()
    assert "  --speed N     how fast [demo]\n" in helptext
    assert "  --mode {a,b}  a or b [demo]\n" in helptext
    assert "  --tag TAG     a tag (repeatable) [demo]\n" in helptext
    assert "  --loud        say more [demo]\n" in helptext
    args = parser.parse_args(["--speed", "7", "--tag", "x", "--tag", "y", "--loud"])
    assert from_namespace(_Demo, args, target="demo", redact=True) == _Demo(
        speed=7, tag=("x", "y"), loud=True, redact=True
    )
    assert from_namespace(_Demo, parser.parse_args([]), target="demo") == _Demo()


def test_convert_help_lists_every_targets_flags_once() -> None:
    proc = run_cli("convert", "--help")
    assert proc.returncode == 0
    flags = re.findall(r"^  (--[a-z0-9-]+)", proc.stdout, re.M)
    expected = {o.flag for name in registry.output_names() for o in registry.output_module(name).OPTIONS}
    assert expected <= set(flags)
    assert len(flags) == len(set(flags))
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("  --local-address"))
    assert line.startswith("  --local-address IP")
    # the help text names the targets that take it (its continuation lines included)
    block = proc.stdout.split("  --local-address IP", 1)[1].split("\n  --", 1)[0]
    assert "[vyos, strongswan, swanctl, libreswan, cisco-ios]" in " ".join(block.split())


def test_cli_errors_in_cli_terms() -> None:
    assert_one_line_error(
        run_cli("convert", str(GENERIC), "--to", "vyos", "--first-vti", "-1"),
        "--first-vti: must be an integer 0..1000000, not -1",
    )
    assert_one_line_error(
        run_cli("convert", str(GENERIC), "--to", "strongswan", "--advertise-next-hop", "10.0.1.1"),
        "--advertise-next-hop needs --advertise",
    )


# ------------------------------------------------------------------ no I/O in emitters


def test_router_config_is_read_before_the_emitter(conns: list[vpnxlate.VpnConnection]) -> None:
    opts = from_kwargs(vyos.Options, {"router_config": str(BOOT)}, target="vyos")
    assert opts.router_config == RouterConfig(
        str(BOOT),
        "eth0",
        ipaddress.IPv4Interface("10.0.1.5/24"),
        (ipaddress.IPv4Address("10.0.1.1"), "the VPC router of 10.0.1.0/24, derived from --router-config"),
    )
    assert read_router_config(BOOT, vyos.Options(), None) == opts.router_config
    # the emitter itself gets the parsed value and reads nothing
    files = vyos.emit(conns, Report("--to vyos"), opts)
    assert f"# local address 10.0.1.5 from {BOOT} (eth0 10.0.1.5/24)" in files[0].content
    assert vpnxlate.emit(conns, "vyos", opts) == vpnxlate.emit(conns, "vyos", router_config=str(BOOT))
    with pytest.raises(EmitError, match=r"^--router-config: the target takes the router's config.boot as read by"):
        vyos.Options(router_config=str(BOOT))


def test_emitters_do_no_io() -> None:
    """No emitter calls open() or imports a file-system module or vpnxlate.io."""
    emitters = Path(vpnxlate.__file__).parent / "emitters"
    for path in sorted(emitters.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "open", path.name
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & {"os", "pathlib", "shutil", "io"}, path.name
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                assert not (node.level == 0 and module.split(".")[0] in ("os", "pathlib", "shutil", "io")), path.name
                assert not (node.level == 2 and module == "io"), path.name
                if module == "vyos_configboot":  # the parsed value's type only, never the reader
                    assert [a.name for a in node.names] == ["RouterConfig"], path.name


# ------------------------------------------------------------------ redaction


def test_redaction_is_an_emit_time_option(conns: list[vpnxlate.VpnConnection]) -> None:
    keys = {t.psk for c in conns for t in c.tunnels}
    plain = vyos.emit(conns, Report("--to vyos"), vyos.Options(local_address="10.0.1.5"))[0].content
    assert _keys(plain) == keys and "***" not in plain
    redacted = vyos.emit(conns, Report("--to vyos"), vyos.Options(local_address="10.0.1.5", redact=True))[0].content
    assert _keys(redacted) == {"***"}
    assert not any(k in redacted for k in keys if k)
    assert {t.psk for c in conns for t in c.tunnels} == keys  # the model is not touched
    assert redacted == plain.replace(f"'{sorted(keys)[0]}'", "'***'").replace(f"'{sorted(keys)[1]}'", "'***'")
    assert vpnxlate.emit(conns, "vyos", local_address="10.0.1.5", redact=True) == redacted
    files, _ = vpnxlate.emit_report(conns, "vyos", vyos.Options(local_address="10.0.1.5"), redact=True)
    assert files[0].content == redacted and not files[0].secret


@pytest.mark.parametrize("target", registry.output_names())
def test_every_target_redacts(conns: list[vpnxlate.VpnConnection], target: str) -> None:
    keys = [t.psk for c in conns for t in c.tunnels]
    text = vpnxlate.emit(conns, target, redact=True)
    assert "***" in text
    assert not any(k in text for k in keys if k)
    assert any(k in vpnxlate.emit(conns, target) for k in keys if k)


def test_to_dict_redacts_without_changing_the_model(conns: list[vpnxlate.VpnConnection]) -> None:
    data = vpnxlate.to_dict(conns, redact=True)
    assert [t["psk"] for c in data for t in c["tunnels"]] == ["***", "***"]
    assert all(t.psk not in (None, "***") for c in conns for t in c.tunnels)
