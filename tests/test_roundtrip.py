"""Property-based round trips: every target keeps what it can express and says what it cannot.

* ``parse(emit(m, F)) == project(m, F)`` for the AWS formats and json (project = what F can hold);
  a model F expresses completely is emitted without a warning, a fuller one with a warning per
  field left out;
* ``vyos`` (every version) gives back every tunnel, and its commands pass vyos_check;
* ``strongswan``/``swanctl`` carry every tunnel's peer, identities, PSK and proposals;
* every target is deterministic and independent of the order of the connections.

Profiles: see tests/strategies.py (``HYPOTHESIS_PROFILE=ci|dev|slow``).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import random
from functools import cache
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import vpnxlate
from vpnxlate import EmitError, VpnConnection, emit_report, parse_report
from vpnxlate.algorithms import GCM_ENCRYPTIONS

from . import swan_reader
from .conftest import VYOS_CHECK
from .strategies import connection_lists, connections_for, project, sparse_connection_lists

AWS_FORMATS = ("aws-generic", "aws-vyatta", "aws-xml")
VYOS_VERSIONS = ("1.1", "1.2", "1.3", "1.4", "1.5")


def _by_id(conns: list[VpnConnection]) -> list[VpnConnection]:
    return sorted(conns, key=lambda c: c.vpn_connection_id or "")


def _roundtrip(conns: list[VpnConnection], fmt: str) -> tuple[list[VpnConnection], vpnxlate.Report]:
    files, report = emit_report(conns, fmt)
    out: list[VpnConnection] = []
    for f in files:
        assert vpnxlate.detect_format(f.content) == fmt, f.name
        got, _ = parse_report(f.content, source=f.name, lint=False)
        out += got
    return out, report


# ------------------------------------------------------------------ AWS formats and json


@pytest.mark.parametrize("fmt", [*AWS_FORMATS, "json"])
@given(data=st.data())
def test_roundtrip_exact(fmt: str, data: st.DataObject) -> None:
    conns = data.draw(connections_for(fmt), label="connections")
    got, report = _roundtrip(conns, fmt)
    if fmt == "json":
        assert got == conns
    else:
        assert _by_id(got) == _by_id(conns)
    assert report.diagnostics == [], report.messages()


@given(conns=sparse_connection_lists())
def test_json_roundtrip_sparse(conns: list[VpnConnection]) -> None:
    got, _ = _roundtrip(conns, "json")
    assert got == conns


def _diff_paths(full: Any, projected: Any, prefix: str = "") -> list[str]:
    """The dotted paths of the fields where two model objects differ (attrs objects field by field)."""
    out = []
    for f in attrs.fields(type(full)):
        a, b = getattr(full, f.name), getattr(projected, f.name)
        if a == b:
            continue
        if attrs.has(type(a)) and type(a) is type(b):
            out.extend(_diff_paths(a, b, prefix + f.name + "."))
        else:
            out.append(prefix + f.name)
    return out


@pytest.mark.parametrize("fmt", AWS_FORMATS)
@given(conns=connection_lists(single=False, max_size=3))
def test_lossy_emit_warns_per_field(fmt: str, conns: list[VpnConnection]) -> None:
    """A model fuller than the format: what comes back is exactly the projection, and every
    field left out is named in a warning that also names the connection and tunnel (never the key)."""
    conns = [attrs.evolve(c, tunnels=tuple(attrs.evolve(t, psk=f"Pq7Zk_{t.psk}") for t in c.tunnels)) for c in conns]
    got, report = _roundtrip(conns, fmt)
    assert _by_id(got) == _by_id(project(conns, fmt))
    messages = report.messages()
    for full, proj in zip(_by_id(conns), _by_id(project(conns, fmt)), strict=True):
        for field in _diff_paths(attrs.evolve(full, tunnels=proj.tunnels), proj):
            assert any(f"{full.name}: {field}:" in m for m in messages), (field, messages)
        for n, (t_full, t_proj) in enumerate(zip(full.tunnels, proj.tunnels, strict=True), 1):
            for field in _diff_paths(t_full, t_proj):
                where = f"{full.name}: tunnel {n} ({t_full.aws_outside_ip}): {field}:"
                assert any(where in m for m in messages), (where, messages)
    for m in messages:
        for c in conns:
            for t in c.tunnels:
                assert t.psk not in m


REQUIRED = [
    ("ike.lifetime_s", 28800),
    ("ipsec.lifetime_s", 3600),
    ("ike.encryption", ("AES128",)),
    ("ike.integrity", ("SHA1",)),
    ("ike.dh_groups", (2,)),
    ("ipsec.encryption", ("AES128",)),
    ("ipsec.integrity", ("SHA1",)),
    ("ipsec.pfs_dh_groups", (2,)),
]


@pytest.mark.parametrize("fmt", AWS_FORMATS)
@given(conns=connections_for("aws-generic", max_size=1), required=st.sampled_from(REQUIRED))
def test_missing_required_value_gets_aws_default(
    fmt: str, conns: list[VpnConnection], required: tuple[str, Any]
) -> None:
    field, default = required
    conn = project(conns, fmt)[0]
    part, name = field.split(".")
    t0 = conn.tunnels[0]
    t0 = attrs.evolve(t0, **{part: attrs.evolve(getattr(t0, part), **{name: None})})
    conn = attrs.evolve(conn, tunnels=(t0, *conn.tunnels[1:]))
    got, report = _roundtrip([conn], fmt)
    assert getattr(getattr(got[0].tunnels[0], part), name) == default
    expected = f"{conn.name}: tunnel 1 ({t0.aws_outside_ip}): {field}: not stated; writing AWS's default"
    assert [m for m in report.messages() if expected in m], report.messages()


# ------------------------------------------------------------------ VyOS


@cache
def _vyos_checker() -> Any:
    if not VYOS_CHECK.exists():
        pytest.skip(f"{VYOS_CHECK} not found")
    spec = importlib.util.spec_from_file_location("vyos_check", VYOS_CHECK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def _vyos_tree(version: str) -> Any:
    mod = _vyos_checker()
    return mod.load_tree(mod.DEFAULT_TREES, version)


def vyos_errors(text: str, version: str) -> list[str]:
    """ERROR lines of vyos_check for ``text`` (in-process, tree loaded once per version)."""
    mod = _vyos_checker()
    tree = _vyos_tree(version)
    errors = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "!#":
            continue
        try:
            toks = mod.tokenize(line)
        except mod.TokenError as e:
            errors.append(f"{n}: {e}: {line}")
            continue
        if not toks or toks[0] not in ("set", "delete"):
            continue
        level, reason = mod.check_command(tree, toks[0], toks[1:], False)
        if level == "ERROR":
            errors.append(f"{n}: {reason}: {line}")
    return errors


def _gcm_only(conns: list[VpnConnection]) -> bool:
    return any(
        set(enc or ()) <= GCM_ENCRYPTIONS and enc
        for c in conns
        for t in c.tunnels
        for enc in (t.ike.encryption, t.ipsec.encryption)
    )


# words a warning about a reduced algorithm list uses (with the tunnel's AWS outside IP)
_KEYWORDS = {
    "encryption": ("encryption", "AES"),
    "integrity": ("integrity", "hash", "SHA"),
    "dh_groups": ("DH", "Diffie-Hellman", "group"),
    "pfs_dh_groups": ("PFS", "pfs"),
}


def _check_recovered(
    conns: list[VpnConnection], got: list[VpnConnection], report: vpnxlate.Report, exact_algorithms: bool
) -> None:
    by_ip = {t.aws_outside_ip: t for c in got for t in c.tunnels}
    assert len(by_ip) == sum(len(c.tunnels) for c in conns)
    messages = report.messages()
    for c in conns:
        for t in c.tunnels:
            back = by_ip[t.aws_outside_ip]
            assert back.psk == t.psk
            assert back.cgw_outside_ip == t.cgw_outside_ip
            assert back.cgw_inside == t.cgw_inside
            assert back.aws_inside == t.aws_inside
            if c.routing == "bgp":
                assert back.bgp is not None and t.bgp is not None
                assert (back.bgp.cgw_asn, back.bgp.aws_asn) == (t.bgp.cgw_asn, t.bgp.aws_asn)
                assert back.bgp.neighbor_ip in (None, t.aws_inside.ip)  # type: ignore[union-attr]
            for part, names in (
                ("ike", ("encryption", "integrity", "dh_groups")),
                ("ipsec", ("encryption", "integrity", "pfs_dh_groups")),
            ):
                for name in names:
                    want = getattr(getattr(t, part), name)
                    have = getattr(getattr(back, part), name)
                    if part == "ipsec" and name == "integrity" and set(t.ipsec.encryption or ()) <= GCM_ENCRYPTIONS:
                        continue  # AES-GCM-only ESP uses no integrity algorithm
                    if exact_algorithms:
                        assert have == want, (part, name)
                    else:
                        assert have and set(have) <= set(want), (part, name, have, want)
                        if set(have) != set(want):
                            words = _KEYWORDS[name]
                            dropped = [str(v) for v in set(want) - set(have)]
                            assert any(
                                any(w in m for w in words)
                                and (str(t.aws_outside_ip) in m or any(d in m for d in dropped))
                                for m in messages
                            ), (part, name, messages)


@pytest.mark.parametrize("version", VYOS_VERSIONS)
@given(conns=connection_lists(max_size=3, one_router=True, single=True))
def test_vyos_recovers_every_tunnel(version: str, conns: list[VpnConnection]) -> None:
    try:
        files, report = emit_report(conns, "vyos", vyos_version=version)
    except EmitError as e:
        assert version == "1.1" and _gcm_only(conns), str(e)
        assert "AES-GCM" in str(e)
        return
    assert vyos_errors(files[0].content, version) == []
    got, _ = parse_report(files[0].content, source=files[0].name, lint=False)
    _check_recovered(conns, got, report, exact_algorithms=True)


@pytest.mark.parametrize("version", VYOS_VERSIONS)
@given(conns=connection_lists(max_size=3, one_router=True, single=False))
def test_vyos_recovers_tunnels_with_algorithm_lists(version: str, conns: list[VpnConnection]) -> None:
    try:
        files, report = emit_report(conns, "vyos", vyos_version=version)
    except EmitError as e:
        assert version == "1.1" and _gcm_only(conns), str(e)
        return
    assert vyos_errors(files[0].content, version) == []
    got, _ = parse_report(files[0].content, source=files[0].name, lint=False)
    _check_recovered(conns, got, report, exact_algorithms=False)


# ------------------------------------------------------------------ strongSwan


def _expected_proposals(t: Any, part: str, ikev1: bool) -> tuple[set[str], set[str], set[int]]:
    opts = getattr(t, part)
    encs = set(opts.encryption)
    if ikev1 and part == "ike":
        encs -= GCM_ENCRYPTIONS
    groups = set(opts.dh_groups if part == "ike" else opts.pfs_dh_groups)
    integ = set(opts.integrity)
    if part == "ipsec" and encs <= GCM_ENCRYPTIONS:
        integ = set()
    return encs, integ, groups


def _swan_tunnels(files: dict[str, str], target: str) -> tuple[dict[str, dict[str, str]], dict[tuple[str, ...], str]]:
    """{aws outside ip: {peer, local, local_id, remote_id, ike, esp}}, {ids: secret}."""
    out: dict[str, dict[str, str]] = {}
    if target == "strongswan":
        conns = swan_reader.resolve_conns(swan_reader.parse_ipsec_conf(files["ipsec.conf"]))
        secrets = swan_reader.parse_ipsec_secrets(files["ipsec.secrets"])
        for s in conns.values():
            out[s["right"]] = {
                "peer": s["right"],
                "local_id": s.get("leftid", s.get("left", "")),
                "remote_id": s.get("rightid", s["right"]),
                "ike": s["ike"],
                "esp": s["esp"],
                "version": s.get("keyexchange", "ikev1"),
            }
        return out, secrets
    doc = swan_reader.parse_swanctl(files["swanctl.conf"])
    for conn in doc["connections"].values():
        children = list(conn["children"].values())
        assert len(children) == 1
        out[conn["remote_addrs"]] = {
            "peer": conn["remote_addrs"],
            "local_id": conn["local"]["id"],
            "remote_id": conn["remote"]["id"],
            "ike": conn["proposals"],
            "esp": children[0]["esp_proposals"],
            "version": {"1": "ikev1", "2": "ikev2"}.get(conn.get("version", "1"), "?"),
        }
    return out, swan_reader.swanctl_secrets(doc)


@pytest.mark.parametrize("target", ["strongswan", "swanctl"])
@pytest.mark.parametrize("ike_version", [None, "2"])
@given(conns=connection_lists(max_size=3, single=False))
def test_strongswan_carries_every_tunnel(target: str, ike_version: str | None, conns: list[VpnConnection]) -> None:
    options = {"ike_version": ike_version} if ike_version else {}
    ikev1 = ike_version != "2" and not any(t.ike.versions == ("ikev2",) for c in conns for t in c.tunnels)
    try:
        files, _ = emit_report(conns, target, **options)
    except EmitError as e:
        if ike_version == "2" and "contradicts the input" in str(e):
            assert any(t.ike.versions == ("ikev1",) for c in conns for t in c.tunnels), str(e)
            return
        assert "IKEv1" in str(e) and any(
            set(t.ike.encryption) <= GCM_ENCRYPTIONS  # type: ignore[arg-type]
            for c in conns
            for t in c.tunnels
        ), str(e)
        return
    by_name = {f.name: f.content for f in files}
    tunnels, secrets = _swan_tunnels(by_name, target)
    assert len(tunnels) == sum(len(c.tunnels) for c in conns)
    for c in conns:
        for t in c.tunnels:
            s = tunnels[str(t.aws_outside_ip)]
            assert s["local_id"] == str(t.cgw_outside_ip)
            assert s["remote_id"] == str(t.aws_outside_ip)
            assert secrets[(str(t.cgw_outside_ip), str(t.aws_outside_ip))] == t.psk
            v1 = s["version"] == "ikev1"
            if ikev1 and ike_version is None and t.ike.versions and "ikev1" not in t.ike.versions:
                v1 = False
            assert swan_reader.proposal_sets(s["ike"]) == _expected_proposals(t, "ike", v1), s["ike"]
            assert swan_reader.proposal_sets(s["esp"]) == _expected_proposals(t, "ipsec", v1), s["esp"]


# ------------------------------------------------------------------ determinism


def _target_options(target: str) -> list[dict[str, Any]]:
    if target == "vyos":
        return [{"vyos_version": v} for v in VYOS_VERSIONS]
    if target in ("strongswan", "swanctl"):
        return [{}, {"ike_version": "2"}]
    return [{}]


def _outcome(conns: list[VpnConnection], target: str, options: dict[str, Any]) -> Any:
    try:
        files, report = emit_report(conns, target, **options)
    except EmitError as e:
        return ("error", str(e))
    return ([(f.name, f.content, f.file_mode) for f in files], report.messages())


def _order_free(target: str, outcome: Any) -> Any:
    """json keeps the caller's order of connections (parse(emit(m)) == m needs it); compare its
    connections as a set.  Every other target must not depend on the order at all."""
    if target != "json" or outcome[0] == "error":
        return outcome
    ((name, content, mode),) = outcome
    doc = json.loads(content)
    doc["connections"].sort(key=lambda c: json.dumps(c, sort_keys=True))
    return [(name, json.dumps(doc, sort_keys=True), mode)]


@pytest.mark.parametrize("target", vpnxlate.registry.output_names())
@given(conns=connection_lists(max_size=4, one_router=True, single=False), seed=st.integers(0, 2**32 - 1))
def test_deterministic_and_order_independent(target: str, conns: list[VpnConnection], seed: int) -> None:
    shuffled = list(conns)
    random.Random(seed).shuffle(shuffled)
    for options in _target_options(target):
        first = _outcome(conns, target, options)
        assert _outcome(conns, target, options) == first
        files_only = first[0] if first[0] != "error" else first
        shuffled_outcome = _outcome(shuffled, target, options)
        assert _order_free(
            target, shuffled_outcome[0] if shuffled_outcome[0] != "error" else shuffled_outcome
        ) == _order_free(target, files_only)


def test_inside_slots_avoid_reserved_blocks() -> None:
    """The strategies' own invariant: no generated /30 overlaps AWS's reserved blocks."""
    from .strategies import INSIDE_SLOTS, RESERVED_INSIDE

    nets = [ipaddress.IPv4Network((0xA9FE0000 + 4 * s, 30)) for s in INSIDE_SLOTS]
    assert len(nets) == 16384 - 7
    assert not any(n.overlaps(r) for n in nets for r in RESERVED_INSIDE)


# ------------------------------------------------------------------ minimal examples of reported issues


def _one_tunnel(**changes: Any) -> VpnConnection:
    t = vpnxlate.Tunnel(
        aws_outside_ip="203.0.113.21",
        cgw_outside_ip="198.51.100.10",
        psk="FAKE_tunnel1.key_example",
        cgw_inside="169.254.21.2/30",
        aws_inside="169.254.21.1/30",
        **changes,
    )
    return VpnConnection(tunnels=(t,), vpn_connection_id="vpn-0c0ffee0123456789", routing="static")


def test_vyos_mtu_above_9000_is_clamped_on_legacy() -> None:
    files, report = emit_report([_one_tunnel(mtu=9216)], "vyos", vyos_version="1.3")
    assert vyos_errors(files[0].content, "1.3") == []
    assert "set interfaces vti vti1344 mtu '9000'" in files[0].content.splitlines()
    assert "target vyos: VyOS 1.3 accepts a vti MTU of 68..9000; writing 9000 instead of 9216" in report.messages()


def test_vyos_mss_below_536_is_clamped() -> None:
    files, report = emit_report([_one_tunnel(tcp_mss=535)], "vyos", vyos_version="1.4")
    assert vyos_errors(files[0].content, "1.4") == []
    assert "set interfaces vti vti1344 ip adjust-mss '536'" in files[0].content.splitlines()
    assert "target vyos: VyOS 1.4 accepts a TCP MSS of 536..65535; writing 536 instead of 535" in report.messages()
