// How much of the agent one caller of the public log API may use (ADR 0010): the time budget of a
// read, the slice of event loop it may hold at once, the request rate of one client address, and how
// many long answers (follows, scans) run at once. Defaults here; the agent's environment may change
// them (limitsFromEnv), the log service's options override both.
import { parseDurationMs } from '../../common/duration.js';
import { MAX_BUDGET_MS, MAX_SLICE_MS } from '../../log-store/query.js';

export interface LogLimits {
  /** Time budget of a read (query, WalT /logs, follow's history) and of a deletion, in ms. */
  budgetMs: number;
  /** Longest synchronous slice of store work, in ms. */
  sliceMs: number;
  /** Requests per second of one client address on the public read routes, sustained… */
  ratePerSecond: number;
  /** …and in a burst. */
  rateBurst: number;
  /** Client addresses tracked at once (the oldest is forgotten beyond). */
  rateClients: number;
  /** Follow streams at once, in all and per client address. */
  follows: number;
  followsPerClient: number;
  /** Reads (queries, WalT /logs) at once, in all and per client address. */
  scans: number;
  scansPerClient: number;
}

export const DEFAULT_LOG_LIMITS: Readonly<LogLimits> = {
  budgetMs: 10_000,
  sliceMs: 5,
  ratePerSecond: 5,
  rateBurst: 20,
  rateClients: 4096,
  follows: 64,
  followsPerClient: 4,
  scans: 16,
  scansPerClient: 4,
};

const BOUNDS: Record<keyof LogLimits, [min: number, max: number]> = {
  budgetMs: [1, MAX_BUDGET_MS],
  sliceMs: [1, MAX_SLICE_MS],
  ratePerSecond: [0.01, 10_000],
  rateBurst: [1, 100_000],
  rateClients: [1, 1_000_000],
  follows: [1, 10_000],
  followsPerClient: [1, 10_000],
  scans: [1, 10_000],
  scansPerClient: [1, 10_000],
};

const ENV: Record<keyof LogLimits, string> = {
  budgetMs: 'WALT_LOG_QUERY_BUDGET',
  sliceMs: 'WALT_LOG_SLICE',
  ratePerSecond: 'WALT_LOG_RATE_PER_SECOND',
  rateBurst: 'WALT_LOG_RATE_BURST',
  rateClients: 'WALT_LOG_RATE_CLIENTS',
  follows: 'WALT_LOG_MAX_FOLLOWS',
  followsPerClient: 'WALT_LOG_MAX_FOLLOWS_PER_CLIENT',
  scans: 'WALT_LOG_MAX_SCANS',
  scansPerClient: 'WALT_LOG_MAX_SCANS_PER_CLIENT',
};

const DURATIONS = new Set<keyof LogLimits>(['budgetMs', 'sliceMs']);

/** The limits with `overrides` applied; throws when a value is out of its bounds. */
export function resolveLimits(overrides: Partial<LogLimits> = {}): LogLimits {
  const limits = { ...DEFAULT_LOG_LIMITS, ...overrides };
  for (const [key, [min, max]] of Object.entries(BOUNDS) as [keyof LogLimits, [number, number]][]) {
    const value = limits[key];
    if (!(Number.isFinite(value) && value >= min && value <= max)) {
      throw new Error(`log service limit ${key} = ${String(value)}: give a number between ${min} and ${max}`);
    }
  }
  return limits;
}

/** Overrides from the environment: durations as "10s"/"500ms", the others as numbers. */
export function limitsFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<LogLimits> {
  const overrides: Partial<LogLimits> = {};
  for (const [key, name] of Object.entries(ENV) as [keyof LogLimits, string][]) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const value = DURATIONS.has(key) ? parseDurationMs(text) : Number(text);
    if (value === undefined || Number.isNaN(value)) {
      throw new Error(`${name}=${text}: give ${DURATIONS.has(key) ? 'a duration such as 10s' : 'a number'}`);
    }
    overrides[key] = value;
  }
  return overrides;
}
