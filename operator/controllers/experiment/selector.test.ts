import { describeSelector, matchesSelector } from './selector.js';

describe('matchesSelector', () => {
  const labels = { lab: 'a', gpu: 'yes' };

  it('matches matchLabels exactly', () => {
    expect(matchesSelector(labels, { matchLabels: { lab: 'a' } })).toBe(true);
    expect(matchesSelector(labels, { matchLabels: { lab: 'b' } })).toBe(false);
    expect(matchesSelector(undefined, { matchLabels: { lab: 'a' } })).toBe(false);
  });

  it('applies every expression operator', () => {
    expect(
      matchesSelector(labels, { matchExpressions: [{ key: 'gpu', operator: 'In', values: ['yes'] }] }),
    ).toBe(true);
    expect(
      matchesSelector(labels, { matchExpressions: [{ key: 'gpu', operator: 'NotIn', values: ['yes'] }] }),
    ).toBe(false);
    expect(
      matchesSelector(labels, { matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['y'] }] }),
    ).toBe(true);
    expect(matchesSelector(labels, { matchExpressions: [{ key: 'lab', operator: 'Exists' }] })).toBe(true);
    expect(matchesSelector(labels, { matchExpressions: [{ key: 'lab', operator: 'DoesNotExist' }] })).toBe(
      false,
    );
  });

  it('matches everything when empty, and describes itself', () => {
    expect(matchesSelector({}, {})).toBe(true);
    expect(describeSelector({})).toBe('(all nodes)');
    expect(
      describeSelector({
        matchLabels: { lab: 'a' },
        matchExpressions: [{ key: 'gpu', operator: 'In', values: ['yes'] }],
      }),
    ).toBe('lab=a,gpu in (yes)');
  });
});
