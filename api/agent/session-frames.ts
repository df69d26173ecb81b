// The frames of an interactive session (ADR 0019), one codec for the three programs that speak it: the
// `walt` CLI (client/sessions.ts), the agent that relays them (agents/sessions/), and the node's
// walt-session (perl, node/walt/walt-session, which packs the same bytes by hand). Pure functions.
//
// Each WebSocket binary message is one frame: a type byte, then its payload.
//   1 stdin   bytes          client → node   keystrokes / piped input
//   2 stdout  bytes          node → client   the PTY's output (or the command's stdout without a PTY)
//   3 stderr  bytes          node → client   the command's stderr (no PTY only: a PTY merges them)
//   4 resize  u16 cols, u16 rows (big endian)   client → node   window size, at start and on SIGWINCH
//   5 signal  u8 signal number   client → node   sent to the foreground process group
//   6 eof     (empty)        client → node   end of input (the PTY gets ^D, a pipe is closed)
//   7 exit    u8 status      node → client   the command ended: its status, 128+n for signal n, as sh
//   8 error   UTF-8 JSON {error, message}   agent → client   the session could not start or was cut
// A frame is at most MAX_SESSION_FRAME_BYTES; the agent's WebSocket server refuses larger messages
// before buffering them (ws maxPayload), and decodeFrame refuses anything malformed.
import { defineError } from '../../common/errors.js';

/** Largest data payload of one frame; senders cut longer data into several frames. */
export const MAX_SESSION_DATA_BYTES = 32 * 1024;
/** Largest frame on the wire: the type byte and a data payload (an error frame fits in it too). */
export const MAX_SESSION_FRAME_BYTES = 1 + MAX_SESSION_DATA_BYTES;
/** Window sizes accepted (rows and columns). */
export const MAX_WINDOW_CELLS = 4096;

export const FRAME_TYPES = {
  stdin: 1,
  stdout: 2,
  stderr: 3,
  resize: 4,
  signal: 5,
  eof: 6,
  exit: 7,
  error: 8,
} as const;

/** The signals a client may send, by name, with their numbers (the same on every Linux architecture walt boots). */
export const SESSION_SIGNALS = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, TERM: 15 } as const;
export type SessionSignal = keyof typeof SESSION_SIGNALS;

export type SessionFrame =
  | { type: 'stdin' | 'stdout' | 'stderr'; data: Uint8Array }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'signal'; signal: SessionSignal }
  | { type: 'eof' }
  | { type: 'exit'; status: number }
  | { type: 'error'; error: string; message: string };

export type FrameType = SessionFrame['type'];

/** Who may send which frame: the agent relays only these, in these directions. */
export const FROM_CLIENT: ReadonlySet<FrameType> = new Set(['stdin', 'resize', 'signal', 'eof']);
export const FROM_NODE: ReadonlySet<FrameType> = new Set(['stdout', 'stderr', 'exit']);

export const SessionBadFrame = defineError(
  'WALT_ERR_SESSION_BAD_FRAME',
  (why: string) =>
    `malformed session frame (${why}): speak the frames of api/agent/session-frames.ts (type byte, payload of at most ${MAX_SESSION_DATA_BYTES} bytes)`,
  400,
);

const TYPE_BY_CODE = new Map<number, FrameType>(
  Object.entries(FRAME_TYPES).map(([name, code]) => [code, name as FrameType]),
);
const SIGNAL_BY_NUMBER = new Map<number, SessionSignal>(
  Object.entries(SESSION_SIGNALS).map(([name, n]) => [n, name as SessionSignal]),
);

function windowSize(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_WINDOW_CELLS)
    throw SessionBadFrame(`${what} must be 1 to ${MAX_WINDOW_CELLS}`);
  return value;
}

type Encoders = { [T in FrameType]: (frame: Extract<SessionFrame, { type: T }>, code: number) => Buffer };

function encodeData(frame: { data: Uint8Array }, code: number): Buffer {
  if (frame.data.length > MAX_SESSION_DATA_BYTES)
    throw SessionBadFrame(`${frame.data.length} data bytes in one frame`);
  return Buffer.concat([Buffer.of(code), frame.data]);
}

const ENCODERS: Encoders = {
  stdin: encodeData,
  stdout: encodeData,
  stderr: encodeData,
  resize: (frame, code) => {
    const out = Buffer.alloc(5);
    out[0] = code;
    out.writeUInt16BE(windowSize(frame.cols, 'cols'), 1);
    out.writeUInt16BE(windowSize(frame.rows, 'rows'), 3);
    return out;
  },
  signal: (frame, code) => Buffer.of(code, SESSION_SIGNALS[frame.signal]),
  eof: (_frame, code) => Buffer.of(code),
  exit: (frame, code) => {
    if (!Number.isInteger(frame.status) || frame.status < 0 || frame.status > 255)
      throw SessionBadFrame('an exit status is 0 to 255');
    return Buffer.of(code, frame.status);
  },
  error: (frame, code) => {
    const json = Buffer.from(JSON.stringify({ error: frame.error, message: frame.message }));
    return Buffer.concat([Buffer.of(code), json.subarray(0, MAX_SESSION_DATA_BYTES)]);
  },
};

/** The bytes of one frame; data longer than MAX_SESSION_DATA_BYTES is refused (use dataFrames). */
export function encodeFrame(frame: SessionFrame): Buffer {
  const encode = ENCODERS[frame.type] as (frame: SessionFrame, code: number) => Buffer;
  return encode(frame, FRAME_TYPES[frame.type]);
}

/** Frames carrying `data`, cut at MAX_SESSION_DATA_BYTES. */
export function dataFrames(type: 'stdin' | 'stdout' | 'stderr', data: Uint8Array): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = 0; at < data.length; at += MAX_SESSION_DATA_BYTES)
    frames.push(encodeFrame({ type, data: data.subarray(at, at + MAX_SESSION_DATA_BYTES) }));
  return frames;
}

function exactLength(bytes: Uint8Array, length: number, type: FrameType): void {
  if (bytes.length !== length)
    throw SessionBadFrame(`a ${type} frame has ${length} bytes, not ${bytes.length}`);
}

function errorOf(payload: Uint8Array): SessionFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw SessionBadFrame('an error frame carries JSON');
  }
  const { error, message } = (parsed ?? {}) as { error?: unknown; message?: unknown };
  if (typeof error !== 'string' || typeof message !== 'string')
    throw SessionBadFrame('an error frame carries {"error", "message"} strings');
  return { type: 'error', error, message };
}

const DECODERS: { [T in FrameType]: (bytes: Uint8Array) => SessionFrame } = {
  stdin: (bytes) => ({ type: 'stdin', data: bytes.subarray(1) }),
  stdout: (bytes) => ({ type: 'stdout', data: bytes.subarray(1) }),
  stderr: (bytes) => ({ type: 'stderr', data: bytes.subarray(1) }),
  resize: (bytes) => {
    exactLength(bytes, 5, 'resize');
    const view = Buffer.from(bytes);
    return {
      type: 'resize',
      cols: windowSize(view.readUInt16BE(1), 'cols'),
      rows: windowSize(view.readUInt16BE(3), 'rows'),
    };
  },
  signal: (bytes) => {
    exactLength(bytes, 2, 'signal');
    const signal = SIGNAL_BY_NUMBER.get(bytes[1]!);
    if (signal === undefined) throw SessionBadFrame(`signal ${bytes[1]} is not one a session sends`);
    return { type: 'signal', signal };
  },
  eof: (bytes) => {
    exactLength(bytes, 1, 'eof');
    return { type: 'eof' };
  },
  exit: (bytes) => {
    exactLength(bytes, 2, 'exit');
    return { type: 'exit', status: bytes[1]! };
  },
  error: (bytes) => errorOf(bytes.subarray(1)),
};

/** The frame in `bytes` (one WebSocket message); throws WALT_ERR_SESSION_BAD_FRAME when malformed. */
export function decodeFrame(bytes: Uint8Array): SessionFrame {
  if (bytes.length === 0) throw SessionBadFrame('an empty message');
  if (bytes.length > MAX_SESSION_FRAME_BYTES) throw SessionBadFrame(`${bytes.length} bytes`);
  const type = TYPE_BY_CODE.get(bytes[0]!);
  if (type === undefined) throw SessionBadFrame(`unknown frame type ${bytes[0]}`);
  return DECODERS[type](bytes);
}
