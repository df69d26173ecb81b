// The sessions an agent holds (ADR 0019), pure bookkeeping tested as plain functions: the caps (per
// node and per agent), and the one-time secret each walt-session shows when it connects back. A secret
// is 32 random bytes (256 bits) in hex, compared in constant time, usable once, and only until its
// deadline; a refused claim says why, for the refusals metric (the caller answers one coded 403).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SessionLimit } from './errors.js';
import type { RefusalLabel } from './metrics.js';

export interface SessionCaps {
  perNode: number;
  perAgent: number;
}

export interface SessionEntry {
  node: string;
  id: string;
  secret: string;
  /** Epoch ms after which the node may no longer connect back. */
  connectBy: number;
  claimed: boolean;
}

export type ClaimResult = { ok: true; entry: SessionEntry } | { ok: false; reason: RefusalLabel };

/** A session id: safe in a URL, a script and a command id. */
export const SESSION_ID_PATTERN = /^[0-9a-f]{16}$/;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Lengths differ only for a caller that does not know the secret's format; still compare equal sizes.
  return a.length === b.length && timingSafeEqual(a, b);
}

export class SessionTable {
  private readonly entries = new Map<string, SessionEntry>();
  private readonly perNode = new Map<string, number>();

  constructor(private readonly caps: SessionCaps) {}

  get size(): number {
    return this.entries.size;
  }

  /** Throws WALT_ERR_SESSION_LIMIT when `node` or the agent is at its cap. */
  checkRoom(node: string): void {
    if (this.entries.size >= this.caps.perAgent) throw SessionLimit('this agent', this.caps.perAgent);
    if ((this.perNode.get(node) ?? 0) >= this.caps.perNode)
      throw SessionLimit(`node ${node}`, this.caps.perNode);
  }

  /** A new session of `node`, with its id and secret; the node must connect back before `connectBy`. */
  add(node: string, connectBy: number): SessionEntry {
    this.checkRoom(node);
    let id: string;
    do id = randomBytes(8).toString('hex');
    while (this.entries.has(id));
    const entry: SessionEntry = {
      node,
      id,
      secret: randomBytes(32).toString('hex'),
      connectBy,
      claimed: false,
    };
    this.entries.set(id, entry);
    this.perNode.set(node, (this.perNode.get(node) ?? 0) + 1);
    return entry;
  }

  /** The node's walt-session shows `secret` for session `id`: accepted once, before the deadline. */
  claim(node: string, id: string, secret: string, now: number): ClaimResult {
    const entry = SESSION_ID_PATTERN.test(id) ? this.entries.get(id) : undefined;
    if (!entry || entry.node !== node) return { ok: false, reason: 'unknown' };
    if (!sameSecret(secret, entry.secret)) return { ok: false, reason: 'secret' };
    if (entry.claimed) return { ok: false, reason: 'claimed' };
    if (now > entry.connectBy) return { ok: false, reason: 'expired' };
    entry.claimed = true;
    return { ok: true, entry };
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    const count = (this.perNode.get(entry.node) ?? 1) - 1;
    if (count <= 0) this.perNode.delete(entry.node);
    else this.perNode.set(entry.node, count);
  }
}
