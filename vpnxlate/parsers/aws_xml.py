"""``aws-xml``: AWS's ``CustomerGatewayConfiguration`` XML document (``<vpn_connection id="vpn-…">``).

This is the document ``aws ec2 describe-vpn-connections --query
'VpnConnections[0].CustomerGatewayConfiguration' --output text`` prints and that the EC2
wrappers (``ec2-xml``, ``ec2-json``) embed; :func:`parse_document` is their entry point.

Security: the XML is parsed by :func:`vpnxlate.parsers._safexml.parse_xml` (entity resolution,
DTD loading and network access off; ``<!DOCTYPE``/``<!ENTITY`` refused; nesting deeper than
:data:`MAX_DEPTH` elements and text over :data:`MAX_TEXT` characters refused; a document that a
template of an already checked shape matches may be read without lxml: see the template path).
lxml is imported only when a document is parsed.
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any, cast

import attrs

from ..detect import NO, STRONG
from ..diagnostics import relocate
from ..errors import ParseError, Report, VpnxlateError, describe_value
from ..model import (
    AWS_ID_RE,
    Bgp,
    IkeOptions,
    IpsecOptions,
    Routing,
    Tunnel,
    VpnConnection,
    _trusted,
    check_interface,
    merge_tunnels,
)
from ._common import (
    _quad,
    algos,
    dh_group,
    encryption,
    integrity,
    normalize_newlines,
    to_asn,
    to_bool,
    to_id,
    to_int,
    to_interface,
    to_ip,
    to_psk,
)
from ._safexml import MAX_DEPTH, MAX_TEXT, parse_xml

NAME = "aws-xml"
DESCRIPTION = 'AWS CustomerGatewayConfiguration XML document (<vpn_connection id="vpn-...">)'

_HEAD = 65536
_STARTS_XML = re.compile(r"\A\ufeff?\s*<")
_ROOT_TAG = re.compile(r"<vpn_connection[\s>/]")


def detect(text: str) -> int:
    """STRONG for a document that starts with ``<`` and has a ``<vpn_connection`` element near its top."""
    head = text[:_HEAD]
    return STRONG if _STARTS_XML.match(head) and _ROOT_TAG.search(head) is not None else NO


# ------------------------------------------------------------------ the document


@attrs.frozen
class Document:
    """What one ``<vpn_connection>`` document states (before a wrapper adds its own fields)."""

    tunnels: tuple[Tunnel, ...]
    tunnel_lines: tuple[int | None, ...]
    vpn_connection_id: str | None = None
    vpn_gateway_id: str | None = None
    transit_gateway_id: str | None = None
    customer_gateway_id: str | None = None
    routing: Routing = "bgp"
    #: True when the document says ``NoBGPVPNConnection`` (not only "no bgp elements")
    no_bgp_attribute: bool = False
    line: int | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "vpn_connection_id": self.vpn_connection_id,
            "vpn_gateway_id": self.vpn_gateway_id,
            "transit_gateway_id": self.transit_gateway_id,
            "customer_gateway_id": self.customer_gateway_id,
            "routing": self.routing,
        }

    def connection(self, report: Report, **overrides: Any) -> VpnConnection:
        """Build the connection (identity rule: tunnels merged by AWS outside IP)."""
        fields = self.fields()
        fields.update(overrides)
        return build(self.tunnels, report, tunnel_lines=self.tunnel_lines, line=self.line, **fields)


def build(
    tunnels: tuple[Tunnel, ...] | list[Tunnel],
    report: Report,
    *,
    tunnel_lines: tuple[int | None, ...] = (),
    line: int | None = None,
    **fields: Any,
) -> VpnConnection:
    """:func:`vpnxlate.model.build_connection` with the tunnels' lines in duplicate-tunnel messages."""
    cid = fields.get("vpn_connection_id")
    context = f"{cid}: " if cid else ""
    line_of = {n: ln for n, ln in enumerate(tunnel_lines) if ln is not None}
    try:
        merged = merge_tunnels(tunnels, report, context=context, line_of=line_of)
        return _connection_of(merged, fields)
    except VpnxlateError as e:
        if e.field == "tunnels" and "at least one tunnel" in e.message:
            e.message = f"{context}the document has no <ipsec_tunnel> with an outside address"
        raise e.located(line=line) from None


_ID_FIELDS = ("vpn_connection_id", "vpn_gateway_id", "transit_gateway_id", "customer_gateway_id")
_PLAIN_FIELDS = frozenset((*_ID_FIELDS, "routing", "static_routes"))


def _connection_of(merged: tuple[Tunnel, ...], fields: dict[str, Any]) -> VpnConnection:
    """``VpnConnection(tunnels=merged, **fields)``: through the trusted constructor when every
    value is one its validators accept as it is (merge_tunnels's tuple: Tunnels sorted by
    address, one per address; ids of AWS's own shape, which check_id accepts unchanged; a
    routing word; no static routes), else the validating one (which says what is wrong)."""
    if (
        merged
        and fields.get("static_routes") is None
        and fields.keys() <= _PLAIN_FIELDS
        and fields.get("routing", "bgp") in ("bgp", "static")
        and all(type(t) is Tunnel for t in merged)
    ):
        for name in _ID_FIELDS:
            value = fields.get(name)
            if value is not None and not (type(value) is str and AWS_ID_RE.fullmatch(value)):
                break
        else:
            return _trusted(VpnConnection, {"tunnels": merged, **fields})
    return VpnConnection(tunnels=merged, **fields)


class _Where:
    """Maps a line of the XML document to a line of the input: ``line + offset``, or always
    ``fixed`` (a document inside one JSON string)."""

    __slots__ = ("fixed", "offset")

    def __init__(self, offset: int = 0, fixed: int | None = None) -> None:
        self.offset = offset
        self.fixed = fixed

    def __call__(self, line: int | None) -> int | None:
        if self.fixed is not None:
            return self.fixed
        return None if line is None else line + self.offset

    def of(self, el: Any) -> int | None:
        """The input line of an element."""
        return self.fixed if self.fixed is not None else self(el.sourceline)


class _Paths:
    """The elements under one element by relative path (``ike/lifetime``; the first one wins),
    collected in one pass; values are stripped, lines mapped to the outer input."""

    __slots__ = ("el", "paths", "where")

    def __init__(self, el: Any, where: _Where, *, deep: bool = True) -> None:
        self.where = where
        self.el = el
        self.paths: dict[str, Any] = {}
        self._collect(el, "", deep)

    def _collect(self, el: Any, prefix: str, deep: bool) -> None:
        paths = self.paths
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            path = prefix + tag
            if path in paths:
                continue
            paths[path] = child
            if deep and len(child):
                self._collect(child, path + "/", deep)

    def line(self, el: Any) -> int | None:
        return self.where.of(el)

    def has(self, path: str) -> bool:
        return path in self.paths

    def text(self, path: str) -> tuple[str | None, int | None]:
        """(stripped text or '' for an empty element, its line); (None, None) when absent."""
        found = self.paths.get(path)
        if found is None:
            return None, None
        text = found.text
        return (text.strip() if text else ""), self.where.of(found)

    def value(self, path: str) -> tuple[str | None, int | None]:
        """Like :meth:`text`, but an empty element counts as absent."""
        found = self.paths.get(path)
        if found is None:
            return None, None
        text = found.text
        return ((text.strip() or None) if text else None), self.where.of(found)

    def line_of(self, path: str, default: int | None) -> int | None:
        found = self.paths.get(path)
        return default if found is None else self.where.of(found)


_MASKS: dict[str, int | None] = {}


def _mask_prefix(mask: str) -> int | None:
    if mask not in _MASKS:
        try:
            _MASKS[mask] = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
        except ValueError:
            _MASKS[mask] = None
        if len(_MASKS) > 64:  # only a handful of masks exist; never let odd inputs grow it
            _MASKS.clear()
    return _MASKS.get(mask)


def _inside(p: _Paths, side: str, field: str, v6: bool) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface | None:
    sub = f"{side}/tunnel_inside_ipv6_address" if v6 else f"{side}/tunnel_inside_address"
    ip, line = p.value(f"{sub}/ip_address")
    if ip is None:
        return None
    prefix, pline = p.value(f"{sub}/prefix_length" if v6 else f"{sub}/network_cidr")
    mask, mline = (None, None) if v6 else p.value(f"{sub}/network_mask")
    if mask is not None:
        mask_len = _mask_prefix(mask)
        if mask_len is None:
            raise ParseError(
                f"not a network mask: {describe_value(mask)}", field=f"{field}/{sub}/network_mask", line=mline
            )
        if prefix is None:
            prefix = str(mask_len)
        elif prefix.isdecimal() and int(prefix) != mask_len:
            raise ParseError(
                f"network_mask {describe_value(mask)} and network_cidr {describe_value(prefix)} disagree",
                field=f"{field}/{sub}",
                line=mline,
            )
    iface = to_interface(
        f"{ip}/{prefix}" if prefix is not None else ip,
        field=f"{field}/{sub}/ip_address",
        line=line if prefix is None else pline,
        default_prefix=126 if v6 else 30,
    )
    if iface.version != (6 if v6 else 4):
        raise ParseError(
            f"expected an IPv{6 if v6 else 4} address, got {iface.ip}", field=f"{field}/{sub}/ip_address", line=line
        )
    return iface


# The <ike> and <ipsec> elements: (model attribute, element, converter; None = a word the
# model validates, lower-cased), in the order they are converted (which error comes first).
_PhaseFields = tuple[tuple[str, str, Callable[..., Any] | None], ...]
_IKE_FIELDS: _PhaseFields = (
    ("encryption", "ike/encryption_protocol", encryption),
    ("integrity", "ike/authentication_protocol", integrity),
    ("dh_groups", "ike/perfect_forward_secrecy", dh_group),
    ("lifetime_s", "ike/lifetime", to_int),
    ("mode", "ike/mode", None),
)
_IPSEC_FIELDS: _PhaseFields = (
    ("protocol", "ipsec/protocol", None),
    ("encryption", "ipsec/encryption_protocol", encryption),
    ("integrity", "ipsec/authentication_protocol", integrity),
    ("pfs_dh_groups", "ipsec/perfect_forward_secrecy", dh_group),
    ("lifetime_s", "ipsec/lifetime", to_int),
    ("mode", "ipsec/mode", None),
)
# (model class, element texts) -> the IkeOptions/IpsecOptions built from them.  The objects are
# frozen, and the tunnels of a document (and of many documents) usually state the same values:
# sharing one object saves converting and validating them again.  Only successes are kept.
_PHASES: dict[tuple[Any, ...], Any] = {}


def _phase(
    r: _Paths, w: str, cls: type[IkeOptions] | type[IpsecOptions], fields: _PhaseFields, section_line: int | None
) -> Any:
    texts = tuple(r.value(element)[0] for _attr, element, _conv in fields)
    key = (cls, *texts)
    known = _PHASES.get(key)
    if known is not None:
        return known
    prefix = fields[0][1].split("/")[0] + "/"
    try:
        kwargs: dict[str, Any] = {}
        for (attr, element, conv), value in zip(fields, texts, strict=True):
            if value is None:
                kwargs[attr] = None
            elif conv is None:
                kwargs[attr] = value.lower()
            elif conv is to_int:
                kwargs[attr] = to_int(value, field=f"{w}/{element}", line=r.value(element)[1])
            else:
                kwargs[attr] = algos(conv, [value], field=f"{w}/{element}", line=r.value(element)[1])
        built = cls(**kwargs)
    except VpnxlateError as e:
        raise relocate(e, parent=w, sep=f"/{prefix}", line=section_line) from None
    if len(_PHASES) < 256:  # a handful of combinations exist; never let odd inputs grow it
        _PHASES[key] = built
    return built


def _tunnel_bgp(r: _Paths, w: str, report: Report, neighbor: Any) -> Bgp | None:
    """The ``<bgp>`` elements of one tunnel (None without any); warns when one side's ASN is missing."""
    cgw_asn, cl = r.value("customer_gateway/bgp/asn")
    aws_asn, al = r.value("vpn_gateway/bgp/asn")
    if cgw_asn is None and aws_asn is None:
        return None
    for missing, given, gline in (("customer_gateway", "vpn_gateway", al), ("vpn_gateway", "customer_gateway", cl)):
        if (cgw_asn if missing == "customer_gateway" else aws_asn) is None:
            report.warn(
                f"{w}: {given}/bgp/asn is given but {missing}/bgp/asn is missing (a partial "
                "document?); that ASN is not stated",
                field=f"{w}/{missing}/bgp/asn",
                line=gline,
                code="partial-document",
            )
    hold, hl = r.value("vpn_gateway/bgp/hold_time")
    if hold is None:
        hold, hl = r.value("customer_gateway/bgp/hold_time")
    return Bgp(
        cgw_asn=to_asn(cgw_asn, field=f"{w}/customer_gateway/bgp/asn", line=cl) if cgw_asn else None,
        aws_asn=to_asn(aws_asn, field=f"{w}/vpn_gateway/bgp/asn", line=al) if aws_asn else None,
        neighbor_ip=neighbor,
        hold_time=to_int(hold, field=f"{w}/vpn_gateway/bgp/hold_time", line=hl) if hold else None,
    )


def _tunnel(where: _Where, el: Any, n: int, report: Report) -> tuple[Tunnel, bool]:
    """One ``<ipsec_tunnel>`` → (Tunnel, has bgp elements)."""
    w = f"ipsec_tunnel[{n}]"
    r = _Paths(el, where)
    tline = r.line(el)
    aws_out, line = r.value("vpn_gateway/tunnel_outside_address/ip_address")
    if aws_out is None:
        raise ParseError(
            "missing vpn_gateway/tunnel_outside_address/ip_address (the tunnel's AWS endpoint)", field=w, line=tline
        )
    aws_outside_ip = to_ip(aws_out, field=f"{w}/vpn_gateway/tunnel_outside_address/ip_address", line=line)
    cgw_out, line = r.value("customer_gateway/tunnel_outside_address/ip_address")
    cgw_outside_ip = (
        to_ip(cgw_out, field=f"{w}/customer_gateway/tunnel_outside_address/ip_address", line=line)
        if cgw_out is not None
        else None
    )

    cgw_inside = _inside(r, "customer_gateway", w, v6=False)
    aws_inside = _inside(r, "vpn_gateway", w, v6=False)
    cgw_v6 = _inside(r, "customer_gateway", w, v6=True)
    aws_v6 = _inside(r, "vpn_gateway", w, v6=True)

    bgp = _tunnel_bgp(r, w, report, aws_inside.ip if aws_inside else (aws_v6.ip if aws_v6 else None))

    def opt(path: str, conv: Callable[..., Any]) -> Any:
        value, line = r.value(path)
        return None if value is None else conv(value, field=f"{w}/{path}", line=line)

    psk_text, pl = r.text("ike/pre_shared_key")
    psk = to_psk(psk_text, field=f"{w}/ike/pre_shared_key", line=pl) if psk_text else None
    ike = _phase(r, w, IkeOptions, _IKE_FIELDS, r.line_of("ike", tline))
    ipsec = _phase(r, w, IpsecOptions, _IPSEC_FIELDS, r.line_of("ipsec", tline))
    try:
        tunnel = Tunnel(
            aws_outside_ip=aws_outside_ip,
            cgw_outside_ip=cgw_outside_ip,
            psk=psk,
            cgw_inside=cgw_inside,
            aws_inside=aws_inside,
            cgw_inside_v6=cgw_v6,
            aws_inside_v6=aws_v6,
            ike=ike,
            ipsec=ipsec,
            dpd_interval_s=opt("ipsec/dead_peer_detection/interval", to_int),
            dpd_retries=opt("ipsec/dead_peer_detection/retries", to_int),
            tcp_mss=opt("ipsec/tcp_mss_adjustment", to_int),
            clear_df_bit=opt("ipsec/clear_df_bit", to_bool),
            fragmentation_before_encryption=opt("ipsec/fragmentation_before_encryption", to_bool),
            bgp=bgp,
        )
    except VpnxlateError as e:
        raise relocate(e, parent=w, sep="/", line=tline) from None
    return tunnel, bgp is not None


# ------------------------------------------------------------------ the fast path

# The texts of a tunnel that differ between tunnels (outside IP, inside addresses, key) and the
# ones that usually recur across tunnels and documents (customer gateway IP, BGP ASNs and hold
# time, phase 1/2 proposals, DPD, MSS, DF bit).
_UNIQUE_FIELDS = (
    "vpn_gateway/tunnel_outside_address/ip_address",
    "ike/pre_shared_key",
    *(
        f"{side}/{sub}/{leaf}"
        for side in ("customer_gateway", "vpn_gateway")
        for sub, leaves in (
            ("tunnel_inside_address", ("ip_address", "network_cidr", "network_mask")),
            ("tunnel_inside_ipv6_address", ("ip_address", "prefix_length")),
        )
        for leaf in leaves
    ),
)
_COMMON_FIELDS = (
    "customer_gateway/tunnel_outside_address/ip_address",
    "customer_gateway/bgp/asn",
    "vpn_gateway/bgp/asn",
    "vpn_gateway/bgp/hold_time",
    "customer_gateway/bgp/hold_time",
    "ipsec/dead_peer_detection/interval",
    "ipsec/dead_peer_detection/retries",
    "ipsec/tcp_mss_adjustment",
    "ipsec/clear_df_bit",
    "ipsec/fragmentation_before_encryption",
    *(element for _attr, element, _conv in _IKE_FIELDS + _IPSEC_FIELDS),
)
# (the texts of _UNIQUE_FIELDS, the texts of _COMMON_FIELDS) of a tunnel, from the texts of its
# elements (position -1: None, absent): one C call each
_Plan = tuple[Callable[[Sequence[str | None]], tuple[str | None, ...]], ...]


def _plan(unique_at: list[int], common_at: list[int]) -> _Plan:
    return operator.itemgetter(*unique_at), operator.itemgetter(*common_at)


# A tunnel element's shape (the tags of every node in ``el.iter()`` order, then the number of
# children of each, which together fix the tree) -> where, in that order, the element each path
# names sits (-1: absent).  AWS's documents have one or two shapes, so _Paths (path strings for
# every element) runs once per shape, not once per tunnel.
_SHAPES: dict[tuple[Any, ...], _Plan] = {}
# raw texts of _COMMON_FIELDS -> their conversions, validated (only successes; bounded)
_COMMON: dict[tuple[str | None, ...], _Common] = {}
_tag = operator.attrgetter("tag")
_text = operator.attrgetter("text")


class _Common:
    """The recurring values of a tunnel, converted and validated once (by the model's own
    constructors, so :func:`vpnxlate.model._trusted` may take them)."""

    __slots__ = ("asns", "bgp", "fields")

    def __init__(self, fields: dict[str, Any], asns: tuple[int | None, int | None, int | None] | None) -> None:
        self.fields = fields
        self.asns = asns
        # the validating constructors refuse what the model refuses (the tunnel is then read by
        # _tunnel, which says what is wrong); the outside IP and inside addresses are the tunnel's own
        bgp = Bgp(cgw_asn=asns[0], aws_asn=asns[1], hold_time=asns[2]) if asns is not None else None
        Tunnel(aws_outside_ip=_PROBE_IP, bgp=bgp, **fields)
        self.bgp = {"cgw_asn": asns[0], "aws_asn": asns[1], "hold_time": asns[2]} if asns is not None else None


_PROBE_IP = ipaddress.IPv4Address("192.0.2.1")


def _bounded(cache: dict[Any, Any], limit: int) -> dict[Any, Any]:
    if len(cache) > limit:  # a handful of values recur; never let odd inputs grow it
        cache.clear()
    return cache


def _shape(el: Any, elems: list[Any]) -> _Plan:
    position = {id(e): i for i, e in enumerate(elems)}
    paths = {path: position[id(found)] for path, found in _Paths(el, _Where()).paths.items()}
    return _plan([paths.get(f, -1) for f in _UNIQUE_FIELDS], [paths.get(f, -1) for f in _COMMON_FIELDS])


def _stripped(text: str | None) -> str | None:
    return (text.strip() or None) if text else None


def _common(raw: tuple[str | None, ...]) -> _Common | None:
    """The conversions of the recurring texts (as :func:`_tunnel` makes them), or None."""
    v = dict(zip(_COMMON_FIELDS, map(_stripped, raw), strict=True))
    ike = _PHASES.get((IkeOptions, *(v[element] for _a, element, _c in _IKE_FIELDS)))
    ipsec = _PHASES.get((IpsecOptions, *(v[element] for _a, element, _c in _IPSEC_FIELDS)))
    if ike is None or ipsec is None:
        return None  # _tunnel converts and caches them (or says what is wrong)
    cgw_out = v["customer_gateway/tunnel_outside_address/ip_address"]
    cgw_asn, aws_asn = v["customer_gateway/bgp/asn"], v["vpn_gateway/bgp/asn"]
    asns = None
    if cgw_asn is not None or aws_asn is not None:
        if cgw_asn is None or aws_asn is None:
            return None  # _tunnel warns
        hold = v["vpn_gateway/bgp/hold_time"]
        if hold is None:
            hold = v["customer_gateway/bgp/hold_time"]
        asns = (to_asn(cgw_asn, field=""), to_asn(aws_asn, field=""), to_int(hold, field="") if hold else None)

    def opt(path: str, conv: Callable[..., Any]) -> Any:
        value = v[path]
        return None if value is None else conv(value, field="")

    fields = {
        "ike": ike,
        "ipsec": ipsec,
        "cgw_outside_ip": to_ip(cgw_out, field="") if cgw_out is not None else None,
        "dpd_interval_s": opt("ipsec/dead_peer_detection/interval", to_int),
        "dpd_retries": opt("ipsec/dead_peer_detection/retries", to_int),
        "tcp_mss": opt("ipsec/tcp_mss_adjustment", to_int),
        "clear_df_bit": opt("ipsec/clear_df_bit", to_bool),
        "fragmentation_before_encryption": opt("ipsec/fragmentation_before_encryption", to_bool),
    }
    return _Common(fields, asns)


def _fast_inside(ip: str | None, prefix: str | None, mask: str | None, v6: bool) -> Any:
    """:func:`_inside` on the texts alone (raises on anything :func:`_inside` refuses); the
    result passed the model's interface check."""
    if ip is None:
        return None
    if mask is not None:
        mask_len = _mask_prefix(mask)
        if mask_len is None:
            raise ValueError("mask")
        if prefix is None:
            prefix = str(mask_len)
        elif prefix.isdecimal() and int(prefix) != mask_len:
            raise ValueError("mask")
    iface = to_interface(f"{ip}/{prefix}" if prefix is not None else ip, field="", default_prefix=126 if v6 else 30)
    if iface.version != (6 if v6 else 4):
        raise ValueError("version")
    return check_interface(iface, "")


def _quad_inside(ip: str | None, prefix: str | None, mask: str | None) -> tuple[int, int] | None:
    """(address, prefix length) of an IPv4 inside address written as dotted quads (what
    :func:`_fast_inside` reads it as); None for anything else."""
    if ip is None:
        return None
    key = (prefix, mask)
    length = _PREFIX_OF.get(key, _UNKNOWN)
    if length is _UNKNOWN:
        length = _bounded(_PREFIX_OF, 64)[key] = _prefix_of(prefix, mask)
    if length is None:
        return None
    # (_quad of "ip/prefix" matches exactly when ip is a dotted quad without "/" and prefix a
    # valid length: the expression has one "/"; the prefix was checked by _prefix_of)
    quad = _quad(ip)
    if quad is None:
        return None
    if length == -1:  # no prefix stated: the address's own, or /30
        return quad[0], 30 if quad[1] is None else quad[1]
    return None if quad[1] is not None else (quad[0], length)


# (network_cidr text, network_mask text) -> what _prefix_of says (bounded)
_PREFIX_OF: dict[tuple[str | None, str | None], int | None] = {}
_UNKNOWN: Any = object()


def _prefix_of(prefix: str | None, mask: str | None) -> int | None:
    """The prefix length an inside address's cidr and mask texts give (-1: none stated), or None
    when :func:`_fast_inside` refuses them or reads them the long way."""
    if mask is not None:
        mask_len = _mask_prefix(mask)
        if mask_len is None or (prefix is not None and prefix != str(mask_len)):
            return None
        prefix = str(mask_len)
    if prefix is None:
        return -1
    quad = _quad(f"0.0.0.0/{prefix}")
    return None if quad is None else quad[1]


def _same_network(ip: int, other: int, prefix: int) -> bool:
    return (ip ^ other) >> (32 - prefix) == 0 if prefix else True


def _inside4(texts: list[str | None]) -> tuple[Any, Any]:
    """The customer and AWS IPv4 inside interfaces from their six texts (ip, cidr, mask each),
    one :class:`ipaddress.IPv4Network` shared by both when they are on the same network."""
    cgw_ip, cgw_cidr, cgw_mask, aws_ip, aws_cidr, aws_mask = [(t.strip() or None) if t else None for t in texts]
    cgw, aws = _quad_inside(cgw_ip, cgw_cidr, cgw_mask), _quad_inside(aws_ip, aws_cidr, aws_mask)
    if cgw is not None and aws is not None and cgw[1] == aws[1] and _same_network(cgw[0], aws[0], cgw[1]):
        return _interfaces(cgw[0], aws[0], cgw[1])
    return (
        _fast_inside(cgw_ip, cgw_cidr, cgw_mask, False) if cgw is None else ipaddress.IPv4Interface(cgw),
        _fast_inside(aws_ip, aws_cidr, aws_mask, False) if aws is None else ipaddress.IPv4Interface(aws),
    )


def _interfaces_sharing(a: int, b: int, prefix: int) -> tuple[ipaddress.IPv4Interface, ipaddress.IPv4Interface]:
    """``IPv4Interface((a, prefix)), IPv4Interface((b, prefix))`` with one network object: what
    the constructor stores (checked against it at import; see :data:`_interfaces`)."""
    net = _network(a, prefix) if prefix < 31 else ipaddress.IPv4Network((a, prefix), strict=False)
    shared = {"network": net, "netmask": net.netmask, "_prefixlen": net.prefixlen}  # (the constructor's order)
    cgw: Any = object.__new__(ipaddress.IPv4Interface)
    cgw._ip = a
    cgw.__dict__.update(shared)
    aws: Any = object.__new__(ipaddress.IPv4Interface)
    aws._ip = b
    aws.__dict__.update(shared)
    return cgw, aws


# prefix length -> (the netmask object _make_netmask shares, the prefix length, the mask as an int)
_NETMASKS: dict[int, tuple[ipaddress.IPv4Address, int, int]] = {}


def _network(a: int, prefix: int) -> ipaddress.IPv4Network:
    """``IPv4Network((a, prefix), strict=False)`` for a prefix below 31 (the constructor sets
    ``hosts`` for /31 and /32): what the constructor stores, without parsing its argument."""
    known = _NETMASKS.get(prefix)
    if known is None:  # (at most 31 entries: prefix lengths 0..30)
        netmask, prefixlen = ipaddress.IPv4Network._make_netmask(prefix)  # type: ignore[attr-defined]
        known = _NETMASKS[prefix] = (netmask, prefixlen, int(netmask))
    netmask, prefixlen, bits = known
    net: Any = object.__new__(ipaddress.IPv4Network)
    net.network_address = ipaddress.IPv4Address(a & bits)
    net.netmask = netmask
    net._prefixlen = prefixlen
    return net  # type: ignore[no-any-return]


def _interfaces_plain(a: int, b: int, prefix: int) -> tuple[ipaddress.IPv4Interface, ipaddress.IPv4Interface]:
    return ipaddress.IPv4Interface((a, prefix)), ipaddress.IPv4Interface((b, prefix))


def _sharing_works() -> bool:
    """Whether this Python's IPv4Interface stores exactly what _interfaces_sharing sets."""
    try:
        made = _interfaces_sharing(0xA9FE1502, 0xA9FE1501, 30)
    except (AttributeError, TypeError):  # pragma: no cover - another ipaddress layout
        return False
    plain = _interfaces_plain(0xA9FE1502, 0xA9FE1501, 30)
    return all(
        type(m) is type(p)
        and m == p
        and vars(m) == vars(p)
        and vars(m.network) == vars(p.network)
        and int(m) == int(p)
        and str(m) == str(p)
        for m, p in zip(made, plain, strict=True)
    )


_interfaces = _interfaces_sharing if _sharing_works() else _interfaces_plain


def _fast_tunnel(el: Any) -> tuple[Tunnel, bool] | None:
    """What :func:`_tunnel` returns, without path strings, line numbers or error context; None
    (or an exception) when anything is unusual or wrong: the caller then runs :func:`_tunnel`,
    which says exactly what.  Every value is validated before the tunnel is built (see _Common)."""
    elems = list(el.iter())
    shape = (*map(_tag, elems), *map(len, elems))
    plan = _SHAPES.get(shape)
    if plan is None:
        plan = _bounded(_SHAPES, 64)[shape] = _shape(el, elems)
    texts = list(map(_text, elems))
    texts.append(None)  # position -1: absent
    return _tunnel_of_texts(texts, *plan)


def _tunnel_of_texts(
    texts: Sequence[str | None],
    unique_at: Callable[[Sequence[str | None]], tuple[str | None, ...]],
    common_at: Callable[[Sequence[str | None]], tuple[str | None, ...]],
) -> tuple[Tunnel, bool] | None:
    """:func:`_fast_tunnel` on the texts of a tunnel's elements (``texts[-1]`` is None, for
    absent ones; an empty element may be None or ``""``): the tunnel, or None / an exception."""
    raw = common_at(texts)
    common = _COMMON.get(raw)
    if common is None:
        common = _common(raw)
        if common is None:
            return None
        _bounded(_COMMON, 256)[raw] = common
    aws_out, psk_text, *inside = unique_at(texts)
    aws_quad = _quad(aws_out.strip()) if aws_out else None
    if aws_quad is None or aws_quad[1] is not None:
        return None  # not a dotted quad (absent, IPv6, invalid): _tunnel
    values = dict(common.fields)
    values["aws_outside_ip"] = ipaddress.IPv4Address(aws_quad[0])
    psk_text = psk_text.strip() if psk_text else None
    if psk_text:
        values["psk"] = to_psk(psk_text, field="")
    values["cgw_inside"], aws_inside = _inside4(inside[0:3] + inside[5:8])
    values["aws_inside"] = aws_inside
    cgw_v6, aws_v6 = inside[3:5], inside[8:10]
    if cgw_v6[0] is not None or aws_v6[0] is not None:
        values["cgw_inside_v6"] = _fast_inside(_stripped(cgw_v6[0]), _stripped(cgw_v6[1]), None, True)
        values["aws_inside_v6"] = _fast_inside(_stripped(aws_v6[0]), _stripped(aws_v6[1]), None, True)
    if common.bgp is not None:
        aws_v6_iface = values.get("aws_inside_v6")
        neighbor = aws_inside.ip if aws_inside else (aws_v6_iface.ip if aws_v6_iface else None)
        values["bgp"] = _trusted(Bgp, {**common.bgp, "neighbor_ip": neighbor})
    return _trusted(Tunnel, values), common.bgp is not None


def _read_tunnel(where: _Where, el: Any, n: int, report: Report) -> tuple[Tunnel, bool]:
    """One ``<ipsec_tunnel>``: the fast path, or :func:`_tunnel` (exact errors) when it declines."""
    try:
        fast = _fast_tunnel(el)
    except Exception:  # any failure: the slow path reports it precisely
        fast = None
    return fast if fast is not None else _tunnel(where, el, n, report)


# ------------------------------------------------------------------ the template path

# A document in a shape seen before (AWS writes every document of a batch alike) is read from
# one regular expression over its text instead of from lxml's element objects (building one
# Python object per element was most of the cost of a document).  The expression is built from
# the elements of an earlier document of that shape (read and checked the plain way): the
# literal tags and attribute names, XML white space between elements, and one group for each leaf's
# text and attribute value.  A group holds no ``<`` and no ``&``, so a text the expression
# matches has exactly those elements, nested exactly so; the shape's nesting passed the depth
# check once, so :func:`parse_xml` need not walk the tree for it again.
#
# A document inside a JSON string (``fixed_line``: every line is that string's) is then not
# parsed by lxml at all when :func:`_well_formed` passes, because a match proves lxml would
# accept it and read the same texts.  The template's document was parsed by lxml and passed
# parse_xml's checks; a match differs from it only in leaf texts and attribute values (and XML
# white space between elements), and those are free of ``<`` and ``&``: so no comment, CDATA,
# PI, DOCTYPE or entity (nothing parse_xml refuses before lxml), no reference (the texts are
# the values lxml gives; an attribute group also holds no tab or newline, which lxml would turn
# into spaces), the same names in the same nesting.  What XML still refuses in such text is
# checked once per document, in C, over the groups' texts (everything else is the template's
# own markup, which lxml accepted, and XML white space): a character outside XML's Char
# production (C0 controls but tab and newline, surrogates, U+FFFE/U+FFFF; no CR is left after
# newline normalization), the sequence ``]]>`` (in any group: in an attribute it is allowed, and
# such a document only takes the lxml way), and a text over MAX_TEXT (any document longer than
# that takes the lxml way).  The
# XML declaration the expression accepts (``<?xml`` + white space + no ``<>&`` up to ``?>``) is
# exactly what parse_xml's declaration pattern blanks out before lxml parses, so lxml never sees
# it either way.  Anything that fails a check, or that :func:`_templated` declines, is parsed by
# lxml as before (its error, message and line are today's).  tests/test_template_wellformed.py
# mutates matched documents with each of these and requires what lxml's reading gives.  With
# ``line_offset`` (aws-xml files, ec2-xml) the tunnel lines come from lxml's ``sourceline``, so
# lxml still parses those documents.
# (possessive: what a run takes, the next token, "<" or '"', can never take; the same matches,
# without the engine saving a backtracking point for every character)
_SPACE = "[ \t\n]*+"
_LEAF = "([^<&]*+)"
_ATTRIBUTE = '[^"<&\t\n]*+'
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_HEADER_TEXTS = ("customer_gateway_id", "vpn_gateway_id", "transit_gateway_id")
_HEADER_VALUES = ("vpn_connection_type", "vpn_connection_attributes")


class _Template:
    """The expression of one document shape and where each value the reader needs is in its
    groups (-1: the document has no such element, or it is not a leaf: no text)."""

    __slots__ = ("header", "regex", "root_id", "tunnels")

    def __init__(self, regex: re.Pattern[str], root_id: int, header: tuple[int, ...], tunnels: tuple[Any, ...]):
        self.regex = regex
        self.root_id = root_id
        self.header = header  # _HEADER_TEXTS, then _HEADER_VALUES
        self.tunnels = tunnels  # (unique_at, common_at) of each <ipsec_tunnel>


# number of "<" in a document -> the templates of shapes with that many (bounded)
_TEMPLATES: dict[int, list[_Template]] = {}
# rough shape of a document read the plain way -> how often seen (a template is built on the second)
_SEEN: dict[tuple[int, ...], int] = {}


def _pattern(el: Any, groups: dict[int, int], out: list[str]) -> bool:
    """Append the expression of ``el`` (recording the group of each leaf by ``id()``); False
    for anything a template does not express (namespaces, odd names)."""
    tag = el.tag
    if not isinstance(tag, str) or not _NAME.fullmatch(tag):
        return False
    out.append("<" + re.escape(tag))  # (a name may hold "."; escaped, it matches only itself)
    is_root = el.getparent() is None
    for name in el.attrib:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            return False
        # every value is a group (read or not, _well_formed checks what each holds); key -2 is
        # the root's id, the others a key of their own below it (an id() is never negative)
        groups[-2 if is_root and name == "id" else -3 - len(groups)] = len(groups)
        out.append(f' {re.escape(name)}="({_ATTRIBUTE})"')
    out.append(">")
    if len(el):
        out.append(_SPACE)
        for child in el:
            if not _pattern(child, groups, out):
                return False
            out.append(_SPACE)
    else:
        groups[id(el)] = len(groups)
        out.append(_LEAF)
    out.append(f"</{re.escape(tag)}>")
    return True


def _template(root: Any, text: str) -> _Template | None:
    """The template of ``root``'s shape, if it reads ``text`` (the document ``root`` was parsed from)."""
    groups: dict[int, int] = {}
    alive = list(root.iter())  # (lxml makes a new proxy object, with a new id(), for an element no one holds)
    out = [_SPACE, "(?:<\\?xml[ \t\n][^<>&]*\\?>)?", _SPACE]
    if root.tag != "vpn_connection" or not _pattern(root, groups, out):
        return None
    out.append(_SPACE)
    regex = re.compile("".join(out))
    if regex.fullmatch(text) is None:
        return None

    def at(found: Any) -> int:
        return -1 if found is None else groups.get(id(found), -1)

    top = _Paths(root, _Where(), deep=False).paths
    header = tuple(at(top.get(key)) for key in (*_HEADER_TEXTS, *_HEADER_VALUES))
    tunnels = []
    for el in root.iterchildren("ipsec_tunnel"):
        paths = _Paths(el, _Where()).paths
        tunnels.append(_plan([at(paths.get(f)) for f in _UNIQUE_FIELDS], [at(paths.get(f)) for f in _COMMON_FIELDS]))
    del alive
    return _Template(regex, groups.get(-2, -1), header, tuple(tunnels))


def _learn(root: Any, text: str) -> None:
    """After a document was read the plain way: a template for its shape once it recurs."""
    # (a cheap key: a template is checked against the document it is built from, so two shapes
    # sharing a key cost at most a template less, never a wrong reading)
    shape = (text.count("<"), len(root), len(root.attrib))
    seen = _bounded(_SEEN, 256).get(shape, 0) + 1
    _SEEN[shape] = seen
    if seen != 2:
        return
    template = _template(root, text)
    if template is not None:
        if sum(map(len, _TEMPLATES.values())) >= 16:
            _TEMPLATES.clear()
        _TEMPLATES.setdefault(text.count("<"), []).append(template)


def _match(text: str) -> tuple[_Template, tuple[str | None, ...]] | None:
    """(template, its groups with None appended) of a document in a known shape, or None."""
    for template in _TEMPLATES.get(text.count("<"), ()):
        m = template.regex.fullmatch(text)
        if m is not None:
            return template, (*m.groups(), None)
    return None


# What XML's Char production refuses (XML 1.0: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD
# #x10000-#x10FFFF); the text is newline-normalized, so no #xD is left either way.
_NOT_XML_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _well_formed(text: str, groups: tuple[str | None, ...]) -> bool:
    """Whether lxml accepts a document a template matched (the checks the expression does not
    make; see the comment above the template machinery): no character XML refuses and no ``]]>``
    in the texts the groups hold (the rest is the template's own markup and XML white space), and
    no text over :data:`MAX_TEXT` (the whole document is no longer)."""
    if len(text) > MAX_TEXT:
        return False
    values = "<".join(cast("tuple[str, ...]", groups[:-1]))  # (the last is _match's None; "<" makes no "]]>")
    return "]]>" not in values and _NOT_XML_CHAR.search(values) is None


def _templated(found: tuple[_Template, tuple[str | None, ...]], root: Any, where: _Where) -> Document | None:
    """:func:`read_document` of a document its template matched; None (or an exception) for
    anything that needs a message, a warning or a closer look: then the plain way reads it."""
    template, g = found
    h = template.header
    cid = to_id(g[template.root_id], field="")
    ids = {key: to_id(g[h[i]], field="") for i, key in enumerate(_HEADER_TEXTS)}
    ctype, attributes = _stripped(g[h[3]]), _stripped(g[h[4]])
    if ctype not in (None, "ipsec.1") or attributes not in (None, "NoBGPVPNConnection"):
        return None  # a warning to give
    no_bgp = attributes == "NoBGPVPNConnection"
    tunnels: list[Tunnel] = []
    with_bgp = 0
    for unique_at, common_at in template.tunnels:
        fast = _tunnel_of_texts(g, unique_at, common_at)
        if fast is None:
            return None
        tunnels.append(fast[0])
        with_bgp += fast[1]
    if with_bgp and (no_bgp or with_bgp != len(tunnels)):
        return None  # warnings to give
    if where.fixed is None:
        lines = tuple(where.of(el) for el in root.iterchildren("ipsec_tunnel"))
    else:
        lines = (where.fixed,) * len(tunnels)
    return Document(
        tunnels=tuple(tunnels),
        tunnel_lines=lines,
        vpn_connection_id=cid,
        routing="bgp" if with_bgp and not no_bgp else "static",
        no_bgp_attribute=no_bgp,
        line=where.of(root),
        **ids,
    )


def read_document(
    text: str | bytes, report: Report, *, line_offset: int = 0, fixed_line: int | None = None
) -> Document:
    """Read a ``<vpn_connection>`` document into a :class:`Document` (tunnels not yet merged).

    ``line_offset`` is added to the document's own line numbers (for a document embedded in a
    larger input); ``fixed_line`` replaces them (a document inside one JSON string).
    """
    where = _Where(line_offset, fixed_line)
    if isinstance(text, str):
        text = normalize_newlines(text)
    found = _match(text) if isinstance(text, str) and _TEMPLATES else None

    def parsed() -> Any:
        return parse_xml(
            text, line_offset=line_offset, fixed_line=fixed_line, what="the XML document", nesting_checked=bool(found)
        )

    # (no lxml for a matched document in a JSON string that passes _well_formed: see the template path)
    skip = found is not None and fixed_line is not None and isinstance(text, str) and _well_formed(text, found[1])
    root = None if skip else parsed()
    if found is not None:
        try:
            doc = _templated(found, root, where)
        except Exception:  # anything wrong: the plain way says exactly what
            doc = None
        if doc is not None:
            return doc
    if root is None:
        root = parsed()
    doc = _read_tree(root, where, report)
    if isinstance(text, str) and found is None:
        _learn(root, text)
    return doc


def _read_tree(root: Any, where: _Where, report: Report) -> Document:
    """:func:`read_document` from lxml's elements (every message and warning located)."""
    r = _Paths(root, where, deep=False)
    cid, ids, no_bgp, aline = _connection_header(r, root, report)

    tunnels: list[Tunnel] = []
    lines: list[int | None] = []
    with_bgp: list[int] = []
    for n, el in enumerate(root.iterchildren("ipsec_tunnel"), 1):
        tunnel, has_bgp = _read_tunnel(where, el, n, report)
        tunnels.append(tunnel)
        lines.append(r.line(el))
        if has_bgp:
            with_bgp.append(n - 1)

    routing: Routing = "bgp" if with_bgp and not no_bgp else "static"
    tunnels = _reconcile_bgp(cid or "connection", tunnels, lines, with_bgp, no_bgp, aline, report)
    return Document(
        tunnels=tuple(tunnels),
        tunnel_lines=tuple(lines),
        vpn_connection_id=cid,
        routing=routing,
        no_bgp_attribute=no_bgp,
        line=r.line(root),
        **ids,
    )


def _connection_header(
    r: _Paths, root: Any, report: Report
) -> tuple[str | None, dict[str, str | None], bool, int | None]:
    """The root element's connection id, gateway ids, type and attributes: (id, gateway ids,
    whether the attributes say NoBGPVPNConnection, the attributes' line)."""
    tag = str(root.tag)  # an element's tag (parse_xml removes namespaces): the text name
    if tag != "vpn_connection":
        hint = " (use --from ec2-xml)" if tag.endswith("Response") else ""
        raise ParseError(f"the root element is <{tag}>, not <vpn_connection>{hint}", line=r.line(root))
    cid = to_id(root.get("id"), field="vpn_connection/@id", line=r.line(root))
    ids: dict[str, str | None] = {}
    for key in ("customer_gateway_id", "vpn_gateway_id", "transit_gateway_id"):
        value, line = r.text(key)
        ids[key] = to_id(value, field=key, line=line)
    ctype, line = r.value("vpn_connection_type")
    if ctype is not None and ctype != "ipsec.1":
        report.warn(
            f"{cid or 'connection'}: vpn_connection_type is {describe_value(ctype)}, not ipsec.1",
            line=line,
            field="vpn_connection_type",
            code="connection-type",
        )
    attributes, aline = r.value("vpn_connection_attributes")
    no_bgp = attributes == "NoBGPVPNConnection"
    if attributes is not None and not no_bgp:
        report.warn(
            f"{cid or 'connection'}: unknown vpn_connection_attributes {describe_value(attributes)}",
            line=aline,
            field="vpn_connection_attributes",
            code="connection-attributes",
        )
    return cid, ids, no_bgp, aline


def _reconcile_bgp(
    name: str,
    tunnels: list[Tunnel],
    lines: list[int | None],
    with_bgp: list[int],
    no_bgp: bool,
    aline: int | None,
    report: Report,
) -> list[Tunnel]:
    """Warn where the tunnels' ``<bgp>`` elements disagree with the attributes or each other;
    NoBGPVPNConnection wins (the tunnels lose their BGP settings)."""
    if no_bgp and with_bgp:
        report.warn(
            f"{name}: vpn_connection_attributes says NoBGPVPNConnection but tunnels carry <bgp> "
            "elements; reading a static connection and ignoring them",
            line=aline,
            field="vpn_connection_attributes",
            code="routing-conflict",
        )
        return [attrs.evolve(t, bgp=None) for t in tunnels]
    if with_bgp and len(with_bgp) != len(tunnels):
        for i, t in enumerate(tunnels):
            if i not in with_bgp:
                report.warn(
                    f"{name}: tunnel {t.aws_outside_ip} has no <bgp> elements while other tunnels have them",
                    line=lines[i],
                    field=f"ipsec_tunnel[{i + 1}]/bgp",
                    code="bgp-partial",
                )
    return tunnels


def parse_document(
    text: str | bytes, report: Report, *, line_offset: int = 0, fixed_line: int | None = None
) -> VpnConnection:
    """Parse one ``<vpn_connection>`` document into a connection (used by the EC2 wrappers)."""
    return read_document(text, report, line_offset=line_offset, fixed_line=fixed_line).connection(report)


def parse(text: str, report: Report) -> list[VpnConnection]:
    return [parse_document(text, report)]


__all__ = [
    "MAX_DEPTH",
    "MAX_TEXT",
    "Document",
    "build",
    "detect",
    "parse",
    "parse_document",
    "parse_xml",
    "read_document",
]
