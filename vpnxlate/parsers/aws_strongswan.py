"""``aws-strongswan``: AWS's strongSwan download (route-based, VTI): prose around ``ipsec.conf``
``conn Tunnel1``/``Tunnel2`` blocks, ``ipsec.secrets`` lines and the ``ip link``/``ip addr``
commands of the tunnel interfaces.  The reader is shared with Openswan (:mod:`._swan`, which
lists where each value lives)."""

from __future__ import annotations

import re

from ..detect import LIKELY, STRONG
from ..errors import Report
from ..model import VpnConnection
from . import _swan

NAME = "aws-strongswan"
DESCRIPTION = "AWS's strongSwan download (ipsec.conf conn blocks, ipsec.secrets, VTI commands)"
VENDOR = "strongSwan"

_MARKER = re.compile(
    r"tested for Strongswan|^[ \t]+leftauth[ \t]*=|aws-updown\.sh|type[ \t]+vti\b", re.MULTILINE | re.IGNORECASE
)


def detect(text: str) -> int:
    """STRONG with a strongSwan marker (``leftauth=``, ``aws-updown.sh``, ...), LIKELY for a conn
    block with ``right=`` and a PSK line alone (Openswan's ``phase2alg=`` scores higher there)."""
    return _swan.score(text, _MARKER, marked=STRONG, unmarked=LIKELY)


def parse(text: str, report: Report) -> list[VpnConnection]:
    return _swan.parse(text, report)
