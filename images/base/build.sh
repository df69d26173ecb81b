#!/usr/bin/env bash
# Builds the base of the operator and agent container images: a minimal Debian bookworm root
# filesystem (debootstrap minbase), without documentation or package lists, as one tar archive that
# images/build.ts imports into buildah's storage. No container registry is needed: this is what
# `FROM debian:bookworm-slim` would give, made from the Debian mirror the default node image uses.
#
# Usage: build.sh <out-dir>      (needs root: debootstrap and chroot)
# Writes <out-dir>/rootfs.tar and <out-dir>/build-info.json. Idempotent: a complete <out-dir> is left
# as is. One build at a time per parent directory (flock); built in <out-dir>.tmp, then renamed.
# Environment: WALT_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
out=$(realpath -m "${1:?usage: build.sh <out-dir>}")
log() { echo "[images/base] $*" >&2; }
# shellcheck source=../../local/debian-trim.sh
. "$(cd "$(dirname "$0")" && pwd)/../../local/debian-trim.sh"

SUITE=bookworm
MIRROR=${WALT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What both images need besides minbase: TLS roots (the operator talks to registries and the API).
PACKAGES=ca-certificates
# The images' unprivileged user (the operator runs as it; the agent needs root).
WALT_UID=10001

complete() { [ -f "$out/.complete" ]; }
if complete; then echo "$out"; exit 0; fi
[ "$(id -u)" -eq 0 ] || { echo "build.sh must run as root (debootstrap, chroot)" >&2; exit 1; }
cache=$(dirname "$out")
mkdir -p "$cache"
exec 9>"$cache/.container-base.lock"
flock 9
if complete; then echo "$out"; exit 0; fi

started=$(date +%s)
tmp="$out.tmp"
rootfs="$tmp/rootfs"
rm -rf --one-file-system "$tmp"
mkdir -p "$tmp"

# Downloaded packages are kept beside the images: editing this script does not download them again.
debs="$cache/.container-base-debs"
mkdir -p "$debs"
log "debootstrap $SUITE (minbase + $PACKAGES) from $MIRROR"
if ! unshare --mount --propagation private -- debootstrap --variant=minbase --components=main \
  --include="$PACKAGES" --cache-dir="$debs" "$SUITE" "$rootfs" "$MIRROR" >&2; then
  log "debootstrap failed; end of $rootfs/debootstrap/debootstrap.log:"
  tail -n 40 "$rootfs/debootstrap/debootstrap.log" >&2 || true
  exit 1
fi

# The mirror given to debootstrap, with the security updates beside it; debootstrap installs from the
# release only, so the updates published since are applied here.
printf 'deb %s %s main\ndeb %s %s-updates main\ndeb http://deb.debian.org/debian-security %s-security main\n' \
  "$MIRROR" "$SUITE" "$MIRROR" "$SUITE" "$SUITE" >"$rootfs/etc/apt/sources.list"
log "applying $SUITE's updates and security updates"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
unshare --mount --propagation private -- \
  sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$rootfs" \
  /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C DEBIAN_FRONTEND=noninteractive \
  sh -c 'apt-get update -qq && apt-get upgrade -y -qq --no-install-recommends && apt-get clean' >&2

trim_debian_rootfs
# Packages that a Containerfile installs later: no recommendations, no services started inside the
# build (a container has no init to start them).
cat >"$rootfs/etc/apt/apt.conf.d/01-walt-lean" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
printf '#!/bin/sh\n# Containers start no services while packages install.\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
chmod 0755 "$rootfs/usr/sbin/policy-rc.d"

echo "walt:x:$WALT_UID:$WALT_UID:walt:/nonexistent:/usr/sbin/nologin" >>"$rootfs/etc/passwd"
echo "walt:x:$WALT_UID:" >>"$rootfs/etc/group"
echo "walt:!*:0:0:99999:7:::" >>"$rootfs/etc/shadow"
# The container runtime provides these.
rm -f "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf"
find "$rootfs/dev" "$rootfs/run" "$rootfs/tmp" -mindepth 1 -delete

log "packing the root filesystem"
tar --numeric-owner --sort=name --xattrs --xattrs-include='*' -C "$rootfs" -cf "$tmp/rootfs.tar" .
printf '{"suite":"%s","mirror":"%s","rootfsBytes":%s,"buildSeconds":%s}\n' "$SUITE" "$MIRROR" \
  "$(du -sb "$rootfs" | cut -f1)" "$(($(date +%s) - started))" >"$tmp/build-info.json"
rm -rf --one-file-system "$rootfs"
touch "$tmp/.complete"
rm -rf --one-file-system "$out"
mv -T "$tmp" "$out"
log "done in $(($(date +%s) - started)) s: $(cat "$out/build-info.json")"
echo "$out"
