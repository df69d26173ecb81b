#!/usr/bin/env bash
# Installs what the project needs, idempotently: Debian packages, npm packages (from the lock file),
# and the control-plane binaries (built from Go modules, cached). Safe to run on every invocation.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
log() { echo "[install-deps] $*" >&2; }

# Debian packages used by the scripts and tests (one list, one place): the control plane needs
# openssl; image tests need a registry (docker-registry, htpasswd from apache2-utils) and skopeo + umoci;
# boot-agent tests use network namespaces (iproute2) and reference DHCP clients (busybox udhcpc, dhclient),
# a TFTP client (tftp-hpa) and the reference TFTP server of bench/tftp (tftpd-hpa). The agent serves
# NFS with nfs-ganesha (FSAL VFS) and rpcbind, tested with libnfs-utils; virtual nodes are qemu with its
# iPXE ROMs; the agent's TFTP serves the iPXE binaries of PXE firmware from ipxe (undionly.kpxe,
# ipxe.efi in /usr/lib/ipxe), and the chainload test boots them with OVMF's own PXE (ovmf); the default
# node image is made with debootstrap; the arm64 one (local/default-image/build.sh arm64) runs its second
# stage under qemu-user-static (binfmt-support registers it; binfmt_misc is mounted below) and packs its
# u-boot script with mkimage (u-boot-tools); the arm64 node boots under qemu-system-arm with Debian's
# u-boot (u-boot-qemu, /usr/lib/u-boot/qemu_arm64). dnsmasq-base sends the segment's IPv6 router advertisements (RA
# only), received in tests by rdisc6 (ndisc6), and is the reference DHCP/TFTP server of bench/boot-storm. The log
# store's PostgreSQL option is tested against a real server (the tests start their own). The node
# scripts are tested with each HTTP client an image may have (curl, wget, busybox wget, bash), and
# `walt log show --realtime` in a terminal driven by tmux. Oracles independent of our code: dnsmasq
# (above) answers the same DHCP requests as the agent, sent and decoded by scapy (python3-scapy); atftp
# downloads with windowsize. The chart's Argo CD health checks run under lua5.1 (Argo CD embeds
# gopher-lua, a Lua 5.1) with lua-cjson decoding the objects. The kubelet node of the in-cluster tests
# (local/kubenode) runs pods with containerd, runc and the CNI plugins (containernetworking-plugins, in
# /usr/lib/cni); kube-proxy needs iptables and conntrack; its pause image is compiled with gcc
# (build-essential is not needed: gcc and libc6-dev only). The agent masquerades NAT nodes with nftables
# (agents/nat). The operator and agent container images are built with buildah (chroot isolation) and
# run in their test by runc. The PoE power driver and the topology scan are tested against Debian's
# net-snmp agent (snmpd), probed with its tools (snmp). A test whose tool is
# missing fails and names the package (test/support/require-tool.ts): every such package is in this list.
DEBIAN_PACKAGES=(ca-certificates curl wget tmux openssl util-linux git
  docker-registry skopeo umoci apache2-utils buildah runc
  iproute2 busybox isc-dhcp-client tftp-hpa tftpd-hpa atftp python3-scapy
  nfs-ganesha nfs-ganesha-vfs rpcbind libnfs-utils
  qemu-system-x86 ipxe-qemu ipxe ovmf debootstrap dnsmasq-base ndisc6
  qemu-system-arm u-boot-qemu u-boot-tools qemu-user-static binfmt-support
  postgresql lua5.1 lua-cjson
  containerd containernetworking-plugins iptables conntrack gcc libc6-dev nftables
  snmpd snmp)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The arm64 image's second stage runs arm64 binaries in a chroot: binfmt_misc is not mounted at boot
# here; qemu-user-static registers qemu-aarch64 with the F flag once it is.
if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  $sudo update-binfmts --enable qemu-aarch64 >&2 || true
fi

# Node.js 20.19+ (the pinned dependencies are chosen for Node 20; see docs/dependencies.md).
node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number);console.log(a>20||(a===20&&b>=19)?1:0)' 2>/dev/null || echo 0)
[ "$node_ok" = 1 ] || { echo "Node.js >= 20.19 is required (found: $(node --version 2>/dev/null || echo none))" >&2; exit 1; }

# npm packages, reinstalled only when the lock file changed.
stamp="$root/node_modules/.walt-lock-sha"
want=$(sha256sum "$root/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing npm packages (npm ci)"
  (cd "$root" && npm ci --no-audit --no-fund >&2)
  echo "$want" > "$stamp"
fi

# Control-plane binaries (cached by version; a no-op when already built).
"$here/build-binaries.sh" >/dev/null

# The default node image (Debian, debootstrap; cached by the hash of its build scripts): the testbed
# boots it, the end-to-end tests and bench/vnode-boot use it.
(cd "$root" && node_modules/.bin/tsx local/default-image/image.ts build >/dev/null)
(cd "$root" && node_modules/.bin/tsx local/default-image/image.ts build --arch arm64 >/dev/null)
