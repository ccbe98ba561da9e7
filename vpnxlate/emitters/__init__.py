"""Output targets: one module per target, registered in :mod:`vpnxlate.registry`."""
