"""The VyOS delta (vpnxlate.vyos_delta): applying it to the old set of lines gives the new set.

``Config`` below models VyOS's configuration tree the way the CLI treats it: ``set P`` creates
the path P (every missing node on the way), ``delete P`` removes the node P with its subtree
and is an error when P does not exist.  A config is compared by its set of nodes.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vpnxlate.errors import EmitError
from vpnxlate.vyos_delta import MIN_DELETE_DEPTH, commands, delta, is_shared, split_command

from . import strategies  # noqa: F401  (the hypothesis settings profiles)

Path = tuple[str, ...]


class Config:
    def __init__(self, lines: list[str] = ()) -> None:  # type: ignore[assignment]
        self.tree: dict[str, dict] = {}
        for line in lines:
            self.run(line)

    def run(self, line: str) -> None:
        verb, path = split_command(line)
        if verb == "set":
            node = self.tree
            for word in path:
                node = node.setdefault(word, {})
            return
        node = self.tree
        for word in path[:-1]:
            if word not in node:
                raise AssertionError(f"delete of a node that does not exist: {line}")
            node = node[word]
        if path[-1] not in node:
            raise AssertionError(f"delete of a node that does not exist: {line}")
        del node[path[-1]]

    def nodes(self) -> set[Path]:
        out: set[Path] = set()

        def walk(node: dict[str, dict], prefix: Path) -> None:
            for word, child in node.items():
                out.add((*prefix, word))
                walk(child, (*prefix, word))

        walk(self.tree, ())
        return out


def _leaf_nodes_equal(after: Config, new: Config) -> None:
    """Same nodes, except that a shared container (``protocols bgp``, ``… site-to-site peer``)
    emptied by deletes may remain: the delta never deletes those as a whole."""
    extra = after.nodes() - new.nodes()
    assert all(is_shared(p) for p in extra), sorted(extra)
    assert new.nodes() <= after.nodes()


_WORDS = st.sampled_from(
    [
        "peer",
        "AWS-a-T1",
        "AWS-b-T1",
        "AWS-c-T2",
        "local-address",
        "'10.0.0.5'",
        "'10.0.0.6'",
        "vti",
        "bind",
        "'vti1'",
        "'vti2'",
        "secret",
        "'k1'",
        "'k2'",
        "neighbor",
        "169.254.1.1",
        "remote-as",
        "'64512'",
        "rule",
        "10",
        "20",
    ]
)
_ROOTS = st.sampled_from(
    [
        ("vpn", "ipsec", "site-to-site", "peer"),
        ("vpn", "ipsec", "authentication", "psk"),
        ("protocols", "bgp", "neighbor"),
        ("protocols", "bgp", "65010"),
        ("interfaces", "vti"),
        ("protocols", "bgp"),
        ("policy", "route-map"),
        ("vpn", "ipsec"),
    ]
)
_LINE = st.builds(
    lambda root, rest: "set " + " ".join((*root, *rest)), _ROOTS, st.lists(_WORDS, min_size=1, max_size=4)
)
_LINES = st.lists(_LINE, max_size=25, unique=True)


@given(_LINES, _LINES)
def test_applying_the_delta_to_old_gives_new(old: list[str], new: list[str]) -> None:
    d = delta(old, new)
    config = Config(old)
    for line in d:  # deletes come first, then sets, as a user pastes them
        config.run(line)
    _leaf_nodes_equal(config, Config(new))
    old_nodes, new_nodes = Config(old).nodes(), Config(new).nodes()
    deletes = [split_command(line)[1] for line in d if line.startswith("delete ")]
    sets = [split_command(line)[1] for line in d if line.startswith("set ")]
    assert [line for line in d if line.startswith("delete ")] == d[: len(deletes)]
    for path in deletes:
        assert len(path) >= MIN_DELETE_DEPTH
        assert path in old_nodes and path not in new_nodes
        # the highest node that disappeared: its parent is still there (or is never deleted)
        assert path[:-1] in new_nodes or is_shared(path[:-1])
        assert not is_shared(path)
    old_lines = {split_command(line)[1] for line in old}
    assert not any(p in old_lines for p in sets)  # unchanged lines are not touched
    assert len(sets) == len(set(sets))


@given(_LINES)
def test_no_change_is_an_empty_delta(lines: list[str]) -> None:
    assert delta(lines, list(reversed(lines))) == []


def test_removed_peer_is_one_delete_of_the_peer() -> None:
    old = [
        "set vpn ipsec interface 'eth0'",
        "set vpn ipsec site-to-site peer AWS-a-T1 local-address '10.0.0.5'",
        "set vpn ipsec site-to-site peer AWS-a-T1 remote-address '203.0.113.10'",
        "set vpn ipsec site-to-site peer AWS-b-T1 local-address '10.0.0.5'",
        "set vpn ipsec site-to-site peer AWS-b-T1 remote-address '203.0.113.12'",
        "set interfaces vti vti640 address '169.254.10.2/30'",
    ]
    new = [
        *old[:3],
        "set vpn ipsec site-to-site peer AWS-a-T1 description 'x y'",
        "set interfaces vti vti640 address '169.254.10.6/30'",
    ]
    assert delta(old, new) == [
        "delete vpn ipsec site-to-site peer AWS-b-T1",
        "delete interfaces vti vti640 address '169.254.10.2/30'",
        "set vpn ipsec site-to-site peer AWS-a-T1 description 'x y'",
        "set interfaces vti vti640 address '169.254.10.6/30'",
    ]


def test_never_deletes_a_whole_top_node() -> None:
    old = [
        "set vpn ipsec site-to-site peer AWS-a-T1 local-address '10.0.0.5'",
        "set protocols bgp system-as '65010'",
        "set protocols bgp neighbor 169.254.1.1 remote-as '64512'",
    ]
    new = ["set vpn ipsec site-to-site peer AWS-a-T1 local-address '10.0.0.5'"]
    assert delta(old, new) == ["delete protocols bgp system-as", "delete protocols bgp neighbor 169.254.1.1"]


def test_commands_and_bad_lines() -> None:
    assert commands("# c\nset a b 'c d'\n\nset e\n") == ["set a b 'c d'", "set e"]
    assert split_command("set a b 'c d' e") == ("set", ("a", "b", "'c d'", "e"))
    with pytest.raises(EmitError, match="unterminated quote"):
        split_command("set a 'b")
    with pytest.raises(EmitError, match="not a VyOS set/delete command"):
        split_command("show a")
