// Makes the test run's apiserver (listening on 127.0.0.1:<port> in the root network namespace) reachable
// at the same address inside another namespace, so a boot agent can own a segment's interface in its own
// namespace and still talk to Kubernetes with the run's kubeconfig: a unix socket (which namespaces
// share, being a file) carries the bytes across.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ApiserverBridge {
  stop(): Promise<void>;
}

const FORWARDER = `
const net = require('node:net');
const [port, socketPath] = process.argv.slice(1);
net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream).pipe(client);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on('error', close); upstream.on('error', close);
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('READY\\n'));
`;

export async function bridgeApiserver(ns: string, server: string): Promise<ApiserverBridge> {
  return bridgeLoopbackPort(ns, Number(new URL(server).port));
}

/** Any TCP service on 127.0.0.1:<port> of the root namespace, at the same address inside `ns`. */
export async function bridgeLoopbackPort(ns: string, port: number): Promise<ApiserverBridge> {
  const socketPath = path.join(os.tmpdir(), `walt-bridge-${randomBytes(4).toString('hex')}.sock`);
  const open = new Set<net.Socket>();
  const relay = net.createServer((inside) => {
    const apiserver = net.connect(port, '127.0.0.1');
    for (const socket of [inside, apiserver]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    }
    inside.pipe(apiserver).pipe(inside);
    const close = (): void => {
      inside.destroy();
      apiserver.destroy();
    };
    inside.on('error', close);
    apiserver.on('error', close);
  });
  await new Promise<void>((resolve) => relay.listen(socketPath, resolve));
  const forwarder: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, '-e', FORWARDER, String(port), socketPath],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    forwarder.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
    forwarder.once('exit', (code) => reject(new Error(`apiserver forwarder exited (${code})`)));
  });
  return {
    async stop(): Promise<void> {
      forwarder.kill();
      // close() waits for open connections (watches never end by themselves): end them.
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      rmSync(socketPath, { force: true });
    },
  };
}

const REVERSE_FORWARDER = `
const net = require('node:net');
const fs = require('node:fs');
const [socketPath, host, port] = process.argv.slice(1);
fs.rmSync(socketPath, { force: true });
net.createServer((outside) => {
  const target = net.connect(Number(port), host);
  outside.pipe(target).pipe(outside);
  const close = () => { outside.destroy(); target.destroy(); };
  outside.on('error', close); target.on('error', close);
}).listen(socketPath, () => process.stdout.write('READY\\n'));
`;

export interface ExposedPort extends ApiserverBridge {
  /** The port on 127.0.0.1 of the root namespace. */
  port: number;
}

/**
 * The opposite way: a TCP service at <host>:<port> inside `ns` (e.g. the agent's HTTP API on the
 * segment address), reachable at 127.0.0.1:<returned port> of the root namespace — what the operator
 * and the CLI of the local lab use, as the host is not on the lab's segment.
 */
export async function exposeNetnsPort(ns: string, host: string, port: number): Promise<ExposedPort> {
  const socketPath = path.join(os.tmpdir(), `walt-expose-${randomBytes(4).toString('hex')}.sock`);
  const forwarder: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, '-e', REVERSE_FORWARDER, socketPath, host, String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    forwarder.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
    forwarder.once('exit', (code) => reject(new Error(`netns port forwarder exited (${code})`)));
  });
  const open = new Set<net.Socket>();
  const listener = net.createServer((outside) => {
    const inside = net.connect(socketPath);
    for (const socket of [outside, inside]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    }
    outside.pipe(inside).pipe(outside);
    const close = (): void => {
      outside.destroy();
      inside.destroy();
    };
    outside.on('error', close);
    inside.on('error', close);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return {
    port: (listener.address() as net.AddressInfo).port,
    async stop(): Promise<void> {
      forwarder.kill();
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      rmSync(socketPath, { force: true });
    },
  };
}
