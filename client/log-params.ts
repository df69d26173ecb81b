// The query string of the agent's log query and follow routes (pure), from LogQueryParams: issuers
// repeat, the other filters appear once when given.
import type { LogQueryParams } from '../api/agent/v1.js';

const SINGLE = [
  'stream',
  'line',
  'since',
  'until',
  'fromCheckpoint',
  'toCheckpoint',
  'owner',
  'limit',
] as const satisfies readonly (keyof LogQueryParams)[];

export function logQueryString(params: LogQueryParams): string {
  const query = new URLSearchParams();
  for (const issuer of params.issuers ?? []) query.append('issuer', issuer);
  for (const key of SINGLE) {
    const value = params[key];
    if (value !== undefined && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}
