// Which log lines `walt log show` and `walt log wait` select (pure): issuers as a node set (WalT's
// default my-nodes) where names that are not nodes are kept as issuer names (the server and platform
// components log too), and the stream and line regexes, checked before any request.
import { ERR_CLI_BAD_NODE_SET, ERR_CLI_BAD_REGEX } from '../client/errors.js';
import type { LogQueryParams } from '../api/agent/v1.js';
import type { WaltNode } from '../api/v1alpha1/index.js';
import { NODE_SET_KEYWORDS, isFree, isMine, type Ownership } from '../client/node-sets.js';

export const DEFAULT_ISSUERS = 'my-nodes';
const ISSUER = /^[a-zA-Z0-9]([-a-zA-Z0-9._]*[a-zA-Z0-9])?$/;

function keyword(part: string, nodes: readonly WaltNode[], owner: Ownership): string[] | undefined {
  if (!(NODE_SET_KEYWORDS as readonly string[]).includes(part)) return undefined;
  const chosen = nodes.filter((n) =>
    part === 'all-nodes' ? true : part === 'my-nodes' ? isMine(n, owner) : isFree(n, owner),
  );
  return chosen.map((n) => n.metadata.name);
}

/** The issuer names a set selects, each once, in order (possibly none: my-nodes when you have none). */
export function resolveIssuers(set: string, nodes: readonly WaltNode[], owner: Ownership): string[] {
  const parts = set.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw ERR_CLI_BAD_NODE_SET(set);
  const names = new Set<string>();
  for (const part of parts) {
    const members = keyword(part, nodes, owner);
    if (!members && !ISSUER.test(part)) throw ERR_CLI_BAD_NODE_SET(set);
    for (const name of members ?? [part]) names.add(name);
  }
  return [...names];
}

/**
 * A regex as the agent will use it (JavaScript syntax in Unicode mode, searched), checked here: without
 * the u flag JavaScript would let `[[:digit:]]` through, which the agent refuses.
 */
export function checkRegex(what: string, regex: string | undefined): string | undefined {
  if (regex === undefined) return undefined;
  try {
    new RegExp(regex, 'u');
  } catch (error) {
    throw ERR_CLI_BAD_REGEX(what, regex, (error as Error).message);
  }
  return regex;
}

export interface LogFilterOptions {
  streams?: string;
  lines?: string;
}

/** The query filters of the options (issuers resolved by the caller). */
export function filterParams(issuers: readonly string[], options: LogFilterOptions): LogQueryParams {
  const stream = checkRegex('--streams', options.streams);
  const line = checkRegex('the line regex', options.lines);
  return {
    issuers: [...issuers],
    ...(stream !== undefined ? { stream } : {}),
    ...(line !== undefined ? { line } : {}),
  };
}
