# Shared by walt-log-echo, walt-log-cat and walt-log-tee (POSIX sh: the image may only have dash or
# busybox). Log lines go to the boot agent: POST /api/v1/nodes/<node>/logs?stream=<s>&ts=<mode>, a
# text/plain body with one log line per text line ("<epoch seconds> <text>" with ts=provided).
# The agent and node names come from the kernel command line (walt.server=, walt.node=); WALT_SERVER
# (host or host:port) and WALT_NODE override them, WALT_DIR says where lib.sh is (default /walt).

WALT_DIR=${WALT_DIR:-/walt}
if [ -r "$WALT_DIR/lib.sh" ]; then
    . "$WALT_DIR/lib.sh"
fi
if ! command -v walt_arg >/dev/null 2>&1; then
    walt_arg() { echo "${2:-}"; }
fi

walt_log_die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

# Sets WALT_LOG_NODE and WALT_LOG_SERVER, or fails.
walt_log_target() {
    WALT_LOG_NODE=${WALT_NODE:-$(walt_arg node)}
    WALT_LOG_SERVER=${WALT_SERVER:-$(walt_arg server)}
    [ -n "$WALT_LOG_NODE" ] || walt_log_die "node name unknown (no walt.node= on the kernel command line)"
    [ -n "$WALT_LOG_SERVER" ] || walt_log_die "agent address unknown (no walt.server= on the kernel command line)"
}

# Stream names: letters, digits, ".", "_", "-"; at most 128 (they go into the URL as they are).
walt_log_check_stream() {
    case "$1" in
    '' | *[!A-Za-z0-9._-]*) walt_log_die "invalid stream name '$1' (letters, digits, '.', '_', '-')" ;;
    esac
    [ ${#1} -le 128 ] || walt_log_die "stream name longer than 128 characters"
}

# The current time as float epoch seconds (whole seconds where date has no %N).
walt_log_now() {
    _now=$(date +%s.%N 2>/dev/null)
    case "$_now" in
    '' | *[!0-9.]*) date +%s ;;
    *) echo "$_now" ;;
    esac
}

# POST with bash's /dev/tcp, for images with neither curl nor wget: <host[:port]> <path> <file>.
WALT_LOG_DEVTCP='
host=${1%:*}; port=80
case "$1" in *:*) port=${1##*:} ;; esac
exec 3<>"/dev/tcp/$host/$port" || exit 1
length=$(($(wc -c <"$3")))
printf "POST %s HTTP/1.0\r\nHost: %s\r\nContent-Type: text/plain\r\nContent-Length: %s\r\n\r\n" "$2" "$1" "$length" >&3
cat "$3" >&3
read -r _ status _ <&3
case "$status" in 2??) exit 0 ;; *) exit 1 ;; esac
'

# walt_log_post <ts mode: provided|server> <stream> <body file>: succeeds on a 2xx answer.
walt_log_post() {
    _path="/api/v1/nodes/$WALT_LOG_NODE/logs?stream=$2&ts=$1"
    _url="http://$WALT_LOG_SERVER$_path"
    if command -v curl >/dev/null 2>&1; then
        curl -fsS -o /dev/null --max-time 30 -H 'Content-Type: text/plain' --data-binary "@$3" "$_url"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O /dev/null -T 30 --header 'Content-Type: text/plain' --post-file="$3" "$_url"
    elif command -v busybox >/dev/null 2>&1; then
        busybox wget -q -O /dev/null --header 'Content-Type: text/plain' --post-file="$3" "$_url"
    elif command -v bash >/dev/null 2>&1; then
        bash -c "$WALT_LOG_DEVTCP" walt-log-post "$WALT_LOG_SERVER" "$_path" "$3"
    else
        echo "${0##*/}: no curl, wget, busybox or bash to reach the agent" >&2
        return 1
    fi
}

# walt_log_post_retry <ts mode> <stream> <file> <tries>
walt_log_post_retry() {
    _try=1
    until walt_log_post "$1" "$2" "$3"; do
        [ "$_try" -lt "$4" ] || return 1
        _try=$((_try + 1))
        sleep 1
    done
}

walt_log_tmpdir() {
    mktemp -d "${TMPDIR:-/tmp}/walt-log.XXXXXX" 2>/dev/null || {
        _d="${TMPDIR:-/tmp}/walt-log.$$"
        mkdir -m 700 "$_d" && echo "$_d"
    }
}

walt_log_tick() {
    sleep 0.3 2>/dev/null || sleep 1
}

# Reads stdin line by line into <dir>/spool (each line appended on its own, so that the file can be
# renamed between two lines); <stamp>=1 prefixes the local time, <tee>=1 also copies to stdout.
walt_log_copy() {
    while IFS= read -r _line || [ -n "$_line" ]; do
        if [ "$3" = 1 ]; then printf '%s\n' "$_line"; fi
        if [ "$2" = 1 ]; then
            printf '%s %s\n' "$(walt_log_now)" "$_line" >>"$1/spool"
        else
            printf '%s\n' "$_line" >>"$1/spool"
        fi
    done
}

# Posts <dir>/pending.<n> for n in [WALT_LOG_SENT, WALT_LOG_SEQ), in order; stops at a failure.
walt_log_send_pending() {
    while [ "$WALT_LOG_SENT" -lt "$WALT_LOG_SEQ" ]; do
        walt_log_post "$1" "$2" "$3/pending.$WALT_LOG_SENT" || return 1
        rm -f "$3/pending.$WALT_LOG_SENT"
        WALT_LOG_SENT=$((WALT_LOG_SENT + 1))
    done
}

# The sender: every tick, posts the batch set aside at the previous tick (the copier has long finished
# writing to it), then sets aside the lines spooled since. When the copier is done, posts everything.
walt_log_sender() {
    WALT_LOG_SENT=0
    WALT_LOG_SEQ=0
    _final_tries=0
    while :; do
        _final=0
        [ -e "$3/done" ] && _final=1
        walt_log_send_pending "$1" "$2" "$3"
        if [ -s "$3/spool" ] && mv "$3/spool" "$3/pending.$WALT_LOG_SEQ"; then
            WALT_LOG_SEQ=$((WALT_LOG_SEQ + 1))
        fi
        if [ "$_final" = 1 ]; then
            walt_log_send_pending "$1" "$2" "$3" && return 0
            _final_tries=$((_final_tries + 1))
            [ "$_final_tries" -lt 10 ] || {
                echo "${0##*/}: could not send log lines to the agent at $WALT_LOG_SERVER" >&2
                return 1
            }
            sleep 1
        fi
        walt_log_tick
    done
}

# walt_log_pump <ts mode: provided|server|local> <stream> <tee: 0|1>: stdin → the agent.
walt_log_pump() {
    _dir=$(walt_log_tmpdir) || walt_log_die "cannot create a temporary directory"
    _ts=provided
    [ "$1" = server ] && _ts=server
    _stamp=0
    [ "$1" = local ] && _stamp=1
    walt_log_sender "$_ts" "$2" "$_dir" &
    _sender=$!
    walt_log_copy "$_dir" "$_stamp" "$3"
    : >"$_dir/done"
    wait "$_sender"
    _rc=$?
    rm -rf "$_dir"
    return $_rc
}
