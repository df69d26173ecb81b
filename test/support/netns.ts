// Throwaway network segments for tests: an agent namespace holding a bridge with the server address,
// and client namespaces plugged into the bridge by veth pairs. Names are unique per process and call, so
// test files running in parallel do not collide; destroy() removes everything even after failures.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Segment {
  /** The agent's namespace. */
  ns: string;
  bridge: string;
  subnet: string;
  serverIp: string;
  clients: Client[];
}

export interface Client {
  ns: string;
  /** Interface name inside the client namespace. */
  ifname: string;
  mac: string;
}

let counter = 0;

function uniqueTag(): string {
  counter += 1;
  return `${process.pid.toString(36)}${counter.toString(36)}${randomBytes(2).toString('hex')}`;
}

async function ip(args: string[]): Promise<void> {
  await run('ip', args);
}

/** Runs a command inside a namespace; resolves with its output, rejects on a non-zero exit. */
export async function exec(
  ns: string,
  cmd: string,
  args: string[],
  timeoutMs = 30000,
): Promise<{ stdout: string; stderr: string }> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 });
}

export function randomMac(oui = '02:00:00'): string {
  const tail = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':');
  return `${oui}:${tail}`;
}

export async function createSegment(options: { subnet: string; serverIp: string }): Promise<Segment> {
  const tag = uniqueTag();
  const segment: Segment = { ns: `wdhcp-a-${tag}`, bridge: 'br0', clients: [], ...options };
  const prefix = options.subnet.split('/')[1] ?? '24';
  try {
    await ip(['netns', 'add', segment.ns]);
    await exec(segment.ns, 'ip', ['link', 'set', 'lo', 'up']);
    await exec(segment.ns, 'ip', ['link', 'add', segment.bridge, 'type', 'bridge']);
    await exec(segment.ns, 'ip', ['addr', 'add', `${options.serverIp}/${prefix}`, 'dev', segment.bridge]);
    await exec(segment.ns, 'ip', ['link', 'set', segment.bridge, 'up']);
  } catch (error) {
    await destroySegment(segment);
    throw error;
  }
  return segment;
}

/** A client namespace with `eth0` plugged into the segment's bridge. */
export async function addClient(segment: Segment, options: { mac?: string } = {}): Promise<Client> {
  const tag = uniqueTag();
  const client: Client = { ns: `wdhcp-c-${tag}`, ifname: 'eth0', mac: options.mac ?? randomMac() };
  const hostSide = `wc${tag}`.slice(0, 15);
  await ip(['netns', 'add', client.ns]);
  segment.clients.push(client);
  await exec(client.ns, 'ip', ['link', 'set', 'lo', 'up']);
  await exec(client.ns, 'ip', [
    'link',
    'add',
    client.ifname,
    'address',
    client.mac,
    'type',
    'veth',
    'peer',
    'name',
    hostSide,
  ]);
  await exec(client.ns, 'ip', ['link', 'set', hostSide, 'netns', segment.ns]);
  await exec(segment.ns, 'ip', ['link', 'set', hostSide, 'master', segment.bridge, 'up']);
  await exec(client.ns, 'ip', ['link', 'set', client.ifname, 'up']);
  return client;
}

async function deleteNs(ns: string): Promise<void> {
  // Kill what still runs in the namespace (clients left behind by a failed test), then delete it.
  const pids = await run('ip', ['netns', 'pids', ns]).then(
    (r) => r.stdout.split(/\s+/).filter(Boolean),
    () => [],
  );
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await ip(['netns', 'delete', ns]).catch(() => undefined);
}

/** Deletes the client namespaces and the agent namespace (veth pairs and the bridge go with them). */
export async function destroySegment(segment: Segment): Promise<void> {
  for (const client of segment.clients) await deleteNs(client.ns);
  segment.clients = [];
  await deleteNs(segment.ns);
}
