"""A small reader for VyOS/Vyatta ``config.boot`` files (the brace-structured saved config).

Only what ``--to vyos --router-config FILE`` needs: find an interface under ``interfaces`` and
return its static IPv4 address, and the router's default gateway.  Errors name ``FILE:LINE``.
A reader, not a target: the API/CLI layer reads the file (:func:`read_router_config`, when the
keyword arguments or flags become ``vyos.Options``) and the VyOS emitter gets the
:class:`RouterConfig`.

    interfaces {
        ethernet eth0 {
            address 10.0.1.5/24
            hw-id 0a:00:00:00:00:01
            vif 100 {
                address 192.168.100.1/24
            }
        }
    }
    /* Warning: Do not remove the following line. */
    // vyos-config-version: "bgp@5:..."
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from typing import Any

import attrs

from .errors import EmitError, ParseError, Report, describe_value
from .vocab import setcmd

_IFACE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,14}(?:\.\d{1,4}){0,2}")


@attrs.frozen
class Node:
    """``name [tag ...] { children }`` or a leaf ``name [value]``."""

    words: tuple[str, ...]
    line: int
    children: tuple[Node, ...] | None = None  # None = leaf

    @property
    def name(self) -> str:
        return self.words[0]

    def blocks(self, name: str) -> list[Node]:
        return [c for c in self.children or () if c.name == name]


def parse(text: str, source: str) -> Node:
    """Parse a config.boot into a tree (the root node has the name ``""``)."""
    tokens = setcmd.scan(text, setcmd.CONFIG_BOOT, source=source)
    stack: list[tuple[list[Node], tuple[str, ...], int]] = [([], ("",), 0)]
    words: list[str] = []
    first_line = 0
    for tok, line, quoted in tokens:
        if quoted or tok not in ("\n", "{", "}"):
            if not words:
                first_line = line
            words.append(tok)
            continue
        if tok == "{":
            if not words:
                raise ParseError("'{' without a node name", source=source, line=line)
            stack.append(([], tuple(words), first_line))
            words = []
            continue
        if words:  # a leaf ends at a newline or a closing brace
            stack[-1][0].append(Node(tuple(words), first_line))
            words = []
        if tok == "}":
            if len(stack) == 1:
                raise ParseError("'}' without a matching '{'", source=source, line=line)
            children, head, head_line = stack.pop()
            stack[-1][0].append(Node(head, head_line, tuple(children)))
    if words:
        stack[-1][0].append(Node(tuple(words), first_line))
    if len(stack) > 1:
        _children, head, head_line = stack[-1]
        raise ParseError(f"'{' '.join(head)} {{' is never closed (missing '}}')", source=source, line=head_line)
    return Node(("",), 0, tuple(stack[0][0]))


def _find_interface(root: Node, iface: str) -> Node | None:
    base, _, vifs = iface.partition(".")
    for top in root.blocks("interfaces"):
        for kind in top.children or ():
            if kind.children is None or len(kind.words) != 2 or kind.words[1] != base:
                continue
            node: Node = kind
            for vif in vifs.split(".") if vifs else ():
                inner = [
                    c
                    for c in (node.children or ())
                    if c.children is not None
                    and c.words[:1] in (("vif",), ("vif-s",), ("vif-c",))
                    and c.words[1:] == (vif,)
                ]
                if not inner:
                    break
                node = inner[0]
            else:
                return node
    return None


def _interface_names(root: Node) -> list[str]:
    return sorted(
        k.words[1]
        for top in root.blocks("interfaces")
        for k in top.children or ()
        if k.children is not None and len(k.words) == 2
    )


def interface_address(text: str, iface: str, source: str) -> tuple[ipaddress.IPv4Interface, list[tuple[str, int]]]:
    """The first static IPv4 address of ``iface``; returns ``(address, notes)`` where notes are
    ``(warning, line)`` pairs (further addresses that were not used)."""
    if not _IFACE_RE.fullmatch(iface):
        raise EmitError(f"--local-interface: not an interface name: {describe_value(iface)}")
    root = parse(text, source)
    node = _find_interface(root, iface)
    if node is None:
        known = ", ".join(_interface_names(root)) or "none"
        raise ParseError(f"interface {iface} not found under 'interfaces' (interfaces found: {known})", source=source)
    addresses: list[tuple[ipaddress.IPv4Interface, int]] = []
    dynamic = False
    for leaf in node.children or ():
        if leaf.children is not None or leaf.name != "address":
            continue
        if len(leaf.words) != 2:
            raise ParseError("'address' needs one value", source=source, line=leaf.line)
        value = leaf.words[1]
        if value in ("dhcp", "dhcpv6"):
            dynamic = True
            continue
        try:
            addr = ipaddress.ip_interface(value)
        except ValueError:
            raise ParseError(
                f"interface {iface}: not an address: {describe_value(value)}", source=source, line=leaf.line
            ) from None
        if isinstance(addr, ipaddress.IPv4Interface):
            addresses.append((addr, leaf.line))
    if not addresses:
        how = " (it uses 'address dhcp')" if dynamic else ""
        raise ParseError(
            f"interface {iface} has no static IPv4 address{how}; give the router's private "
            "address with --local-address",
            source=source,
            line=node.line,
        )
    notes = [
        (f"interface {iface} also has address {addr}; using {addresses[0][0]}", line) for addr, line in addresses[1:]
    ]
    return addresses[0][0], notes


def default_gateway(
    text: str, source: str, address: ipaddress.IPv4Interface | ipaddress.IPv6Interface
) -> tuple[ipaddress.IPv4Address, str] | None:
    """The router's next hop towards the rest of its network, for routes that must not be blackholed:
    ``protocols static route 0.0.0.0/0 next-hop X`` or ``system gateway-address X``, else (the router
    sits in an AWS subnet) the subnet's VPC router, network address + 1 (AWS reserves it for that).
    Returns ``(next hop, where it came from)``."""
    if not isinstance(address, ipaddress.IPv4Interface) or address.network.prefixlen >= 31:
        return None
    root = parse(text, source)
    for proto in root.blocks("protocols"):
        for static in proto.blocks("static"):
            for route in static.children or ():
                if route.children is None or route.words != ("route", "0.0.0.0/0"):
                    continue
                for hop in route.children:
                    if hop.words[:1] == ("next-hop",) and len(hop.words) == 2:
                        with contextlib.suppress(ValueError):
                            return (
                                ipaddress.IPv4Address(hop.words[1]),
                                f"{source}: protocols static route 0.0.0.0/0 next-hop",
                            )
    for system in root.blocks("system"):
        for leaf in system.children or ():
            if leaf.children is None and leaf.words[:1] == ("gateway-address",) and len(leaf.words) == 2:
                with contextlib.suppress(ValueError):
                    return ipaddress.IPv4Address(leaf.words[1]), f"{source}: system gateway-address"
    return (address.network.network_address + 1, f"the VPC router of {address.network}, derived from --router-config")


@attrs.frozen
class RouterConfig:
    """What ``--router-config FILE`` tells the VyOS target: the address of the IPsec interface
    (the local address) and the next hop towards the router's network."""

    source: str  # the file, as messages name it
    interface: str
    address: ipaddress.IPv4Interface
    gateway: tuple[ipaddress.IPv4Address, str] | None
    notes: tuple[tuple[str, int], ...] = ()  # (warning, line): written to the emit's report


def read_router_config(path: Any, options: Any, report: Report | None = None) -> RouterConfig:
    """Read the config.boot ``path`` for ``options.local_interface`` (the loader of
    ``vyos.Options.router_config``, see :mod:`vpnxlate.options`)."""
    from .io import read_input

    iface = options.local_interface
    source, text = read_input(str(path))
    address, notes = interface_address(text, iface, source)
    return RouterConfig(source, iface, address, default_gateway(text, source, address), tuple(notes))
