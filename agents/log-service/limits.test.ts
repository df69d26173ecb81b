import { DEFAULT_LOG_LIMITS, limitsFromEnv, resolveLimits } from './limits.js';

describe('log service limits', () => {
  it('reads the environment: durations as durations, the rest as numbers', () => {
    expect(
      limitsFromEnv({
        WALT_LOG_QUERY_BUDGET: '30s',
        WALT_LOG_SLICE: '2ms',
        WALT_LOG_RATE_PER_SECOND: '0.5',
        WALT_LOG_MAX_FOLLOWS_PER_CLIENT: '8',
        UNRELATED: 'x',
      }),
    ).toEqual({ budgetMs: 30_000, sliceMs: 2, ratePerSecond: 0.5, followsPerClient: 8 });
    expect(limitsFromEnv({})).toEqual({});
  });

  it('refuses values it cannot read, and values out of their bounds', () => {
    expect(() => limitsFromEnv({ WALT_LOG_QUERY_BUDGET: 'ten seconds' })).toThrow(/WALT_LOG_QUERY_BUDGET/);
    expect(() => limitsFromEnv({ WALT_LOG_RATE_BURST: 'many' })).toThrow(/WALT_LOG_RATE_BURST/);
    expect(() => resolveLimits({ budgetMs: 0 })).toThrow(/budgetMs/);
    expect(() => resolveLimits({ sliceMs: 5000 })).toThrow(/sliceMs/);
    expect(() => resolveLimits({ follows: Number.NaN })).toThrow(/follows/);
    expect(() => resolveLimits({ rateClients: Number.POSITIVE_INFINITY })).toThrow(/rateClients/);
  });

  it('applies overrides over the defaults', () => {
    expect(resolveLimits({ budgetMs: 1000 })).toEqual({ ...DEFAULT_LOG_LIMITS, budgetMs: 1000 });
  });
});
