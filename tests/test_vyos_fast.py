"""The line store of ``--to vyos`` (issue 13): the lines of one vti/peer/neighbor/policy go in as a
block, deduplicated among the lines of their prefix only; the result is what one set of every
line gives (first occurrence kept, in order), also when a prefix comes back (the plan never does that)."""

from __future__ import annotations

from vpnxlate.emitters import vyos as vy


def test_blocks_deduplicate_as_one_set_of_lines() -> None:
    c = vy.Commands()
    c.add("set vpn ipsec interface 'eth0'")
    c.block("set interfaces vti vti1", ["set interfaces vti vti1 mtu '1436'", "set interfaces vti vti1 mtu '1436'"])
    c.add("set vpn ipsec interface 'eth0'")
    c.set(("vpn", "ipsec", "interface"), "eth0")  # the same line through the path form
    c.block("set interfaces vti vti10", ["set interfaces vti vti10 mtu '1436'"])  # vti1 is a prefix of vti10's text
    c.block(
        "set interfaces vti vti1",
        ["set interfaces vti vti1 mtu '1436'", "set interfaces vti vti1 address '169.254.10.2/30'"],
    )
    assert list(c) == [
        "set vpn ipsec interface 'eth0'",
        "set interfaces vti vti1 mtu '1436'",
        "set interfaces vti vti10 mtu '1436'",
        "set interfaces vti vti1 address '169.254.10.2/30'",
    ]


def test_cached_quoting_keeps_types_apart() -> None:
    """Values are quoted once per distinct value, and 1 and True (equal as dict keys) stay two values."""
    c = vy.Commands()
    assert [c.value(1), c.value(True), c.value("1"), c.value(1)] == ["'1'", "'True'", "'1'", "'1'"]
    assert [c.word(1), c.word(True)] == ["1", "True"]
