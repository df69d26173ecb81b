// Client namespaces plugged into a lab's bridge (local/lab): the lab owns its namespace and deletes it
// at stop; the clients (netns.ts addClient on labAsSegment) are the test's, deleted by removeLabClients.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LabNetwork } from '../../local/lab/netns.js';
import type { Segment } from './netns.js';

const run = promisify(execFile);

/** The lab's network as test/support/netns.ts sees a segment (its clients are recorded on it). */
export function labAsSegment(network: LabNetwork, subnet: string): Segment {
  return {
    ns: network.ns,
    bridge: network.bridge,
    subnet,
    serverIp: network.address.split('/')[0]!,
    clients: [],
  };
}

/** Deletes the client namespaces (their veth goes with them); what runs there is killed first. */
export async function removeLabClients(segment: Segment): Promise<void> {
  for (const client of segment.clients) {
    const pids = await run('ip', ['netns', 'pids', client.ns]).then(
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
    await run('ip', ['netns', 'delete', client.ns]).catch(() => undefined);
  }
  segment.clients = [];
}
