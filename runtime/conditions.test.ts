import { getCondition, isConditionTrue, removeCondition, rfc3339, setCondition } from './conditions.js';

const t0 = new Date('2026-01-01T10:00:00.456Z');
const t1 = new Date('2026-01-01T10:05:00Z');
const t2 = new Date('2026-01-01T10:09:00Z');

describe('setCondition', () => {
  it('adds a new condition with observedGeneration and the current time', () => {
    // Given no conditions
    // When Ready is set
    const conditions = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'Pulling', message: 'pulling' },
      3,
      t0,
    );
    // Then it is there, at second precision
    expect(conditions).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'Pulling',
        message: 'pulling',
        observedGeneration: 3,
        lastTransitionTime: '2026-01-01T10:00:00Z',
      },
    ]);
  });

  it('keeps lastTransitionTime when only the reason, message or generation change', () => {
    // Given Ready=False since t0
    const before = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, 1, t0);
    // When it is set again with the same status, later, for a new generation
    const after = setCondition(before, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, 2, t1);
    // Then the transition time did not move, the rest did
    expect(after[0]).toMatchObject({
      reason: 'B',
      message: 'b',
      observedGeneration: 2,
      lastTransitionTime: rfc3339(t0),
    });
  });

  it('moves lastTransitionTime when the status changes', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: '' }, 1, t0);
    const b = setCondition(a, { type: 'Ready', status: 'True', reason: 'Done', message: '' }, 1, t1);
    const c = setCondition(b, { type: 'Ready', status: 'True', reason: 'Done', message: '' }, 1, t2);
    expect(b[0]!.lastTransitionTime).toBe(rfc3339(t1));
    expect(c[0]!.lastTransitionTime).toBe(rfc3339(t1));
  });

  it('replaces only the condition of its type, in place, and does not mutate the input', () => {
    const start = setCondition(
      setCondition([], { type: 'Pulled', status: 'True', reason: 'P', message: '' }, 1, t0),
      { type: 'Ready', status: 'False', reason: 'R', message: '' },
      1,
      t0,
    );
    const copy = structuredClone(start);
    const next = setCondition(start, { type: 'Pulled', status: 'False', reason: 'Gone', message: '' }, 2, t1);
    expect(start).toEqual(copy);
    expect(next.map((c) => c.type)).toEqual(['Pulled', 'Ready']);
    expect(getCondition(next, 'Pulled')?.status).toBe('False');
    expect(isConditionTrue(next, 'Pulled')).toBe(false);
    expect(removeCondition(next, 'Pulled').map((c) => c.type)).toEqual(['Ready']);
  });

  it('omits observedGeneration when the generation is unknown', () => {
    const [c] = setCondition(
      [],
      { type: 'Ready', status: 'Unknown', reason: 'R', message: '' },
      undefined,
      t0,
    );
    expect(c).not.toHaveProperty('observedGeneration');
  });
});
