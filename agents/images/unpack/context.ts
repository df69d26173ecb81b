// State of one layer being applied: counters, the resolver and what this layer added (whiteouts only
// remove what lower layers left; see whiteout.ts).
import type { Logger } from 'pino';
import type { Header } from 'tar-stream';
import type { EntryMeta } from './metadata.js';
import type { LimitTracker } from './limits.js';
import { RootResolver } from './secure-path.js';

export interface LayerStats {
  /** Tar entries seen (whiteouts and skipped ones included). */
  entries: number;
  /** Regular files written (FIFOs included). */
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  whiteouts: number;
  /** Content bytes written. */
  bytes: number;
  /** Entries or attributes not applied: unknown entry types, xattrs. */
  skipped: number;
}

/** A tar entry as the parser hands it out: its header and a stream of its content. */
export interface LayerEntry extends AsyncIterable<Buffer> {
  readonly header: Header;
  resume(): unknown;
}

export interface LayerContext {
  readonly resolver: RootResolver;
  /** Root-relative paths this layer created; whiteouts of the same layer must leave them alone. */
  readonly added: Set<string>;
  /** Directory metadata, applied once the layer's content is in place (so their mtimes stick). */
  readonly dirMeta: Map<string, EntryMeta>;
  readonly stats: LayerStats;
  readonly limits: LimitTracker;
  readonly logger: Logger;
  /** lchown only works as root; elsewhere (tests as a user) ownership stays the caller's. */
  readonly chown: boolean;
}

export function emptyStats(): LayerStats {
  return { entries: 0, files: 0, dirs: 0, symlinks: 0, hardlinks: 0, whiteouts: 0, bytes: 0, skipped: 0 };
}

export function createContext(root: string, limits: LimitTracker, logger: Logger): LayerContext {
  const added = new Set<string>();
  return {
    resolver: new RootResolver(root, (rel) => added.add(rel)),
    added,
    dirMeta: new Map(),
    stats: emptyStats(),
    limits,
    logger,
    chown: process.getuid?.() === 0,
  };
}

/** After `rel` was removed: resolutions may have changed, and its pending directory metadata is moot. */
export function forgetRemoved(ctx: LayerContext, rel: string): void {
  ctx.resolver.forget();
  const prefix = `${rel}/`;
  for (const key of ctx.dirMeta.keys()) {
    if (rel === '' || key === rel || key.startsWith(prefix)) ctx.dirMeta.delete(key);
  }
}
