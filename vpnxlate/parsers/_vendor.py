"""Helpers shared by the parsers of AWS's vendor downloads (Cisco IOS/ASA, Juniper, strongSwan,
Openswan): the header id lines, a configuration tree read with ciscoconfparse (imported only
when one of these parsers runs), and :class:`Facts`, which collects what a file states about one
tunnel (with the line of each value) and turns it into a model :class:`~vpnxlate.model.Tunnel`.

Nothing here imports ciscoconfparse at module level: detection stays cheap.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import ParseError, Report, VpnxlateError, describe_value
from ..model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection, build_connection
from ._common import check_placeholder, located, to_id, to_int, to_ip

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# ------------------------------------------------------------------ header ids

_HEADER_ID = re.compile(
    r"^[ \t]*(?:[!#][ \t]*)?Your[ \t]+(VPN[ \t]+Connection|Virtual[ \t]+Private[ \t]+Gateway|VPN[ \t]+Gateway"
    r"|Transit[ \t]+Gateway|Customer[ \t]+Gateway)[ \t]+ID[ \t]*:(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_FIELD = {
    "vpnconnection": "vpn_connection_id",
    "virtualprivategateway": "vpn_gateway_id",
    "vpngateway": "vpn_gateway_id",
    "transitgateway": "transit_gateway_id",
    "customergateway": "customer_gateway_id",
}


def header_blocks(text: str) -> list[dict[str, Any]]:
    """The ``Your … ID : value`` lines, one block per VPN connection id line (a running config
    may hold several downloads); ids before the first connection id line start a block too."""
    blocks: list[dict[str, Any]] = []
    for m in _HEADER_ID.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        field = _HEADER_FIELD[re.sub(r"\s+", "", m.group(1)).lower()]
        value = to_id(m.group(2).strip().split(" ")[0] if m.group(2).strip() else "", field=field, line=line)
        if not blocks or (field == "vpn_connection_id" and "vpn_connection_id" in blocks[-1]) or field in blocks[-1]:
            blocks.append({})
        blocks[-1][field] = value
    return blocks


_NAME_ID = re.compile(r"vpn-([0-9A-Za-z]+)-(\d+)$")


def id_from_name(name: str) -> tuple[str, int] | None:
    """``ipsec-vpn-0c0ffee0123456789-0`` -> (``vpn-0c0ffee0123456789``, 0)."""
    m = _NAME_ID.search(name)
    return (f"vpn-{m.group(1)}", int(m.group(2))) if m else None


# ------------------------------------------------------------------ configuration tree


class Node:
    """One configuration line with its children (a ciscoconfparse object, copied)."""

    __slots__ = ("children", "line", "text", "words")

    def __init__(self, text: str, line: int, children: list[Node]) -> None:
        self.text = text
        self.line = line
        self.words = text.split()
        self.children = children

    def __repr__(self) -> str:  # a line may hold a key: never shown
        return f"Node(line={self.line}, {len(self.children)} children)"

    def walk(self) -> Iterator[Node]:
        for c in self.children:
            yield c
            yield from c.walk()


MAX_DEPTH = 32  # AWS's stanzas are 3 deep (JunOS brace form 6); deeper text is not a configuration


def read_tree(text: str, syntax: str, origin: list[int] | None = None) -> list[Node]:
    """The top-level lines of ``text`` parsed by ciscoconfparse (``ios``, ``asa``, ``junos``).

    Comment lines (``!``/``#`` first) are left out.  ``origin[i]`` is the input line of line i
    when the caller rewrote the text.  Anything ciscoconfparse raises on odd input becomes a
    :class:`ParseError`."""
    from ciscoconfparse import CiscoConfParse  # heavy: only when a vendor parser runs
    from loguru import logger

    # ciscoconfparse logs through loguru, and its @logger.catch reports an exception under the
    # *caller's* module name (this one): silence both, so that stderr keeps its one error line
    logger.disable("ciscoconfparse")
    logger.disable("vpnxlate")
    lines = text.split("\n")
    if syntax != "junos":  # braces mean nothing in IOS/ASA (banners…), but ciscoconfparse pairs them
        lines = ["!" if line.lstrip().startswith("}") else line for line in lines]
    where = origin or list(range(1, len(lines) + 1))
    _check_depth(lines, where, syntax)

    def convert(o: Any, depth: int) -> Node:
        line = where[o.linenum] if o.linenum < len(where) else o.linenum + 1
        if depth > MAX_DEPTH:
            raise ParseError(f"configuration nested more than {MAX_DEPTH} levels deep", line=line)
        return Node(o.text.strip(), line, [convert(c, depth + 1) for c in o.children if not _comment(c.text)])

    try:
        parsed = CiscoConfParse(lines, syntax=syntax, comment="!#", ignore_blank_lines=False)
        return [convert(o, 0) for o in parsed.ConfigObjs if o.parent is o and not _comment(o.text) and o.text.strip()]
    except VpnxlateError:
        raise
    except Exception:  # a third-party parser's failure on hostile input (RecursionError included)
        raise ParseError(f"ciscoconfparse could not read this {syntax} configuration") from None


def _check_depth(lines: list[str], where: list[int], syntax: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before ciscoconfparse sees it (its time grows with
    the square of the depth: 3,000 ever deeper lines take minutes)."""
    stack: list[int] = []
    depth = 0
    for n, raw in enumerate(lines):
        if syntax == "junos":
            depth += raw.count("{") - raw.count("}")
            deep = depth > MAX_DEPTH
        else:
            if _comment(raw):
                continue
            indent = len(raw) - len(raw.lstrip())
            while stack and stack[-1] >= indent:
                stack.pop()
            stack.append(indent)
            deep = len(stack) > MAX_DEPTH + 1
        if deep:
            raise ParseError(
                f"configuration nested more than {MAX_DEPTH} levels deep", line=where[n] if n < len(where) else n + 1
            )


def _comment(text: str) -> bool:
    s = text.lstrip()
    return not s or s[0] in "!#"


# ------------------------------------------------------------------ values

_IFACE_NAME = re.compile(r"^[A-Za-z][A-Za-z-]*[0-9][0-9/.:]*$")


def ip_or_interface(value: str, *, field: str, line: int) -> IPAddress | None:
    """An address, or None when the value names an interface (``Ethernet0/0``, ``ge-0/0/0.0``)."""
    v = value.strip().strip("'\"")
    if _IFACE_NAME.match(v) and not v[0].isdigit():
        return None
    return to_ip(v, field=field, line=line)


def mask_interface(ip: str, mask: str, *, field: str, line: int) -> ipaddress.IPv4Interface:
    """``169.254.21.2 255.255.255.252`` -> 169.254.21.2/30."""
    check_placeholder(ip, field=field, line=line)
    try:
        iface = ipaddress.IPv4Interface(f"{ip}/{mask}")
    except ValueError:
        raise ParseError(
            f"not an address and netmask: {describe_value(ip + ' ' + mask)}", field=field, line=line
        ) from None
    return iface


def mask_network(ip: str, mask: str, *, field: str, line: int) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(f"{ip}/{mask}")
    except ValueError:
        raise ParseError(
            f"not a network and netmask: {describe_value(ip + ' ' + mask)}", field=field, line=line
        ) from None


def seconds(value: str, *, field: str, line: int) -> int:
    """``8h``, ``60m``, ``3600s``, ``3600`` -> seconds (ipsec.conf time values)."""
    v = value.strip()
    m = re.fullmatch(r"(\d{1,9})([smhd]?)", v)
    if not m:
        return to_int(v, field=field, line=line)
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


# ------------------------------------------------------------------ facts -> model


class Facts:
    """What a file states about one tunnel: ``field path -> value`` with the line of each value.

    Setting a field twice with different values is a :class:`ParseError` naming both lines
    (a value shared by several stanzas, such as IOS's ``timers`` in and outside the address family,
    may be repeated)."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.values: dict[str, Any] = {}
        self.lines: dict[str, int] = {}

    def set(self, field: str, value: Any, line: int | None) -> None:
        if value is None:
            return
        if field in self.values and self.values[field] != value:
            shown = "the pre-shared key" if field == "psk" else describe_value(_show(self.values[field]))
            raise ParseError(
                f"conflicting values for this tunnel: {shown} on line {self.lines[field]}", field=field, line=line
            )
        self.values[field] = value
        self.lines[field] = line if line is not None else self.line

    def get(self, field: str, default: Any = None) -> Any:
        return self.values.get(field, default)

    def tunnel(self) -> Tunnel:
        """The model tunnel; a value the model refuses is an error located at its line."""
        groups: dict[str, dict[str, Any]] = {"": {}, "ike": {}, "ipsec": {}, "bgp": {}}
        for field, value in self.values.items():
            part, _, name = field.rpartition(".")
            groups[part][name] = value
        try:
            kw = dict(groups[""])
            if groups["ike"]:
                kw["ike"] = located(lambda d: IkeOptions(**d), groups["ike"], field="ike", line=self._line_of("ike."))
            if groups["ipsec"]:
                kw["ipsec"] = located(
                    lambda d: IpsecOptions(**d), groups["ipsec"], field="ipsec", line=self._line_of("ipsec.")
                )
            if groups["bgp"]:
                if "cgw_asn" not in groups["bgp"] or "aws_asn" not in groups["bgp"]:
                    raise ParseError(
                        "BGP neighbor without both ASNs (router bgp ASN and remote-as / peer-as)",
                        field="bgp",
                        line=self._line_of("bgp."),
                    )
                kw["bgp"] = located(lambda d: Bgp(**d), groups["bgp"], field="bgp", line=self._line_of("bgp."))
            return located(lambda d: Tunnel(**d), kw, field="tunnel", line=self.line)
        except VpnxlateError as e:
            if e.field and e.line is None:
                raise e.located(line=self.lines.get(e.field, self.line)) from None
            raise

    def _line_of(self, prefix: str) -> int:
        return min((n for f, n in self.lines.items() if f.startswith(prefix)), default=self.line)


def _show(value: Any) -> Any:
    return ", ".join(map(str, value)) if isinstance(value, tuple) else value


def connections(
    report: Report,
    tunnels: Iterable[tuple[str | None, Facts]],
    headers: list[dict[str, Any]],
    *,
    static_routes: dict[str | None, list[ipaddress.IPv4Network]] | None = None,
) -> list[VpnConnection]:
    """Group tunnels into connections by the connection id their names carry (a file without ids:
    one connection with the header's id, if any); routing is BGP when the tunnels have BGP."""
    by_id: dict[str | None, list[Facts]] = {}
    for conn_id, facts in tunnels:
        by_id.setdefault(conn_id, []).append(facts)
    header_by_id = {h.get("vpn_connection_id"): h for h in headers}
    if None in by_id and len(by_id) == 1 and len(headers) == 1:
        # names without ids (edited file): the header says which connection this is
        by_id = {headers[0].get("vpn_connection_id"): by_id[None]}
    out = []
    for conn_id, facts_list in by_id.items():
        built = [f.tunnel() for f in facts_list]
        fields = dict(header_by_id.get(conn_id) or ({} if conn_id is not None or len(headers) != 1 else headers[0]))
        fields["vpn_connection_id"] = conn_id
        if fields.get("transit_gateway_id"):
            fields.pop("vpn_gateway_id", None)
        routes = (static_routes or {}).get(conn_id)
        bgp = any(t.bgp is not None for t in built)
        fields["routing"] = "bgp" if bgp else "static"
        if routes:
            fields["static_routes"] = routes
        try:
            out.append(build_connection(built, report, **fields))
        except VpnxlateError as e:
            raise e.located(line=facts_list[0].line) from None
    return out


def tokens(line: str, lineno: int) -> list[str]:
    """Words of a line; ``"…"`` quotes a word (JunOS, ipsec.conf)."""
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in " \t":
            i += 1
        elif c == '"':
            end = line.find('"', i + 1)
            if end < 0:
                raise ParseError('unterminated " quote (truncated or edited file?)', line=lineno)
            out.append(line[i + 1 : end])
            i = end + 1
        else:
            j = i
            while j < n and line[j] not in ' \t"':
                j += 1
            out.append(line[i:j])
            i = j
    return out
