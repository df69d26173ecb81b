// A synthetic testbed's logs, generated in batches (never all in memory): 50 nodes with WalT's usual
// node streams, the server's platform and daemon streams, and a boot agent. Deterministic (LCG), so
// every back end stores the same lines. Timestamps advance ~3.6 ms per line (1M lines ≈ one hour)
// with node-side jitter, as node-provided timestamps are not in arrival order.
import type { LogLine } from '../../log-store/types.js';

export const START_MS = Date.UTC(2025, 4, 1, 8, 0, 0);
const STEP_MS = 3.6;
const NODES = Array.from({ length: 50 }, (_, i) => `vn${String(i + 1).padStart(2, '0')}`);
const NODE_STREAMS = ['walt-init', 'experiment', 'netconsole', 'iperf.4242.monitor'];
const SERVER_STREAMS = ['platform.nodes', 'platform.devices', 'daemon.stdout'];

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function nodeLine(random: () => number, node: string, i: number): Omit<LogLine, 'ts'> {
  const stream = NODE_STREAMS[Math.floor(random() * NODE_STREAMS.length)] as string;
  const r = random();
  // 0.1% of node lines carry an error, the needle of the line-regex queries.
  if (r < 0.001) return { issuer: node, stream, line: `ERROR: probe ${i} failed (errno 110: timed out)` };
  const text =
    stream === 'netconsole'
      ? `[${(i / 1000).toFixed(6)}] eth0: rx ${Math.floor(r * 1e6)} packets, ${Math.floor(r * 1e9)} bytes`
      : `round ${i}: latency ${(r * 100).toFixed(3)} ms, jitter ${(r * 7).toFixed(3)} ms to ${node}`;
  return { issuer: node, stream, line: text };
}

function serverLine(random: () => number, i: number): Omit<LogLine, 'ts'> {
  const stream = SERVER_STREAMS[Math.floor(random() * SERVER_STREAMS.length)] as string;
  const node = NODES[i % NODES.length] as string;
  const line =
    stream === 'platform.nodes'
      ? `node ${node} is ${i % 2 === 0 ? 'booted' : 'down (cause: reboot, method: hard)'}`
      : `event ${i}`;
  return { issuer: 'server', stream, line };
}

/** Yields `total` lines in batches of `batchSize`. 94% node lines, 5% server, 1% boot agent. */
export function* batches(total: number, batchSize: number): Generator<LogLine[]> {
  const random = lcg(42);
  for (let start = 0; start < total; start += batchSize) {
    const batch: LogLine[] = [];
    for (let i = start; i < Math.min(total, start + batchSize); i++) {
      const r = random();
      const body =
        r < 0.94
          ? nodeLine(random, NODES[Math.floor(random() * NODES.length)] as string, i)
          : r < 0.99
            ? serverLine(random, i)
            : {
                issuer: 'agent:lab',
                stream: 'dhcp',
                line: `DHCPACK 192.168.152.${i % 250} to 52:54:00:00:00:01`,
              };
      batch.push({ ts: new Date(START_MS + Math.round(i * STEP_MS + random() * 20)), ...body });
    }
    yield batch;
  }
}

/** The timestamp of line `i` (± jitter), to place checkpoints. */
export const timeOfLine = (i: number): Date => new Date(START_MS + Math.round(i * STEP_MS));
