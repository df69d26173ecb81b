// The simulated PXE clients: one network namespace each, plugged into the segment bridge, each doing
// DHCP (udhcpc posing as iPXE, its script configuring the address), a TFTP download and an HTTP
// download. A storm launches them all at once and times the whole and each client.
import { chmod, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { addClient, type Client, type Segment } from '../../test/support/netns.js';
import { mapLimit, nsRun } from './proc.js';

export interface BootTarget {
  /** TFTP file name, as the server resolves it. */
  tftpFile: string;
  tftpSize: number;
  /** HTTP URL of the big file for client `i`. */
  httpUrl: (i: number) => string;
  httpSize: number;
}

export type Step = 'dhcp' | 'tftp' | 'http';

export interface ClientResult {
  ok: boolean;
  seconds: number;
  /** Seconds per completed step. */
  steps: Partial<Record<Step, number>>;
  /** The step that failed and why. */
  error?: string;
}

export interface StormResult {
  seconds: number;
  results: ClientResult[];
}

/** MAC of client `i`: locally unique, stable across rounds (the WaltNodes are registered for them). */
export function clientMac(i: number): string {
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  return `52:54:00:80:${hex((i >> 8) & 0xff)}:${hex(i & 0xff)}`;
}

/** Creates `count` client namespaces in parallel batches of 20 (recorded in `net.clients` at once). */
export async function createClients(net: Segment, count: number): Promise<Client[]> {
  const indices = Array.from({ length: count }, (_, i) => i);
  return mapLimit(indices, 20, (i) => addClient(net, { mac: clientMac(i) }));
}

/** The udhcpc script: drop old addresses, configure the leased one. */
export async function writeDhcpScript(dir: string): Promise<string> {
  const script = path.join(dir, 'udhcpc.sh');
  await writeFile(
    script,
    [
      '#!/bin/sh',
      'case "$1" in',
      '  deconfig) ip addr flush dev "$interface" ;;',
      '  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface" ;;',
      'esac',
      'exit 0',
      '',
    ].join('\n'),
  );
  await chmod(script, 0o755);
  return script;
}

const IPXE = ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '0xaf:b10101', '-x', '93:0000'];

function reason(step: string, error: unknown): string {
  const e = error as { message?: string; stderr?: string; killed?: boolean };
  if (e.killed) return `${step}: timed out`;
  const detail = (e.stderr || e.message || String(error)).trim().split('\n').slice(-1)[0];
  return `${step}: ${detail}`;
}

interface StormContext {
  dir: string;
  script: string;
  server: string;
  target: BootTarget;
}

async function bootSteps(
  ctx: StormContext,
  client: Client,
  i: number,
  steps: ClientResult['steps'],
): Promise<void> {
  const step = async (name: Step, work: () => Promise<void>): Promise<void> => {
    const started = process.hrtime.bigint();
    await work().catch((error: unknown) => {
      throw new Error(reason(name, error));
    });
    steps[name] = Number(process.hrtime.bigint() - started) / 1e9;
  };
  await step('dhcp', async () => {
    await nsRun(
      client.ns,
      'busybox',
      ['udhcpc', '-i', client.ifname, '-f', '-q', '-n', '-t', '8', '-T', '3', '-s', ctx.script, ...IPXE],
      60000,
    );
  });
  const local = path.join(ctx.dir, `tftp-${i}.bin`);
  await step('tftp', async () => {
    await nsRun(
      client.ns,
      'busybox',
      ['tftp', '-g', '-r', ctx.target.tftpFile, '-l', local, '-b', '1468', ctx.server],
      120000,
    );
    const { size } = await stat(local);
    await rm(local, { force: true });
    if (size !== ctx.target.tftpSize) throw new Error(`got ${size} bytes, not ${ctx.target.tftpSize}`);
  });
  await step('http', async () => {
    const { stdout } = await nsRun(
      client.ns,
      'curl',
      ['-sf', '-o', '/dev/null', '--max-time', '120', '-w', '%{size_download}', ctx.target.httpUrl(i)],
      130000,
    );
    if (Number(stdout) !== ctx.target.httpSize)
      throw new Error(`got ${stdout} bytes, not ${ctx.target.httpSize}`);
  });
}

async function bootClient(ctx: StormContext, client: Client, i: number): Promise<ClientResult> {
  const started = process.hrtime.bigint();
  const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
  const steps: ClientResult['steps'] = {};
  try {
    await bootSteps(ctx, client, i, steps);
    return { ok: true, seconds: seconds(), steps };
  } catch (error) {
    return { ok: false, seconds: seconds(), steps, error: (error as Error).message };
  }
}

/** All clients at once (concurrency = all of them): wall time from the first start to the last end. */
export async function storm(
  clients: Client[],
  ctx: { dir: string; script: string; server: string },
  target: BootTarget,
): Promise<StormResult> {
  const full: StormContext = { ...ctx, target };
  const started = process.hrtime.bigint();
  const results = await mapLimit(clients, clients.length, (client, i) => bootClient(full, client, i));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, results };
}
