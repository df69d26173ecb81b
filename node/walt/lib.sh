# Shared by the node scripts (POSIX sh: the image may only have dash or busybox).

walt_log() {
    echo "walt-init: $*" >/dev/console 2>/dev/null || echo "walt-init: $*"
}

# The value of `walt.<name>=` on the kernel command line, or $2.
walt_arg() {
    for word in $(cat /proc/cmdline 2>/dev/null); do
        case "$word" in
        "walt.$1="*) echo "${word#*=}"; return 0 ;;
        esac
    done
    echo "${2:-}"
}

walt_is_mounted() {
    grep -q " $1 " /proc/mounts 2>/dev/null
}

# Runs "$@" for at most $1 seconds when `timeout` exists (a hung NFS mount must not hang the boot).
walt_bounded() {
    limit=$1; shift
    if command -v timeout >/dev/null 2>&1; then timeout "$limit" "$@"; else "$@"; fi
}

# This boot's id (the kernel's boot_id; WALT_BOOT_ID overrides it in tests), or nothing. The agent
# tells by it this boot's command polls from those the previous boot left on dead connections.
walt_boot_id() {
    _id=${WALT_BOOT_ID:-$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)}
    case "$_id" in
    '' | *[!0-9A-Za-z-]*) ;;
    *) echo "$_id" ;;
    esac
}
