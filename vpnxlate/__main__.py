"""``python -m vpnxlate``."""

import sys

from .cli import program

sys.exit(program())
