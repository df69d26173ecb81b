import { aggregate, type ConditionInput, type SegmentReport } from './aggregate.js';

const digest = 'sha256:' + 'd'.repeat(64);
const resolved: ConditionInput = { type: 'Resolved', status: 'True', reason: 'Resolved', message: 'ok' };
const cond = (
  type: string,
  status: ConditionInput['status'],
  reason = type,
  message = '',
): ConditionInput => ({
  type,
  status,
  reason,
  message,
});
const byType = (conditions: ConditionInput[]): Record<string, string> =>
  Object.fromEntries(conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));

describe('aggregate', () => {
  it('is not Ready until a boot agent reports', () => {
    expect(byType(aggregate(resolved, digest, []).conditions)).toEqual({
      Resolved: 'True/Resolved',
      Pulled: 'Unknown/WaitingForAgent',
      Unpacked: 'Unknown/WaitingForAgent',
      Ready: 'Unknown/WaitingForAgent',
    });
  });

  it('is Ready when every segment unpacked the current digest, and sums progress', () => {
    const reports: SegmentReport[] = ['lab', 'lab2'].map((segment) => ({
      segment,
      digest,
      progress: { bytesDone: 10, bytesTotal: 10 },
      conditions: [cond('Pulled', 'True'), cond('Unpacked', 'True')],
    }));
    const result = aggregate(resolved, digest, reports);
    expect(byType(result.conditions).Ready).toBe('True/Ready');
    expect(result.progress).toEqual({ bytesDone: 20, bytesTotal: 20 });
  });

  it('reports a failed pull with the segment and the agent’s reason', () => {
    const reports: SegmentReport[] = [
      {
        segment: 'lab',
        digest,
        conditions: [cond('Pulled', 'False', 'DigestMismatch', 'blob sha256:x has the wrong digest')],
      },
    ];
    const ready = aggregate(resolved, digest, reports).conditions.find((c) => c.type === 'Ready')!;
    expect(ready).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'DigestMismatch',
      message: 'segment lab: blob sha256:x has the wrong digest',
    });
  });

  it('treats a report about an older digest as not yet pulled', () => {
    const reports: SegmentReport[] = [
      {
        segment: 'lab',
        digest: 'sha256:' + 'e'.repeat(64),
        conditions: [cond('Pulled', 'True'), cond('Unpacked', 'True')],
      },
    ];
    expect(byType(aggregate(resolved, digest, reports).conditions).Ready).toBe('Unknown/InProgress');
  });

  it('passes a resolution failure through to Ready', () => {
    const failed = cond('Resolved', 'False', 'RegistryUnreachable', 'connection refused');
    expect(aggregate(failed, undefined, []).conditions).toEqual([failed, { ...failed, type: 'Ready' }]);
  });
});
