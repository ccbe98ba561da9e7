"""The one table that turns every algorithm spelling AWS (and VyOS/Vyatta) uses into the
model's vocabulary, which is AWS's TunnelOptions vocabulary (vendor downloads included: Cisco
``aes 128`` / ``esp-aes 128`` / ``esp-sha-hmac`` / ``aes-cbc-128``, JunOS ``aes-128-cbc`` /
``hmac-sha1-96``, strongSwan/Openswan ``modp1024``):

* encryption: ``AES128``, ``AES256``, ``AES128-GCM-16``, ``AES256-GCM-16``
* integrity: ``SHA1``, ``SHA2-256``, ``SHA2-384``, ``SHA2-512``
* Diffie-Hellman groups: integers (2, 5, 14-24)
* IKE versions: ``ikev1``, ``ikev2``

Unknown spellings raise :class:`~vpnxlate.errors.ValidationError` naming the value; they are
never dropped.
"""

from __future__ import annotations

import re

from .errors import ValidationError, describe_value
from .vocab import vyatta as _vyatta

# The model's names and AWS's accepted defaults live in the AWS vocabulary (re-exported here).
from .vocab.aws import (
    AWS_DEFAULTS as AWS_DEFAULTS,
)
from .vocab.aws import (
    DH_GROUPS as DH_GROUPS,
)
from .vocab.aws import (
    ENCRYPTIONS as ENCRYPTIONS,
)
from .vocab.aws import (
    GCM_ENCRYPTIONS as GCM_ENCRYPTIONS,
)
from .vocab.aws import (
    IKE_VERSIONS as IKE_VERSIONS,
)
from .vocab.aws import (
    INTEGRITIES as INTEGRITIES,
)
from .vocab.aws import (
    PHASE1_DH_GROUPS as PHASE1_DH_GROUPS,
)
from .vocab.aws import (
    PHASE2_DH_GROUPS as PHASE2_DH_GROUPS,
)


def _key(text: str) -> str:
    """Normalise a spelling for lookup: lower case, no separators."""
    return re.sub(r"[\s_\-.:/()]+", "", text.strip().lower())


# spelling key -> canonical name.  Keys are _key() of every spelling seen in AWS downloads
# (Generic text, XML, Vyatta, TunnelOptions) and in VyOS configurations we read back.
_ENCRYPTION: dict[str, str] = {}
for _canon, _spellings in {
    "AES128": (
        "AES128",
        "aes-128-cbc",
        "aes128",
        "aes-128",
        "aes128cbc",
        "aes",
        # Cisco IOS/ASA: isakmp 'aes 128', transform-set 'esp-aes 128' / 'esp-aes', IKEv2 'aes-cbc-128'
        "esp-aes",
        "esp-aes 128",
        "aes-cbc-128",
    ),
    "AES256": ("AES256", "aes-256-cbc", "aes256", "aes-256", "aes256cbc", "esp-aes 256", "aes-cbc-256"),
    # VyOS names AES-GCM by its ICV length in bits (128 bits = 16 octets)
    "AES128-GCM-16": (
        "AES128-GCM-16",
        "aes-128-gcm-16",
        "aes128gcm16",
        "aes-128-gcm",
        "aes128gcm",
        "esp-gcm 128",
        "esp-gcm",
        "aes-gcm-128",
    ),
    "AES256-GCM-16": (
        "AES256-GCM-16",
        "aes-256-gcm-16",
        "aes256gcm16",
        "aes-256-gcm",
        "aes256gcm",
        "esp-gcm 256",
        "aes-gcm-256",
    ),
}.items():
    for _s in _spellings:
        _ENCRYPTION[_key(_s)] = _canon
for _canon, _s in _vyatta.ENCRYPTION.items():  # aes128gcm128: what --to vyos / aws-vyatta write
    _ENCRYPTION[_key(_s)] = _canon

_INTEGRITY: dict[str, str] = {}
for _canon, _spellings in {
    "SHA1": (
        "SHA1",
        "sha-1",
        "sha",
        "hmac-sha1",
        "hmac-sha1-96",
        "hmac-sha-1-96",
        "sha1-96",
        "esp-sha-hmac",
    ),  # Cisco transform-set
    "SHA2-256": (
        "SHA2-256",
        "sha256",
        "sha-256",
        "hmac-sha256",
        "hmac-sha2-256",
        "hmac-sha256-128",
        "hmac-sha2-256-128",
        "sha2-256-128",
        "esp-sha256-hmac",
        "hmac-sha-256-128",
    ),
    "SHA2-384": (
        "SHA2-384",
        "sha384",
        "sha-384",
        "hmac-sha384",
        "hmac-sha2-384",
        "hmac-sha384-192",
        "hmac-sha2-384-192",
        "sha2-384-192",
        "esp-sha384-hmac",
        "hmac-sha-384-192",
    ),
    "SHA2-512": (
        "SHA2-512",
        "sha512",
        "sha-512",
        "hmac-sha512",
        "hmac-sha2-512",
        "hmac-sha512-256",
        "hmac-sha2-512-256",
        "sha2-512-256",
        "esp-sha512-hmac",
        "hmac-sha-512-256",
    ),
}.items():
    for _s in _spellings:
        _INTEGRITY[_key(_s)] = _canon
for _canon, _s in _vyatta.INTEGRITY.items():
    _INTEGRITY[_key(_s)] = _canon

_IKE_VERSION = {
    "ikev1": "ikev1",
    "ike1": "ikev1",
    "v1": "ikev1",
    "1": "ikev1",
    "ikev2": "ikev2",
    "ike2": "ikev2",
    "v2": "ikev2",
    "2": "ikev2",
}

_DH_RE = re.compile(r"^(?:diffiehellman)?(?:group|dhgroup|dh)?(\d{1,2})$")
# strongSwan/Openswan names of the groups (RFC 3526 / 5114 / 5903)
_DH_NAMES = {
    "modp1024": 2,
    "modp1536": 5,
    "modp2048": 14,
    "modp3072": 15,
    "modp4096": 16,
    "modp6144": 17,
    "modp8192": 18,
    "ecp256": 19,
    "ecp384": 20,
    "ecp521": 21,
    "modp1024s160": 22,
    "modp2048s224": 23,
    "modp2048s256": 24,
}


def encryption(value: str, *, field: str | None = None) -> str:
    """Canonical encryption name for any known spelling."""
    canon = _ENCRYPTION.get(_key(str(value)))
    if canon is None:
        raise ValidationError(
            f"unknown encryption algorithm {describe_value(value)} (known: {', '.join(ENCRYPTIONS)})",
            field=field,
        )
    return canon


def integrity(value: str, *, field: str | None = None) -> str:
    """Canonical integrity name for any known spelling."""
    canon = _INTEGRITY.get(_key(str(value)))
    if canon is None:
        raise ValidationError(
            f"unknown integrity algorithm {describe_value(value)} (known: {', '.join(INTEGRITIES)})",
            field=field,
        )
    return canon


def dh_group(value: str | int, *, field: str | None = None) -> int:
    """DH group number from ``2``, ``group2``, ``Group 2``, ``Diffie-Hellman Group 2``, ``dh-group2``."""
    if isinstance(value, bool):
        raise ValidationError(f"unknown Diffie-Hellman group {describe_value(value)}", field=field)
    if isinstance(value, int):
        number = value
    else:
        key = _key(str(value))
        m = _DH_RE.match(key)
        if m:
            number = int(m.group(1))
        elif key in _DH_NAMES:
            number = _DH_NAMES[key]
        else:
            raise ValidationError(f"unknown Diffie-Hellman group {describe_value(value)}", field=field)
    if number not in DH_GROUPS:
        raise ValidationError(
            f"unsupported Diffie-Hellman group {describe_value(value)} (AWS accepts "
            f"{', '.join(str(g) for g in DH_GROUPS)})",
            field=field,
        )
    return number


def ike_version(value: str, *, field: str | None = None) -> str:
    """``ikev1``/``ikev2`` from ``IKEv1``, ``ikev2``, ``1``, ``2``."""
    canon = _IKE_VERSION.get(_key(str(value)))
    if canon is None:
        raise ValidationError(f"unknown IKE version {describe_value(value)}", field=field)
    return canon


def is_gcm(name: str) -> bool:
    return name in GCM_ENCRYPTIONS
