// The boot services' answer latency as a machine of the segment sees it, run inside a client network
// namespace by bench/hostile-logs/run.ts:
//   tsx bench/hostile-logs/probe.ts <server ip> <broadcast ip> <health port> <mac> <duration ms>
// For <duration ms>: a GET /healthz every 20 ms and a DHCP DISCOVER (from port 68, to the segment's
// broadcast) every 50 ms, each waiting for its answer before the next; prints one JSON line
// { healthz: ms[], dhcp: ms[], lost: { healthz, dhcp } } (an answer not back in 5 s is lost).
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageType, OPT, u8Value } from '../../agents/dhcp/options.js';
import { BROADCAST_FLAG, decode, emptyPacket, encode, macToBuffer } from '../../agents/dhcp/packet.js';

const [server = '', broadcast = '', healthPort = '', mac = '', durationText = '10000'] =
  process.argv.slice(2);
const duration = Number(durationText);
const LOST_MS = 5000;

async function healthz(until: number, out: number[]): Promise<number> {
  let lost = 0;
  while (performance.now() < until) {
    const start = performance.now();
    try {
      const res = await fetch(`http://${server}:${healthPort}/healthz`, {
        signal: AbortSignal.timeout(LOST_MS),
      });
      await res.arrayBuffer();
      out.push(performance.now() - start);
    } catch {
      lost++;
    }
    await sleep(20);
  }
  return lost;
}

async function dhcp(until: number, out: number[]): Promise<number> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve) => socket.bind(68, resolve));
  socket.setBroadcast(true);
  let waiting: { xid: number; done: (ok: boolean) => void } | undefined;
  socket.on('message', (message) => {
    const result = decode(message);
    if (result.ok && waiting !== undefined && result.packet.xid === waiting.xid) waiting.done(true);
  });
  let lost = 0;
  let xid = 0x51000000 + Math.floor(Math.random() * 0xffff);
  while (performance.now() < until) {
    xid++;
    const packet = encode({
      ...emptyPacket(),
      xid,
      flags: BROADCAST_FLAG,
      chaddr: macToBuffer(mac),
      options: new Map([[OPT.MESSAGE_TYPE, u8Value(MessageType.DISCOVER)]]),
    });
    const start = performance.now();
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), LOST_MS);
      waiting = {
        xid,
        done: (ok) => {
          clearTimeout(timer);
          resolve(ok);
        },
      };
      socket.send(packet, 67, broadcast);
    });
    if (answered) out.push(performance.now() - start);
    else lost++;
    await sleep(50);
  }
  socket.close();
  return lost;
}

const until = performance.now() + duration;
const result = { healthz: [] as number[], dhcp: [] as number[], lost: { healthz: 0, dhcp: 0 } };
[result.lost.healthz, result.lost.dhcp] = await Promise.all([
  healthz(until, result.healthz),
  dhcp(until, result.dhcp),
]);
process.stdout.write(`${JSON.stringify(result)}\n`);
