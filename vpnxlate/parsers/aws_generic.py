"""``aws-generic``: AWS's "Generic" text download (Vendor Generic / Platform Generic / Vendor Agnostic).

Reads every template generation AWS has produced (see ``docs/formats/aws-generic.md``):

* the 2009 XSLT rendering ("VPN Gateway" wording, ``Your VPN Gateway ID``, phase 1 DH printed as
  ``Perfect Forward Secrecy : Diffie-Hellman Group 2`` in the IKE block, no MTU line);
* the 2012–2017 template (``Virtual Private  Gateway ASN`` with two spaces, TABs in the padding);
* the 2018+ template (``IKE version : IKEv1``, ``Diffie-Hellman : Group 2``), BGP or static
  (``#4: Static Routing Configuration``), including copies from the AWS documentation
  (``IPsec`` spelling, ``Customer Gateway:        :`` labels, markdown image lines).

The text is read line by line.  Only lines starting with ``-`` are fields; a field's meaning
comes from its (whitespace-collapsed, case-folded) label and the section it sits in
(``#1`` IKE, ``#2`` IPsec, ``#3`` tunnel interface with its ``Outside``/``Inside IP Addresses``
blocks, ``#4`` routing).  Tunnels start at ``IPSec Tunnel #N`` and end at the next one or at
``Additional Notes and Questions``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .. import algorithms
from ..detect import NO, STRONG, WEAK
from ..diagnostics import relocate
from ..errors import FormatError, ParseError, Report, ValidationError, VpnxlateError, describe_value
from ..model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection, build_connection, merge_tunnels
from ._common import (
    algos,
    check_placeholder,
    normalize_newlines,
    to_asn,
    to_bool,
    to_id,
    to_int,
    to_interface,
    to_ip,
    to_psk,
)

NAME = "aws-generic"
DESCRIPTION = "AWS Generic text download (console 'Download configuration', vendor Generic), 2009-today"

# ------------------------------------------------------------------ detection

_HEAD = 200_000
# "IPSec Tunnel #1" / "IPsec Tunnel #1" alone on a line: strongSwan/Openswan write "IPSEC",
# Vyatta/Cisco "! IPSec Tunnel #1", Juniper "# IPSec Tunnel #1".
_DETECT_TUNNEL = re.compile(r"^[ \t]*IP[Ss]ec Tunnel #\d+[ \t]*\r?$", re.MULTILINE)
# (These two compiled when first used, through re's cache: only a text without tunnels needs them.)
_DETECT_TITLE = r"^[ \t]*VPN Connection Configuration[ \t]*\r?$"
_DETECT_ID = (
    r"^[ \t]*Your (?:VPN Connection|Virtual Private Gateway|VPN Gateway|Customer Gateway)"
    r"[ \t]+ID\b"
)
# Lines of other AWS downloads that share the header or the tunnel headings: never Generic lines
_DETECT_OTHER = re.compile(
    r"^[ \t]*(?:IPSEC Tunnel #\d|conn[ \t]+Tunnel\d|set[ \t]+(?:vpn|interfaces|protocols)[ \t]|!(?:[ \t]|\r?$))"
    r"|:[ \t]*PSK[ \t]+\"",
    re.MULTILINE,
)


def detect(text: str) -> int:
    """STRONG for a Generic download, WEAK for its header alone (a truncated one); NO for a text
    with lines the Generic template never has (``!`` comments, set-commands, conn blocks)."""
    head = text[:_HEAD]
    if _DETECT_OTHER.search(head):
        return NO
    if _DETECT_TUNNEL.search(head):
        return STRONG
    if not re.search(_DETECT_TITLE, head, re.MULTILINE):
        return NO
    return WEAK if re.search(_DETECT_ID, head, re.MULTILINE) else NO


# ------------------------------------------------------------------ line grammar

_TUNNEL_RE = re.compile(r"^IPsec Tunnel #(\d+)$", re.IGNORECASE)
_SECTION_RE = re.compile(r"^#(\d+):(.*)$")  # title stripped by the caller (no backtracking on blanks)
_RULE_RE = re.compile(r"^(?:=+|-+)$")
# A field line is: label, separator colon, an optional second colon (``Customer Gateway:
# :  value``), value.  The second colon must be followed by whitespace or the end so that "::1"
# stays a value.  (Split by hand, not by a regex with lazy groups before ``\s*``: those
# backtrack over every blank of a long run, quadratic in its length.)
_ID_LABELS = {
    "your vpn connection id": "vpn_connection_id",
    "your virtual private gateway id": "vpn_gateway_id",
    "your vpn gateway id": "vpn_gateway_id",
    "your customer gateway id": "customer_gateway_id",
}
_FOOTER = "additional notes and questions"

# label -> (model path, converter kind, sections it is valid in (None = any))
_Spec = tuple[str, str, frozenset[int] | None]
_ANY = None
_S1, _S2 = frozenset({1}), frozenset({2})
_LABELS: dict[str, tuple[_Spec, ...]] = {
    "ike version": (("ike.versions", "ike_version", _ANY),),
    "authentication method": (("auth_method", "text", _ANY),),
    "pre-shared key": (("psk", "psk", _ANY),),
    "phase 1 negotiation mode": (("ike.mode", "ike_mode", _ANY),),
    "diffie-hellman": (("ike.dh_groups", "dh", _ANY),),
    "authentication algorithm": (("ike.integrity", "integrity", _S1), ("ipsec.integrity", "integrity", _S2)),
    "encryption algorithm": (("ike.encryption", "encryption", _S1), ("ipsec.encryption", "encryption", _S2)),
    "lifetime": (("ike.lifetime_s", "int", _S1), ("ipsec.lifetime_s", "int", _S2)),
    # phase 1 DH in the 2009-2017 templates, PFS in phase 2 in all of them
    "perfect forward secrecy": (("ike.dh_groups", "dh", _S1), ("ipsec.pfs_dh_groups", "dh", _S2)),
    "protocol": (("ipsec.protocol", "protocol", _S2),),
    "mode": (("ipsec.mode", "ipsec_mode", _S2),),
    "dpd interval": (("dpd_interval_s", "int", _ANY),),
    "dpd retries": (("dpd_retries", "int", _ANY),),
    "tcp mss adjustment": (("tcp_mss", "int", _ANY),),
    "clear don't fragment bit": (("clear_df_bit", "bool", _ANY),),
    "fragmentation": (("fragmentation_before_encryption", "bool", _ANY),),
    "tunnel interface mtu": (("mtu", "int", _ANY),),
    "customer gateway asn": (("bgp.cgw_asn", "asn", _ANY),),
    "virtual private gateway asn": (("bgp.aws_asn", "asn", _ANY),),
    "vpn gateway asn": (("bgp.aws_asn", "asn", _ANY),),
    "neighbor ip address": (("bgp.neighbor_ip", "ip", _ANY),),
    "neighbor hold time": (("bgp.hold_time", "int", _ANY),),
    "next hop": (("next_hop", "ip", _ANY),),
}
# Labels of the Outside/Inside IP Addresses blocks
_GATEWAY_LABELS = {"customer gateway": "cgw", "virtual private gateway": "aws", "vpn gateway": "aws"}


def _norm_label(label: str) -> str:
    text = label.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split()).rstrip(":").strip().lower()


def _split_field(text: str) -> tuple[str, str, str] | None:
    """(normalised label, value, label as written with its whitespace collapsed) of a field line."""
    colon = text.find(":")
    if colon < 0:
        return None
    label, rest = text[:colon].rstrip(), text[colon + 1 :]
    second = rest.lstrip()
    if second[:1] == ":" and (len(second) == 1 or second[1].isspace()):
        rest = second[1:]
    return _norm_label(label), rest.strip(), " ".join(label.split()).rstrip(":").strip()


def _list(value: str) -> list[str]:
    return [v for v in (p.strip() for p in value.split(",")) if v]


def _choice(allowed: tuple[str, ...], what: str) -> Callable[..., str]:
    def convert(value: str, *, field: str, line: int) -> str:
        check_placeholder(value, field=field, line=line)
        word = value.strip().lower()
        if word not in allowed:
            raise ValidationError(
                f"unknown {what} {describe_value(value)} (expected {' or '.join(allowed)})", field=field, line=line
            )
        return word

    return convert


def _algos(fn: Callable[..., Any]) -> Callable[..., tuple[Any, ...]]:
    def convert(value: str, *, field: str, line: int) -> tuple[Any, ...]:
        check_placeholder(value, field=field, line=line)
        return algos(fn, _list(value), field=field, line=line)

    return convert


def _text(value: str, *, field: str, line: int) -> str:
    check_placeholder(value, field=field, line=line)
    return value


_CONVERTERS: dict[str, Callable[..., Any]] = {
    "ike_version": _algos(algorithms.ike_version),
    "encryption": _algos(algorithms.encryption),
    "integrity": _algos(algorithms.integrity),
    "dh": _algos(algorithms.dh_group),
    "int": to_int,
    "asn": to_asn,
    "bool": to_bool,
    "ip": to_ip,
    "psk": to_psk,
    "text": _text,
    "ike_mode": _choice(("main", "aggressive"), "phase 1 negotiation mode"),
    "ipsec_mode": _choice(("tunnel", "transport"), "IPsec mode"),
    "protocol": _choice(("esp",), "IPsec protocol"),
}


# ------------------------------------------------------------------ collected data


# (plain classes: attrs classes cost start-up time, and these are internal state holders)
class _TunnelData:
    __slots__ = ("line", "number", "routing", "values")

    def __init__(self, number: int, line: int) -> None:
        self.number = number
        self.line = line
        self.values: dict[str, tuple[Any, int]] = {}
        self.routing: tuple[str, int] | None = None

    def name(self, path: str) -> str:
        return f"tunnel{self.number}.{path}"

    def set(self, path: str, value: Any, line: int) -> None:
        seen = self.values.get(path)
        if seen is not None and seen[0] != value:
            raise ParseError(
                f"stated twice with different values (first at line {seen[1]})", field=self.name(path), line=line
            )
        if seen is None:
            self.values[path] = (value, line)

    def get(self, path: str) -> Any:
        item = self.values.get(path)
        return None if item is None else item[0]

    def line_of(self, path: str) -> int:
        item = self.values.get(path)
        return self.line if item is None else item[1]


class _ConnData:
    __slots__ = ("ids", "line", "tunnels")

    def __init__(self, line: int) -> None:
        self.line = line
        self.ids: dict[str, tuple[str | None, int]] = {}
        self.tunnels: list[_TunnelData] = []

    @property
    def empty(self) -> bool:
        return not self.ids and not self.tunnels


class _Reader:
    """The line-by-line state machine."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.conns: list[_ConnData] = []
        self.conn: _ConnData | None = None
        self.tunnel: _TunnelData | None = None
        self.section: int | None = None
        self.block: str | None = None  # "outside" / "inside" inside #3

    # -- structure
    def _connection(self, line: int) -> _ConnData:
        if self.conn is None:
            self.conn = _ConnData(line)
            self.conns.append(self.conn)
        return self.conn

    def _new_connection(self, line: int) -> None:
        self.conn = None
        self.tunnel = None
        self.section = None
        self.block = None
        self._connection(line)

    def feed(self, n: int, raw: str) -> None:
        text = raw.strip()
        if not text or text.startswith("![") or text.startswith("```"):
            return  # blank (also TAB-only) lines, markdown images and fences of doc copies
        m = _TUNNEL_RE.match(text)
        if m:
            conn = self._connection(n)
            self.tunnel = _TunnelData(int(m.group(1)), n)
            conn.tunnels.append(self.tunnel)
            self.section = None
            self.block = None
            return
        if _RULE_RE.match(text):
            return
        lowered = _norm_label(text)
        if lowered == _FOOTER:
            self.tunnel = None
            self.section = None
            self.block = None
            return
        if lowered == "vpn connection configuration":
            if self.conn is not None and not self.conn.empty:
                self._new_connection(n)
            else:
                self._connection(n)
            return
        if text.startswith("-") and text[1:2].isspace():
            self._field(n, text[1:].strip())
            return
        if text.startswith("Your ") and self._header_line(n, text):
            return
        if self.tunnel is None:
            return  # header prose
        m = _SECTION_RE.match(text)
        if m:
            self._section(n, int(m.group(1)), m.group(2).strip())
            return
        if lowered == "outside ip addresses":
            self.block = "outside"
        elif lowered == "inside ip addresses":
            self.block = "inside"
        else:
            self.block = None  # prose ends an address block

    def _header_line(self, n: int, text: str) -> bool:
        """``Your VPN Connection ID : vpn-…`` and its siblings; False for other lines."""
        parts = _split_field(text)
        if parts is None or parts[0] not in _ID_LABELS:
            return False
        key = _ID_LABELS[parts[0]]
        conn = self._connection(n)
        if key == "vpn_connection_id" and conn.tunnels:
            # a second download pasted after the first one, without its title
            self._new_connection(n)
            conn = self._connection(n)
        self.tunnel = None
        self.section = None
        self.block = None
        value = to_id(parts[1], field=key, line=n)
        seen = conn.ids.get(key)
        if seen is not None and seen[0] != value:
            raise ParseError(f"stated twice with different values (first at line {seen[1]})", field=key, line=n)
        conn.ids.setdefault(key, (value, n))
        return True

    def _section(self, n: int, number: int, title: str) -> None:
        assert self.tunnel is not None
        self.section = number
        self.block = None
        if number != 4:
            return
        title_key = _norm_label(title)
        if "border gateway protocol" in title_key or title_key.startswith("bgp"):
            routing = "bgp"
        elif "static rout" in title_key:
            routing = "static"
        else:
            self.report.warn(
                f"unrecognised routing section {describe_value(title)}; routing taken from its fields",
                line=n,
                field=self.tunnel.name("routing"),
                code="unknown-section",
            )
            return
        self.tunnel.routing = (routing, n)

    def _field(self, n: int, text: str) -> None:
        if self.tunnel is None:
            return  # bullets of the header prose and of the footer ("- XSL Version: ...")
        parts = _split_field(text)
        if parts is None:
            return  # a bullet without a colon is prose
        label, value, shown = parts
        tunnel = self.tunnel
        if self.block in ("outside", "inside") and label in _GATEWAY_LABELS:
            who = _GATEWAY_LABELS[label]
            if self.block == "outside":
                self._store(tunnel, f"{who}_outside_ip", "ip", value, n)
            else:
                self._store(tunnel, f"{who}_inside", "inside", value, n)
            return
        specs = _LABELS.get(label)
        if specs is None:
            if label in _GATEWAY_LABELS:
                self.report.warn(
                    f"{describe_value(shown)} address outside an 'Outside IP Addresses' or "
                    "'Inside IP Addresses' block ignored",
                    line=n,
                    field=tunnel.name(label.replace(" ", "_")),
                    code="ignored-field",
                )
            else:
                self.report.warn(
                    f"unrecognised field {describe_value(shown)} ignored",
                    line=n,
                    field=tunnel.name(label.replace(" ", "_")),
                    code="unknown-field",
                )
            return
        for path, kind, sections in specs:
            if sections is None or self.section in sections:
                self._store(tunnel, path, kind, value, n)
                return
        self.report.warn(
            f"field {describe_value(shown)} outside the IKE (#1) and IPsec (#2) sections ignored",
            line=n,
            field=tunnel.name(label.replace(" ", "_")),
            code="ignored-field",
        )

    def _store(self, tunnel: _TunnelData, path: str, kind: str, value: str, n: int) -> None:
        field = tunnel.name(path)
        if not value:
            raise ParseError("empty value", field=field, line=n)
        converted: Any
        if kind == "inside":
            iface = to_interface(value, field=field, line=n)
            if "/" not in value:
                iface = to_interface(value, field=field, line=n, default_prefix=30 if iface.version == 4 else 126)
            converted = iface
            if iface.version == 6:
                path += "_v6"
        else:
            converted = _CONVERTERS[kind](value, field=field, line=n)
        if kind == "text":
            if path == "auth_method" and _norm_label(value) != "pre-shared key":
                self.report.warn(
                    f"authentication method {describe_value(value)}: vpnxlate reads pre-shared key tunnels only",
                    line=n,
                    field=field,
                    code="auth-method",
                )
            return
        tunnel.set(path, converted, n)


class _Builder:
    """The model from the collected connections: routing, tunnels, validation errors located."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def finish(self, conns: list[_ConnData], last_line: int) -> list[VpnConnection]:
        if not conns:
            raise FormatError(
                "not an AWS Generic download: no 'IPSec Tunnel #1' heading and no 'Your VPN Connection ID' line",
                line=1,
                field="format",
            )
        return [self._build(conn, last_line) for conn in conns]

    def _build(self, conn: _ConnData, last_line: int) -> VpnConnection:
        if not conn.tunnels:
            raise ParseError(
                f"no tunnel found: the text ends at line {last_line} before 'IPSec Tunnel #1' (truncated copy?)",
                field="tunnels",
                line=last_line,
            )
        routing = self._routing(conn)
        tunnels = [self._tunnel(t, routing) for t in conn.tunnels]
        ids = {k: v for k, (v, _) in conn.ids.items()}
        context = f"{ids['vpn_connection_id']}: " if ids.get("vpn_connection_id") else ""
        merged = merge_tunnels(
            tunnels, self.report, context=context, line_of={i: t.line for i, t in enumerate(conn.tunnels)}
        )
        try:
            return build_connection(merged, self.report, routing=routing, **ids)
        except VpnxlateError as e:
            line = conn.ids.get(e.field or "", (None, conn.line))[1]
            raise e.located(line=line) from None

    def _routing(self, conn: _ConnData) -> str:
        stated = [t.routing for t in conn.tunnels if t.routing is not None]
        kinds = {r for r, _ in stated}
        if len(kinds) > 1:
            second = next(line for r, line in stated if r != stated[0][0])
            raise ParseError(
                f"tunnels disagree on routing: a {stated[0][0]} section at line {stated[0][1]}, "
                f"another routing section here",
                field="routing",
                line=second,
            )
        if kinds:
            return kinds.pop()
        if any(path.startswith("bgp.") for t in conn.tunnels for path in t.values):
            return "bgp"
        first = conn.tunnels[0]
        self.report.warn(
            "no routing section (#4: Border Gateway Protocol / Static Routing); assuming static routing",
            line=first.line,
            field="routing",
            code="assumed-routing",
        )
        return "static"

    def _tunnel(self, t: _TunnelData, routing: str) -> Tunnel:
        if t.get("aws_outside_ip") is None:
            raise ParseError(
                f"tunnel #{t.number} has no 'Virtual Private Gateway' address under 'Outside IP Addresses'",
                field=t.name("aws_outside_ip"),
                line=t.line,
            )
        bgp = self._bgp(t, routing)
        ike, ipsec = self._options(t)
        tunnel: Tunnel = self._make(
            Tunnel,
            t,
            "",
            aws_outside_ip=t.get("aws_outside_ip"),
            cgw_outside_ip=t.get("cgw_outside_ip"),
            psk=t.get("psk"),
            cgw_inside=t.get("cgw_inside"),
            aws_inside=t.get("aws_inside"),
            cgw_inside_v6=t.get("cgw_inside_v6"),
            aws_inside_v6=t.get("aws_inside_v6"),
            ike=ike,
            ipsec=ipsec,
            dpd_interval_s=t.get("dpd_interval_s"),
            dpd_retries=t.get("dpd_retries"),
            mtu=t.get("mtu"),
            tcp_mss=t.get("tcp_mss"),
            clear_df_bit=t.get("clear_df_bit"),
            fragmentation_before_encryption=t.get("fragmentation_before_encryption"),
            bgp=bgp,
        )
        self._check_next_hop(t, tunnel)
        return tunnel

    def _check_next_hop(self, t: _TunnelData, tunnel: Tunnel) -> None:
        next_hop = t.get("next_hop")
        aws_in = tunnel.aws_inside or tunnel.aws_inside_v6
        if next_hop is not None and aws_in is not None and next_hop != aws_in.ip:
            self.report.warn(
                f"next hop {next_hop} is not the Virtual Private Gateway inside address {aws_in.ip}",
                line=t.line_of("next_hop"),
                field=t.name("next_hop"),
                code="next-hop",
            )

    def _bgp(self, t: _TunnelData, routing: str) -> Bgp | None:
        bgp_paths = [p for p in t.values if p.startswith("bgp.")]
        if routing == "static" and bgp_paths:
            raise ParseError(
                "BGP values in a connection with static routing",
                field=t.name(bgp_paths[0]),
                line=t.line_of(bgp_paths[0]),
            )
        if routing == "bgp":
            for need, label in (
                ("bgp.cgw_asn", "Customer Gateway ASN"),
                ("bgp.aws_asn", "Virtual Private Gateway ASN"),
            ):
                if t.get(need) is None:
                    where = t.routing[1] if t.routing else t.line
                    raise ParseError(f"BGP routing without a '{label}' line", field=t.name(need), line=where)
            bgp: Bgp = self._make(
                Bgp,
                t,
                "bgp.",
                cgw_asn=t.get("bgp.cgw_asn"),
                aws_asn=t.get("bgp.aws_asn"),
                neighbor_ip=t.get("bgp.neighbor_ip"),
                hold_time=t.get("bgp.hold_time"),
            )
            return bgp
        return None

    def _options(self, t: _TunnelData) -> tuple[IkeOptions, IpsecOptions]:
        ike = self._make(
            IkeOptions,
            t,
            "ike.",
            versions=t.get("ike.versions"),
            encryption=t.get("ike.encryption"),
            integrity=t.get("ike.integrity"),
            dh_groups=t.get("ike.dh_groups"),
            lifetime_s=t.get("ike.lifetime_s"),
            mode=t.get("ike.mode"),
        )
        ipsec = self._make(
            IpsecOptions,
            t,
            "ipsec.",
            protocol=t.get("ipsec.protocol"),
            encryption=t.get("ipsec.encryption"),
            integrity=t.get("ipsec.integrity"),
            pfs_dh_groups=t.get("ipsec.pfs_dh_groups"),
            lifetime_s=t.get("ipsec.lifetime_s"),
            mode=t.get("ipsec.mode"),
        )
        return ike, ipsec

    @staticmethod
    def _make(cls: Callable[..., Any], t: _TunnelData, prefix: str, **kwargs: Any) -> Any:
        """Construct a model object; a validation error gets the line of the offending field."""
        try:
            return cls(**kwargs)
        except VpnxlateError as e:
            name = e.field or ""
            path = "aws_inside" if name == "inside addresses" else name if name.startswith(prefix) else prefix + name
            raise relocate(
                e, rename=t.name(path if name else prefix.rstrip(".") or "tunnel"), line=t.line_of(path)
            ) from None


def parse(text: str, report: Report) -> list[VpnConnection]:
    """Parse a Generic download into its connection(s) (a file may hold several pasted downloads)."""
    plain = normalize_newlines(text)
    lines = plain.split("\n")
    reader = _Reader(report)
    for n, raw in enumerate(lines, 1):
        reader.feed(n, raw)
    last = len(lines)
    while last > 1 and not lines[last - 1].strip():
        last -= 1
    return _Builder(report).finish(reader.conns, last)
