// A qemu machine whose power a test controls, for the power drivers' end-to-end tests: a PC declared
// physical (no spec.virtual: the agent runs no VM for it) that netboots through qemu's iPXE ROM from the
// segment bridge, and a power controller in front of it, as a lab has a PDU or a PoE switch. The
// controller is an HTTP server here (the webhook driver's peer): each call switches the machine on
// (starts a qemu process, if none runs) or off (kills it), and is recorded in order with its time and
// credential. The server listens on the host's loopback and is relayed into the segment's namespace
// at the same address (the agent runs there). Other controllers (an SNMP agent for PoE) can drive
// the same machine through `powerOn`/`powerOff`. `freeze` stops the CPUs (QMP "stop"): the machine is
// on but answers nothing, like a hung board.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { qmpCommand } from '../../agents/vnodes/qmp.js';
import { bridgeLoopbackPort, type ApiserverBridge } from '../../local/lab/apiserver-bridge.js';
import { exec } from './netns.js';

export interface PoweredMachineOptions {
  /** The network namespace holding the segment's bridge (the agent's). */
  ns: string;
  bridge: string;
  tap: string;
  mac: string;
  /** QMP socket and console log go here. */
  workDir: string;
  memoryMiB?: number;
  /** The value the power calls must carry in `authHeader` (else 401). */
  credential?: string;
  authHeader?: string;
}

export interface PowerCall {
  at: number;
  action: 'on' | 'off' | 'bad';
  method: string;
  url: string;
  body: string;
}

export interface PoweredMachine {
  /** The webhook URL (its path may carry {{action}}); reachable from the host and from the segment's namespace. */
  url: string;
  /** Every call the power controller accepted, in order. */
  calls: PowerCall[];
  /** Calls refused (bad credential, unknown action). */
  refused: PowerCall[];
  /** Whether a qemu process runs. */
  on(): boolean;
  /** Everything the machine wrote on its serial port, all power-ons together. */
  console(): string;
  powerOn(): Promise<void>;
  powerOff(): Promise<void>;
  /** Stops the CPUs (QMP stop): on, but dead to the network. */
  freeze(): Promise<void>;
  stop(): Promise<void>;
}

/** qemu's command line (pure): SeaBIOS + qemu's iPXE ROM on a virtio NIC, serial on stdout, QMP. */
export function poweredMachineArgs(options: PoweredMachineOptions, qmp: string): string[] {
  return [
    '-machine',
    'pc,graphics=off',
    '-accel',
    'tcg',
    '-m',
    `${options.memoryMiB ?? 768}M`,
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-boot',
    'n',
    '-qmp',
    `unix:${qmp},server=on,wait=off`,
    '-netdev',
    `tap,id=n0,ifname=${options.tap},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=n0,mac=${options.mac}`,
  ];
}

/** The action of a call: JSON {"action": …} in the body, or ?action= / a last path segment on|off. */
function actionOf(url: string, body: string): PowerCall['action'] {
  try {
    const parsed = JSON.parse(body) as { action?: unknown };
    if (parsed.action === 'on' || parsed.action === 'off') return parsed.action;
  } catch {
    // not JSON
  }
  const target = new URL(url, 'http://x');
  const word = target.searchParams.get('action') ?? target.pathname.split('/').pop();
  return word === 'on' || word === 'off' ? word : 'bad';
}

export async function startPoweredMachine(options: PoweredMachineOptions): Promise<PoweredMachine> {
  const qmp = path.join(options.workDir, 'qmp.sock');
  const header = (options.authHeader ?? 'authorization').toLowerCase();
  let child: ChildProcess | undefined;
  let output = '';
  const calls: PowerCall[] = [];
  const refused: PowerCall[] = [];
  await exec(options.ns, 'ip', ['tuntap', 'add', 'dev', options.tap, 'mode', 'tap']);
  await exec(options.ns, 'ip', ['link', 'set', options.tap, 'master', options.bridge, 'up']);

  const running = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
  const powerOn = async (): Promise<void> => {
    if (running()) return;
    output += '\n[powered-machine: power on]\n';
    const started = spawn(
      'ip',
      ['netns', 'exec', options.ns, 'qemu-system-x86_64', ...poweredMachineArgs(options, qmp)],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
    started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
    child = started;
    await new Promise((r) => setTimeout(r, 200));
    if (!running()) throw new Error(`qemu exited at once:\n${output.slice(-2000)}`);
  };
  const powerOff = async (): Promise<void> => {
    const victim = child;
    if (!victim || !running() || victim.pid === undefined) return;
    const exited = new Promise<void>((resolve) => victim.once('exit', () => resolve()));
    process.kill(-victim.pid, 'SIGKILL');
    await exited;
    output += '\n[powered-machine: power off]\n';
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      if (body.length < 65_536) body += chunk.toString();
    });
    req.on('end', () => {
      const call: PowerCall = {
        at: Date.now(),
        action: actionOf(req.url ?? '', body),
        method: req.method ?? '',
        url: req.url ?? '',
        body,
      };
      if (options.credential !== undefined && req.headers[header] !== options.credential) {
        refused.push(call);
        res.writeHead(401).end('bad credential');
        return;
      }
      if (call.action === 'bad') {
        refused.push(call);
        res.writeHead(400).end('action must be on or off');
        return;
      }
      calls.push(call);
      (call.action === 'on' ? powerOn() : powerOff()).then(
        () => res.writeHead(204).end(),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const bridge: ApiserverBridge = await bridgeLoopbackPort(options.ns, port);
  return {
    url: `http://127.0.0.1:${port}/power`,
    calls,
    refused,
    on: running,
    console: () => output,
    powerOn,
    powerOff,
    freeze: () => qmpCommand(qmp, 'stop'),
    async stop() {
      await powerOff();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await bridge.stop();
      await exec(options.ns, 'ip', ['link', 'delete', options.tap]).catch(() => undefined);
    },
  };
}
