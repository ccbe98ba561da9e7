"""``aws-vyatta``: AWS's "Vyatta" configuration download (Vyatta / VyOS 1.1-1.3 set-commands).

The download is a list of ``set`` commands between ``!`` comment lines::

    ! Your VPN Connection ID                  : vpn-0c0ffee0123456789
    set vpn ipsec ike-group AWS lifetime '28800'
    set vpn ipsec site-to-site peer 203.0.113.22 authentication pre-shared-secret '...'
    set interfaces vti vti0 address '169.254.21.2/30'
    set protocols bgp 65010 neighbor 169.254.21.1 remote-as '64512'

Tunnels are the ``site-to-site peer <AWS outside IP>`` entries; a peer's ``vti bind`` links it
to its inside address, and a BGP neighbor belongs to the tunnel whose vti /30 contains it.
Shared lines (``ike-group AWS …``, ``esp-group AWS …``) are repeated once per tunnel: identical
repeats are fine, a conflicting repeat is an error naming both lines.

The template's dead-peer-detection values (15 s / 30 s) are constants of the template, not
connection data, so they are not read into the model.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, NamedTuple, TypeVar

from .. import algorithms
from ..detect import NO, STRONG, WEAK
from ..diagnostics import relocate
from ..errors import ParseError, Report, ValidationError, VpnxlateError, describe_value
from ..model import Bgp, IkeOptions, IpsecOptions, Tunnel, VpnConnection, build_connection
from ..vocab import setcmd
from ._common import (
    check_placeholder,
    located,
    normalize_newlines,
    to_asn,
    to_id,
    to_int,
    to_interface,
    to_ip,
    to_psk,
)

NAME = "aws-vyatta"
DESCRIPTION = "AWS's Vyatta download (set vpn ipsec / interfaces vti / protocols bgp commands)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# ------------------------------------------------------------------ detection

_DETECT_LIMIT = 200_000
_FIRST_CMD = re.compile(r"^set\s+(?:vpn\s+ipsec|interfaces\s+vti|protocols\s+bgp)\s")
_AWS_HEADER = re.compile(r"^[^\S\n]*!\s*Amazon Web Services\s*$", re.MULTILINE)
_PEER = re.compile(r"^[^\S\n]*set\s+vpn\s+ipsec\s+site-to-site\s+peer\s+(\S+)", re.MULTILINE)
# Other vendors' set-commands and VyOS >= 1.4 spellings (peers with names, remote-address,
# 'authentication psk', 'protocols bgp system-as'): not this format.
_NOT_VYATTA = re.compile(
    r"^[^\S\n]*set\s+(?:security\s+(?:ike|ipsec)|network\s+(?:ike|tunnel))\b"
    r"|^[^\S\n]*set\s+vpn\s+ipsec\s+site-to-site\s+peer\s+\S+\s+remote-address\b"
    r"|^[^\S\n]*set\s+vpn\s+ipsec\s+authentication\s+psk\b"
    r"|^[^\S\n]*set\s+protocols\s+bgp\s+(?:system-as|neighbor|address-family)\b",
    re.MULTILINE,
)
# Commands of an interactive session that guides paste around the set-commands.
_SESSION = frozenset({"configure", "commit", "save", "exit", "end", "top", "discard", "commit-confirm"})


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def detect(text: str) -> int:
    """The first command is ``set vpn ipsec``/``set interfaces vti``/``set protocols bgp`` and the
    text has AWS's ``! Amazon Web Services`` header (STRONG) or only peers named by IP address
    (WEAK: VyOS's own set-commands score higher); NO for peers by name or VyOS 1.4+ spellings."""
    head = text[:_DETECT_LIMIT]
    if head.startswith("\ufeff"):
        head = head[1:]
    first = None
    for raw in head.splitlines():
        line = raw.strip()
        if not line or line[0] in "!#":
            continue
        if line in _SESSION:
            continue
        first = line
        break
    if first is None or not _FIRST_CMD.match(first) or _NOT_VYATTA.search(head):
        return NO
    peers = [p.strip("'\"") for p in _PEER.findall(head)]
    if any(not _is_ip(p) for p in peers):
        return NO
    if _AWS_HEADER.search(head):
        return STRONG
    return WEAK if peers else NO


# ------------------------------------------------------------------ tokenizer


def tokenize(line: str, lineno: int | None = None) -> list[str]:
    """Split a set-command into words (:data:`vpnxlate.vocab.setcmd.VYATTA`: ``'…'`` and ``"…"``
    quote, no escapes, as AWS writes them; quotes may join parts of one word)."""
    return setcmd.words(line, setcmd.VYATTA, lineno)


# ------------------------------------------------------------------ header

_HEADER_ID = re.compile(
    r"^!\s*Your\s+(VPN\s+Connection|Virtual\s+Private\s+Gateway|VPN\s+Gateway|Customer\s+Gateway)\s+ID\s*:(.*)$",
    re.IGNORECASE,
)
_HEADER_FIELD = {
    "vpnconnection": "vpn_connection_id",
    "virtualprivategateway": "vpn_gateway_id",
    "vpngateway": "vpn_gateway_id",
    "customergateway": "customer_gateway_id",
}

_BGP_NEIGHBOR_KNOWN = (
    ["soft-reconfiguration", "inbound"],
    ["address-family", "ipv4-unicast", "soft-reconfiguration", "inbound"],
)

# model attribute -> the Vyatta node that states it (for error fields)
_M = TypeVar("_M")  # a model class built by _Reader._make
_NODE_NAME = {"lifetime_s": "lifetime", "pfs_dh_groups": "pfs", "versions": "key-exchange"}

_SECRET_WORDS = ("secret", "psk", "password", "key")


def _shown_path(tokens: list[str]) -> str:
    """``set …`` for messages: the node path without its value and never past a secret."""
    path = tokens[:-1] if len(tokens) > 2 else tokens
    out = []
    for t in path:
        out.append(describe_value(t, 40))
        if any(w in t.lower() for w in _SECRET_WORDS):
            break
    return "set " + " ".join(out)


class _Val:
    __slots__ = ("line", "value")

    def __init__(self, value: str, line: int) -> None:
        self.value = value
        self.line = line


class _Reader:
    """Collects the statements of one file, checking repeated lines for conflicts."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.values: dict[tuple[str, ...], _Val] = {}
        self.header: dict[str, _Val] = {}
        self.peers: dict[IPAddress, int] = {}  # AWS outside IP -> first line
        self.ike_groups: dict[str, int] = {}
        self.esp_groups: dict[str, int] = {}
        self.vtis: dict[str, int] = {}
        self.vti_addr: dict[tuple[str, int], tuple[ipaddress.IPv4Interface | ipaddress.IPv6Interface, int]] = {}
        self.neighbors: dict[IPAddress, int] = {}
        self.bgp_asn: _Val | None = None

    # ---------------------------------------------------------------- storing

    def put(self, key: tuple[str, ...], value: str, line: int, field: str, *, secret: bool = False) -> None:
        seen = self.values.get(key)
        if seen is None:
            self.values[key] = _Val(value, line)
            return
        if seen.value == value:
            return
        if secret:
            raise ValidationError(
                f"two different values on lines {seen.line} and {line}; a repeated line must repeat the same value",
                field=field,
                line=line,
            )
        raise ValidationError(
            f"{describe_value(seen.value)} on line {seen.line} conflicts with "
            f"{describe_value(value)} on line {line}; a repeated line must repeat the same "
            "value",
            field=field,
            line=line,
        )

    def get(self, *key: str) -> _Val | None:
        return self.values.get(key)

    def unknown(self, tokens: list[str], line: int) -> None:
        self.report.warn(
            f"'{_shown_path(tokens)} …' has no place in vpnxlate's model; ignored", line=line, code="vyatta-unknown"
        )

    def header_line(self, label: str, value: str, line: int) -> None:
        field = _HEADER_FIELD[re.sub(r"\s+", "", label).lower()]
        text = value.strip()
        to_id(text, field=field, line=line)  # validates (and refuses placeholders)
        seen = self.header.get(field)
        if seen is not None and seen.value != text:
            raise ValidationError(
                f"{describe_value(seen.value)} on line {seen.line} conflicts with "
                f"{describe_value(text)} on line {line} (two downloads in one file?)",
                field=field,
                line=line,
            )
        self.header.setdefault(field, _Val(text, line))

    # ---------------------------------------------------------------- statements

    def statement(self, t: list[str], line: int) -> None:
        """``t`` is the command without the leading ``set``."""
        if t[:2] == ["vpn", "ipsec"] and len(t) > 2:
            self.ipsec(t, line)
        elif t[:2] == ["interfaces", "vti"] and len(t) > 2:
            self.vti(t, line)
        elif t[:2] == ["protocols", "bgp"] and len(t) > 2:
            self.bgp(t, line)
        elif t[:1] in (["vpn"], ["interfaces"], ["protocols"]):
            self.unknown(t, line)
        # other trees (system, service, firewall, nat, policy, ...) are not VPN connection data

    def ipsec(self, t: list[str], line: int) -> None:
        kind, rest = t[2], t[3:]
        if kind == "ike-group" and rest:
            self.ike_group(t, rest[0], rest[1:], line)
        elif kind == "esp-group" and rest:
            self.esp_group(t, rest[0], rest[1:], line)
        elif kind == "site-to-site" and len(rest) >= 2 and rest[0] == "peer":
            self.peer(t, rest[1], rest[2:], line)
        elif kind in ("ipsec-interfaces", "interface"):
            pass  # the router's outside interface: local configuration, not connection data
        else:
            self.unknown(t, line)

    def ike_group(self, t: list[str], name: str, r: list[str], line: int) -> None:
        self.ike_groups.setdefault(name, line)
        where = f"ike-group {name}"
        if len(r) == 2 and r[0] in ("lifetime", "key-exchange"):
            self.put(("ike", name, r[0]), r[1], line, f"{where} {r[0]}")
        elif len(r) == 4 and r[0] == "proposal" and r[2] in ("dh-group", "encryption", "hash"):
            self.proposal_number(r[1], line, f"{where} proposal")
            self.put(("ike", name, "proposal", r[1], r[2]), r[3], line, f"{where} proposal {r[1]} {r[2]}")
        elif len(r) == 3 and r[0] == "dead-peer-detection" and r[1] in ("action", "interval", "timeout"):
            # template constants (15 s / 30 s), not connection data; still checked for conflicts
            self.put(("ike", name, "dpd", r[1]), r[2], line, f"{where} dead-peer-detection {r[1]}")
        else:
            self.unknown(t, line)

    def esp_group(self, t: list[str], name: str, r: list[str], line: int) -> None:
        self.esp_groups.setdefault(name, line)
        where = f"esp-group {name}"
        if len(r) == 2 and r[0] in ("lifetime", "mode", "pfs"):
            self.put(("esp", name, r[0]), r[1], line, f"{where} {r[0]}")
        elif len(r) == 2 and r[0] == "compression" and r[1] == "disable":
            pass  # the template's default
        elif len(r) == 4 and r[0] == "proposal" and r[2] in ("encryption", "hash"):
            self.proposal_number(r[1], line, f"{where} proposal")
            self.put(("esp", name, "proposal", r[1], r[2]), r[3], line, f"{where} proposal {r[1]} {r[2]}")
        else:
            self.unknown(t, line)

    @staticmethod
    def proposal_number(n: str, line: int, field: str) -> None:
        if not n.isdigit():
            raise ParseError(f"proposal number must be a number, not {describe_value(n)}", field=field, line=line)

    def peer(self, t: list[str], name: str, r: list[str], line: int) -> None:
        field = "site-to-site peer"
        try:
            ip = ipaddress.ip_address(name)
        except ValueError:
            check_placeholder(name, field=field, line=line)
            raise ParseError(
                f"{describe_value(name)} is not an IP address: AWS's Vyatta download names "
                "each peer by its AWS outside IP (VyOS 1.4+ named peers are another format)",
                field=field,
                line=line,
            ) from None
        self.peers.setdefault(ip, line)
        key = str(ip)
        where = f"peer {ip}"
        if len(r) == 3 and r[:2] == ["authentication", "mode"]:
            if r[2] != "pre-shared-secret":
                raise ValidationError(
                    f"authentication mode {describe_value(r[2])} is not supported (AWS's "
                    "Vyatta download uses 'pre-shared-secret')",
                    field=f"{where} authentication mode",
                    line=line,
                )
        elif len(r) == 3 and r[:2] == ["authentication", "pre-shared-secret"]:
            self.put(("peer", key, "psk"), r[2], line, f"{where} authentication pre-shared-secret", secret=True)
        elif len(r) == 2 and r[0] == "description":
            pass
        elif len(r) == 2 and r[0] in ("ike-group", "local-address", "default-esp-group"):
            self.put(("peer", key, r[0]), r[1], line, f"{where} {r[0]}")
        elif len(r) == 3 and r[0] == "vti" and r[1] in ("bind", "esp-group"):
            self.put(("peer", key, "vti " + r[1]), r[2], line, f"{where} vti {r[1]}")
        else:
            self.unknown(t, line)

    def vti(self, t: list[str], line: int) -> None:
        name, r = t[2], t[3:]
        self.vtis.setdefault(name, line)
        where = f"interfaces vti {name}"
        if len(r) == 2 and r[0] == "address":
            iface = to_interface(r[1], field=f"{where} address", line=line)
            seen = self.vti_addr.get((name, iface.version))
            if seen is not None and seen[0] != iface:
                raise ValidationError(
                    f"{seen[0]} on line {seen[1]} conflicts with {iface} on line {line}; "
                    "a tunnel interface has one inside address",
                    field=f"{where} address",
                    line=line,
                )
            self.vti_addr.setdefault((name, iface.version), (iface, line))
        elif len(r) == 2 and r[0] == "mtu":
            self.put(("vti", name, "mtu"), r[1], line, f"{where} mtu")
        elif len(r) == 3 and r[:2] == ["ip", "adjust-mss"]:
            self.put(("vti", name, "adjust-mss"), r[2], line, f"{where} ip adjust-mss")
        elif len(r) == 2 and r[0] == "description":
            pass
        else:
            self.unknown(t, line)

    def bgp(self, t: list[str], line: int) -> None:
        asn_text, r = t[2], t[3:]
        if not asn_text.isdigit() and asn_text in ("system-as", "neighbor", "address-family", "parameters"):
            raise ParseError(
                "'set protocols bgp' without the local ASN is VyOS 1.4+ syntax; the Vyatta download "
                "writes 'set protocols bgp <ASN> neighbor …'",
                field="protocols bgp",
                line=line,
            )
        to_asn(asn_text, field="protocols bgp", line=line)
        if self.bgp_asn is None:
            self.bgp_asn = _Val(asn_text, line)
        elif self.bgp_asn.value != asn_text:
            raise ValidationError(
                f"local ASN {self.bgp_asn.value} on line {self.bgp_asn.line} conflicts with "
                f"{describe_value(asn_text)} on line {line}; a router has one BGP instance",
                field="protocols bgp",
                line=line,
            )
        if len(r) >= 2 and r[0] == "neighbor":
            self.neighbor(t, r[1], r[2:], line)
        elif (len(r) == 2 and r[0] == "network") or (
            len(r) == 4 and r[:3] == ["address-family", "ipv4-unicast", "network"]
        ):
            pass  # the prefixes the customer gateway announces: local configuration
        else:
            self.unknown(t, line)

    def neighbor(self, t: list[str], name: str, r: list[str], line: int) -> None:
        ip = to_ip(name, field="protocols bgp neighbor", line=line)
        self.neighbors.setdefault(ip, line)
        where = f"bgp neighbor {ip}"
        if len(r) == 2 and r[0] == "remote-as":
            self.put(("bgp", str(ip), "remote-as"), r[1], line, f"{where} remote-as")
        elif len(r) == 3 and r[0] == "timers" and r[1] in ("holdtime", "keepalive"):
            self.put(("bgp", str(ip), r[1]), r[2], line, f"{where} timers {r[1]}")
        elif r in _BGP_NEIGHBOR_KNOWN or (len(r) == 2 and r[0] == "description"):
            pass  # template lines with no place in the model (soft-reconfiguration; 1.2/1.3 spelling too)
        else:
            self.unknown(t, line)


class _Inside(NamedTuple):
    """What a peer's vti interface states."""

    v4: ipaddress.IPv4Interface | ipaddress.IPv6Interface | None
    v6: ipaddress.IPv4Interface | ipaddress.IPv6Interface | None
    mtu: int | None
    mss: int | None


class _Groups:
    """The ike-groups and esp-groups of one file as model options (each ike-group built once)."""

    def __init__(self, data: _Reader) -> None:
        self.data = data
        self.report = data.report
        self.ike_cache: dict[str, IkeOptions] = {}

    @staticmethod
    def _convert(conv: Any, vals: list[_Val], field: str) -> tuple[Any, ...] | None:
        """Canonical names of proposal values in proposal order, repeats dropped; errors carry the line."""
        out: list[Any] = []
        for v in vals:
            canon = located(conv, v.value, field=field, line=v.line)
            if canon not in out:
                out.append(canon)
        return tuple(out) or None

    def _proposals(self, kind: str, name: str, attrs_: tuple[str, ...]) -> list[list[_Val]]:
        """The values of each attribute over the group's proposals, in proposal-number order."""
        numbers = sorted({k[3] for k in self.data.values if k[:3] == (kind, name, "proposal")}, key=int)
        out: list[list[_Val]] = [[] for _ in attrs_]
        for n in numbers:
            for i, a in enumerate(attrs_):
                v = self.data.get(kind, name, "proposal", n, a)
                if v is not None:
                    out[i].append(v)
        return out

    def ike(self, name: str, used_at: int, field: str) -> IkeOptions:
        if name in self.ike_cache:
            return self.ike_cache[name]
        if name not in self.data.ike_groups:
            raise ParseError(f"the file does not define ike-group {describe_value(name)}", field=field, line=used_at)
        where = f"ike-group {name}"
        enc, integ, dh = self._proposals("ike", name, ("encryption", "hash", "dh-group"))
        lifetime = self.data.get("ike", name, "lifetime")
        kx = self.data.get("ike", name, "key-exchange")
        versions = None
        if kx is not None:
            versions = (located(algorithms.ike_version, kx.value, field=f"{where} key-exchange", line=kx.line),)
        lifetime_s = to_int(lifetime.value, field=f"{where} lifetime", line=lifetime.line) if lifetime else None
        ike = self._make(
            IkeOptions,
            {"lifetime_s": lifetime},
            self.data.ike_groups[name],
            where,
            versions=versions,
            lifetime_s=lifetime_s,
            mode=None,
            encryption=self._convert(algorithms.encryption, enc, f"{where} proposal encryption"),
            integrity=self._convert(algorithms.integrity, integ, f"{where} proposal hash"),
            dh_groups=self._convert(algorithms.dh_group, dh, f"{where} proposal dh-group"),
        )
        self.ike_cache[name] = ike
        return ike

    def esp(self, name: str, used_at: int, field: str, ike: IkeOptions) -> IpsecOptions:
        if name not in self.data.esp_groups:
            raise ParseError(f"the file does not define esp-group {describe_value(name)}", field=field, line=used_at)
        where = f"esp-group {name}"
        enc, integ = self._proposals("esp", name, ("encryption", "hash"))
        encryption = self._convert(algorithms.encryption, enc, f"{where} proposal encryption")
        integrity = self._convert(algorithms.integrity, integ, f"{where} proposal hash")
        pfs_groups: tuple[int, ...] | None = None
        pfs = self.data.get("esp", name, "pfs")
        if pfs is not None:
            value = pfs.value.strip().lower()
            if value == "enable":
                pfs_groups = ike.dh_groups  # Vyatta: PFS with the IKE group's DH group
            elif value == "disable":
                self.report.warn(
                    f"{where} pfs 'disable': AWS requires perfect forward secrecy in phase 2; "
                    "the tunnel's PFS groups are left unset",
                    line=pfs.line,
                    field=f"{where} pfs",
                    code="vyatta-pfs-disabled",
                )
            else:
                pfs_groups = (located(algorithms.dh_group, value, field=f"{where} pfs", line=pfs.line),)
        lifetime = self.data.get("esp", name, "lifetime")
        mode = self.data.get("esp", name, "mode")
        lifetime_s = to_int(lifetime.value, field=f"{where} lifetime", line=lifetime.line) if lifetime else None
        return self._make(
            IpsecOptions,
            {"lifetime_s": lifetime, "mode": mode, "pfs_dh_groups": pfs},
            self.data.esp_groups[name],
            where,
            protocol="esp",
            encryption=encryption,
            integrity=integrity,
            pfs_dh_groups=pfs_groups,
            lifetime_s=lifetime_s,
            mode=mode.value if mode else None,
        )

    @staticmethod
    def _make(cls: type[_M], vals: dict[str, _Val | None], default_line: int, where: str, **kw: Any) -> _M:
        """Build a model object; a validator's error gets the line and field of the value it names."""
        try:
            return cls(**kw)
        except VpnxlateError as e:
            name = (e.field or "").rpartition(".")[2]  # "ipsec.mode" -> "mode"
            v = vals.get(name)
            if v is None:
                raise relocate(e, line=default_line) from None
            raise relocate(e, rename=f"{where} {_NODE_NAME.get(name, name)}", line=v.line) from None


class _Builder:
    """The model from the statements of one file: tunnels, their groups and BGP neighbors."""

    def __init__(self, data: _Reader) -> None:
        self.data = data
        self.report = data.report
        self.groups = _Groups(data)

    def tunnel(self, ip: IPAddress, first: int, used_vti: dict[str, IPAddress]) -> Tunnel:
        key = str(ip)
        where = f"peer {ip}"
        psk_v = self._needed(key, ("psk",), f"{where} authentication pre-shared-secret", first)
        psk = to_psk(psk_v.value, field=f"{where} authentication pre-shared-secret", line=psk_v.line)
        ike_v = self._needed(key, ("ike-group",), f"{where} ike-group", first)
        ike = self.groups.ike(ike_v.value, ike_v.line, f"{where} ike-group")
        esp_v = self._needed(key, ("vti esp-group", "default-esp-group"), f"{where} vti esp-group", first)
        ipsec = self.groups.esp(esp_v.value, esp_v.line, f"{where} vti esp-group", ike)
        local_v = self.data.get("peer", key, "local-address")
        local = self._local(local_v, where)
        vals: dict[str, _Val | None] = {"psk": psk_v, "cgw_outside_ip": local_v}
        inside = self._vti(ip, where, first, used_vti, vals)
        try:
            return Tunnel(
                aws_outside_ip=ip,
                cgw_outside_ip=local,
                psk=psk,
                cgw_inside=inside.v4,
                cgw_inside_v6=inside.v6,
                ike=ike,
                ipsec=ipsec,
                mtu=inside.mtu,
                tcp_mss=inside.mss,
            )
        except VpnxlateError as e:
            v = vals.get(e.field or "")
            raise e.located(line=v.line if v is not None else first) from None

    def _needed(self, peer: str, nodes: tuple[str, ...], field: str, first: int) -> _Val:
        """The first of the peer's ``nodes`` the file states; a ParseError if none."""
        for node in nodes:
            v = self.data.get("peer", peer, node)
            if v is not None:
                return v
        raise ParseError("line missing for this peer (truncated download?)", field=field, line=first)

    def _local(self, local_v: _Val | None, where: str) -> IPAddress | None:
        if local_v is None:
            return None
        if local_v.value.strip().lower() in ("any", "%any", "0.0.0.0", "default"):
            self.report.warn(
                f"{where} local-address {describe_value(local_v.value)} does not state the customer gateway's address",
                line=local_v.line,
                field=f"{where} local-address",
                code="vyatta-local-address",
            )
            return None
        return to_ip(local_v.value, field=f"{where} local-address", line=local_v.line)

    def _vti(
        self, ip: IPAddress, where: str, first: int, used_vti: dict[str, IPAddress], vals: dict[str, _Val | None]
    ) -> _Inside:
        """The inside addresses, MTU and MSS of the vti interface the peer is bound to (``vals`` gets
        the lines of the MTU and MSS)."""
        bind = self.data.get("peer", str(ip), "vti bind")
        if bind is None:
            self.report.warn(
                f"{where} is not bound to a vti interface; the tunnel has no inside addresses",
                line=first,
                field=f"{where} vti bind",
                code="vyatta-no-vti",
            )
            return _Inside(None, None, None, None)
        vti = bind.value
        other = used_vti.get(vti)
        if other is not None:
            raise ValidationError(
                f"peers {other} and {ip} are both bound to {describe_value(vti)}",
                field=f"{where} vti bind",
                line=bind.line,
            )
        used_vti[vti] = ip
        v4 = self.data.vti_addr.get((vti, 4))
        v6 = self.data.vti_addr.get((vti, 6))
        if v4 is None and v6 is None:
            raise ParseError(
                f"bound to {describe_value(vti)}, but the file has no "
                f"'set interfaces vti {describe_value(vti)} address' line (truncated download?)",
                field=f"{where} vti bind",
                line=bind.line,
            )
        mtu_v = self.data.get("vti", vti, "mtu")
        mtu = to_int(mtu_v.value, field=f"interfaces vti {vti} mtu", line=mtu_v.line) if mtu_v else None
        mss_v = self.data.get("vti", vti, "adjust-mss")
        mss = to_int(mss_v.value, field=f"interfaces vti {vti} ip adjust-mss", line=mss_v.line) if mss_v else None
        vals.update(mtu=mtu_v, tcp_mss=mss_v)
        return _Inside(v4[0] if v4 else None, v6[0] if v6 else None, mtu, mss)

    def attach_bgp(self, tunnels: list[Tunnel]) -> list[Tunnel]:
        import attrs

        if not self.data.neighbors:
            return tunnels
        assert self.data.bgp_asn is not None
        cgw_asn = to_asn(self.data.bgp_asn.value, field="protocols bgp", line=self.data.bgp_asn.line)
        taken: dict[int, IPAddress] = {}
        out = list(tunnels)
        for ip, first in self.data.neighbors.items():
            index = None
            for i, t in enumerate(out):
                inside = t.cgw_inside if ip.version == 4 else t.cgw_inside_v6
                if inside is not None and ip in inside.network:
                    index = i
                    break
            if index is None:
                self.report.warn(
                    f"BGP neighbor {ip} is inside no tunnel's vti network; ignored",
                    line=first,
                    field=f"bgp neighbor {ip}",
                    code="vyatta-stray-neighbor",
                )
                continue
            t = out[index]
            inside = t.cgw_inside if ip.version == 4 else t.cgw_inside_v6
            assert inside is not None
            if ip == inside.ip:
                raise ValidationError(
                    f"this is the customer gateway's own inside address ({inside})",
                    field=f"bgp neighbor {ip}",
                    line=first,
                )
            if index in taken:
                raise ValidationError(
                    f"shares the inside network {inside.network} of the tunnel to "
                    f"{t.aws_outside_ip} with BGP neighbor {taken[index]}",
                    field=f"bgp neighbor {ip}",
                    line=first,
                )
            taken[index] = ip
            bgp = self._bgp(ip, first, cgw_asn)
            aws_inside = ipaddress.ip_interface(f"{ip}/{inside.network.prefixlen}")
            if ip.version == 4:
                out[index] = attrs.evolve(t, bgp=bgp, aws_inside=aws_inside)
            else:
                out[index] = attrs.evolve(t, bgp=bgp, aws_inside_v6=aws_inside)
        return out

    def _bgp(self, ip: IPAddress, first: int, cgw_asn: int) -> Bgp:
        remote = self.data.get("bgp", str(ip), "remote-as")
        if remote is None:
            raise ParseError(
                "line missing for this neighbor (truncated download?)",
                field=f"bgp neighbor {ip} remote-as",
                line=first,
            )
        aws_asn = to_asn(remote.value, field=f"bgp neighbor {ip} remote-as", line=remote.line)
        hold_v = self.data.get("bgp", str(ip), "holdtime")
        hold = to_int(hold_v.value, field=f"bgp neighbor {ip} timers holdtime", line=hold_v.line) if hold_v else None
        try:
            return Bgp(cgw_asn=cgw_asn, aws_asn=aws_asn, neighbor_ip=ip, hold_time=hold)
        except VpnxlateError as e:
            raise e.located(line=hold_v.line if hold_v and e.field == "hold_time" else first) from None

    def build(self) -> VpnConnection:
        if not self.data.peers:
            raise ParseError("no tunnel found: no 'set vpn ipsec site-to-site peer <AWS outside IP>' line")
        used_vti: dict[str, IPAddress] = {}
        tunnels = [self.tunnel(ip, first, used_vti) for ip, first in self.data.peers.items()]
        tunnels = self.attach_bgp(tunnels)
        routing = "bgp" if any(t.bgp is not None for t in tunnels) else "static"
        if routing == "bgp":
            for t in tunnels:
                if t.bgp is None:
                    self.report.warn(
                        f"the tunnel to {t.aws_outside_ip} has no BGP neighbor while the other tunnel has one",
                        line=self.data.peers[t.aws_outside_ip],
                        field=f"peer {t.aws_outside_ip}",
                        code="vyatta-no-bgp",
                    )
        ids = {f: to_id(v.value, field=f, line=v.line) for f, v in self.data.header.items()}
        return build_connection(tunnels, self.report, routing=routing, **ids)


def parse(text: str, report: Report) -> list[VpnConnection]:
    reader = _Reader(report)
    for lineno, raw in enumerate(normalize_newlines(text).split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        if line[0] in "!#":
            m = _HEADER_ID.match(line)
            if m:
                reader.header_line(m.group(1), m.group(2), lineno)
            continue
        tokens = tokenize(line, lineno)
        if tokens[0] != "set":
            if tokens[0] not in _SESSION:
                report.warn(
                    f"ignored a line that is not a 'set' command ({describe_value(tokens[0], 30)} …)",
                    line=lineno,
                    code="vyatta-not-set",
                )
            continue
        if len(tokens) < 3:
            report.warn("ignored an incomplete 'set' command", line=lineno, code="vyatta-not-set")
            continue
        reader.statement(tokens[1:], lineno)
    return [_Builder(reader).build()]
