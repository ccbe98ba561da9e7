#!/bin/bash
# aws-updown.sh written by vpnxlate: create/remove the tunnel interface of one AWS tunnel.
# Called by charon's updown plugin (PLUTO_* environment) for the CHILD_SA, e.g.
#   aws-updown.sh -ln vti123456789 -ll 169.254.21.2/30 -lr 169.254.21.1 -m 123456789 -mtu 1436 -mss 1379
# -ln NAME     interface name
# -ll ADDR/PFX local inside address
# -lr ADDR     AWS inside address
# -m  N        CHILD_SA mark (VTI ikey/okey) or XFRM if_id: must equal the connection's value
# -mtu N       interface MTU
# -mss N       TCP MSS clamp for connections through the interface
# -t  vti|xfrm interface type (default vti)
# -r  NETS     optional comma-separated routes sent into this interface, with metric -rm N
set -u
TYPE=vti
ROUTES=""
METRIC=100
MTU=1436
MSS=""
while [ $# -gt 1 ]; do
    case "$1" in
        -ln)  IFNAME="$2" ;;
        -ll)  LOCAL_INSIDE="$2" ;;
        -lr)  REMOTE_INSIDE="$2" ;;
        -m)   MARK="$2" ;;
        -mtu) MTU="$2" ;;
        -mss) MSS="$2" ;;
        -t)   TYPE="$2" ;;
        -r)   ROUTES="$2" ;;
        -rm)  METRIC="$2" ;;
        *)    echo "aws-updown: unknown option $1" >&2; exit 1 ;;
    esac
    shift 2
done
: "${IFNAME:?-ln missing}" "${LOCAL_INSIDE:?-ll missing}" "${REMOTE_INSIDE:?-lr missing}" "${MARK:?-m missing}"

mss_rule() {
    iptables -t mangle "$1" FORWARD -o "$IFNAME" -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss "$MSS"
}

# A CHILD_SA can come up before the one it replaces goes down (IKEv2 make-before-break
# reauthentication, a duplicate CHILD_SA, a restart racing a late DELETE).  The interface then
# belongs to the newer SA: up-client keeps a live interface, and down-client deletes it only if
# the IKE_SA going down is the one that brought it up last and no other installed outbound SA
# uses this mark / if_id.
STATE_DIR="${VPNXLATE_UPDOWN_STATE:-/run/vpnxlate-updown}"
sa_count() {
    local key
    if [ "$TYPE" = xfrm ]; then key="if_id $(printf '0x%x' "$MARK")"; else key="mark $(printf '0x%x' "$MARK")/"; fi
    ip -o xfrm state list dst "$PLUTO_PEER" proto esp 2>/dev/null | grep -c -F -e "$key" || true
}

case "${PLUTO_VERB:-}" in
up-client)
    if ip link show dev "$IFNAME" >/dev/null 2>&1 && [ "$(sa_count)" -ge 2 ]; then
        echo "aws-updown: $IFNAME kept (another SA with $TYPE $MARK is installed)"
    else
        ip link del "$IFNAME" 2>/dev/null
        if [ "$TYPE" = xfrm ]; then
            ip link add "$IFNAME" type xfrm if_id "$MARK"
        else
            # local is the address IKE runs from (the private one behind NAT)
            ip link add "$IFNAME" type vti local "$PLUTO_ME" remote "$PLUTO_PEER" ikey "$MARK" okey "$MARK"
            sysctl -qw "net.ipv4.conf.$IFNAME.disable_policy=1"
        fi
    fi
    mkdir -p "$STATE_DIR" && echo "${PLUTO_UNIQUEID:-}" > "$STATE_DIR/$IFNAME"
    sysctl -qw "net.ipv4.conf.$IFNAME.rp_filter=2"
    ip addr replace "$LOCAL_INSIDE" dev "$IFNAME"
    ip link set "$IFNAME" up mtu "$MTU"
    for r in ${ROUTES//,/ }; do
        ip route replace "$r" dev "$IFNAME" metric "$METRIC"
    done
    if [ -n "$MSS" ]; then
        mss_rule -C 2>/dev/null || mss_rule -A 2>/dev/null \
            || echo "aws-updown: TCP MSS clamp for $IFNAME not installed" >&2
    fi
    echo "aws-updown: $IFNAME up ($LOCAL_INSIDE <-> $REMOTE_INSIDE over $PLUTO_ME -> $PLUTO_PEER, $TYPE $MARK)"
    ;;
down-client)
    owner="$(cat "$STATE_DIR/$IFNAME" 2>/dev/null || true)"
    if [ -n "$owner" ] && [ "$owner" != "${PLUTO_UNIQUEID:-}" ]; then
        echo "aws-updown: $IFNAME kept (it belongs to IKE_SA #$owner, not #${PLUTO_UNIQUEID:-?})"
        exit 0
    fi
    if [ "$(sa_count)" -ge 2 ]; then
        echo "aws-updown: $IFNAME kept (another SA with $TYPE $MARK is installed)"
        exit 0
    fi
    if [ -n "$MSS" ]; then
        while mss_rule -D 2>/dev/null; do :; done
    fi
    ip link del "$IFNAME" 2>/dev/null
    rm -f "$STATE_DIR/$IFNAME"
    echo "aws-updown: $IFNAME down"
    ;;
esac
exit 0
