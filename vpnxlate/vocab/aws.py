"""AWS's vocabulary: the TunnelOptions algorithm names (the model's names) and AWS's defaults.

Two kinds of default:

* what AWS *accepts* when a tunnel option is left at its default (every algorithm of the list);
* what AWS's downloads *print* for such a tunnel (the first of each list, plus the fixed numbers:
  lifetimes, DPD, MTU, MSS, BGP hold time); writers use these when the input leaves a value unstated.
"""

from __future__ import annotations

from typing import Any

ENCRYPTIONS: tuple[str, ...] = ("AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16")
INTEGRITIES: tuple[str, ...] = ("SHA1", "SHA2-256", "SHA2-384", "SHA2-512")
IKE_VERSIONS: tuple[str, ...] = ("ikev1", "ikev2")
# Groups AWS accepts: phase 1 2, 14-24; phase 2 additionally 5.
DH_GROUPS: tuple[int, ...] = (2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)
PHASE1_DH_GROUPS: tuple[int, ...] = (2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)
PHASE2_DH_GROUPS: tuple[int, ...] = DH_GROUPS
GCM_ENCRYPTIONS = frozenset({"AES128-GCM-16", "AES256-GCM-16"})

# What AWS accepts when a tunnel option is left at its default (and what a tunnel created
# without custom options negotiates); AWS's downloads print only the first of each.
AWS_DEFAULTS = {
    "ike_versions": IKE_VERSIONS,
    "phase1_encryption": ENCRYPTIONS,
    "phase1_integrity": INTEGRITIES,
    "phase1_dh": PHASE1_DH_GROUPS,
    "phase2_encryption": ENCRYPTIONS,
    "phase2_integrity": INTEGRITIES,
    "phase2_dh": PHASE2_DH_GROUPS,
}

# The fixed numbers of a tunnel with default options (as AWS's downloads and the EC2 API state them).
IKE_LIFETIME_S = 28800  # Phase1LifetimeSeconds
IPSEC_LIFETIME_S = 3600  # Phase2LifetimeSeconds
DPD_INTERVAL_S = 10
DPD_RETRIES = 3
MTU = 1436  # "Tunnel interface MTU : 1436 bytes" (Generic/Vyatta downloads)
TCP_MSS = 1379  # XML tcp_mss_adjustment
BGP_HOLD_TIME = 30
REKEY_MARGIN_S = 270  # RekeyMarginTimeSeconds
REKEY_FUZZ_PCT = 100  # RekeyFuzzPercentage

# What AWS writes when a tunnel uses the default options (the values of every real download),
# by model field.
DOWNLOAD_DEFAULTS: dict[str, Any] = {
    "ike.versions": "ikev1",
    "ike.encryption": "AES128",
    "ike.integrity": "SHA1",
    "ike.dh_groups": 2,
    "ike.lifetime_s": IKE_LIFETIME_S,
    "ike.mode": "main",
    "ipsec.protocol": "esp",
    "ipsec.encryption": "AES128",
    "ipsec.integrity": "SHA1",
    "ipsec.pfs_dh_groups": 2,
    "ipsec.lifetime_s": IPSEC_LIFETIME_S,
    "ipsec.mode": "tunnel",
    "dpd_interval_s": DPD_INTERVAL_S,
    "dpd_retries": DPD_RETRIES,
    "tcp_mss": TCP_MSS,
    "clear_df_bit": True,
    "fragmentation_before_encryption": True,
    "mtu": MTU,
    "bgp.hold_time": BGP_HOLD_TIME,
}
