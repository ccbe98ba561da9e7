"""Input formats: one module per format, registered in :mod:`vpnxlate.registry`.

What a writer of a new parser builds on (public; implemented in ``_common.py``):

* :func:`find_placeholder` -- the documentation placeholder (``YOUR_UPLINK_ADDRESS``,
  ``<LOCAL IP>``, ``XXXXXX``, ...) in a text, or None;
* :func:`check_placeholder` -- the rule every parser applies to a value: a placeholder is a
  :class:`~vpnxlate.errors.PlaceholderError` (a key-like match is described, never echoed).

(The safe XML reader is :mod:`vpnxlate.safexml`.)
"""

from ._common import check_placeholder, find_placeholder

__all__ = ["check_placeholder", "find_placeholder"]
