"""The reader shared by ``aws-strongswan`` and ``aws-openswan``: AWS's downloads for those two
daemons are prose around ``ipsec.conf`` ``conn`` blocks, an ``ipsec.secrets`` line per tunnel and
(strongSwan) the shell commands that create the VTI interfaces.

Per ``conn`` block (a tunnel, identified by ``right=`` — the AWS outside IP):

* ``leftid=`` -> customer outside IP (``left=`` when it is an address and ``leftid`` is absent);
* ``ike=`` / ``esp=`` (strongSwan ``enc-integ-group``) and ``ike=`` / ``phase2alg=`` (Openswan
  ``enc-integ;group``), comma-separated proposals, a trailing ``!`` -> algorithm lists;
* ``keyexchange=ikev1|ikev2`` (``ike`` + ``ikev2=insist`` -> IKEv2; Openswan's ``ike`` -> IKEv1);
* ``ikelifetime=`` / ``lifetime=`` / ``keylife=`` (``8h``, ``1h``, ``3600s``, bare seconds);
* ``dpddelay=`` -> DPD interval, ``dpdtimeout=`` -> DPD timeout (retries = timeout / delay),
  ``dpdaction=`` (clear/restart/none) and ``auto=`` (start/add) -> the model's actions;
* ``type=tunnel|transport`` -> IPsec mode;
* the secrets line ``<CGW_OUT> <AWS_OUT> : PSK "<PSK>"`` (any spacing before the colon);
* strongSwan: ``ip link add TunnelN type vti local … remote <AWS_OUT> key 100``,
  ``ip addr add <CGW_IN>/30 remote <AWS_IN>/30 dev TunnelN``, ``ip link set TunnelN up mtu 1419``
  and the (often commented) ``leftupdown="… -ln TunnelN -ll <CGW_IN>/30 -lr <AWS_IN>/30 …"``
  -> inside addresses and MTU.

Values after `` #`` on a key line are comments (edited files).  Placeholders
(``<LOCAL NETWORK>``, ``xxx.xxx.xxx.xxx/30``) are refused where a value is read.
"""

from __future__ import annotations

import re

from ..detect import NO
from ..errors import ParseError, Report
from ..model import VpnConnection
from ._common import (
    algos,
    check_placeholder,
    dh_group,
    encryption,
    integrity,
    normalize_newlines,
    to_interface,
    to_ip,
    to_psk,
)
from ._vendor import Facts, connections, header_blocks, seconds

_CONN = re.compile(r"^[ \t]*conn[ \t]+(\S+)[ \t]*$")
_KEY = re.compile(r"^[ \t]+(?:#[ \t]*)?([a-z0-9_-]+)[ \t]*=[ \t]*(.*?)[ \t]*$")
_SECRET = re.compile(r'^[ \t]*(\S+)[ \t]+(\S+)[ \t]*:[ \t]*PSK[ \t]+"([^"\n]*)"[ \t]*$', re.MULTILINE)
_LINK = re.compile(r"ip[ \t]+link[ \t]+add[ \t]+(\S+)[ \t]+type[ \t]+vti\b.*?\bremote[ \t]+(\S+)")
_ADDR = re.compile(r"ip[ \t]+addr[ \t]+add[ \t]+(\S+)[ \t]+remote[ \t]+(\S+)[ \t]+dev[ \t]+(\S+)")
_MTU = re.compile(r"ip[ \t]+link[ \t]+set[ \t]+(\S+)[ \t]+up[ \t]+mtu[ \t]+(\d+)")
_UPDOWN = re.compile(r"-ln[ \t]+(\S+).*?-ll[ \t]+(\S+)[ \t]+-lr[ \t]+(\S+)")
_ACTIONS = {"clear": "clear", "restart": "restart", "none": "none", "hold": None, "restart_by_peer": None}


def _conns(lines: list[str]) -> list[tuple[str, int, dict[str, tuple[str, int]], list[tuple[str, int]]]]:
    """(name, line, {key: (value, line)}, commented lines) of every ``conn`` block."""
    out = []
    i = 0
    while i < len(lines):
        m = _CONN.match(lines[i])
        if not m:
            i += 1
            continue
        name, start = m.group(1), i + 1
        keys: dict[str, tuple[str, int]] = {}
        comments: list[tuple[str, int]] = []
        i += 1
        while i < len(lines) and (lines[i][:1] in (" ", "\t") or not lines[i].strip()):
            raw = lines[i]
            if raw.strip().startswith("#"):
                comments.append((raw, i + 1))
            else:
                km = _KEY.match(raw)
                if km:
                    value = km.group(2)
                    if not value.startswith('"'):
                        value = re.split(r"[ \t]+#", value, maxsplit=1)[0].strip()
                    keys[km.group(1)] = (value, i + 1)
            i += 1
        out.append((name, start, keys, comments))
    return out


def _proposals(value: str, *, part: str, line: int, f: Facts) -> None:
    """``aes128-sha1-modp1024,aes256-sha256-modp2048!`` (or ``aes128-sha1;modp1024``) -> lists."""
    check_placeholder(value, field=part, line=line)
    enc: list[str] = []
    integ: list[str] = []
    groups: list[str] = []
    for proposal in value.rstrip("!").split(","):
        words = [w for w in re.split(r"[-;]", proposal.strip()) if w]
        for w in words:
            low = w.lower()
            if low.startswith(("modp", "ecp", "curve")) or re.fullmatch(r"(?:group|dh)\d+", low):
                groups.append(w)
            elif low.startswith(("aes", "3des", "des", "chacha", "camellia")):
                enc.append(w)
            else:
                integ.append(w)
    if enc:
        f.set(f"{part}.encryption", algos(encryption, enc, field=f"{part}.encryption", line=line), line)
    if integ:
        f.set(f"{part}.integrity", algos(integrity, integ, field=f"{part}.integrity", line=line), line)
    if groups:
        field = "ike.dh_groups" if part == "ike" else "ipsec.pfs_dh_groups"
        f.set(field, algos(dh_group, groups, field=field, line=line), line)


def parse(text: str, report: Report) -> list[VpnConnection]:
    text = normalize_newlines(text)
    lines = text.split("\n")
    headers = header_blocks(text)
    secrets: dict[str, tuple[str, str, int]] = {}
    for m in _SECRET.finditer(text):
        secrets[m.group(2)] = (m.group(1), m.group(3), text.count("\n", 0, m.start()) + 1)
    links: dict[str, str] = {}
    addrs: dict[str, tuple[str, str, int]] = {}
    mtus: dict[str, tuple[str, int]] = {}
    for n, raw in enumerate(lines, 1):
        if (link := _LINK.search(raw)) is not None:
            links[link.group(2)] = link.group(1)
        if (addr := _ADDR.search(raw)) is not None:
            addrs[addr.group(3)] = (addr.group(1), addr.group(2), n)
        if (mtu := _MTU.search(raw)) is not None:
            mtus[mtu.group(1)] = (mtu.group(2), n)
    tunnels = []
    for name, start, keys, comments in _conns(lines):
        if "right" not in keys:
            continue
        f = Facts(start)
        right, rline = keys["right"]
        aws = to_ip(right, field="aws_outside_ip", line=rline)
        f.set("aws_outside_ip", aws, rline)
        if "leftid" in keys:
            value, line = keys["leftid"]
            f.set("cgw_outside_ip", to_ip(value.strip('"').lstrip("@"), field="cgw_outside_ip", line=line), line)
        elif "left" in keys and not keys["left"][0].startswith("%"):
            value, line = keys["left"]
            f.set("cgw_outside_ip", to_ip(value, field="cgw_outside_ip", line=line), line)
        secret = secrets.get(right)
        if secret is not None:
            f.set("psk", to_psk(secret[1], line=secret[2]), secret[2])
            if "cgw_outside_ip" not in f.values:
                f.set("cgw_outside_ip", to_ip(secret[0], field="cgw_outside_ip", line=secret[2]), secret[2])
        _options(f, keys)
        iface = links.get(right) or name
        updown = None
        for raw, line in [*comments, *((v, ln) for k, (v, ln) in keys.items() if k == "leftupdown")]:
            found = _UPDOWN.search(raw)
            if found:
                updown = (found.group(1), found.group(2), found.group(3), line)
        if updown is not None:
            iface = updown[0]
            cgw_in, aws_in, line = updown[1], updown[2], updown[3]
        elif iface in addrs:
            cgw_in, aws_in, line = addrs[iface]
        else:
            cgw_in = aws_in = None
            line = start
        if cgw_in is not None and aws_in is not None:
            f.set("cgw_inside", to_interface(cgw_in, field="cgw_inside", line=line), line)
            f.set("aws_inside", to_interface(aws_in, field="aws_inside", line=line), line)
        if iface in mtus:
            value, line = mtus[iface]
            f.set("mtu", int(value), line)
        tunnels.append((None, f))
    if not tunnels:
        raise ParseError("no 'conn' block with 'right=' found")
    return connections(report, tunnels, headers)


def _options(f: Facts, keys: dict[str, tuple[str, int]]) -> None:
    get = keys.get
    if (v := get("ike")) is not None:
        _proposals(v[0], part="ike", line=v[1], f=f)
    esp = get("phase2alg") or get("esp")
    if esp is not None:
        _proposals(esp[0], part="ipsec", line=esp[1], f=f)
        f.set("ipsec.protocol", "esp", esp[1])
    if (v := get("keyexchange")) is not None:
        kx = v[0].lower()
        insist = (get("ikev2") or ("", 0))[0].lower() in ("insist", "yes")
        version = {"ikev1": "ikev1", "ikev2": "ikev2"}.get(kx, "ikev2" if insist else "ikev1")
        f.set("ike.versions", (version,), v[1])
    for key, field in (
        ("ikelifetime", "ike.lifetime_s"),
        ("lifetime", "ipsec.lifetime_s"),
        ("keylife", "ipsec.lifetime_s"),
    ):
        if (v := get(key)) is not None:
            f.set(field, seconds(v[0], field=field, line=v[1]), v[1])
    delay = timeout = None
    if (v := get("dpddelay")) is not None:
        delay = seconds(v[0], field="dpd_interval_s", line=v[1])
        f.set("dpd_interval_s", delay, v[1])
    if (v := get("dpdtimeout")) is not None:
        timeout = seconds(v[0], field="dpd_timeout_s", line=v[1])
        f.set("dpd_timeout_s", timeout, v[1])
        if delay and timeout % delay == 0 and timeout // delay >= 1:
            f.set("dpd_retries", timeout // delay, v[1])
    if (v := get("dpdaction")) is not None:
        f.set("dpd_timeout_action", _ACTIONS.get(v[0].lower()), v[1])
    if (v := get("auto")) is not None and v[0].lower() in ("start", "add"):
        f.set("startup_action", v[0].lower(), v[1])
    if (v := get("type")) is not None and v[0].lower() in ("tunnel", "transport"):
        f.set("ipsec.mode", v[0].lower(), v[1])


def score(text: str, marker: re.Pattern[str], *, marked: int, unmarked: int) -> int:
    """An AWS strongSwan/Openswan download: ``marked`` with the download's marker, ``unmarked``
    for a conn block with right= and a PSK line alone, else NO (a score of vpnxlate.detect)."""
    head = text[:200_000]
    if "right" not in head:  # no tunnel without right= (the registry's contains= hint relies on it)
        return NO
    if marker.search(head):
        return marked
    conn = (
        re.search(r"^[ \t]*conn[ \t]+\S+[ \t]*$", head, re.MULTILINE)
        and re.search(r"^[ \t]+right[ \t]*=", head, re.MULTILINE)
        and _SECRET.search(head)
    )
    return unmarked if conn else NO
