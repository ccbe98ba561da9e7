"""The marks ``--to vyos`` writes and the ``vyos`` reader reads back: one definition each.

Every line and name is a template; the writer fills it in (:func:`header`, :func:`connection_line`,
:func:`peer_name`, :func:`description`, :func:`cloud_config_item`), the reader matches the regex
built from the same template (:data:`HEADER_RE`, :data:`CONNECTION_LINE_RE`, :data:`PEER_NAME_RE`,
:data:`DESCRIPTION_RE`, :data:`CLOUD_CONFIG_ITEM_RE`).
"""

from __future__ import annotations

import re
import string

NOT_STATED = "-"  # an id the connection does not have, in the header's connection lines

HEADER = "# vpnxlate: VyOS {version} set-commands (vpnxlate {tool}, --to vyos --vyos-version {version} --role {role})"
# the header's part the reader needs: "# vpnxlate: VyOS 1.4 set-commands"
HEADER_MARK = HEADER.partition(" (")[0]
CONNECTION_LINE = (
    "# connection {id}: vpn-gateway {vgw}; transit-gateway {tgw}; customer-gateway {cgw}; routing {routing}"
)
PEER_NAME = "AWS-{tag}-T{index}"  # 1.4+ peers are named (1.1-1.3: by the AWS outside IP)
DESCRIPTION = "{name} tunnel {index}"  # peers and BGP neighbors
CLOUD_CONFIG = "#cloud-config"
CLOUD_CONFIG_KEY = "vyos_config_commands:"
CLOUD_CONFIG_ITEM = "  - '{command}'"  # a YAML single-quoted string: ' doubled


def _regex(template: str, **groups: str) -> str:
    """``template`` as a regex: the literal text escaped, each ``{field}`` replaced by ``groups[field]``."""
    out = []
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if field is not None:
            out.append(groups[field])
    return "".join(out)


HEADER_RE = re.compile("^" + _regex(HEADER_MARK, version=r"\d\.\d"), re.MULTILINE)
CONNECTION_LINE_RE = re.compile(
    _regex(CONNECTION_LINE, id=r"(\S+)", vgw=r"(\S+)", tgw=r"(\S+)", cgw=r"(\S+)", routing="(bgp|static)") + "$"
)
PEER_NAME_RE = re.compile(_regex(PEER_NAME, tag="([0-9a-f]{8,17})", index=r"\d+"))  # fullmatch
DESCRIPTION_RE = re.compile(_regex(DESCRIPTION, name="(vpn-[A-Za-z0-9]+)", index=r"\d+"))  # fullmatch
# matched on the stripped line; any blanks between "-" and the quote
CLOUD_CONFIG_ITEM_RE = re.compile(
    "^" + _regex(CLOUD_CONFIG_ITEM.lstrip(), command="(.*)").replace(re.escape(" "), r"\s*") + r"\s*$"
)


def header(version: str, tool: str, role: str) -> str:
    return HEADER.format(version=version, tool=tool, role=role)


def connection_line(conn_id: str | None, vgw: str | None, tgw: str | None, cgw: str | None, routing: str) -> str:
    n = NOT_STATED
    return CONNECTION_LINE.format(id=conn_id or n, vgw=vgw or n, tgw=tgw or n, cgw=cgw or n, routing=routing)


def peer_name(tag: str, index: int) -> str:
    return PEER_NAME.format(tag=tag, index=index)


def description(name: str, index: int) -> str:
    return DESCRIPTION.format(name=name, index=index)


def cloud_config_item(command: str) -> str:
    return CLOUD_CONFIG_ITEM.format(command=command.replace("'", "''"))


def cloud_config_command(item: str) -> str | None:
    """The command of a stripped ``- '...'`` line, else None."""
    m = CLOUD_CONFIG_ITEM_RE.match(item)
    return m.group(1).replace("''", "'") if m else None
