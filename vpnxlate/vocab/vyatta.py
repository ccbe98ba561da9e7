"""The Vyatta/VyOS spellings of the model's algorithm names (AWS's Vyatta template writes
``aes128`` / ``sha1``; VyOS names AES-GCM by its ICV length in bits, 128 bits = 16 octets).

Written by ``--to aws-vyatta`` and ``--to vyos``; read back (with every other spelling) through
:mod:`vpnxlate.algorithms`, which takes its Vyatta spellings from here.
"""

from __future__ import annotations

ENCRYPTION = {
    "AES128": "aes128",
    "AES256": "aes256",
    "AES128-GCM-16": "aes128gcm128",
    "AES256-GCM-16": "aes256gcm128",
}
INTEGRITY = {"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512"}
