"""The per-call caches of the strongSwan and AWS-format writers (issue 13) change nothing: a
connection written among others whose tunnels share, or do not share, its options gets the same
blocks and the same warnings (one per tunnel, never folded into one for all tunnels with the same
options) as when it is written alone.  Byte identity with the code before the speed-ups is
pinned by tests/test_perf_differential.py; these cases pin the cache keys."""

from __future__ import annotations

import re
import warnings
from typing import Any

import attrs
import pytest

import vpnxlate
from vpnxlate.model import IkeOptions, IpsecOptions, VpnConnection

from .conftest import fixture_text


def _base() -> VpnConnection:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (conn,) = vpnxlate.parse(fixture_text("strongswan/static.json"))
    return conn


def _variant(n: int, *, ike: dict[str, Any] | None = None, ipsec: dict[str, Any] | None = None) -> VpnConnection:
    """Connection ``n``: the fixture's static connection with its own id and outside IPs, and
    the phase 1 / phase 2 values changed as given."""
    conn = _base()
    tunnels = [
        attrs.evolve(
            t,
            aws_outside_ip=f"203.0.113.{10 * n + k}",
            ike=attrs.evolve(t.ike, **(ike or {})),
            ipsec=attrs.evolve(t.ipsec, **(ipsec or {})),
        )
        for k, t in enumerate(conn.tunnels, 1)
    ]
    return attrs.evolve(conn, vpn_connection_id=f"vpn-{n:017x}", tunnels=tunnels)


MIXED = {
    "same-1": {},
    "same-2": {},
    "short-lifetimes": {"ike": {"lifetime_s": 3600}, "ipsec": {"lifetime_s": 900}},  # rekey margin clamped
    "ikev1-gcm": {"ike": {"versions": ("ikev1",), "encryption": ("AES128-GCM-16", "AES256")}},
    "ikev2": {"ike": {"versions": ("ikev2",), "encryption": ("AES256",)}, "ipsec": {"encryption": ("AES256",)}},
    "no-lifetimes": {"ike": {"lifetime_s": None}, "ipsec": {"lifetime_s": None}},  # AWS's defaults, warned
}


def _connections() -> list[VpnConnection]:
    return [_variant(n, **changes) for n, changes in enumerate(MIXED.values(), 1)]


def _emit(conns: list[VpnConnection], target: str, **options: Any) -> tuple[dict[str, str], list[str]]:
    files, report = vpnxlate.emit_report(conns, target, **options)
    return {f.name: f.content for f in files}, report.messages()


def _mine(messages: list[str], conn: VpnConnection) -> list[str]:
    """The warnings that name one of the connection's tunnels."""
    ips = [str(t.aws_outside_ip) for t in conn.tunnels]
    return [m for m in messages if any(re.search(rf"\b{re.escape(ip)}\b", m) for ip in ips)]


def _blocks(text: str, conn: VpnConnection) -> list[str]:
    """swanctl.conf: the connection blocks (comment line included) and secret blocks of one connection."""
    cid = conn.vpn_connection_id
    connections, secrets = text.split("\n}\n\nsecrets {\n")
    tunnels = connections.split("connections {\n", 1)[1].split("\n\n")
    keys = re.findall(r"^    ike-\S+ \{\n.*?^    \}", secrets, re.S | re.M)
    return [b for b in tunnels if b.split("\n")[1].startswith(f"    {cid}-")] + [
        k for k in keys if k.startswith(f"    ike-{cid}-")
    ]


@pytest.mark.parametrize("interface", ["vti", "xfrm"])
def test_swanctl_each_connection_as_if_alone(interface: str) -> None:
    conns = _connections()
    together, notes = _emit(conns, "swanctl", interface=interface)
    for conn in conns:
        alone, alone_notes = _emit([conn], "swanctl", interface=interface)
        blocks = _blocks(alone["swanctl.conf"], conn)
        assert len(blocks) == 2 * len(conn.tunnels)  # a connection and a secret per tunnel
        assert _blocks(together["swanctl.conf"], conn) == blocks
        assert _mine(notes, conn) == _mine(alone_notes, conn)


def test_warnings_are_given_for_every_tunnel() -> None:
    conns = _connections()
    _, notes = _emit(conns, "strongswan")
    by_name = dict(zip(MIXED, conns, strict=True))
    margin = [m for m in notes if "rekeying before AWS would need a margin" in m]
    assert len(margin) == 2 and margin == _mine(margin, by_name["short-lifetimes"])
    gcm = [m for m in notes if "IKEv1 cannot use AES-GCM for the IKE SA" in m]
    assert len(gcm) == 2 and gcm == _mine(gcm, by_name["ikev1-gcm"])
    defaults = [m for m in notes if "phase 1 lifetime (28800 s)" in m]
    assert len(defaults) == 2 and defaults == _mine(defaults, by_name["no-lifetimes"])
    for m in gcm:  # what the cached proposals hold for the others is not what this tunnel writes
        assert "leaving out AES128-GCM-16 in phase 1" in m


def test_ipsec_conf_values_per_option_set() -> None:
    conns = _connections()
    files, _ = _emit(conns, "strongswan")
    text = files["ipsec.conf"]
    sections = {s.split("\n", 2)[1]: s for s in text.split("\n\n") if s.startswith("# vpn-")}
    profiles = {s.split("\n", 2)[1].removeprefix("conn "): s for s in text.split("\n\n") if "conn profile-" in s}

    def settings(conn: VpnConnection) -> str:
        """The profile of the connection's first tunnel (what it does not share with every tunnel)."""
        first = next(s for h, s in sections.items() if h.startswith(f"conn {conn.vpn_connection_id}-"))
        also = re.search(r"also = (profile-\w+)", first)
        return profiles[also.group(1)] if also else ""

    by_name = dict(zip(MIXED, conns, strict=True))
    assert settings(by_name["same-1"]) == settings(by_name["same-2"])
    assert "lifetime = 900s" in settings(by_name["short-lifetimes"])
    assert "margintime = 225s" in settings(by_name["short-lifetimes"])  # a quarter of 900 s
    assert "ike = aes256-sha1-modp1024!" in settings(by_name["ikev1-gcm"])  # GCM left out, AES256 kept
    assert "keyexchange = ikev2" in settings(by_name["ikev2"])
    assert "ike = aes256-sha1-modp1024!" in settings(by_name["ikev2"])
    assert "esp = aes256-sha1-modp1024!" in settings(by_name["ikev2"])


@pytest.mark.parametrize("target", ["aws-generic", "aws-vyatta", "aws-xml"])
def test_aws_formats_each_connection_as_if_alone(target: str) -> None:
    conns = _connections()
    together, notes = _emit(conns, target)
    for conn in conns:
        alone, alone_notes = _emit([conn], target)
        assert {k: together[k] for k in alone} == alone
        assert _mine(notes, conn) == _mine(alone_notes, conn)


def test_ike_options_are_plain_values() -> None:
    """The caches key on the model's option objects: equal values, equal keys (and hashable)."""
    assert IkeOptions(lifetime_s=3600) == IkeOptions(lifetime_s=3600)
    assert hash(IpsecOptions(lifetime_s=900)) == hash(IpsecOptions(lifetime_s=900))
