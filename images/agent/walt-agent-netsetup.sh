#!/bin/sh
# walt-agent-netsetup: gives a boot agent pod its lab interface (ADR 0013).
#
# Run by the agent pod's privileged init container, which shares the host's PID namespace (hostPID):
#   1. moves the host's lab interface (WaltSegment spec.interface) from the host's network namespace
#      (that of PID 1) into this container's, which is the pod's;
#   2. in the pod, creates the bridge walt0, enslaves the moved interface, gives the bridge the
#      segment's server address and brings both up.
# The agent then owns exactly one L2 segment (walt0); virtual nodes' taps join walt0. When the pod's
# network namespace goes away, the kernel hands a physical NIC back to the host (a veth pair is
# destroyed instead; its peer goes with it).
#
# Usage: walt-agent-netsetup <interface> <address/prefix> [bridge]
#   or the environment: WALT_LAB_INTERFACE, WALT_LAB_ADDRESS (a.b.c.d/nn), WALT_AGENT_BRIDGE (walt0).
#        walt-agent-netsetup release <interface>
#   (the agent container's preStop hook) hands the interface back to the host's network namespace
#   before the pod's is destroyed: a veth would die with it; a physical NIC would come back anyway.
# Idempotent: run again (a restarted init container), it finds the interface already here and only
# makes sure of the bridge, the address and the links. Exit codes: 2 usage, 3 interface not found,
# 4 interface cannot move (a bridge, or no right), 5 set-up in the pod failed.
set -eu

# PID whose network namespace holds the lab interface (hostPID makes the host's processes visible):
# the host's init; or, where init's namespaces cannot be opened (a sandboxed host whose PID 1 belongs
# to an outer user namespace), the kubelet's, which always runs in the host's network namespace.
host_pid() {
  if [ -n "${WALT_HOST_PID:-}" ]; then echo "$WALT_HOST_PID"; return; fi
  if nsenter -t 1 -n true 2>/dev/null; then echo 1; return; fi
  for comm in /proc/[0-9]*/comm; do
    if [ "$(cat "$comm" 2>/dev/null)" = kubelet ]; then
      pid=${comm#/proc/}
      echo "${pid%/comm}"
      return
    fi
  done
  echo 1
}
HOST_PID=$(host_pid)

if [ "${1:-}" = release ]; then
  IFACE=${2:-${WALT_LAB_INTERFACE:-}}
  [ -n "$IFACE" ] || { echo "walt-agent-netsetup: release which interface?" >&2; exit 2; }
  if ! ip link show dev "$IFACE" >/dev/null 2>&1; then
    echo "walt-agent-netsetup: $IFACE is not in this network namespace (nothing to hand back)"
    exit 0
  fi
  ip link set dev "$IFACE" nomaster 2>/dev/null || true
  ip link set dev "$IFACE" down 2>/dev/null || true
  ip link set dev "$IFACE" netns "$HOST_PID" || { echo "walt-agent-netsetup: could not hand $IFACE back to PID $HOST_PID's network namespace" >&2; exit 4; }
  echo "walt-agent-netsetup: handed $IFACE back to the host"
  exit 0
fi

IFACE=${1:-${WALT_LAB_INTERFACE:-}}
ADDRESS=${2:-${WALT_LAB_ADDRESS:-}}
BRIDGE=${3:-${WALT_AGENT_BRIDGE:-walt0}}

fail() {
  code=$1
  shift
  echo "walt-agent-netsetup: $*" >&2
  exit "$code"
}

[ -n "$IFACE" ] || fail 2 "which interface? pass <interface> <address/prefix> or set WALT_LAB_INTERFACE"
[ -n "$ADDRESS" ] || fail 2 "which address? pass <interface> <address/prefix> or set WALT_LAB_ADDRESS"
case "$IFACE" in
  *[!A-Za-z0-9_.:-]* | .* ) fail 2 "interface name '$IFACE' is not a Linux interface name" ;;
esac
[ "${#IFACE}" -le 15 ] || fail 2 "interface name '$IFACE' is longer than 15 characters"
case "$ADDRESS" in
  */*) ;;
  *) fail 2 "address '$ADDRESS' needs a prefix length, e.g. 192.168.152.1/22" ;;
esac
[ "$IFACE" != "$BRIDGE" ] || fail 2 "the lab interface and the pod's bridge are both named '$IFACE': rename one"

here() { ip link show dev "$1" >/dev/null 2>&1; }

if here "$IFACE"; then
  echo "walt-agent-netsetup: $IFACE is already in this network namespace"
else
  if ! nsenter -t "$HOST_PID" -n ip link show dev "$IFACE" >/dev/null 2>&1; then
    fail 3 "interface $IFACE is neither in the pod nor on the host (PID $HOST_PID's network namespace): fix WaltSegment spec.interface or the node's segment.walt.dev/<segment> label"
  fi
  if nsenter -t "$HOST_PID" -n ip -d link show dev "$IFACE" 2>/dev/null | grep -q ' bridge '; then
    fail 4 "interface $IFACE on the host is a bridge, which cannot leave its network namespace: name a NIC (or a veth/dummy whose peer is plugged into that bridge) in WaltSegment spec.interface"
  fi
  # $$ is this shell: a process of the pod, so its network namespace is the pod's.
  nsenter -t "$HOST_PID" -n ip link set dev "$IFACE" netns "$$" ||
    fail 4 "could not move $IFACE into the pod (needs CAP_NET_ADMIN and CAP_SYS_ADMIN on the host, i.e. a privileged container with hostPID)"
  here "$IFACE" || fail 4 "$IFACE did not arrive in the pod's network namespace"
  echo "walt-agent-netsetup: moved $IFACE from the host into the pod"
fi

if ! here "$BRIDGE"; then
  ip link add name "$BRIDGE" type bridge || fail 5 "could not create bridge $BRIDGE"
fi
ip link set dev "$IFACE" master "$BRIDGE" || fail 5 "could not enslave $IFACE to $BRIDGE"
# replace: the same address again is no error; another address of the bridge is kept by nobody else.
ip -4 addr flush dev "$IFACE" || true
ip addr replace "$ADDRESS" dev "$BRIDGE" || fail 5 "could not give $BRIDGE the address $ADDRESS"
ip link set dev "$IFACE" up || fail 5 "could not bring $IFACE up"
ip link set dev "$BRIDGE" up || fail 5 "could not bring $BRIDGE up"

# The pod's other addresses (eth0: the pod network) are local too, and Linux delivers to any local
# address whatever the interface a packet came in on: a lab device routing through the bridge address
# would reach the agent API, health and metrics on the pod IP. Packets from the bridge to those
# addresses are refused by policy routing, ahead of the local table (moved from 0 to 100 for that).
if ip rule show | grep -q '^0:[[:space:]]*from all lookup local'; then
  ip rule add pref 100 lookup local || fail 5 "could not move the local routing table's rule"
  ip rule del pref 0 || fail 5 "could not move the local routing table's rule"
fi
for own in $(ip -4 -o addr show | grep -v " $BRIDGE " | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p'); do
  case "$own" in 127.*) continue ;; esac
  if ! ip rule show pref 10 | grep -q "to $own iif $BRIDGE"; then
    ip rule add pref 10 iif "$BRIDGE" to "$own" prohibit || fail 5 "could not fence $own off the lab"
  fi
done
echo "walt-agent-netsetup: $BRIDGE ($ADDRESS) up with $IFACE"
