"""``aws-openswan``: AWS's Openswan download (policy-based): prose around ``ipsec.conf``
``conn Tunnel1``/``Tunnel2`` blocks (``ike=``/``phase2alg=`` as ``enc-integ;group``) and the
secrets lines (``<CGW_OUT> <AWS_OUT>: PSK "…"``).  No inside addresses, MTU, MSS or BGP.  The
reader is shared with strongSwan (:mod:`._swan`)."""

from __future__ import annotations

import re

from ..errors import Report
from ..model import VpnConnection
from . import _swan

NAME = "aws-openswan"
DESCRIPTION = "AWS's Openswan download (ipsec.conf conn blocks with phase2alg=, aws.secrets)"
VENDOR = "Openswan"

_MARKER = re.compile(r"tested for Openswan|^[ \t]+phase2alg[ \t]*=", re.MULTILINE | re.IGNORECASE)


def detect(text: str) -> bool:
    return _swan.looks_like(text, _MARKER)


def parse(text: str, report: Report) -> list[VpnConnection]:
    return _swan.parse(text, report)
