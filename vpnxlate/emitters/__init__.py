"""Output targets: one module per target, registered in :mod:`vpnxlate.registry`.

What a writer of a new target builds on (public; implemented in ``_base.py``):

* :class:`OutputFile` -- one generated file (name, content, mode; ``secret`` files are 0600);
* :func:`unsupported` -- the one way a target reports what it cannot express (a warning with a
  code of :data:`vpnxlate.diagnostics.CODES`, an error under ``--strict``/``--error-on``).
"""

from ._base import OutputFile, unsupported

__all__ = ["OutputFile", "unsupported"]
