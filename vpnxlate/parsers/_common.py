"""Helpers shared by the parsers: value conversion with located errors, placeholders, the
:class:`Embedded` result of a wrapper's ``unwrap()``.  Nothing here imports lxml.  (Detection,
other vendors included, is :mod:`vpnxlate.detect`.)"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from .. import algorithms
from ..diagnostics import relocate
from ..errors import (
    ParseError,
    PlaceholderError,
    ValidationError,
    VpnxlateError,
    could_be_key,
    describe_value,
    escape_text,
    unsafe_character,
)
from ..model import AWS_ID_RE, check_id, check_secret

T = TypeVar("T")

# Documentation placeholders seen in AWS docs and templates instead of real values.
PLACEHOLDER_RE = re.compile(
    r"YOUR_[A-Z_]+|<\s*(?:LOCAL|REMOTE|VPC)[A-Z _]*>|PRE-SHARED-KEY-IN-PLAIN-TEXT|\[\s*hidden\s*\]"
    r"|\.\.\.?\s*configuration information\s*\.\.\.?|contents-of-the-sample-configuration-file"
    r"|^plain-text-password\d*$|^X{6,}$"
    # vendor documentation samples (Cisco: CUSTOMER_IP, PASSWORD, AWS_ENDPOINT_1, password_here)
    r"|^CUSTOMER_IP$|^PASSWORD$|^password_here$|^pre-shared-key$|^AWS_ENDPOINT_\d$",
    re.IGNORECASE,
)


def normalize_newlines(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def find_placeholder(text: str) -> str | None:
    m = PLACEHOLDER_RE.search(text)
    return m.group(0) if m else None


# The placeholder spellings a message may name (AWS's documentation and templates).  What the
# open patterns (YOUR_..., XXXXXX, plain-text-password) matched is input text, maybe part of a
# key: it is never echoed, only described.
KNOWN_PLACEHOLDERS = frozenset(
    {
        "your_uplink_address",
        "your_bgp_asn",
        "your_psk_here",
        "pre-shared-key-in-plain-text",
        "[hidden]",
        "contents-of-the-sample-configuration-file",
    }
)


def placeholder_label(found: str, value: str | None = None) -> str:
    """How a message names a placeholder match: a known spelling, or a match that is the whole
    ``value`` (then the value is a placeholder, not a key), quoted; anything else (part of a
    value, maybe of a key) only described."""
    if found.lower() in KNOWN_PLACEHOLDERS or (
        value is not None and value.strip() == found and unsafe_character(found) is None
    ):
        return repr(found)
    if "configuration information" in found.lower():
        return "'...configuration information...'"
    return f"(a documentation placeholder of {len(found)} characters)"


def _secret_field(field: str | None) -> bool:
    """A field that holds (or is named like one that holds) a pre-shared key: a placeholder match
    there is named only when it is a known spelling."""
    name = (field or "").lower()
    return any(w in name for w in ("psk", "pre-shared", "pre_shared", "preshared", "secret", "key"))


def check_placeholder(value: str, *, field: str | None, line: int | None = None) -> None:
    found = find_placeholder(value)
    if found:
        label = placeholder_label(found, None if _secret_field(field) else value)
        raise PlaceholderError(
            f"placeholder {label} instead of a value: this is a documentation sample, not a "
            "download for a real VPN connection",
            field=field,
            line=line,
        )


def located(fn: Callable[..., T], value: Any, *, field: str, line: int | None = None, **kw: Any) -> T:
    """Call a converter; give any error the field and line."""
    try:
        return fn(value, **kw)
    except VpnxlateError as e:
        raise relocate(e, field=field, line=line) from None
    except (ValueError, TypeError) as e:
        # the exception's text may quote the value: shown only when describe_value shows the value
        detail = "" if could_be_key(str(value)) else f": {escape_text(str(e))}"
        raise ParseError(f"invalid value {describe_value(value)}{detail}", field=field, line=line) from None


# Dotted-quad IPv4 exactly as ipaddress accepts it (ASCII digits, no leading zeros, 0-255),
# with an optional decimal prefix length 0-32.  Parsing these here and building the objects
# from integers is several times faster than ipaddress's string parsing; anything else (IPv6,
# netmask prefixes, invalid text) still goes through ipaddress, errors included.
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_RE = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?:/([0-9]|[12][0-9]|3[0-2]))?")


def _quad(text: str) -> tuple[int, int | None] | None:
    """``a.b.c.d[/n]`` -> (address as int, prefix length or None); None for anything else."""
    m = _IPV4_RE.fullmatch(text)
    if m is None:
        return None
    a, b, c, d, prefix = m.groups()
    return int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d), None if prefix is None else int(prefix)


def ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """:func:`ipaddress.ip_address` of a string (same result, same errors), faster for IPv4."""
    quad = _quad(text)
    if quad is None or quad[1] is not None:
        return ipaddress.ip_address(text)
    return ipaddress.IPv4Address(quad[0])


def ip_interface(text: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    """:func:`ipaddress.ip_interface` of a string (same result, same errors), faster for IPv4."""
    quad = _quad(text)
    if quad is None:
        return ipaddress.ip_interface(text)
    ip, prefix = quad
    return ipaddress.IPv4Interface((ip, 32 if prefix is None else prefix))


def to_ip(value: str, *, field: str, line: int | None = None) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    text = value.strip()
    quad = _quad(text)
    if quad is None:  # a dotted quad holds no placeholder
        check_placeholder(text, field=field, line=line)
    elif quad[1] is None:
        return ipaddress.IPv4Address(quad[0])  # what ip_address(text) returns, without parsing again
    try:
        return ip_address(text)
    except ValueError:
        raise ParseError(f"not an IP address: {describe_value(text)}", field=field, line=line) from None


def to_interface(
    value: str, *, field: str, line: int | None = None, default_prefix: int | None = None
) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    text = value.strip()
    quad = _quad(text)
    if quad is None:  # a dotted quad holds no placeholder
        check_placeholder(text, field=field, line=line)
    elif quad[1] is not None:
        return ipaddress.IPv4Interface(quad)  # what ip_interface(text) returns, without parsing again
    if "/" not in text and default_prefix is not None:
        text = f"{text}/{default_prefix}"
    try:
        return ip_interface(text)
    except ValueError:
        raise ParseError(f"not an address with prefix: {describe_value(text)}", field=field, line=line) from None


# (the unit and its trailing blanks in one optional group: two \s* runs side by side backtrack
# quadratically over a long run of blanks)
_INT_RE = re.compile(r"^\s*(\d{1,12})\s*(?:(?:seconds?|secs?|s|bytes?)\s*)?$", re.IGNORECASE)


def to_int(value: str | int, *, field: str, line: int | None = None) -> int:
    """``28800``, ``28800 seconds``, ``1379 bytes`` -> int."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdecimal() and len(value) <= 12:
        return int(value)  # the common case: digits only (no unit, no placeholder, no blanks)
    text = str(value)
    check_placeholder(text, field=field, line=line)
    m = _INT_RE.match(text)
    if not m:
        raise ParseError(f"not a number: {describe_value(text)}", field=field, line=line)
    return int(m.group(1))


_TRUE = {"true", "enabled", "enable", "yes", "on", "1", "before encryption"}
_FALSE = {"false", "disabled", "disable", "no", "off", "0", "after encryption"}


def to_bool(value: str | bool, *, field: str, line: int | None = None) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ParseError(f"not a yes/no value: {describe_value(value)}", field=field, line=line)


def to_psk(value: str, *, field: str = "psk", line: int | None = None) -> str:
    text = value.strip()
    check_placeholder(text, field=field, line=line)
    try:
        check_secret(text, field)
    except ValidationError as e:
        raise e.located(line=line) from None
    return text


def to_id(value: str | None, *, field: str, line: int | None = None) -> str | None:
    """A resource id (vpn-…, vgw-…, cgw-…, tgw-…); empty means absent (transit gateway VGW id)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if AWS_ID_RE.fullmatch(text):
        return text  # AWS's own id shape: no placeholder matches it, check_id accepts it
    check_placeholder(text, field=field, line=line)
    try:
        return check_id(text, field)
    except ValidationError as e:
        raise e.located(line=line) from None


def to_asn(value: str | int, *, field: str, line: int | None = None) -> int:
    n = to_int(value, field=field, line=line)
    if not 1 <= n <= 4294967295:
        raise ValidationError(f"ASN {n} is out of range (1..4294967295)", field=field, line=line)
    return n


def algos(
    fn: Callable[..., T], values: list[Any] | tuple[Any, ...], *, field: str, line: int | None = None
) -> tuple[T, ...]:
    """Map a list of spellings through an algorithms.* function, dropping repeats, keeping order."""
    out: list[T] = []
    for v in values:
        canon = located(fn, v, field=field, line=line)
        if canon not in out:
            out.append(canon)
    return tuple(out)


encryption = algorithms.encryption
integrity = algorithms.integrity
dh_group = algorithms.dh_group
ike_version = algorithms.ike_version


# ------------------------------------------------------------------ wrappers


class Embedded(NamedTuple):
    """A download held in a wrapper's field (a parser's ``unwrap()`` result): the detection room
    (:func:`vpnxlate.detect.read`) detects and reads it; messages name ``field`` and ``line``."""

    text: str
    field: str
    line: int | None
    #: what a wrapper inside the wrapper is called in the error ("JSON wrapper")
    wrapper: str
