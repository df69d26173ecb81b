// What the end-to-end suites check of cancelling a command on a real node (ADR 0008, "Cancel reaches
// the node"): a long command that leaves evidence on the node (its shell's pid, a trap on TERM that
// writes a file, a heartbeat), and a probe, itself a command on the node, that reads that evidence and
// counts the live processes of the command's process group from /proc. The evidence is under /tmp of
// the node (its RAM overlay): a reboot of the node would erase it, so the checks run on a node the
// cancel does not reboot.
import type { AgentOperations } from '../../api/agent/v1.js';

/** Where the long commands leave their evidence on the node. */
export const EVIDENCE_DIR = '/tmp/walt-cancel-e2e';

/**
 * A shell that traps TERM (writes "TERM" into <tag>.trap, exits `trapExit`), writes its process group
 * (from /proc, whatever wraps it) and beats every second until ended. With `ignoreTerm`, its whole
 * group ignores TERM instead: only KILL ends it.
 */
export function longCommand(
  tag: string,
  options: { trapExit?: number; ignoreTerm?: boolean } = {},
): string[] {
  const d = `${EVIDENCE_DIR}/${tag}`;
  const trap = options.ignoreTerm
    ? "trap '' TERM"
    : `trap 'echo TERM >"${d}.trap"; exit ${options.trapExit ?? 0}' TERM`;
  return [
    'sh',
    '-c',
    `mkdir -p ${EVIDENCE_DIR}; ${trap}; s=$(cat /proc/$$/stat); set -- \${s##*) }; echo "$3" >"${d}.pgrp"; ` +
      `while :; do date +%s >"${d}.beat"; sleep 1; done`,
  ];
}

export interface Evidence {
  /** The command's process group, once it wrote it. */
  pgrp: number | undefined;
  /** Live (not zombie) processes of that process group on the node now. */
  groupAlive: number;
  /** What the TERM trap wrote ("TERM"), or "" when it did not run. */
  trap: string;
}

/** A POSIX sh probe of `tag`'s evidence: "<pid> <live processes of its group> <trap>". */
function probeScript(tag: string): string {
  const d = `${EVIDENCE_DIR}/${tag}`;
  return [
    `p=$(cat "${d}.pgrp" 2>/dev/null); n=0`,
    'if [ -n "$p" ]; then for f in /proc/[0-9]*/stat; do',
    // Fields after "pid (comm) ": state, ppid, pgrp.
    '  s=$(cat "$f" 2>/dev/null) || continue; set -- ${s##*) }',
    '  [ "$3" = "$p" ] && [ "$1" != Z ] && n=$((n + 1))',
    'done; fi',
    `echo "\${p:--} $n $(cat "${d}.trap" 2>/dev/null)"`,
  ].join('\n');
}

/** Reads `tag`'s evidence on `node` (a command of its own through the same channel). */
export async function evidenceOn(agent: AgentOperations, node: string, tag: string): Promise<Evidence> {
  const result = await agent.exec(node, { command: ['sh', '-c', probeScript(tag)], timeoutSeconds: 60 });
  if (result.exitCode !== 0) throw new Error(`the probe failed on ${node}: ${JSON.stringify(result)}`);
  const [pgrp, alive, trap] = result.output.trim().split(' ');
  return {
    pgrp: pgrp === undefined || pgrp === '-' ? undefined : Number(pgrp),
    groupAlive: Number(alive),
    trap: trap ?? '',
  };
}
