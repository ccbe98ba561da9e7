"""``jsonl``: vpnxlate's JSON Lines (``--to jsonl`` output) read back into the model.

Each non-blank line is one connection object with the keys of ``--to json``'s connections
(``vocab/vpnxlate_json.py``); errors name the line (``FILE:LINE: tunnels[0].psk: ...``).  A
whole file given as text is parsed here; :mod:`vpnxlate.stream` reads a JSON Lines file of any
size line by line through :func:`parse` with ``first_line``, one line in memory at a time.
"""

from __future__ import annotations

import json
import re

from ..detect import CERTAIN, NO
from ..errors import ParseError, Report, VpnxlateError
from ..model import VpnConnection
from ..vocab import vpnxlate_json as schema
from .vpnxlate_json import connection

NAME = "jsonl"
DESCRIPTION = "vpnxlate's JSON Lines (the output of --to jsonl): one connection object per line"

# the first line is an object whose first key is a connection key (vpnxlate's JSON starts with
# "vpnxlate_json" or "connections", EC2's JSON with its CamelCase keys)
_DETECT = re.compile(r'\A\ufeff?\s*\{\s*"(?:' + "|".join(map(re.escape, schema.CONNECTION)) + r')"\s*:')


def detect(text: str) -> int:
    """CERTAIN for a text whose first line is a connection object of vpnxlate's JSON."""
    return CERTAIN if _DETECT.match(text[:4096]) else NO


def parse(text: str, report: Report, *, first_line: int = 1) -> list[VpnConnection]:
    """The connection of every non-blank line of ``text``; ``first_line`` is the line number of
    its first line in the file (errors and warnings name the line of the file)."""
    out = []
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), first_line):
        if line.strip():
            out.append(_line(line, number, report))
    return out


def _line(line: str, number: int, report: Report) -> VpnConnection:
    sub = Report(report.source, policy=report.policy)
    try:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise ParseError(f"invalid JSON: {e.msg} (column {e.colno})") from None
        except RecursionError:
            raise ParseError("invalid JSON: nested too deeply") from None
        conn = connection(obj, "", sub)
    except VpnxlateError as e:
        e.line = number  # a line of JSON Lines is the whole document of its connection
        raise
    for d in sub.diagnostics:
        report.warn(d.message, line=number, field=d.field, code=d.code)
    return conn
