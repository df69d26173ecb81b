import { isWaltError } from '../../common/errors.js';
import { LogsBadParam } from './errors.js';
import { toLogQuery } from './query-params.js';

describe('toLogQuery', () => {
  it('maps every parameter of LogQueryParams', () => {
    expect(
      toLogQuery({
        issuer: ['vn1', 'vn2'],
        stream: '^walt-init$',
        line: 'Start',
        since: '2024-06-01T12:00:00Z',
        until: '1717250400000',
        fromCheckpoint: 'cp1',
        toCheckpoint: 'cp2',
        owner: 'alice',
        limit: '10',
      }),
    ).toEqual({
      issuers: ['vn1', 'vn2'],
      streamRegex: '^walt-init$',
      lineRegex: 'Start',
      from: new Date(Date.UTC(2024, 5, 1, 12)),
      to: new Date(1717250400000),
      fromCheckpoint: 'cp1',
      toCheckpoint: 'cp2',
      checkpointOwner: 'alice',
      limit: 10,
    });
  });

  it('takes one issuer as a list and leaves absent filters out', () => {
    expect(toLogQuery({ issuer: 'vn1' })).toEqual({ issuers: ['vn1'] });
    expect(toLogQuery({})).toEqual({});
  });

  it.each([
    [{ since: 'yesterday' }],
    [{ until: '2024-06-01' }],
    [{ limit: '0' }],
    [{ limit: 'ten' }],
    [{ limit: 1.5 }],
  ])('refuses %j with WALT_ERR_LOGS_BAD_PARAM', (qs) => {
    let error: unknown;
    try {
      toLogQuery(qs);
    } catch (err) {
      error = err;
    }
    expect(isWaltError(error, LogsBadParam)).toBe(true);
  });
});
