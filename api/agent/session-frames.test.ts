import { isWaltError } from '../../common/errors.js';
import {
  dataFrames,
  decodeFrame,
  encodeFrame,
  FROM_CLIENT,
  FROM_NODE,
  MAX_SESSION_DATA_BYTES,
  MAX_SESSION_FRAME_BYTES,
  SessionBadFrame,
  type SessionFrame,
} from './session-frames.js';

const badFrame = (fn: () => unknown): void => {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isWaltError(caught, SessionBadFrame)).toBe(true);
};

describe('session frames', () => {
  const frames: SessionFrame[] = [
    { type: 'stdin', data: Buffer.from('ls -l\r') },
    { type: 'stdout', data: Buffer.from([0, 255, 27, 91]) },
    { type: 'stderr', data: Buffer.alloc(0) },
    { type: 'resize', cols: 132, rows: 43 },
    { type: 'signal', signal: 'INT' },
    { type: 'eof' },
    { type: 'exit', status: 130 },
    { type: 'error', error: 'WALT_ERR_X', message: 'do this' },
  ];

  it.each(frames.map((f) => [f.type, f]))('a %s frame decodes to itself', (_type, frame) => {
    const decoded = decodeFrame(encodeFrame(frame));
    if ('data' in frame)
      expect(Buffer.from((decoded as { data: Uint8Array }).data)).toEqual(Buffer.from(frame.data));
    else expect(decoded).toEqual(frame);
  });

  it('the wire bytes are the documented ones (walt-session packs them by hand)', () => {
    expect([...encodeFrame({ type: 'resize', cols: 300, rows: 2 })]).toEqual([4, 1, 44, 0, 2]);
    expect([...encodeFrame({ type: 'signal', signal: 'TERM' })]).toEqual([5, 15]);
    expect([...encodeFrame({ type: 'exit', status: 3 })]).toEqual([7, 3]);
    expect([...encodeFrame({ type: 'stdin', data: Buffer.from('a') })]).toEqual([1, 97]);
  });

  it('cuts long data into frames of at most the bound, losing nothing', () => {
    const data = Buffer.alloc(2 * MAX_SESSION_DATA_BYTES + 5, 7);
    const cut = dataFrames('stdout', data);
    expect(cut).toHaveLength(3);
    expect(cut.every((f) => f.length <= MAX_SESSION_FRAME_BYTES)).toBe(true);
    const back = Buffer.concat(cut.map((f) => Buffer.from((decodeFrame(f) as { data: Uint8Array }).data)));
    expect(back).toEqual(data);
  });

  it('refuses malformed and oversized frames with a coded error', () => {
    badFrame(() => decodeFrame(Buffer.alloc(0)));
    badFrame(() => decodeFrame(Buffer.alloc(MAX_SESSION_FRAME_BYTES + 1, 1)));
    badFrame(() => decodeFrame(Buffer.of(99)));
    badFrame(() => decodeFrame(Buffer.of(4, 0, 80)));
    badFrame(() => decodeFrame(Buffer.of(4, 0, 0, 0, 24)));
    badFrame(() => decodeFrame(Buffer.of(4, 255, 255, 0, 24)));
    badFrame(() => decodeFrame(Buffer.of(5, 11)));
    badFrame(() => decodeFrame(Buffer.of(6, 0)));
    badFrame(() => decodeFrame(Buffer.of(7)));
    badFrame(() => decodeFrame(Buffer.concat([Buffer.of(8), Buffer.from('not json')])));
    badFrame(() => encodeFrame({ type: 'stdin', data: Buffer.alloc(MAX_SESSION_DATA_BYTES + 1) }));
    badFrame(() => encodeFrame({ type: 'exit', status: 256 }));
    badFrame(() => encodeFrame({ type: 'resize', cols: 0, rows: 10 }));
  });

  it("directions: clients send input, nodes output, neither sends the other side's frames", () => {
    for (const type of FROM_CLIENT) expect(FROM_NODE.has(type)).toBe(false);
    expect(FROM_CLIENT.has('exit')).toBe(false);
    expect(FROM_NODE.has('stdin')).toBe(false);
    expect(FROM_CLIENT.has('error') || FROM_NODE.has('error')).toBe(false);
  });
});
