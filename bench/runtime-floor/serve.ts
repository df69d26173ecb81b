// The Node servers of bench/runtime-floor, one per process (started by servers.ts, so that the server's
// cgroup holds nothing else): our TFTP and HTTP services as the agent builds them, and the "Node floor"
// for each: the least a Node program must do to serve the same file (a dgram socket per transfer sending
// prebuilt DATA packets; http.createServer answering from memory). Prints "port <n>" once it listens;
// exits on SIGTERM/SIGINT or when its stdin closes (the bench went away).
// Usage: node --import tsx bench/runtime-floor/serve.ts ours-tftp|floor-tftp|ours-http|floor-http <file>
import { copyFile, readFile } from 'node:fs/promises';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Registry } from 'prom-client';
import { makeRootfs, MODEL, oneNodeServer } from '../../test/support/fixtures/http-boot.js';
import type { BootDecision } from '../../agents/netboot/gate.js';
import { createFileResolver } from '../../agents/tftp/files.js';
import { createTftpServer } from '../../agents/tftp/server.js';
import { silentLogger } from '../../common/logger.js';

const HOST = '127.0.0.1';
const BLKSIZE = 1468;

interface Started {
  port: number;
  stop(): Promise<void>;
}

/** Our TFTP server; `file` is <rootfs>/boot/<model>/<name> (the layout run.ts writes). */
async function oursTftp(file: string): Promise<Started> {
  const bootDir = path.dirname(file);
  const rootfs = path.resolve(bootDir, '..', '..');
  const decision = { allow: true, rootfs, bootDir } as BootDecision;
  const server = createTftpServer({
    host: HOST,
    port: 0,
    resolve: createFileResolver({ macOfIp: () => '02:00:00:00:00:01', decide: () => decision }),
    logger: silentLogger(),
    metrics: new Registry(),
    maxBlksize: BLKSIZE,
  });
  return { port: await server.start(), stop: () => server.stop() };
}

/** DATA packets 1..n of `file` (the last one short, possibly empty), ready to send. */
function dataPackets(file: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  for (let i = 0; i <= Math.floor(file.length / BLKSIZE); i++) {
    const data = file.subarray(i * BLKSIZE, (i + 1) * BLKSIZE);
    const packet = Buffer.allocUnsafe(4 + data.length);
    packet.writeUInt16BE(3, 0);
    packet.writeUInt16BE((i + 1) & 0xffff, 2);
    data.copy(packet, 4);
    packets.push(packet);
  }
  return packets;
}

/** One lock-step transfer on a socket connected to the client: OACK, then DATA n+1 on ACK n. */
function transfer(socket: dgram.Socket, packets: Buffer[]): void {
  let sent = 0; // the last block sent (0: the OACK)
  socket.on('message', (ack) => {
    const block = ack.readUInt16BE(2);
    // The client timed out waiting for block `sent` and acknowledged the previous one again.
    if (sent > 0 && block === ((sent - 1) & 0xffff)) socket.send(packets[sent - 1]!);
    if (block !== (sent & 0xffff)) return;
    if (sent === packets.length) return socket.close();
    socket.send(packets[sent]!);
    sent++;
  });
  socket.send(Buffer.from(`\0\x06blksize\0${BLKSIZE}\0`, 'latin1'));
}

/** The Node floor for TFTP: every request answered with `file`, whatever it names. */
async function floorTftp(file: string): Promise<Started> {
  const packets = dataPackets(await readFile(file));
  const listener = dgram.createSocket('udp4');
  listener.on('message', (_request, client) => {
    const socket = dgram.createSocket('udp4');
    socket.on('error', () => {
      try {
        socket.close();
      } catch {
        // already closed
      }
    });
    socket.bind(0, HOST, () => socket.connect(client.port, client.address, () => transfer(socket, packets)));
  });
  await new Promise<void>((resolve) => listener.bind(0, HOST, resolve));
  return {
    port: listener.address().port,
    stop: () => new Promise<void>((resolve) => listener.close(resolve)),
  };
}

/** Our HTTP service on a fixture rootfs (in $TMPDIR) holding `file` as boot/<model>/<name>. */
async function oursHttp(file: string): Promise<Started> {
  const fx = await makeRootfs();
  await copyFile(file, path.join(fx.rootfs, 'boot', MODEL, path.basename(file)));
  const mac = '52:54:00:00:00:01';
  const app = oneNodeServer({ rootfs: fx.rootfs, serverAddress: HOST, mac, macOfIp: () => mac });
  await app.listen({ host: HOST, port: 0 });
  const stop = async (): Promise<void> => {
    await app.close();
    await fx.remove();
  };
  return { port: (app.server.address() as AddressInfo).port, stop };
}

/** The Node floor for HTTP: every request answered with `file`, from memory. */
async function floorHttp(file: string): Promise<Started> {
  const body = await readFile(file);
  const server = http.createServer((_req, res) => {
    res.setHeader('content-length', body.length);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const kinds: Record<string, (file: string) => Promise<Started>> = {
  'ours-tftp': oursTftp,
  'floor-tftp': floorTftp,
  'ours-http': oursHttp,
  'floor-http': floorHttp,
};

const [kind = '', file = ''] = process.argv.slice(2);
const start = kinds[kind];
if (!start || !file) {
  console.error(`usage: serve.ts ${Object.keys(kinds).join('|')} <file>`);
  process.exit(2);
}
const started = await start(file);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  const bound = setTimeout(() => process.exit(1), 5000);
  void started.stop().finally(() => {
    clearTimeout(bound);
    process.exit(0);
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop).resume();
process.stdout.write(`port ${started.port}\n`);
