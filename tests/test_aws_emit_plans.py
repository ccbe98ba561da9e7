"""The AWS-format writers (aws-generic, aws-vyatta, aws-xml) make the warnings and the text of the
values tunnels share once per call and give them again for each tunnel (issue 13).  That changes
nothing: a call of ``vpnxlate.emit_report`` writes every connection byte for byte as the target's
``render`` without shared plans (every value picked and checked by the plain code, one connection
at a time) writes it, with the same warnings in the same order, under every policy.

The connections are generated (tests/strategies.py), then copied under other ids so that many
tunnels share their values: some copies keep the very options objects (as the parsers share
them), some get equal but distinct ones, some lose a value that takes the tunnel off the common
case (no key, no inside address, no customer gateway address)."""

from __future__ import annotations

import importlib
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import vpnxlate
from vpnxlate import Report
from vpnxlate.diagnostics import ErrorLevel, Policy
from vpnxlate.errors import VpnxlateError
from vpnxlate.model import VpnConnection

from .strategies import connection_lists, sparse_connection_lists

TARGETS = ("aws-generic", "aws-vyatta", "aws-xml")
MODULES = {t: importlib.import_module(f"vpnxlate.emitters.{t.replace('-', '_')}") for t in TARGETS}

_DROPPABLE = ("psk", "cgw_inside", "aws_inside", "cgw_outside_ip", "mtu", "bgp")
_CHANGES = (
    ("hold_time", None),
    ("hold_time", 90),
    ("mtu", 1400),
    ("tcp_mss", 1200),
    ("dpd_interval_s", 20),
    ("dpd_retries", None),
    ("clear_df_bit", False),
    ("fragmentation_before_encryption", None),
    ("replay_window", 512),
    ("startup_action", "start"),
)


def _copies(conns: list[VpnConnection], draw: st.DrawFn) -> list[VpnConnection]:
    """The connections and copies of them under new ids: same options objects, equal new ones,
    or one value left out."""
    out = []
    for n, c in enumerate(conns * 3):
        how = draw(st.sampled_from(["same", "same", "equal", "drop", "change"]))
        tunnels = []
        for t in c.tunnels:
            if how == "equal":
                t = attrs.evolve(t, ike=attrs.evolve(t.ike), ipsec=attrs.evolve(t.ipsec))
            elif how == "drop" and draw(st.booleans()):
                t = attrs.evolve(t, **{draw(st.sampled_from(_DROPPABLE)): None})
            elif how == "change":  # one value the shared plans depend on, changed
                field, value = draw(st.sampled_from(_CHANGES))
                if field == "hold_time":
                    t = attrs.evolve(t, bgp=None if t.bgp is None else attrs.evolve(t.bgp, hold_time=value))
                else:
                    t = attrs.evolve(t, **{field: value})
            tunnels.append(t)
        out.append(attrs.evolve(c, vpn_connection_id=f"vpn-{n:017x}", tunnels=tuple(tunnels)))
    return out


@st.composite
def shared_lists(draw: st.DrawFn) -> list[VpnConnection]:
    conns = draw(
        st.one_of(connection_lists(max_size=3, single=True), connection_lists(max_size=3), sparse_connection_lists())
    )
    return _copies(conns, draw)


def _plain(conns: list[VpnConnection], target: str, policy: Policy) -> tuple[list[str], list[str]] | str:
    """Each connection written alone by the plain code, in the order emit writes them (by id)."""
    module = MODULES[target]
    report = Report(f"target {target}", policy=policy)
    try:
        texts = [module.render(c, report, module.Options()) for c in sorted(conns, key=_id)]
    except VpnxlateError as e:
        return str(e)
    return texts, report.messages()


def _id(c: VpnConnection) -> str:
    return c.vpn_connection_id or ""


def _emitted(conns: list[VpnConnection], target: str, **policy: Any) -> tuple[list[str], list[str]] | str:
    try:
        files, report = vpnxlate.emit_report(conns, target, **policy)
    except VpnxlateError as e:
        return str(e)
    return [f.content for f in files], report.messages()


@pytest.mark.parametrize("target", TARGETS)
@given(conns=shared_lists())
def test_shared_plans_write_what_the_plain_code_writes(target: str, conns: list[VpnConnection]) -> None:
    assert _emitted(conns, target) == _plain(conns, target, Policy())


@pytest.mark.parametrize("target", TARGETS)
@given(conns=shared_lists(), codes=st.sets(st.sampled_from(["unsupported", "aws-default", "one-value"])))
def test_shared_plans_under_strict_and_per_code_policies(
    target: str, conns: list[VpnConnection], codes: set[str]
) -> None:
    # the first warning raised as an error (strict), or the codes raised or left out: the same
    # error at the same place, the same warnings kept
    assert _emitted(conns, target, strict=True) == _plain(conns, target, Policy(ErrorLevel.IMMEDIATE))
    assert _emitted(conns, target, error_on=sorted(codes)) == _plain(conns, target, Policy(error_on=codes))
    assert _emitted(conns, target, ignore=sorted(codes)) == _plain(conns, target, Policy(ignore=codes))


@pytest.mark.parametrize("target", TARGETS)
def test_every_tunnel_gets_its_own_warnings(target: str) -> None:
    """Forty connections of one shape: each tunnel's warnings are given for it, not once for all."""
    (conn,) = vpnxlate.parse(_canonical())
    # values every AWS format leaves out (the replay window) or one cannot hold (the MTU: aws-xml)
    conn = attrs.evolve(conn, tunnels=[attrs.evolve(t, mtu=1400, replay_window=1024) for t in conn.tunnels])
    conns = [attrs.evolve(conn, vpn_connection_id=f"vpn-{n:017x}") for n in range(40)]
    files, report = vpnxlate.emit_report(conns, target)
    one = files[0].content
    assert [f.content for f in files] == [one.replace("0" * 17, f"{n:017x}") for n in range(40)]
    alone = vpnxlate.emit_report(conns[:1], target)[1].messages()
    assert len(alone) >= 2
    assert report.messages() == [m.replace("0" * 17, f"{n:017x}") for n in range(40) for m in alone]


def _canonical() -> str:
    from .conftest import fixture_text

    return fixture_text("canonical/connection.xml").replace("vpn-0c0ffee0123456789", "vpn-" + "0" * 17)
