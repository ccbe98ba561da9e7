"""Input formats: one module per format, registered in :mod:`vpnxlate.registry`."""
