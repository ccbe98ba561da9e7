"""``aws-openswan``: AWS's Openswan download (policy-based): prose around ``ipsec.conf``
``conn Tunnel1``/``Tunnel2`` blocks (``ike=``/``phase2alg=`` as ``enc-integ;group``) and the
secrets lines (``<CGW_OUT> <AWS_OUT>: PSK "…"``).  No inside addresses, MTU, MSS or BGP.  The
reader is shared with strongSwan (:mod:`._swan`)."""

from __future__ import annotations

import re

from ..detect import CERTAIN, WEAK
from ..errors import Report
from ..model import VpnConnection
from . import _swan

NAME = "aws-openswan"
DESCRIPTION = "AWS's Openswan download (ipsec.conf conn blocks with phase2alg=, aws.secrets)"
VENDOR = "Openswan"

_MARKER = re.compile(r"tested for Openswan|^[ \t]+phase2alg[ \t]*=", re.MULTILINE | re.IGNORECASE)


def detect(text: str) -> int:
    """CERTAIN with Openswan's marker (``phase2alg=``, which strongSwan does not know), WEAK for a
    conn block alone (AWS's Openswan download always has the marker; strongSwan scores higher)."""
    return _swan.score(text, _MARKER, marked=CERTAIN, unmarked=WEAK)


def parse(text: str, report: Report) -> list[VpnConnection]:
    return _swan.parse(text, report)
