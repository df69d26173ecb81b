// A raw HTTP/1.1 client for hostile-request tests, run inside a client network namespace:
//   tsx test/support/raw-http.ts '<plan JSON>'
// It does what curl will not: trickles headers or a body, announces a body it keeps sending after the
// server answered, holds connections open. Prints one JSON line: the answer (status, body), how many
// body bytes went out before it came, and whether the server closed the connection.
import net from 'node:net';

export interface RawPlan {
  host: string;
  port: number;
  /** Request line and headers, each line without CRLF; the blank line is added unless `trickleHead`. */
  head: string[];
  /** Body bytes to send after the head (announce them yourself with Content-Length). */
  body?: { bytes: number; chunkBytes: number; delayMs: number };
  /** Send the head one line every `delayMs` and never finish it. */
  trickleHead?: { delayMs: number };
  /** Connections opened first, each sending this request and waiting for its answer's status line. */
  hold?: { count: number; head: string[] };
  /** Give up after this long (the answer is then `status: 0`). */
  waitMs: number;
}

export interface RawResult {
  status: number;
  body: string;
  /** Body bytes written before the answer arrived (or until the end). */
  sentBeforeAnswer: number;
  /** The whole announced body went out. */
  sentAll: boolean;
  /** The server closed or reset the connection. */
  closed: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Opens a connection that sends `head` and resolves once the answer's status line is in. */
async function holdOne(plan: RawPlan, head: string[]): Promise<net.Socket> {
  const socket = await connect(plan.host, plan.port);
  socket.write(`${head.join('\r\n')}\r\n\r\n`);
  await new Promise<void>((resolve, reject) => {
    socket.once('data', () => resolve());
    socket.once('close', () => reject(new Error('a held connection was closed')));
  });
  return socket;
}

function parse(raw: string): { status: number; body: string } {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(raw);
  const split = raw.indexOf('\r\n\r\n');
  return { status: match ? Number(match[1]) : 0, body: split < 0 ? '' : raw.slice(split + 4) };
}

interface State {
  answered: boolean;
  closed: boolean;
  /** Body bytes written so far. */
  sent: number;
  sentBeforeAnswer: number;
}

/** Writes the body until it is all out, the server answered, or the connection is gone. */
async function writeBody(socket: net.Socket, plan: RawPlan, state: State): Promise<void> {
  const { bytes, chunkBytes, delayMs } = plan.body!;
  const chunk = Buffer.alloc(chunkBytes, 0x78);
  while (state.sent < bytes && !state.answered && !socket.destroyed) {
    const part = chunk.subarray(0, Math.min(chunkBytes, bytes - state.sent));
    const flushed = socket.write(part);
    state.sent += part.length;
    if (!flushed) await new Promise((r) => socket.once('drain', r).once('close', r));
    if (delayMs > 0) await sleep(delayMs);
  }
}

async function trickle(socket: net.Socket, plan: RawPlan, state: State): Promise<void> {
  for (const line of plan.head) {
    if (state.answered || socket.destroyed) return;
    socket.write(`${line}\r\n`);
    await sleep(plan.trickleHead!.delayMs);
  }
  // Never the blank line: more headers "keep coming".
  for (let i = 0; !state.answered && !socket.destroyed; i++) {
    socket.write(`X-Slow-${i}: x\r\n`);
    await sleep(plan.trickleHead!.delayMs);
  }
}

export async function runPlan(plan: RawPlan): Promise<RawResult> {
  const held: net.Socket[] = [];
  for (let i = 0; i < (plan.hold?.count ?? 0); i++) held.push(await holdOne(plan, plan.hold!.head));
  const socket = await connect(plan.host, plan.port);
  socket.on('error', () => undefined);
  const state: State = { answered: false, closed: false, sent: 0, sentBeforeAnswer: 0 };
  let raw = '';
  socket.on('data', (d: Buffer) => {
    if (!state.answered) state.sentBeforeAnswer = state.sent;
    state.answered = true;
    raw += d.toString('latin1');
  });
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      state.closed = true;
      resolve();
    }),
  );
  if (plan.trickleHead) void trickle(socket, plan, state);
  else {
    socket.write(`${plan.head.join('\r\n')}\r\n\r\n`);
    if (plan.body) void writeBody(socket, plan, state);
  }
  await Promise.race([closed, sleep(plan.waitMs)]);
  if (!state.answered) state.sentBeforeAnswer = state.sent;
  socket.destroy();
  for (const s of held) s.destroy();
  const answer = parse(raw);
  return {
    ...answer,
    sentBeforeAnswer: state.sentBeforeAnswer,
    sentAll: plan.body ? state.sentBeforeAnswer >= plan.body.bytes : true,
    closed: state.closed,
  };
}

if (process.argv[1]?.endsWith('raw-http.ts')) {
  runPlan(JSON.parse(process.argv[2] ?? '{}') as RawPlan).then(
    // Exit at once: the plan's timers would keep the process alive until waitMs.
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
