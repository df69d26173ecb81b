// A real SNMP agent for the PoE driver and topology tests: Debian's net-snmp `snmpd` on
// 127.0.0.1:<free port>, with a v2c read-write community and a v3 user (SHA + AES), serving the
// tables a test gives (POWER-ETHERNET-MIB, LLDP-MIB, BRIDGE-MIB) through test/support/snmp-pass.py
// (pass_persist). A SET of pethPsePortAdminEnable calls back into the test over a unix socket, so the
// test powers a real process (a qemu machine) off and on from the switch.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTool, type Tool } from './require-tool.js';
import { waitFor } from './wait.js';

export const SNMPD: Tool = { name: 'snmpd (net-snmp)', probe: ['snmpd', '-v'], debian: 'snmpd' };
export const SNMP_CLIENTS: Tool = { name: 'net-snmp tools', probe: ['snmpget', '-V'], debian: 'snmp' };

const HANDLER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'snmp-pass.py');

/** The subtrees the handler serves (snmpd keeps its own system group, 1.3.6.1.2.1.1). */
const SUBTREES = [
  '.1.3.6.1.2.1.105', // POWER-ETHERNET-MIB
  '.1.0.8802.1.1.2', // LLDP-MIB
  '.1.3.6.1.2.1.17.4', // BRIDGE-MIB dot1dTpFdbTable
  '.1.3.6.1.2.1.17.7', // Q-BRIDGE-MIB
];

/** One SNMP value as pass_persist types it: integer, string, octet (hex bytes), ipaddress… */
export type SnmpValue = [
  'integer' | 'string' | 'octet' | 'ipaddress' | 'gauge' | 'timeticks',
  string | number,
];

export interface SnmpdOptions {
  /** A loopback address to listen on (127.0.0.1): two test switches may have two addresses. */
  host?: string;
  /** A network namespace to run in (where the agent runs), instead of the host's. */
  netns?: string;
  /** Holds the configuration, the table, the socket and the log. */
  dir: string;
  community: string;
  v3: { user: string; authKey: string; privKey: string };
  /** OID (dotted, leading dot or not) → value. */
  table: Record<string, SnmpValue>;
  /** Called on a SET of pethPsePortAdminEnable.<group>.<port>, before it is committed. */
  onPoe?: (group: number, port: number, on: boolean) => Promise<void>;
}

export interface TestSnmpd {
  host: string;
  port: number;
  /** Every PoE SET the switch carried out, in order ("1.3 off"). */
  readonly poeLog: string[];
  /** Resolves once `count` SETs arrived and their power actions are done (throws the first that failed). */
  settled: (count: number) => Promise<void>;
  stop(): Promise<void>;
}

async function freeUdpPort(host: string): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function configOf(options: SnmpdOptions, port: number, tablePath: string, socketPath: string): string {
  const { user, authKey, privKey } = options.v3;
  return [
    `agentAddress udp:${options.host ?? '127.0.0.1'}:${port}`,
    `rwcommunity ${options.community} 127.0.0.0/8`,
    `createUser ${user} SHA "${authKey}" AES "${privKey}"`,
    `rwuser ${user} priv`,
    ...SUBTREES.map((oid) => `pass_persist ${oid} /usr/bin/python3 ${HANDLER} ${tablePath} ${socketPath}`),
    '',
  ].join('\n');
}

/**
 * Serves the handler's callbacks: each "<group>.<port> <1|2>" line is logged, and onPoe runs after the
 * previous one (a real switch also powers the port after the SET is answered). The handler does not
 * wait for us: snmpd gives it about a second, and this event loop may be busy longer on a loaded
 * machine. `settled(n)` waits for the n-th SET to arrive and for the power actions so far.
 */
function poeCallbacks(
  options: SnmpdOptions,
  log: string[],
): { server: Server; settled: (count: number) => Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  const server = createServer((socket) => {
    let line = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      line += chunk;
      if (line.length > 64) socket.destroy();
    });
    socket.on('end', () => {
      const match = /^(\d+)\.(\d+) ([12])\n$/.exec(line);
      if (!match) return;
      const [group, port, on] = [Number(match[1]), Number(match[2]), match[3] === '1'];
      log.push(`${group}.${port} ${on ? 'on' : 'off'}`);
      const onPoe = options.onPoe ?? (() => Promise.resolve());
      chain = chain
        .then(() => onPoe(group, port, on))
        .catch(
          (error: unknown) => void (failure ??= error instanceof Error ? error : new Error('onPoe failed')),
        );
    });
  });
  return {
    server,
    settled: async (count) => {
      await waitFor(`PoE SET number ${count}`, () => Promise.resolve(log.length >= count ? true : undefined));
      await chain;
      if (failure !== undefined) throw failure;
    },
  };
}

/** `command args` as spawned: in `netns` when one is given. */
function inNetns(netns: string | undefined, command: string, args: string[]): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, command, ...args]] : [command, args];
}

/** Whether snmpd answers a GETNEXT into each handled subtree (which also starts every handler). */
function snmpdAnswers(options: SnmpdOptions, host: string, port: number): Promise<boolean> {
  const [command, args] = inNetns(options.netns, 'snmpgetnext', [
    ...['-v2c', '-c', options.community, '-t', '3', '-r', '0', `${host}:${port}`],
    ...SUBTREES,
  ]);
  return new Promise((resolve) => {
    execFile(command, args, (error) => resolve(!error));
  });
}

/** The port of the snmpd in a fresh namespace of its own is any port. */
const NETNS_SNMP_PORT = 1161;

export async function startSnmpd(options: SnmpdOptions): Promise<TestSnmpd> {
  requireTool(SNMPD);
  requireTool(SNMP_CLIENTS);
  await mkdir(path.join(options.dir, 'persist'), { recursive: true });
  const tablePath = path.join(options.dir, 'table.json');
  const socketPath = path.join(options.dir, 'poe.sock');
  const confPath = path.join(options.dir, 'snmpd.conf');
  await writeFile(tablePath, JSON.stringify(options.table));
  const poeLog: string[] = [];
  const callbacks = poeCallbacks(options, poeLog);
  await new Promise<void>((resolve) => callbacks.server.listen(socketPath, resolve));
  const host = options.host ?? '127.0.0.1';
  const port = options.netns ? NETNS_SNMP_PORT : await freeUdpPort(host);
  await writeFile(confPath, configOf(options, port, tablePath, socketPath));
  // -f foreground, -C only our configuration, -Lf a log file; MIB files are not needed (numeric OIDs).
  const [command, args] = inNetns(options.netns, 'snmpd', [
    ...['-f', '-C', '-c', confPath, '-Lf', path.join(options.dir, 'snmpd.log'), '-M', options.dir, '-m', ''],
  ]);
  const child: ChildProcess = spawn(command, args, {
    stdio: 'ignore',
    env: { ...process.env, SNMP_PERSISTENT_DIR: path.join(options.dir, 'persist') },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await new Promise<void>((resolve) => callbacks.server.close(() => resolve()));
  };
  try {
    await waitFor(`snmpd on ${host}:${port}`, async () => {
      if (child.exitCode !== null)
        throw new Error(`snmpd exited (${child.exitCode}): see ${options.dir}/snmpd.log`);
      return (await snmpdAnswers(options, host, port)) ? true : undefined;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, port, poeLog, settled: callbacks.settled, stop };
}
