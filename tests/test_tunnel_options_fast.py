"""TunnelOptions on the fast paths of issue 13 give what the plain merge gives, through the public
API: the same connections, reprs, JSON output, warnings (texts, fields, lines, codes) and errors.

The fast paths: a connection whose TunnelOptions are AWS's usual shape (each entry an object for
one IPv4 tunnel of the document, inside CIDR and key as the document has them) is merged in one
step, and the recurring values (proposals, lifetimes, DPD, rekey) are converted once per distinct
value.  The plain run of each case is the same document with both defeated without changing what
it says: each OutsideIpAddress padded with blanks (the plain path strips them; the one-step merge
reads only a bare dotted quad) and each ``{"Value": x}`` item given a second key (the plain path
reads only ``Value``; the recurring cache takes only one-key items).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from . import strategies as _profile  # noqa: F401  (the hypothesis profile: example counts, no deadline)
from .test_perf_paths import batch, distinct, outcome


def _entries(n: int) -> list[dict[str, Any]]:
    import bench  # (tests/differential.py put benchmarks/ on sys.path)

    return bench.build_entries(n, tunnel_options=True)


def _plain(options: Any) -> Any:
    """``options`` (one connection's TunnelOptions) with the fast paths defeated, meaning unchanged."""
    options = copy.deepcopy(options)
    for entry in options if isinstance(options, list) else ():
        if not isinstance(entry, dict):
            continue
        ip = entry.get("OutsideIpAddress")
        if isinstance(ip, str) and ip.strip():
            entry["OutsideIpAddress"] = f" {ip}\t"
        for value in entry.values():
            for item in value if isinstance(value, list) else ():
                if (
                    isinstance(item, dict)
                    and "Value" in item
                    and item["Value"] is not None
                    and not isinstance(item["Value"], dict | list | bool)
                ):
                    item["Comment"] = "ignored"  # (an error quotes the item: only on items that pass)
    return options


def _values(*v: Any) -> list[dict[str, Any]]:
    return [{"Value": x} for x in v]


ABSENT: Any = object()

# key -> variants: as the document has it, changed and valid, and wrong or hostile
_LIST_VARIANTS: list[Any] = [
    ABSENT,
    None,
    [],
    _values("AES128"),
    _values("AES256", "AES128"),
    ["AES128"],
    _values("aes128-gcm-16"),
    _values("NOPE"),
    _values(True),
    _values(1.5),
    _values(None),
    [{"Value": "AES128", "Other": 1}],
    [{}],
    "AES128",
    {"Value": "AES128"},
    [[1]],
    _values("AES\x00128"),
]
_DH_VARIANTS: list[Any] = [
    ABSENT,
    _values(2),
    _values(2, 14),
    _values("2"),
    _values(14),
    _values(2.0),
    _values(True),
    _values(99),
]
_INT_VARIANTS: list[Any] = [ABSENT, None, 28800, 3600, 30, "3600", "3600 seconds", True, 1.5, 0, -1, 10**20, "x", [30]]
_WORD_VARIANTS: list[Any] = [ABSENT, None, "clear", "restart", " CLEAR ", "add", "start", "bogus", 3, ["clear"]]
_LIST_KEYS = (
    "Phase1EncryptionAlgorithms",
    "Phase2EncryptionAlgorithms",
    "Phase1IntegrityAlgorithms",
    "Phase2IntegrityAlgorithms",
    "IkeVersions",
)
_DH_KEYS = ("Phase1DHGroupNumbers", "Phase2DHGroupNumbers")
_INT_KEYS = (
    "Phase1LifetimeSeconds",
    "Phase2LifetimeSeconds",
    "DpdTimeoutSeconds",
    "RekeyMarginTimeSeconds",
    "RekeyFuzzPercentage",
    "ReplayWindowSize",
)
_WORD_KEYS = ("DpdTimeoutAction", "StartupAction")


@st.composite
def _mutation(draw: st.DrawFn) -> dict[str, Any]:
    """Which options of an AWS entry to change, and to what (a few at a time)."""
    out: dict[str, Any] = {}
    for keys, variants in (
        (_LIST_KEYS, _LIST_VARIANTS),
        (_DH_KEYS, _DH_VARIANTS),
        (_INT_KEYS, _INT_VARIANTS),
        (_WORD_KEYS, _WORD_VARIANTS),
    ):
        for key in draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)):
            out[key] = draw(st.sampled_from(variants))
    unique = draw(
        st.sampled_from(
            [
                {},
                {"TunnelInsideCidr": ABSENT},
                {"TunnelInsideCidr": ""},
                {"TunnelInsideCidr": "169.254.200.0/30"},
                {"TunnelInsideCidr": "+1"},  # (the document's network with host bits set: a warning)
                {"TunnelInsideCidr": "not a cidr"},
                {"TunnelInsideCidr": 7},
                {"TunnelInsideIpv6Cidr": "fd00:1::/126"},
                {"PreSharedKey": ABSENT},
                {"PreSharedKey": "FAKE_other.key_example"},
                {"PreSharedKey": " FAKE_tunnel1.key_example "},
                {"PreSharedKey": 5},
                {"PreSharedKey": "<psk>"},
                {"OutsideIpAddress": ABSENT},
                {"OutsideIpAddress": ""},
                {"OutsideIpAddress": "192.0.2.99"},
                {"OutsideIpAddress": "2001:db8::1"},
                {"OutsideIpAddress": 17},
                {"OutsideIpAddress": "same as the other"},
                {"Unknown": [{"Value": object}]},
            ]
        )
    )
    out.update(unique)
    return out


def _apply(entry: dict[str, Any], mutation: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    entry = copy.deepcopy(entry)
    for key, value in mutation.items():
        if value is ABSENT:
            entry.pop(key, None)
        elif key == "TunnelInsideCidr" and value == "+1":
            if not isinstance(entry.get(key), str):
                continue  # (changed before by another mutation of this entry)
            entry[key] = entry[key].replace(".0/30", ".1/30").replace("4/30", "5/30").replace("8/30", "9/30")
        elif key == "OutsideIpAddress" and value == "same as the other":
            if "OutsideIpAddress" not in other:
                continue  # (the other entry's was removed by an earlier mutation)
            entry[key] = other["OutsideIpAddress"]
        elif key == "Unknown":
            entry[key] = [{"Value": "anything"}]
        else:
            entry[key] = copy.deepcopy(value)
    return entry


@given(
    mutations=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 1), _mutation()), max_size=3),
    recurring=st.booleans(),
    order=st.booleans(),
)
def test_fast_and_plain_merge_agree(
    mutations: list[tuple[int, int, dict[str, Any]]], recurring: bool, order: bool
) -> None:
    """Three connections with AWS's TunnelOptions, a few entries changed (valid or not; with
    ``recurring``, the change made to that tunnel of every connection, so it recurs)."""
    entries = _entries(3)
    options = [e["Options"]["TunnelOptions"] for e in entries]
    for conn, tunnel, mutation in mutations:
        for c in range(3) if recurring else (conn,):
            options[c][tunnel] = _apply(options[c][tunnel], mutation, options[c][1 - tunnel])
    if order:
        options = [list(reversed(o)) for o in options]
    docs = [e["CustomerGatewayConfiguration"] for e in entries]
    fast = outcome(batch(docs, options))
    plain = outcome(batch(docs, [_plain(o) for o in options]))
    assert fast == plain


def test_recurring_values_of_other_types_are_not_mixed_up() -> None:
    """The same-looking value as another type in a later connection (a DH group as text, as a bool,
    as a float; a lifetime as text) is read as the plain path reads it, not from the cache."""
    entries = _entries(6)
    options = [e["Options"]["TunnelOptions"] for e in entries]
    for c, (key, value) in enumerate(
        [
            ("Phase1DHGroupNumbers", _values(2)),
            ("Phase1DHGroupNumbers", _values("2")),
            ("Phase1LifetimeSeconds", "28800"),
            ("Phase1LifetimeSeconds", 28800),
            ("Phase1DHGroupNumbers", _values(True)),
            ("Phase1DHGroupNumbers", _values(2.0)),
        ]
    ):
        options[c][0][key] = value
    docs = [e["CustomerGatewayConfiguration"] for e in entries]
    for upto in (4, 5, 6):  # the first four parse; a bool and a float are errors
        fast = outcome(batch(docs[:upto], options[:upto]))
        assert fast == outcome(batch(docs[:upto], [_plain(o) for o in options[:upto]]))
        if upto == 4:
            assert fast[0] != "error", fast
            assert {t.ike.dh_groups for c in fast[0] for t in c.tunnels} == {(2,)}
        else:
            assert fast[0] == "error" and "Phase1DHGroupNumbers" in fast[2], fast


def test_changed_options_reach_the_tunnels() -> None:
    """A recurring change (all connections) and a one-off change (one connection) both reach the
    tunnels they are for, on the fast path, and nothing else changes."""
    entries = _entries(5)
    for e in entries:
        e["Options"]["TunnelOptions"][1]["Phase2LifetimeSeconds"] = 1800
    entries[3]["Options"]["TunnelOptions"][0]["Phase1EncryptionAlgorithms"] = _values("AES256")
    text = json.dumps({"VpnConnections": entries}, indent=2)
    got = outcome(text)
    assert got[0] != "error", got
    ipsec = [[t.ipsec.lifetime_s for t in c.tunnels] for c in got[0]]
    assert ipsec == [[3600, 1800]] * 5  # (tunnels sorted by outside IP: 198.18 first)
    ike = [[t.ike.encryption for t in c.tunnels] for c in got[0]]
    assert ike == [[("AES128",), ("AES128",)]] * 3 + [[("AES256",), ("AES128",)]] + [[("AES128",), ("AES128",)]]
    # both disagree with the document, which says 3600 / AES128: one warning per changed tunnel
    assert sorted(d[0].split(": ")[1] for d in got[2] if d[3] == "tunnel-options") == sorted(
        [f"tunnel 198.19.0.{i + 1}" for i in range(5)] + ["tunnel 198.18.0.4"]
    )
    plain = outcome(json.dumps({"VpnConnections": [_entry_plain(e) for e in entries]}, indent=2))
    assert got == plain


def _entry_plain(entry: dict[str, Any]) -> dict[str, Any]:
    """A describe entry with its TunnelOptions' outside IPs padded (no line moves: the item keys
    stay as they are, so the recurring cache is still used; the one-step merge is not)."""
    entry = copy.deepcopy(entry)
    for o in entry["Options"]["TunnelOptions"]:
        o["OutsideIpAddress"] = f" {o['OutsideIpAddress']} "
    return entry


def test_inside_cidr_warnings_keep_their_lines() -> None:
    """An inside CIDR with host bits set warns at the line of its own key (the lines are found
    only when a message needs them), on both paths."""
    entries = _entries(3)
    entries[1]["Options"]["TunnelOptions"][1]["TunnelInsideCidr"] = (
        entries[1]["Options"]["TunnelOptions"][1]["TunnelInsideCidr"].replace("/30", "").rsplit(".", 1)[0] + ".13/30"
    )
    text = json.dumps({"VpnConnections": entries}, indent=2)
    got = outcome(text)
    assert got[0] != "error", got
    lines = [n for n, ln in enumerate(text.splitlines(), 1) if re.search(r'"TunnelInsideCidr": ', ln)]
    assert len(lines) == 6
    warned = [d for d in got[2] if d[3] == "inside-host-bits"]
    assert [(d[1], d[2]) for d in warned] == [("Options.TunnelOptions[1].TunnelInsideCidr", lines[3])]
    assert got == outcome(json.dumps({"VpnConnections": [_entry_plain(e) for e in entries]}, indent=2))


def test_documents_of_other_shapes_merge_alike() -> None:
    """Documents of distinct shapes in one batch (the template path and lxml's) with the same
    TunnelOptions: the fast merge gives the plain merge's result for each."""
    entries = _entries(3)
    docs = distinct(3)
    docs[1] = docs[1].replace("<dead_peer_detection>", "<dead_peer_detection>\n")
    options = [e["Options"]["TunnelOptions"] for e in entries]
    fast = outcome(batch(docs, options))
    assert fast[0] != "error", fast
    assert fast == outcome(batch(docs, [_plain(o) for o in options]))
