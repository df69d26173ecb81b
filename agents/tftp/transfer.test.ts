import fc from 'fast-check';
import { blockRange, ReadTransfer, type Send, type Step, type TransferConfig } from './transfer.js';

function config(overrides: Partial<TransferConfig> = {}): TransferConfig {
  return { size: 1000, blksize: 512, windowsize: 1, maxRetries: 3, negotiate: false, ...overrides };
}

function seqs(step: Step): number[] {
  return step.sends.flatMap((s) => (s.kind === 'data' ? [s.seq] : []));
}

describe('ReadTransfer', () => {
  it('sends blocks one by one and ends with a short block', () => {
    // Given a 1000-byte file, blksize 512
    const t = new ReadTransfer(config());
    // Then
    expect(t.lastSeq).toBe(2);
    expect(seqs(t.start())).toEqual([1]);
    expect(seqs(t.onAck(1))).toEqual([2]);
    expect(blockRange(1000, 512, 2)).toEqual({ offset: 512, length: 488 });
    expect(t.onAck(2).sends).toEqual([]);
    expect(t.status).toBe('complete');
  });

  it('ends a file of exactly N×blksize with an empty block', () => {
    const t = new ReadTransfer(config({ size: 1024 }));
    expect(t.lastSeq).toBe(3);
    expect(blockRange(1024, 512, 3)).toEqual({ offset: 1024, length: 0 });
    const empty = new ReadTransfer(config({ size: 0 }));
    expect(seqs(empty.start())).toEqual([1]);
    expect(blockRange(0, 512, 1).length).toBe(0);
  });

  it('sends an OACK first and data only after ACK 0', () => {
    const t = new ReadTransfer(config({ negotiate: true }));
    expect(t.start().sends).toEqual([{ kind: 'oack' }]);
    expect(t.onAck(1).sends).toEqual([]);
    expect(t.onTimeout().sends).toEqual([{ kind: 'oack' }]);
    expect(seqs(t.onAck(0))).toEqual([1]);
  });

  it('does not answer duplicate ACKs with windowsize 1 (no Sorcerer’s Apprentice)', () => {
    const t = new ReadTransfer(config({ size: 5000 }));
    t.start();
    expect(seqs(t.onAck(1))).toEqual([2]);
    expect(t.onAck(1)).toEqual({ sends: [], restartTimer: false });
    expect(t.onAck(1).sends).toEqual([]);
    expect(seqs(t.onTimeout())).toEqual([2]);
  });

  it('sends windows and resends from an earlier ACK', () => {
    const t = new ReadTransfer(config({ size: 512 * 10, windowsize: 4 }));
    expect(seqs(t.start())).toEqual([1, 2, 3, 4]);
    expect(seqs(t.onAck(2))).toEqual([3, 4, 5, 6]);
    expect(seqs(t.onAck(6))).toEqual([7, 8, 9, 10]);
    // a duplicate of ACK 6 (first block of the window lost): one early resend, then only timeouts
    expect(seqs(t.onAck(6))).toEqual([7, 8, 9, 10]);
    expect(seqs(t.onAck(6))).toEqual([]);
    expect(seqs(t.onAck(10))).toEqual([11]);
    t.onAck(11);
    expect(t.status).toBe('complete');
  });

  it('rolls block numbers over past 65535 and maps ACKs back', () => {
    const t = new ReadTransfer(config({ size: 8 * 70000, blksize: 8, windowsize: 4 }));
    t.start();
    let last = 4;
    while (last < 65534) last = Math.max(...seqs(t.onAck(last & 0xffff)));
    expect(last).toBe(65536);
    expect(seqs(t.onAck(65536 & 0xffff))).toEqual([65537, 65538, 65539, 65540]);
  });

  it('gives up after maxRetries timeouts without progress', () => {
    const t = new ReadTransfer(config({ maxRetries: 2 }));
    t.start();
    expect(seqs(t.onTimeout())).toEqual([1]);
    expect(seqs(t.onTimeout())).toEqual([1]);
    expect(t.onTimeout().sends).toEqual([]);
    expect(t.status).toBe('failed');
    expect(t.failure).toBe('timeout');
  });

  it('stops on a client ERROR and sends an ERROR on abort', () => {
    const a = new ReadTransfer(config());
    a.start();
    a.onClientError();
    expect(a.failure).toBe('client-error');
    const b = new ReadTransfer(config());
    b.start();
    expect(b.abort(0, 'bye').sends).toEqual([{ kind: 'error', code: 0, message: 'bye' }]);
    expect(b.onAck(1).sends).toEqual([]);
  });
});

const configs = fc.record({
  size: fc.integer({ min: 0, max: 6000 }),
  blksize: fc.integer({ min: 8, max: 600 }),
  windowsize: fc.integer({ min: 1, max: 8 }),
  maxRetries: fc.integer({ min: 0, max: 5 }),
  negotiate: fc.boolean(),
});

function checkSends(t: ReadTransfer, sends: Send[]): void {
  // Plain checks: this runs for every packet of thousands of simulated transfers.
  for (const send of sends) {
    if (send.kind === 'data' && (send.seq < 1 || send.seq > t.lastSeq)) {
      throw new Error(`block ${send.seq} is outside the file (1..${t.lastSeq})`);
    }
  }
}

describe('ReadTransfer (fuzz)', () => {
  it('never throws nor sends beyond the file, whatever ACKs and timeouts arrive', () => {
    const event = fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constant('timeout' as const));
    fc.assert(
      fc.property(configs, fc.array(event, { maxLength: 300 }), (cfg, events) => {
        const t = new ReadTransfer(cfg);
        checkSends(t, t.start().sends);
        for (const e of events) {
          const ended = t.status === 'complete' || t.status === 'failed';
          const step = e === 'timeout' ? t.onTimeout() : t.onAck(e);
          if (ended) expect(step.sends).toEqual([]);
          checkSends(t, step.sends);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('always ends over a lossy channel, and completes with every block delivered in order', () => {
    fc.assert(
      fc.property(
        configs,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }).filter((p) => p.includes(false)),
        (cfg, lossPattern) => {
          const t = new ReadTransfer({ ...cfg, maxRetries: 100 });
          let expected = 1;
          let losses = 0;
          const lost = (): boolean => lossPattern[losses++ % lossPattern.length] === true;
          let pending: Send[] = t.start().sends;
          for (let steps = 0; steps < 100000 && t.status !== 'complete' && t.status !== 'failed'; steps++) {
            checkSends(t, pending);
            const acks: number[] = [];
            for (const send of pending.filter(() => !lost())) {
              if (send.kind === 'data' && send.seq === expected) expected += 1;
              acks.push(send.kind === 'oack' ? 0 : (expected - 1) & 0xffff);
            }
            const answered = acks.filter(() => !lost()).flatMap((a) => t.onAck(a).sends);
            pending = answered.length > 0 ? answered : t.onTimeout().sends;
          }
          expect(['complete', 'failed']).toContain(t.status);
          if (t.status === 'complete') expect(expected - 1).toBe(t.lastSeq);
        },
      ),
      { numRuns: 200 },
    );
  });
});
