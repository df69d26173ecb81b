// The sh scripts the agent sends down the command channel (ADR 0008), pure. walt-command-loop runs each
// with the node's /bin/sh (dash on Debian: POSIX only) in /root, and reads the first line
// "#walt:timeout=<seconds>" to know when to kill it. The loop exports WALT_HTTP (its HTTP helper),
// WALT_API (http://<server>/api/v1/nodes/<node>) and WALT_WORK (its scratch directory, in RAM).
import { shellCommand, shellQuote } from './shell-quote.js';

export const TIMEOUT_LINE_PREFIX = '#walt:timeout=';

function header(timeoutSeconds: number): string {
  return `${TIMEOUT_LINE_PREFIX}${Math.max(1, Math.ceil(timeoutSeconds))}\n`;
}

/**
 * Runs `argv` as given; a shell builtin (echo, cd, ...) works too, as over WalT's ssh. A program
 * replaces the script's shell (exec): its exit status is the command's own, also when a cancel or the
 * timeout sends TERM (a trap's `exit 7` is reported as 7, not as the shell's 143).
 */
export function execScript(argv: readonly string[], timeoutSeconds: number): string {
  return [
    `${header(timeoutSeconds)}set -- ${shellCommand(argv)}`,
    'case $(command -v -- "$1") in /*) exec "$@" ;; esac',
    '"$@"',
    '',
  ].join('\n');
}

/** Ids are the queue's hex ids; anything else never goes into a script. */
function safeId(id: string): string {
  if (!/^[0-9a-zA-Z_-]{1,64}$/.test(id)) throw new Error(`unsafe transfer id ${JSON.stringify(id)}`);
  return id;
}

/**
 * toNode: fetch transfer `id` (a tar archive) from the agent and extract it into `dir` (created if
 * missing), streaming; a failed download fails the script even though tar read what came.
 */
export function extractScript(transferId: string, dir: string, timeoutSeconds: number): string {
  const id = safeId(transferId);
  return [
    header(timeoutSeconds).trimEnd(),
    `dir=${shellQuote(dir)}`,
    `failed="\${WALT_WORK:-/tmp}/transfer-${id}.failed"`,
    'rm -f "$failed"',
    'mkdir -p "$dir" || exit 1',
    `{ "$WALT_HTTP" get "$WALT_API/transfers/${id}" - || : >"$failed"; } | tar -x -f - -C "$dir" || { rm -f "$failed"; exit 1; }`,
    'if [ -e "$failed" ]; then rm -f "$failed"; echo "walt: could not download the archive from the agent" >&2; exit 1; fi',
    '',
  ].join('\n');
}

/**
 * fromNode: archive `base` of directory `parent` (one top entry) and upload it as transfer `id`. The
 * archive is staged in the loop's RAM scratch directory (wget and /dev/tcp need its length up front).
 */
export function archiveScript(
  transferId: string,
  parent: string,
  base: string,
  timeoutSeconds: number,
): string {
  const id = safeId(transferId);
  return [
    header(timeoutSeconds).trimEnd(),
    `archive="\${WALT_WORK:-/tmp}/transfer-${id}.tar"`,
    `tar -c -f "$archive" -C ${shellQuote(parent)} -- ${shellQuote(base)} || { rm -f "$archive"; exit 1; }`,
    `"$WALT_HTTP" post "$WALT_API/transfers/${id}" "$archive" application/x-tar`,
    'code=$?',
    'rm -f "$archive"',
    '[ "$code" = 0 ] || echo "walt: could not upload the archive to the agent" >&2',
    'exit "$code"',
    '',
  ].join('\n');
}
