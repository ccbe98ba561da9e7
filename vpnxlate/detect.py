"""The one detection room: which input format a text is in, and why not when it is in none.

Every registered parser (``registry.INPUTS``) answers ``detect(text) -> int``, a score on the
scale below, from its own grammar only; this module asks every candidate and picks the best.
Nothing here depends on the order of ``INPUTS``.

Scores (define nothing else; a parser returns one of these):

* :data:`NO` (0) -- not this format.  A parser also answers NO for a text holding statements
  its own format never contains (the Generic template has no ``!`` comment lines, AWS's Cisco
  IOS download no ``tunnel-group``): that is knowledge of its own grammar, never a step aside
  for a sibling -- overlaps are settled by the scores.
* :data:`WEAK` (1) -- only what the format shares with others (the Generic title and an id
  line; a strongSwan/Openswan conn block without either download's marker, for Openswan).
* :data:`LIKELY` (2) -- the format's structure (set-commands of the VyOS syntax, conn blocks
  with ``right=`` and a PSK line).
* :data:`STRONG` (3) -- the structure plus a marker of this format (AWS's header, a
  ``<vpn_connection>`` element, EC2's JSON keys, ``leftauth=``).
* :data:`CERTAIN` (4) -- the format's own signature (vpnxlate's own JSON or VyOS header, the
  EC2 response's root element, the ASA-only ``tunnel-group … ipsec-l2l``, Openswan's
  ``phase2alg=``).  An EC2 response scores CERTAIN and the ``<vpn_connection>`` document it
  embeds only STRONG: the wrapper is read, and it reads the document.

The rules, in this order:

1. The highest score wins.  Two formats with the same highest score are an error
   (:class:`~vpnxlate.errors.FormatError` naming both; ``--from``/``format=`` chooses).
2. A text that does not start with ``{`` or ``<`` and shows another vendor's configuration
   statements (:func:`sniff_vendor`, structural patterns) is refused -- unless the winner is a
   vendor download vpnxlate reads (a parser module that sets ``VENDOR``).
3. No format: another vendor's name in prose, a documentation placeholder, AWS's words
   (:func:`looks_like_aws`) or nothing at all make the message.

Cheap hints keep start-up short: a format whose ``registry.INPUTS`` line declares
``starts_with`` (its text starts, after white space and ``#`` comment lines, with one of those
characters) or ``contains`` (its ``detect()`` needs that substring) is not even imported for
other texts.

A parser module may also define ``unwrap(text) -> Embedded | None``: the text is a wrapper
around a download in another format (``get-vpn-connection-device-sample-configuration``
output).  :func:`read` detects and parses the embedded text here, so no parser calls back up
into the package.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import registry
from .errors import FormatError, ParseError, PlaceholderError, Report, VpnxlateError

if TYPE_CHECKING:  # pragma: no cover
    from .model import VpnConnection
    from .parsers._common import Embedded

#: not this format
NO = 0
#: only what the format shares with others
WEAK = 1
#: the format's structure
LIKELY = 2
#: the structure plus a marker of this format
STRONG = 3
#: the format's own signature
CERTAIN = 4

#: a text starting with these is a JSON or XML document: no vendor check for it (rule 2)
_DOCUMENT_START = ("{", "<")


#: how much of a text the ``contains`` hints look at: every format with such a hint reads only the
#: first 200,000 characters in its ``detect()`` and finds its string there or scores NO (a
#: search of a whole large JSON document for each hint cost as much as parsing it)
_HINT_HEAD = 200_000


def candidates(text: str) -> list[str]:
    """Input formats worth asking ``detect()`` about (the hints of their registry lines), in registry order."""
    first = _first_character(text)
    head = text[:_HINT_HEAD]
    return [
        name
        for name, entry in registry.INPUTS.items()
        if (entry.starts_with is None or (first != "" and first in entry.starts_with))
        and (entry.contains is None or entry.contains in head)
    ]


def _first_character(text: str) -> str:
    """The first character after white space and '#' comment lines (seen before JSON in the wild)."""
    pos, end = 0, len(text)
    while pos < end:
        ch = text[pos]
        if ch in "\ufeff \t\r\n":
            pos += 1
        elif ch == "#":
            newline = text.find("\n", pos)
            if newline < 0:
                return ""
            pos = newline + 1
        else:
            return ch
    return ""


def scores(text: str) -> dict[str, int]:
    """The score of every candidate format (the others are :data:`NO` without being asked)."""
    out: dict[str, int] = {}
    for name in candidates(text):
        score = int(registry.input_module(name).detect(text))
        if not NO <= score <= CERTAIN:
            raise ValueError(f"{name}.detect() returned {score}, not a score {NO}..{CERTAIN}")
        out[name] = score
    return out


def detect_format(text: str, *, source: str | None = None) -> str:
    """Name of the input format of ``text``, or :class:`FormatError` saying what it looks like
    (messages in CLI terms)."""
    from .parsers._common import find_placeholder, normalize_newlines, placeholder_label

    plain = normalize_newlines(text)
    if not plain.strip():
        raise FormatError("empty input", source=source)
    found = scores(text)
    best = max(found.values(), default=NO)
    winners = sorted(n for n, s in found.items() if s == best) if best > NO else []
    if len(winners) > 1:
        raise FormatError(
            f"the text reads as {' and as '.join(winners)} alike; name its format "
            f"({' or '.join('--from ' + n for n in winners)})",
            source=source,
        )
    winner = winners[0] if winners else None
    vendor_download = winner is not None and getattr(registry.input_module(winner), "VENDOR", None)
    if not vendor_download and not plain.lstrip().startswith(_DOCUMENT_START):
        vendor = sniff_vendor(plain, structural_only=True)
        if vendor:
            raise _other_vendor(vendor, source)
    if winner is not None:
        return winner
    vendor = sniff_vendor(plain)
    if vendor:
        raise _other_vendor(vendor, source)
    placeholder = find_placeholder(plain)
    if placeholder:
        raise PlaceholderError(
            f"placeholder {placeholder_label(placeholder)} instead of a configuration", source=source
        )
    if looks_like_aws(plain):
        raise FormatError(
            "mentions AWS VPN terms but is in none of the formats vpnxlate reads (truncated or edited download?)",
            source=source,
        )
    raise FormatError(
        "not an AWS Site-to-Site VPN configuration (Generic, Vyatta, XML or DescribeVpnConnections output expected)",
        source=source,
    )


def _other_vendor(vendor: str, source: str | None) -> FormatError:
    read = {getattr(registry.input_module(n), "VENDOR", None) for n in registry.input_names()}
    if vendor in read:
        return FormatError(
            f"this looks like AWS's configuration download for {vendor}, but it lacks the "
            "statements vpnxlate reads it by (truncated or edited download?)",
            source=source,
        )
    return FormatError(
        f"this looks like AWS's configuration download for {vendor}; vpnxlate reads the Generic, "
        "Vyatta, XML, Cisco IOS/ASA, Juniper JunOS, strongSwan and Openswan downloads (choose one of "
        "those in the console, or use 'aws ec2 describe-vpn-connections')",
        source=source,
    )


def read(text: str, format: str | None, report: Report, *, source: str | None = None) -> list[VpnConnection]:
    """The connections of ``text`` in ``format`` (detected when None), a wrapper's embedded
    download detected and read in its own format."""
    name = format or detect_format(text, source=source)
    module = registry.input_module(name)
    unwrap = getattr(module, "unwrap", None)
    embedded = unwrap(text) if unwrap is not None else None
    if embedded is None:
        connections: list[VpnConnection] = module.parse(text, report)
        return connections
    return _read_embedded(embedded, name, report)


def _read_embedded(embedded: Embedded, wrapper: str, report: Report) -> list[VpnConnection]:
    """The download inside a wrapper; errors and warnings name the wrapper's field and line."""
    sub = Report(report.source, policy=report.policy)
    try:
        name = detect_format(embedded.text)
        if name == wrapper:
            raise ParseError(f"{embedded.field} holds another {embedded.wrapper}", field=embedded.field)
        connections = read(embedded.text, name, sub)
    except VpnxlateError as e:
        inner = f" (its line {e.line})" if e.line is not None else ""
        e.message = f"{embedded.field}{inner}: {e.message}"
        e.line = embedded.line
        raise
    for d in sub.diagnostics:
        inner = f" (its line {d.line})" if d.line is not None else ""
        report.warn(f"{embedded.field}{inner}: {d.message}", line=embedded.line, field=d.field, code=d.code)
    return connections


# ------------------------------------------------------------------ other vendors

# (vendor, pattern, structural, needles).  Structural patterns are configuration statements no AWS
# Generic/Vyatta/XML download contains; they refuse a text no vendor-download parser claims
# (rule 2).  The others (vendor names in prose) are only consulted when no parser accepted the
# text.  (Compiled when first used, through re's cache: most runs never need the prose patterns.)
# Every match of a structural pattern contains one of its needles: a text holding none is not
# searched (a substring test costs far less than searching a text for a line-anchored pattern).
_VENDORS: tuple[tuple[str, str, bool, tuple[str, ...]], ...] = (
    ("Openswan", r"tested for Openswan|^[^\S\n]*phase2alg=", True, ("tested for Openswan", "phase2alg=")),
    (
        "strongSwan",
        r"^[^\S\n]*IPSEC Tunnel #\d|^[^\S\n]*conn Tunnel\d|: PSK \"|tested for Strongswan",
        True,
        ("IPSEC Tunnel #", "conn Tunnel", ': PSK "', "tested for Strongswan"),
    ),
    (
        "Cisco",
        r"^[^\S\n]*crypto (isakmp|ikev1|ikev2|keyring|ipsec)\b|^[^\S\n]*tunnel protection ipsec",
        True,
        ("crypto ", "tunnel protection ipsec"),
    ),
    ("Juniper ScreenOS", r"^[^\S\n]*set ike (p1-proposal|p2-proposal|gateway)\b", True, ("set ike ",)),
    (
        "Juniper",
        r"^[^\S\n]*set security (ike|ipsec)\b|^[^\S\n]*set interfaces st0\b",
        True,
        ("set security ", "set interfaces st0"),
    ),
    ("Palo Alto", r"^[^\S\n]*set network (ike|tunnel)\b", True, ("set network ",)),
    ("Fortinet", r"^[^\S\n]*config vpn ipsec phase1-interface", True, ("config vpn ipsec phase1-interface",)),
    ("MikroTik", r"^[^\S\n]*/ip ipsec\b", True, ("/ip ipsec",)),
    (
        "Windows Server",
        r"New-VpnS2SInterface|Add-VpnS2SInterface",
        True,
        ("New-VpnS2SInterface", "Add-VpnS2SInterface"),
    ),
    ("Yamaha", r"^[^\S\n]*ipsec ike (pre-shared-key|local address)", True, ("ipsec ike ",)),
    ("pfSense", r"pfSense|pfsense", False, ()),
    ("Palo Alto", r"Palo Alto", False, ()),
    ("Fortinet", r"FortiGate", False, ()),
    ("MikroTik", r"MikroTik|RouterOS", False, ()),
    ("Check Point", r"Check Point|CheckPoint|SmartDashboard", False, ()),
    ("SonicWall", r"SonicWall|SonicOS", False, ()),
    ("WatchGuard", r"WatchGuard|Fireware", False, ()),
    ("Windows Server", r"Windows Server", False, ()),
    ("Sophos", r"Sophos|Cyberoam", False, ()),
    ("Zyxel", r"Zyxel|ZyWALL", False, ()),
    ("Barracuda", r"Barracuda", False, ()),
    ("F5", r"\bF5 Networks|BIG-IP", False, ()),
)


def sniff_vendor(text: str, *, structural_only: bool = False) -> str | None:
    """The vendor an AWS download that vpnxlate does not read looks like, if any."""
    head = text[:200_000]
    for vendor, pattern, strong, needles in _VENDORS:
        if structural_only and not strong:
            continue
        if needles and not any(n in head for n in needles):
            continue  # the pattern cannot match
        if re.search(pattern, head, re.MULTILINE):
            return vendor
    return None


_AWS_HINT = (
    r"Amazon Web Services|Virtual Private Cloud|vpn_connection|VpnConnection|"
    r"IPSec Tunnel #|Pre-Shared Key|vpn-[0-9a-f]{8}"
)


def looks_like_aws(text: str) -> bool:
    return bool(re.search(_AWS_HINT, text[:200_000]))
