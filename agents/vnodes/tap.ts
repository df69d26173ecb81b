// The tap device of a virtual node, plugged into the segment's bridge. The agent runs inside the
// segment's network namespace, so plain `ip` commands act there; tests hand a command prefix
// (`ip netns exec <ns>`) to act in a throwaway namespace instead.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { isWaltError } from '../../common/errors.js';
import { ERR_VNODE_INTERFACE_MISSING, ERR_VNODE_NOT_A_BRIDGE, ERR_VNODE_TAP_FAILED } from './errors.js';

const execFileAsync = promisify(execFile);

export type CommandRunner = (cmd: string, args: string[]) => Promise<{ stdout: string; stderr: string }>;

/** Runs commands, each prefixed by `prefix` (e.g. ['ip', 'netns', 'exec', 'ns1']), bounded to 10 s. */
export function commandRunner(prefix: readonly string[] = []): CommandRunner {
  return async (cmd, args) => {
    const [file, ...rest] = [...prefix, cmd, ...args];
    const { stdout, stderr } = await execFileAsync(file!, rest, { timeout: 10_000 });
    return { stdout, stderr };
  };
}

/**
 * The tap of `node`: "wv" + 12 hex digits of the name's SHA-256 — 14 characters, under the 15 of
 * IFNAMSIZ whatever the node name's length, and the same on every agent start (leftovers are found).
 */
export function tapName(node: string): string {
  return `wv${createHash('sha256').update(node).digest('hex').slice(0, 12)}`;
}

/** The link kind ("bridge", "tun", "" for a plain device) in `ip -d -j link show` output (pure). */
export function linkKind(json: string): string {
  const links = JSON.parse(json) as Array<{ linkinfo?: { info_kind?: string } }>;
  return links[0]?.linkinfo?.info_kind ?? '';
}

function stderrOf(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() ? stderr : (error as Error).message;
  return text.trim();
}

function isMissingDevice(error: unknown): boolean {
  return /does not exist|cannot find device/i.test(stderrOf(error));
}

/** Fails with a coded error unless `iface` is a Linux bridge. */
export async function assertBridge(run: CommandRunner, iface: string): Promise<void> {
  let kind: string;
  try {
    kind = linkKind((await run('ip', ['-d', '-j', 'link', 'show', 'dev', iface])).stdout);
  } catch (error) {
    throw ERR_VNODE_INTERFACE_MISSING(iface, stderrOf(error));
  }
  if (kind !== 'bridge') throw ERR_VNODE_NOT_A_BRIDGE(iface, kind);
}

async function tapExists(run: CommandRunner, tap: string): Promise<boolean> {
  try {
    await run('ip', ['-j', 'link', 'show', 'dev', tap]);
    return true;
  } catch (error) {
    if (isMissingDevice(error)) return false;
    throw ERR_VNODE_TAP_FAILED(tap, 'look up', stderrOf(error));
  }
}

/** Creates the tap (or keeps a leftover one), attaches it to `bridge` and brings it up. */
export async function ensureTap(run: CommandRunner, options: { tap: string; bridge: string }): Promise<void> {
  const { tap, bridge } = options;
  await assertBridge(run, bridge);
  try {
    if (!(await tapExists(run, tap))) await run('ip', ['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
    await run('ip', ['link', 'set', 'dev', tap, 'master', bridge, 'up']);
  } catch (error) {
    if (isWaltError(error)) throw error;
    throw ERR_VNODE_TAP_FAILED(tap, `create and attach to ${bridge}`, stderrOf(error));
  }
}

/** Deletes the tap; one already gone is not an error. */
export async function deleteTap(run: CommandRunner, tap: string): Promise<void> {
  try {
    await run('ip', ['link', 'delete', 'dev', tap]);
  } catch (error) {
    if (!isMissingDevice(error)) throw ERR_VNODE_TAP_FAILED(tap, 'delete', stderrOf(error));
  }
}
