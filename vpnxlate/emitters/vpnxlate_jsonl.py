"""``--to jsonl``: the model as JSON Lines, one connection object per line.

Each line is the connection object ``--to json`` writes (the same keys, from
``vocab/vpnxlate_json.py``; null = not stated), compact and ASCII-only, so a line never holds a
raw newline, control character or U+2028 of an input value.  Lines are sorted by connection id
and first outside IP: the file is the same whatever the order of the inputs, and one line per
connection diffs well.  Warnings go to stderr only (a line-wise file has no place for them).

    vpnxlate convert aws: --to jsonl | jq -c 'select(.routing == "bgp")'
"""

from __future__ import annotations

import json

import attrs

from ..errors import Report
from ..model import VpnConnection, address_key
from ..options import REDACTED, TargetOptions, cli_options
from ._base import OutputFile
from .vpnxlate_json import connection_dict

NAME = "jsonl"
DESCRIPTION = "the neutral model as JSON Lines: one connection object per line (keys as --to json)"
#: each connection is written on its own (vpnxlate.stream converts one at a time, in bounded memory)
PER_CONNECTION = True


@attrs.frozen(kw_only=True, slots=False)
class Options(TargetOptions):
    """The target takes no options of its own (``redact`` as every target)."""


OPTIONS = cli_options(Options)


def _order(c: VpnConnection) -> tuple[str, tuple[int, int]]:
    return c.vpn_connection_id or "", address_key(c.tunnels[0].aws_outside_ip)


def emit(connections: list[VpnConnection], report: Report, options: Options) -> list[OutputFile]:
    lines = [
        json.dumps(connection_dict(c, options), ensure_ascii=True, separators=(",", ":"))
        for c in sorted(connections, key=_order)
    ]
    has_secret = not options.redact and any(t.psk not in (None, REDACTED) for c in connections for t in c.tunnels)
    return [OutputFile("vpn.jsonl", "\n".join(lines) + "\n", secret=has_secret)]
