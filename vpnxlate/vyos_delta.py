"""The change between two sets of VyOS ``set`` commands, as ``delete`` + ``set`` commands.

VyOS's configuration is a tree: ``set vpn ipsec site-to-site peer P local-address 'A'`` is the
path ``vpn / ipsec / site-to-site / peer / P / local-address / 'A'`` (a value is the last node).
The delta deletes the **highest** node that disappeared (``delete vpn ipsec site-to-site peer P``
for a removed peer, ``delete … local-address 'A'`` for a changed value) and sets every line that
is new; lines that did not change are not touched.  A node that other configuration of the
router shares (any node of depth 1 or 2 such as ``vpn ipsec``, ``protocols bgp``, ``interfaces
vti``, and the containers of named entries: ``… site-to-site peer``, ``protocols bgp neighbor``,
``vpn ipsec ike-group``…, see :func:`is_shared`) is never deleted: when one disappears as a
whole, its children are deleted one by one, so what vpnxlate did not write is kept.

hier-config's VyOS driver (evaluated) compares the set lines as flat lines and deletes every leaf
of a removed peer separately instead of the peer, so this small tree diff is used instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .errors import EmitError

#: The shallowest node a delete may name (3 = ``vpn ipsec site-to-site``, ``interfaces vti vti4``).
MIN_DELETE_DEPTH = 3
#: Containers of named entries that the router's own configuration may share with vpnxlate's.
SHARED: frozenset[tuple[str, ...]] = frozenset(
    {
        ("vpn", "ipsec", "site-to-site"),
        ("vpn", "ipsec", "site-to-site", "peer"),
        ("vpn", "ipsec", "authentication"),
        ("vpn", "ipsec", "authentication", "psk"),
        ("vpn", "ipsec", "ike-group"),
        ("vpn", "ipsec", "esp-group"),
        ("vpn", "ipsec", "options"),
        ("vpn", "ipsec", "ipsec-interfaces"),
        ("protocols", "bgp", "neighbor"),
        ("protocols", "bgp", "parameters"),
        ("protocols", "static", "route"),
        ("protocols", "static", "interface-route"),
    }
)

Path = tuple[str, ...]
Tree = dict[str, "Tree"]


def split_command(line: str) -> tuple[str, Path]:
    """``set a b 'c d'`` -> ("set", ("a", "b", "'c d'")); values keep their quotes (vpnxlate's
    quoting never puts a quote inside a value)."""
    words: list[str] = []
    rest = line.strip()
    while rest:
        if rest.startswith("'"):
            end = rest.find("'", 1)
            if end < 0:
                raise EmitError(f"unterminated quote in VyOS command {line!r}")
            words.append(rest[: end + 1])
            rest = rest[end + 1 :].lstrip()
        else:
            word, _, rest = rest.partition(" ")
            words.append(word)
            rest = rest.lstrip()
    if not words or words[0] not in ("set", "delete") or len(words) < 2:
        raise EmitError(f"not a VyOS set/delete command: {line!r}")
    return words[0], tuple(words[1:])


def commands(text: str) -> list[str]:
    """The ``set`` lines of a ``--to vyos`` output (comments and blank lines left out)."""
    return [line for line in text.splitlines() if line.startswith("set ")]


def _tree(paths: Iterable[Path]) -> Tree:
    root: Tree = {}
    for path in paths:
        node = root
        for word in path:
            node = node.setdefault(word, {})
    return root


def is_shared(path: tuple[str, ...]) -> bool:
    """A node the delta never deletes as a whole (see the module doc)."""
    if len(path) < MIN_DELETE_DEPTH or path in SHARED:
        return True
    # VyOS 1.1-1.3: protocols bgp ASN neighbor / address-family
    return len(path) == 4 and path[:2] == ("protocols", "bgp") and path[3] in ("neighbor", "parameters")


def _deletes(old: Tree, new: Tree, prefix: Path, out: list[Path]) -> None:
    for word, child in old.items():
        path = (*prefix, word)
        if word in new:
            _deletes(child, new[word], path, out)
        elif is_shared(path):
            _deletes(child, {}, path, out)  # never the whole node: its children, one by one
        else:
            out.append(path)


def delta(old: Sequence[str], new: Sequence[str]) -> list[str]:
    """``delete`` lines for the highest nodes of ``old`` that are not in ``new``, then the ``set``
    lines of ``new`` that are not in ``old`` (in ``new``'s order)."""
    old_paths = [split_command(line)[1] for line in old]
    new_paths = [split_command(line)[1] for line in new]
    gone: list[Path] = []
    _deletes(_tree(old_paths), _tree(new_paths), (), gone)
    seen = set(old_paths)
    out = ["delete " + " ".join(p) for p in gone]
    added: set[Path] = set()
    for path in new_paths:
        if path not in seen and path not in added:
            added.add(path)
            out.append("set " + " ".join(path))
    return out
