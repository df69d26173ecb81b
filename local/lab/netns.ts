// The lab's segment: a network namespace holding a Linux bridge with the agent's address. The agent
// runs inside it (it owns the bridge); virtual nodes plug their taps into the bridge.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LabNetwork {
  ns: string;
  bridge: string;
  /** "192.168.152.1/22" */
  address: string;
}

async function inNs(ns: string, args: string[]): Promise<void> {
  await run('ip', ['netns', 'exec', ns, 'ip', ...args]);
}

/** Kills what still runs in the namespace (qemu, dnsmasq, ganesha…), then deletes it. */
export async function deleteNetwork(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns]).then(
    (r) => r.stdout.split(/\s+/).filter(Boolean).map(Number),
    () => [],
  );
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run('ip', ['netns', 'delete', ns]).catch(() => undefined);
}

/** Creates the namespace and its bridge afresh (a leftover of a crashed run is replaced). */
export async function createNetwork(network: LabNetwork): Promise<void> {
  await deleteNetwork(network.ns);
  await run('ip', ['netns', 'add', network.ns]);
  await inNs(network.ns, ['link', 'set', 'lo', 'up']);
  await inNs(network.ns, ['link', 'add', network.bridge, 'type', 'bridge']);
  await inNs(network.ns, ['addr', 'add', network.address, 'dev', network.bridge]);
  await inNs(network.ns, ['link', 'set', network.bridge, 'up']);
}
