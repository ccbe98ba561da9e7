"""The canonical connection written as every vendor download (Cisco IOS IKEv1/IKEv2, ASA VTI,
Juniper set/brace, strongSwan, Openswan) and as the Generic, Vyatta and XML downloads parses to
models that agree on every field both state.

For each vendor the test also pins exactly which fields its format leaves unstated (and which
it states that the Generic download does not), so a parser that stops reading a value fails.
Known disagreements of AWS's own templates are asserted as such: the strongSwan template sets
the VTI MTU to 1419 where the Generic download says 1436, and the strongSwan/Openswan downloads
do not say whether the connection uses BGP (no BGP section: read as static).
"""

from __future__ import annotations

import warnings
from typing import Any

import attrs
import pytest

import vpnxlate
from vpnxlate.model import Bgp, VpnConnection

from .conftest import FIXTURES
from .test_cross_format import flatten as base_flatten

NO_BGP = {f"bgp.{f.name}" for f in attrs.fields(Bgp)}


def load(rel: str) -> VpnConnection:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (conn,) = vpnxlate.parse((FIXTURES / rel).read_text(encoding="utf-8"), source=rel)
    return conn


def flatten(obj: VpnConnection) -> dict[str, Any]:
    """test_cross_format.flatten, with an absent BGP block spelled as all its fields None."""
    out: dict[str, Any] = {}
    for key, value in base_flatten(obj).items():
        if key.endswith(".bgp") and value is None:
            out.update({f"{key}.{b.name}": None for b in attrs.fields(Bgp)})
        else:
            out[key] = value
    return out


def _short(key: str) -> str:
    return key.split(".", 1)[1] if key.startswith("tunnels[") else key


def compare(a: VpnConnection, b: VpnConnection) -> tuple[set[str], set[str], set[str]]:
    """(fields stated by both that differ, fields only a states, fields only b states)."""
    fa, fb = flatten(a), flatten(b)
    assert fa.keys() == fb.keys()
    differ = {_short(k) for k in fa if fa[k] is not None and fb[k] is not None and fa[k] != fb[k]}
    only_a = {_short(k) for k in fa if fa[k] is not None and fb[k] is None}
    only_b = {_short(k) for k in fa if fa[k] is None and fb[k] is not None}
    return differ, only_a, only_b


GENERIC = "canonical/generic.txt"
# vendor fixture -> (fields the Generic download states that the vendor file does not,
#                    fields the vendor file states that the Generic download does not)
VENDORS: dict[str, tuple[set[str], set[str]]] = {
    "vendors/cisco-ios/ikev1-bgp.txt": ({"dpd_retries", "ike.mode", "mtu"}, {"replay_window"}),
    "vendors/cisco-asa/vti-bgp.txt": (
        {"cgw_outside_ip", "dpd_retries", "ike.mode", "ipsec.mode", "mtu"},
        {"replay_window"},
    ),
    "vendors/juniper/srx-set.txt": (
        {"dpd_interval_s", "dpd_retries", "fragmentation_before_encryption", "ipsec.mode"},
        set(),
    ),
    "vendors/juniper/srx-brace.txt": (
        {"cgw_outside_ip", "dpd_interval_s", "dpd_retries", "fragmentation_before_encryption", "ipsec.mode"},
        set(),
    ),
    "vendors/strongswan/download.txt": (
        NO_BGP | {"clear_df_bit", "fragmentation_before_encryption", "ike.mode", "tcp_mss"},
        {"dpd_timeout_s", "dpd_timeout_action", "startup_action"},
    ),
    "vendors/openswan/download.txt": (
        NO_BGP
        | {"aws_inside", "cgw_inside", "clear_df_bit", "fragmentation_before_encryption", "ike.mode", "mtu", "tcp_mss"},
        {"dpd_timeout_s", "startup_action"},
    ),
}
# AWS's templates themselves disagree here (see the module docstring)
DISAGREE = {"vendors/strongswan/download.txt": {"mtu", "routing"}, "vendors/openswan/download.txt": {"routing"}}


@pytest.mark.parametrize("rel", sorted(VENDORS))
def test_vendor_download_agrees_with_generic(rel: str) -> None:
    generic, vendor = load(GENERIC), load(rel)
    differ, only_generic, only_vendor = compare(generic, vendor)
    assert differ == DISAGREE.get(rel, set())
    assert (only_generic, only_vendor) == VENDORS[rel]


def test_strongswan_disagreements_are_the_template_constants() -> None:
    conn = load("vendors/strongswan/download.txt")
    assert [t.mtu for t in conn.tunnels] == [1419, 1419] and conn.routing == "static"
    assert [t.mtu for t in load(GENERIC).tunnels] == [1436, 1436]


@pytest.mark.parametrize(
    "rel", ["canonical/vyatta.txt", "canonical/connection.xml", *sorted(VENDORS), "vendors/cisco-ios/ikev2-bgp.txt"]
)
def test_every_pair_agrees_on_what_both_state(rel: str) -> None:
    """Pairwise with every other format: values both state are equal (up to the disagreements)."""
    a = load(rel)
    for other in ["canonical/vyatta.txt", "canonical/connection.xml", *sorted(VENDORS)]:
        if other == rel:
            continue
        differ, _, _ = compare(a, load(other))
        allowed = DISAGREE.get(rel, set()) | DISAGREE.get(other, set())
        if "ikev2" in rel:
            allowed = allowed | {"ike.versions"}
        assert differ <= allowed, (other, differ)


def test_ikev2_variant_differs_from_ikev1_only_in_the_version() -> None:
    v1, v2 = load("vendors/cisco-ios/ikev1-bgp.txt"), load("vendors/cisco-ios/ikev2-bgp.txt")
    assert compare(v1, v2) == ({"ike.versions"}, set(), set())
    assert {t.ike.versions for t in v2.tunnels} == {("ikev2",)}


def test_tunnel_identity_is_the_outside_ip_in_every_vendor_format() -> None:
    for rel in VENDORS:
        conn = load(rel)
        assert [str(t.aws_outside_ip) for t in conn.tunnels] == ["203.0.113.21", "203.0.113.22"], rel
        assert [t.psk for t in conn.tunnels] == ["FAKE_tunnel2.key_example", "FAKE_tunnel1.key_example"], rel


def test_static_connection_asa_crypto_map_agrees_with_generic() -> None:
    generic, asa = load("canonical/static-generic.txt"), load("vendors/cisco-asa/crypto-map.txt")
    differ, only_generic, only_asa = compare(generic, asa)
    assert differ == set()
    assert only_generic == {"aws_inside", "cgw_inside", "dpd_retries", "ike.mode", "ipsec.mode", "mtu"}
    assert only_asa == {"replay_window"}
