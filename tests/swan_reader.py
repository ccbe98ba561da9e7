"""A small reader of the strongSwan files vpnxlate writes, for the property tests.

* ``ipsec.conf``: ``config setup`` and ``conn NAME`` sections with indented ``key = value``
  (or ``key=value``) lines; ``conn %default`` applies to every conn, ``also = A B`` pulls in
  other sections (recursively, before the conn's own keys); ``auto = ignore`` sections are
  profiles, not connections.
* ``ipsec.secrets``: ``ID1 ID2 : PSK "secret"`` lines.
* ``swanctl.conf``: nested ``name { ... }`` blocks of ``key = value`` lines; ``secrets``
  holds ``ike-* { id-local/id-remote/id = ..., secret = ... }`` blocks.

It is deliberately strict: any line it does not understand raises ``SwanSyntaxError`` (so an
injected newline or brace in a value shows up as a test failure).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class SwanSyntaxError(ValueError):
    pass


_KV = re.compile(r"^([A-Za-z0-9_.%-]+)\s*=\s*(.*?)\s*$")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse_ipsec_conf(text: str) -> dict[str, dict[str, str]]:
    """Raw sections: ``{"conn NAME": {key: value}, "config setup": {...}}``."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace():
            m = re.match(r"^(conn|config|ca|include)\s+(\S+)$", stripped)
            if not m:
                raise SwanSyntaxError(f"ipsec.conf:{n}: not a section header: {stripped!r}")
            name = f"{m.group(1)} {m.group(2)}"
            if name in sections:
                raise SwanSyntaxError(f"ipsec.conf:{n}: section {name} twice")
            current = sections[name] = {}
            continue
        if current is None:
            raise SwanSyntaxError(f"ipsec.conf:{n}: setting outside a section")
        m = _KV.match(stripped)
        if not m:
            raise SwanSyntaxError(f"ipsec.conf:{n}: not key = value: {stripped!r}")
        if m.group(1) in current:
            raise SwanSyntaxError(f"ipsec.conf:{n}: {m.group(1)} set twice")
        current[m.group(1)] = _unquote(m.group(2))
    return sections


def resolve_conns(sections: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Every connection (not ``%default``, not ``auto = ignore`` profiles) with ``%default``
    and ``also =`` resolved; ``also`` itself is dropped."""
    default = sections.get("conn %default", {})

    def expand(name: str, seen: tuple[str, ...]) -> dict[str, str]:
        if name in seen:
            raise SwanSyntaxError(f"also= loop through {name}")
        own = sections.get(f"conn {name}")
        if own is None:
            raise SwanSyntaxError(f"also = {name}: no such conn")
        out: dict[str, str] = {}
        for inc in own.get("also", "").split():
            out.update(expand(inc, (*seen, name)))
        out.update({k: v for k, v in own.items() if k != "also"})
        return out

    conns = {}
    for key in sections:
        kind, _, name = key.partition(" ")
        if kind != "conn" or name == "%default":
            continue
        settings = dict(default)
        settings.update(expand(name, ()))
        if settings.get("auto") == "ignore":
            continue
        conns[name] = settings
    return conns


_SECRET = re.compile(r'^(\S+)(?:\s+(\S+))?\s*:\s*PSK\s+"([^"\\]*)"$')


def parse_ipsec_secrets(text: str) -> dict[tuple[str, ...], str]:
    """``{(id1, id2): secret}``."""
    out: dict[tuple[str, ...], str] = {}
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _SECRET.match(line)
        if not m:
            raise SwanSyntaxError(f"ipsec.secrets:{n}: not 'ID ID : PSK \"...\"': {line[:20]!r}...")
        ids = tuple(i for i in (m.group(1), m.group(2)) if i)
        if ids in out:
            raise SwanSyntaxError(f"ipsec.secrets:{n}: {ids} twice")
        out[ids] = m.group(3)
    return out


def parse_swanctl(text: str) -> dict[str, Any]:
    """Nested dicts of a swanctl.conf."""
    root: dict[str, Any] = {}
    stack = [root]
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([A-Za-z0-9_.%-]+)\s*\{$", line)
        if m:
            block: dict[str, Any] = {}
            if m.group(1) in stack[-1]:
                raise SwanSyntaxError(f"swanctl.conf:{n}: block {m.group(1)} twice")
            stack[-1][m.group(1)] = block
            stack.append(block)
            continue
        if line == "}":
            if len(stack) == 1:
                raise SwanSyntaxError(f"swanctl.conf:{n}: unbalanced }}")
            stack.pop()
            continue
        m = _KV.match(line)
        if not m or "{" in line or "}" in line:
            raise SwanSyntaxError(f"swanctl.conf:{n}: not key = value: {line[:30]!r}")
        if m.group(1) in stack[-1]:
            raise SwanSyntaxError(f"swanctl.conf:{n}: {m.group(1)} set twice")
        stack[-1][m.group(1)] = _unquote(m.group(2))
    if len(stack) != 1:
        raise SwanSyntaxError("swanctl.conf: unclosed block")
    return root


def swanctl_secrets(doc: dict[str, Any]) -> dict[tuple[str, ...], str]:
    """``{(local id, remote id): secret}`` from the ``secrets`` block."""
    out: dict[tuple[str, ...], str] = {}
    for name, block in doc.get("secrets", {}).items():
        if not name.startswith("ike"):
            continue
        ids = tuple(v for k, v in sorted(block.items()) if k.startswith("id"))
        out[ids] = block["secret"]
    return out


@dataclass(frozen=True)
class TunnelNaming:
    """What the emitted configuration calls one tunnel."""

    section: str  # the conn / connection name
    mark: int  # the CHILD_SA mark (VTI key) or XFRM if_id
    interface: str  # the tunnel interface the updown script makes (its -ln argument)


_LN = re.compile(r"(?:^|\s)-ln (\S+)")


def _interface(updown: str) -> str:
    m = _LN.search(updown)
    if not m:
        raise SwanSyntaxError(f"updown without -ln: {updown[:40]!r}")
    return m.group(1)


def tunnel_naming(files: Mapping[str, str]) -> dict[str, TunnelNaming]:
    """By AWS outside IP: the name, mark and interface the emitted files give each tunnel, read
    from every ``*.conf`` among them: ipsec.conf (strongSwan) and Libreswan's ``aws-*.conf`` (a
    conn's ``right``, ``mark``, the ``-ln`` of ``leftupdown``) and swanctl.conf (a connection's
    ``remote_addrs``, its child's ``mark_in`` or ``if_id_in`` and the ``-ln`` of ``updown``)."""
    out: dict[str, TunnelNaming] = {}

    def add(aws_ip: str, naming: TunnelNaming) -> None:
        if aws_ip in out:
            raise SwanSyntaxError(f"two tunnels to {aws_ip}")
        out[aws_ip] = naming

    for name, text in files.items():
        if name == "swanctl.conf":
            for section, conn in parse_swanctl(text).get("connections", {}).items():
                ((child_name, child),) = conn["children"].items()
                mark = child.get("mark_in", child.get("if_id_in"))
                if child_name != section or mark is None or mark != child.get("mark_out", child.get("if_id_out")):
                    raise SwanSyntaxError(f"swanctl.conf: connection {section}: child or mark does not match")
                add(conn["remote_addrs"], TunnelNaming(section, int(mark), _interface(child["updown"])))
        elif name.endswith(".conf") and re.search(r"^conn ", text, re.M):
            for key, settings in parse_ipsec_conf(text).items():
                kind, _, section = key.partition(" ")
                if kind == "conn" and "right" in settings and "mark" in settings:
                    mark = int(settings["mark"].split("/")[0])
                    add(settings["right"], TunnelNaming(section, mark, _interface(settings["leftupdown"])))
    return out


# strongSwan algorithm keywords of the model's names
ENC = {"AES128": "aes128", "AES256": "aes256", "AES128-GCM-16": "aes128gcm16", "AES256-GCM-16": "aes256gcm16"}
INTEG = {"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512"}
DH = {
    2: "modp1024",
    5: "modp1536",
    14: "modp2048",
    15: "modp3072",
    16: "modp4096",
    17: "modp6144",
    18: "modp8192",
    19: "ecp256",
    20: "ecp384",
    21: "ecp521",
    22: "modp1024s160",
    23: "modp2048s224",
    24: "modp2048s256",
}


def proposal_sets(text: str) -> tuple[set[str], set[str], set[int]]:
    """(encryptions, integrities, DH groups) named anywhere in a proposal list, as model names."""
    enc_of = {v: k for k, v in ENC.items()}
    integ_of = {v: k for k, v in INTEG.items()}
    dh_of = {v: k for k, v in DH.items()}
    encs: set[str] = set()
    integs: set[str] = set()
    groups: set[int] = set()
    for proposal in text.replace(" ", "").rstrip("!").split(","):
        for token in proposal.split("-"):
            token = token.rstrip("!")
            if token in enc_of:
                encs.add(enc_of[token])
            elif token.removeprefix("prf") in integ_of:
                integs.add(integ_of[token.removeprefix("prf")])
            elif token in dh_of:
                groups.add(dh_of[token])
            else:
                raise SwanSyntaxError(f"unknown proposal keyword {token!r} in {text!r}")
    return encs, integs, groups
