#!/usr/bin/env bash
# Builds a default node image: a small Debian bookworm root filesystem with a kernel and the stock
# Debian initramfs (able to mount an NFSv3 root, or a virtio/ext4 disk), our own /sbin/init, packaged as
# an OCI image layout (one gzip layer, tag `latest`). One script for both architectures, so that what
# a node image is stays written once; what differs is set in the `case` below:
# - amd64: `pc-x86-64-default` (models pc-x86-64, qemu-x86-64), booted by iPXE;
# - arm64: models qemu-arm-64 and the 64-bit Raspberry Pis, booted by u-boot. debootstrap runs
#   --foreign and its second stage runs in the chroot under qemu-user-static (binfmt_misc, F flag).
#
# Usage: build.sh <out-dir> [amd64|arm64]      (needs root: debootstrap and chroot; default amd64)
# Writes <out-dir>/rootfs (kept: the direct-boot benchmark boots it), <out-dir>/layout (the OCI layout)
# and <out-dir>/build-info.json. Idempotent: a complete <out-dir> is left as is. One build at a time per
# parent directory (flock); the result appears atomically (built in <out-dir>.tmp, then renamed).
# Environment: WALT_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../debian-trim.sh
. "$here/../debian-trim.sh"
out=$(realpath -m "${1:?usage: build.sh <out-dir>}")
log() { echo "[default-image] $*" >&2; }

ARCH=${2:-amd64}
SUITE=bookworm
MIRROR=${WALT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# busybox is the dynamic Debian one (the initramfs and our init use it); zstd is what the initramfs is
# compressed with (initramfs-tools only recommends it, and debootstrap ignores recommendations).
BASE_PACKAGES=initramfs-tools,kmod,busybox,zstd
# Modules the initramfs must carry besides its netboot set: the virtual NICs and PCI transport, and
# virtio disk + ext4 so that the same image also boots from a disk (bench/vnode-boot).
INITRAMFS_MODULES=(virtio_pci virtio_net virtio_blk overlay ext4 nfs nfsv3)
case "$ARCH" in
amd64)
  MODELS=pc-x86-64,qemu-x86-64
  LIBDIR=x86_64-linux-gnu
  INITRAMFS_MODULES+=(e1000)
  # Ethernet kept: QEMU's e1000/virtio and the chips most lab PCs have.
  ETHERNET_VENDORS=(intel realtek broadcom)
  ;;
arm64)
  # The first model is the one u-boot boots here (qemu virt); the Raspberry Pis share the image
  # (their own boot files come from the nat-rpi slice: config.txt, cmdline.txt).
  MODELS=qemu-arm-64,rpi-3-b-plus,rpi-4-b,rpi-400,rpi-5-b
  LIBDIR=aarch64-linux-gnu
  # The Pis' NICs: genet (Pi 4/400), lan78xx (Pi 3B+, USB); macb is the Pi 5's (through RP1).
  INITRAMFS_MODULES+=(lan78xx)
  ETHERNET_VENDORS=(broadcom cadence)
  ;;
*)
  echo "build.sh: unknown architecture '$ARCH' (amd64 or arm64)" >&2
  exit 2
  ;;
esac
PACKAGES=linux-image-$ARCH,$BASE_PACKAGES

complete() { [ -f "$out/.complete" ]; }
if complete; then echo "$out"; exit 0; fi
[ "$(id -u)" -eq 0 ] || { echo "build.sh must run as root (debootstrap, chroot)" >&2; exit 1; }
cache=$(dirname "$out")
mkdir -p "$cache"
# Concurrent callers wait here, then find the image complete. The lock covers the shared package cache.
exec 9>"$cache/.default-image-$ARCH.lock"
flock 9
if complete; then echo "$out"; exit 0; fi

if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2
fi

started=$(date +%s)
tmp="$out.tmp"
rootfs="$tmp/rootfs"
# A failed build leaves its tree for inspection; --one-file-system because a chroot mount could
# outlive a crash (ours live in private mount namespaces, so none should).
rm -rf --one-file-system "$tmp"
mkdir -p "$tmp"

# Runs a command inside the rootfs with /proc mounted in a private mount namespace, which the kernel
# tears down when the command exits, even if this script is killed.
in_root() {
  unshare --mount --propagation private -- \
    sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$rootfs" \
    /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"
}

bootstrap() {
  # Downloaded packages are kept beside the images: editing this script does not download them again.
  local debs="$cache/.debootstrap-debs-$ARCH" foreign=()
  mkdir -p "$debs"
  [ "$ARCH" = "$(dpkg --print-architecture)" ] || foreign=(--foreign)
  log "debootstrap $SUITE $ARCH ${foreign[*]} (minbase + $PACKAGES) from $MIRROR"
  if ! unshare --mount --propagation private -- debootstrap --arch="$ARCH" "${foreign[@]}" \
    --variant=minbase --components=main \
    --include="$PACKAGES" --cache-dir="$debs" "$SUITE" "$rootfs" "$MIRROR" >&2; then
    debootstrap_failed
  fi
  [ ${#foreign[@]} -eq 0 ] && return 0
  check_foreign_runs
  log "debootstrap second stage under qemu-user (slow)"
  in_root /debootstrap/debootstrap --second-stage >&2 || debootstrap_failed
}

debootstrap_failed() {
  log "debootstrap failed; end of $rootfs/debootstrap/debootstrap.log:"
  tail -n 40 "$rootfs/debootstrap/debootstrap.log" >&2 || true
  exit 1
}

# The second stage runs the target's binaries: the kernel must hand them to qemu-user. With the F flag
# the interpreter is opened when registered, so it needs no copy inside the chroot.
check_foreign_runs() {
  if ! in_root /bin/true; then
    log "cannot run $ARCH binaries: install qemu-user-static and binfmt-support (local/install-deps.sh)," \
      "then: mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; update-binfmts --enable"
    exit 1
  fi
}

kernel_version() {
  local versions=("$rootfs"/usr/lib/modules/*)
  [ ${#versions[@]} -eq 1 ] || { log "expected one kernel, found: ${versions[*]}"; exit 1; }
  basename "${versions[0]}"
}

configure_initramfs() {
  local conf="$rootfs/etc/initramfs-tools"
  # netboot: the network drivers and NFS client, not every storage driver of MODULES=most.
  sed -i 's/^MODULES=.*/MODULES=netboot/' "$conf/initramfs.conf"
  grep -qx 'MODULES=netboot' "$conf/initramfs.conf"
  printf '%s\n' "${INITRAMFS_MODULES[@]}" >>"$conf/modules"
}


# Large data nothing on a node reads: udev's hardware database (udevd does not run; only the initramfs
# has one, and it does without), and glibc's converters for legacy charsets (UTF-* and Latin-1 stay;
# iconv reports the others as unsupported).
remove_unused_data() {
  rm -rf "$rootfs"/usr/lib/udev/hwdb.bin "$rootfs"/usr/lib/udev/hwdb.d/*.hwdb "$rootfs"/etc/udev/hwdb.bin
  find "$rootfs/usr/lib/$LIBDIR/gconv" -maxdepth 1 -name '*.so' \
    ! -name 'UTF-*' ! -name 'UNICODE.so' ! -name 'ISO8859-1.so' -delete
}

# Deletes everything in <dir> but the named entries.
keep_only() { # <dir> <name>...
  local dir=$1 entry
  shift
  for entry in "$dir"/*; do
    [[ " $* " == *" $(basename "$entry") "* ]] || rm -rf "$entry"
  done
}

prune_modules() {
  local kver=$1 k="$rootfs/usr/lib/modules/$1/kernel"
  log "pruning kernel modules (before: $(du -sh "$k" | cut -f1))"
  # Hardware a netbooted PC or VM does not have, or that its experiments do not need.
  rm -rf "$k"/sound "$k"/drivers/{gpu,media,staging,infiniband,iio,bluetooth,nfc,isdn,mtd,thunderbolt} \
    "$k"/drivers/{video,comedi,fpga,hwtracing,greybus,most,siox,soundwire,memstick,mmc,pcmcia,ssb,bcma} \
    "$k"/drivers/{target,edac,parport,firewire,atm,uwb,w1,extcon,misc,leds,hwmon,platform,md,message} \
    "$k"/drivers/{ufs,nvdimm,cxl,dax,spi,gnss,mux,iio,counter,ntb,mcb,ipack,pps,ptp/ptp_ocp.ko,crypto} \
    "$k"/drivers/net/{wireless,wwan,can,ieee802154,fddi,hamradio,arcnet,plip,slip,wan,dsa,ipa,thunderbolt} \
    "$k"/drivers/input/{joystick,tablet,touchscreen,misc,rmi4} "$k"/drivers/usb/{gadget,serial,misc,typec,atm} \
    "$k"/net/{bluetooth,mac80211,wireless,nfc,ieee802154,mac802154,rxrpc,ceph,atm,can,9p,rds,tipc,smc} \
    "$k"/net/{6lowpan,appletalk,ax25,batman-adv,netrom,rose,phonet,qrtr,lapb,kcm,dccp,ife} \
    "$k"/drivers/net/{fjes,xen-netback} "$k"/lib/{test_,*-error-inject}*.ko \
    "$k"/fs/{btrfs,xfs,ocfs2,gfs2,ceph,smb,cifs,f2fs,jfs,nilfs2,reiserfs,ubifs,ntfs3,ntfs,dlm,afs,nfsd} \
    "$k"/fs/{hfs,hfsplus,ufs,affs,befs,bfs,cramfs,efs,erofs,freevxfs,hpfs,minix,omfs,qnx4,qnx6} \
    "$k"/fs/{romfs,sysv,udf,orangefs,coda,zonefs,exfat,jffs2,ecryptfs,adfs,9p,vboxsf}
  # Some HID devices (USB keyboards of a PC) but not the vendor-specific drivers.
  find "$k/drivers/hid" -name 'hid-*.ko*' ! -name 'hid-generic.ko*' -delete
  # SCSI: the disks of a VM (virtio-scsi) and a PC (sd, sr); no host adapters.
  keep_only "$k/drivers/scsi" virtio_scsi.ko sd_mod.ko sr_mod.ko sg.ko scsi_mod.ko scsi_common.ko \
    scsi_transport_sas.ko
  keep_only "$k/drivers/net/ethernet" "${ETHERNET_VENDORS[@]}"
  if [ "$ARCH" = amd64 ]; then
    keep_only "$k/drivers/net/ethernet/intel" e1000 e1000e igb igc
    keep_only "$k/drivers/net/ethernet/broadcom" tg3.ko
  else
    keep_only "$k/drivers/net/ethernet/broadcom" genet
  fi
  drop_orphans "$kver"
  # Compressed, as Debian does from trixie on: kmod decompresses in user space (this kernel cannot),
  # and a netbooted node reads fewer bytes over NFS. The image's own zstd, so the host needs none.
  in_root sh -c 'find "$0" -name "*.ko" -print0 | xargs -0 -r -P "$(nproc)" -n 64 zstd -q --rm -12' \
    "/usr/lib/modules/$kver/kernel"
  in_root depmod -a "$kver"
  log "kernel modules after pruning and compression: $(du -sh "$k" | cut -f1)"
}

# A kept module may use symbols of a deleted one: delete it too, until none is left behind. The kernel
# postinst's modules.dep has the dependencies (Debian ships no System.map for `depmod -e -F`).
drop_orphans() { # <kver>
  local dir="$rootfs/usr/lib/modules/$1" pass orphans
  for pass in 1 2 3 4 5 6 7 8; do
    orphans=$(while IFS=: read -r module deps; do
      [ -e "$dir/$module" ] || continue
      for dep in $deps; do [ -e "$dir/$dep" ] || { echo "$module"; break; }; done
    done <"$dir/modules.dep")
    [ -n "$orphans" ] || return 0
    log "pass $pass: removing modules whose dependencies were pruned: $(xargs -n1 basename <<<"$orphans" | xargs)"
    (cd "$dir" && xargs rm -f <<<"$orphans")
  done
  log "modules still miss dependencies after $pass passes"
  exit 1
}

# The initramfs must find the NFS client and the virtual NICs and disk, built in or as modules.
check_initramfs() { # <kver>
  local kver=$1 content module
  content=$(in_root lsinitramfs "/boot/initrd.img-$kver")
  for module in "${INITRAMFS_MODULES[@]}"; do
    if ! grep -q "/${module}\.ko" <<<"$content" &&
      ! grep -q "/${module}\.ko" "$rootfs/usr/lib/modules/$kver/modules.builtin"; then
      log "the initramfs lacks $module"
      exit 1
    fi
  done
}

# /boot/<model>/ is where the boot agent looks for a node model's kernel and initrd.
boot_files() { # <kver>
  local kver=$1 b="$rootfs/boot" model
  if [ "$ARCH" = amd64 ]; then
    model_boot_dir "$kver" pc-x86-64
    ln -sfn pc-x86-64 "$b/qemu-x86-64"
  else
    for model in ${MODELS//,/ }; do model_boot_dir "$kver" "$model"; done
    # qemu virt: u-boot hands the kernel its own device tree ($fdtcontroladdr); the Pis' trees come
    # from the kernel package (mainline names, bcm2837-rpi-3-b-plus.dtb…; the Pi firmware picks its
    # own by name). Debian's 6.1 has none for the Pi 5 (bcm2712).
    local dtb
    for dtb in "$rootfs/usr/lib/linux-image-$kver/broadcom/"bcm27*-rpi-*.dtb; do
      for model in ${MODELS//,/ }; do
        [[ $model == rpi-* ]] && ln -f "$dtb" "$b/$model/"
      done
    done
    mkimage -A arm64 -O linux -T script -C none -n "walt qemu-arm-64 boot" \
      -d "$here/start-qemu-arm-64.uboot" "$b/qemu-arm-64/start.uboot" >&2
  fi
  rm -f "$b/System.map-$kver"
  if [ -n "$(find "$b" -type l -lname '/*')" ]; then
    log "absolute symlinks under /boot: $(find "$b" -type l -lname '/*')"
    exit 1
  fi
}

model_boot_dir() { # <kver> <model>
  mkdir -p "$rootfs/boot/$2"
  # Hard links: real files for every reader, stored once in the layer.
  ln -f "$rootfs/boot/vmlinuz-$1" "$rootfs/boot/$2/vmlinuz"
  ln -f "$rootfs/boot/initrd.img-$1" "$rootfs/boot/$2/initrd.img"
}

configure_system() {
  install -D -m 0755 "$here/walt-default-init.sh" "$rootfs/sbin/init"
  # One image for every node: the name comes from the kernel command line (walt.node=).
  rm -f "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$rootfs/etc/hosts"
  in_root passwd -q -l root >&2
  mkdir -p -m 0755 "$rootfs/persist" "$rootfs/etc/walt/rc.d"
  # What the bootup notifier waits for before reporting the node Ready (the init creates it).
  echo /run/walt-image-ready >"$rootfs/etc/walt/ready-file"
  # Device nodes and run-time state do not belong in an image: /dev is a devtmpfs at boot.
  find "$rootfs/dev" "$rootfs/run" "$rootfs/tmp" -mindepth 1 -delete
}

# Moves <file> into the layout's blobs; prints "<digest> <size>".
add_blob() { # <layout> <file>
  local digest size
  digest=$(sha256sum <"$2" | cut -d' ' -f1)
  size=$(stat -c %s "$2")
  mv "$2" "$1/blobs/sha256/$digest"
  echo "$digest $size"
}

package_oci() {
  local layout="$tmp/layout" layer diff_id config manifest created
  log "packaging the OCI layout"
  mkdir -p "$layout/blobs/sha256"
  tar --numeric-owner --sort=name --xattrs --xattrs-include='*' -C "$rootfs" -cf - . | gzip -n >"$tmp/layer"
  diff_id=$(gzip -dc "$tmp/layer" | sha256sum | cut -d' ' -f1)
  read -r -a layer <<<"$(add_blob "$layout" "$tmp/layer")"
  created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  printf '{"created":"%s","architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/sbin/init"],"Labels":{"walt.node.models":"%s"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"walt-operator local/default-image/build.sh (debootstrap %s minbase)"}]}' \
    "$created" "$ARCH" "$MODELS" "$diff_id" "$created" "$SUITE" >"$tmp/config"
  read -r -a config <<<"$(add_blob "$layout" "$tmp/config")"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "${config[0]}" "${config[1]}" "${layer[0]}" "${layer[1]}" >"$tmp/manifest"
  read -r -a manifest <<<"$(add_blob "$layout" "$tmp/manifest")"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "${manifest[0]}" "${manifest[1]}" >"$layout/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  LAYER_BYTES=${layer[1]}
}

bootstrap
kver=$(kernel_version)
log "kernel $kver"
configure_initramfs
trim_debian_rootfs
remove_unused_data
prune_modules "$kver"
log "regenerating the initramfs"
in_root update-initramfs -u -k "$kver" >&2
check_initramfs "$kver"
boot_files "$kver"
configure_system
package_oci
printf '{"architecture":"%s","kernelVersion":"%s","rootfsBytes":%s,"layerBytes":%s,"buildSeconds":%s,"suite":"%s","mirror":"%s"}\n' \
  "$ARCH" "$kver" "$(du -sb "$rootfs" | cut -f1)" "$LAYER_BYTES" "$(($(date +%s) - started))" "$SUITE" "$MIRROR" \
  >"$tmp/build-info.json"
touch "$tmp/.complete"
rm -rf --one-file-system "$out"
mv -T "$tmp" "$out"
log "done in $(($(date +%s) - started)) s: $(cat "$out/build-info.json")"
echo "$out"
