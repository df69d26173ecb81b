#!/bin/sh
# /sbin/init of the default node image (pc-x86-64-default). The image is built with debootstrap's
# minbase variant, which has no init system: this is PID 1. It is started either by the Debian
# initramfs (local disk, or read-only NFS root) or by the walt-init the boot agent injects, so it must
# work on a read-only root and must not assume which filesystems are already mounted.
#
# Deliberately no `set -e`: PID 1 exiting panics the kernel, so every failure is reported and survived.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# Minbase has no reboot/poweroff of its own (they come with an init system): busybox has them.
bb=/bin/busybox

say() {
  echo "walt-default-init: $*" >/dev/console 2>/dev/null || echo "walt-default-init: $*"
}

# The initramfs usually moved its /proc, /sys, /dev and /run onto the new root already; mounting
# again would stack a second instance over the one programs already use.
mount_once() { # <fstype> <dir> <options>
  mountpoint -q "$2" 2>/dev/null && return 0
  mount -t "$1" -o "$3" "$1" "$2" || say "could not mount $1 on $2"
}

mount_once proc /proc nosuid,nodev,noexec
mount_once sysfs /sys nosuid,nodev,noexec
mount_once devtmpfs /dev mode=0755,nosuid
mount_once tmpfs /run mode=0755,nosuid,nodev
mount_once tmpfs /tmp mode=1777,nosuid,nodev

# The node's name comes from the boot agent (walt.node=<name>); the image has no /etc/hostname so
# that one image serves every node.
set -f # /proc/cmdline is split on blanks: no glob expansion of its words
for arg in $(cat /proc/cmdline 2>/dev/null); do
  case $arg in
  walt.node=?*) echo "${arg#walt.node=}" >/proc/sys/kernel/hostname ;;
  esac
done
set +f

# Busybox init's convention, so that tools written for busybox-based node images work here too:
# SIGTERM reboots, SIGUSR2 powers off. Other signals are left untrapped: the kernel does not deliver
# them to PID 1, and ignoring them here would be inherited by the console shell. Traps run between
# commands, hence the waits below are interruptible `wait`s rather than foreground commands.
stop_node() { # reboot|poweroff
  say "$1"
  sync
  $bb "$1" -f
}
trap 'stop_node reboot' TERM
trap 'stop_node poweroff' USR2

# Image-specific start-up steps (derived images drop scripts here); a failing step does not stop the
# boot, since a node that never becomes ready cannot be debugged remotely.
for script in /etc/walt/rc.d/*; do
  [ -f "$script" ] && [ -x "$script" ] || continue
  "$script" || say "$script exited with status $?"
done

# The agent's bootup notifier waits for this file (named in /etc/walt/ready-file): the node is
# reported Ready once its start-up steps are done, as WalT waits for sshd.
: >/run/walt-image-ready
say ready

# Keep PID 1 alive: a shell on the serial console, started again when it exits. `wait` reaps every
# child of PID 1 (orphans included), not only the shell. The pause keeps a missing serial port from
# turning this loop into a busy one.
while :; do
  setsid -w sh -c 'exec sh </dev/ttyS0 >/dev/ttyS0 2>&1' &
  wait $!
  sleep 2 &
  wait $!
done
