// Streams are (issuer, name) pairs stored once, like WalT's `logstreams` table: a log row holds a small
// stream id. The catalogue is cached in memory (it is small: nodes × stream names), so issuer and stream
// filters are resolved here, in JavaScript, into a list of stream ids — stream regexes then mean exactly
// the same on both back ends, and the database only sees `stream_id IN (…)`.
import type { CompiledQuery } from './query.js';

export interface StreamRow {
  id: number;
  issuer: string;
  name: string;
}

export interface StreamSource {
  /** Streams with an id above `afterId`, in id order (other processes may have created some). */
  streamsAfter(afterId: number): Promise<StreamRow[]>;
  /** Creates the missing (issuer, name) pairs (idempotent) and returns the rows of all of them. */
  createStreams(keys: readonly { issuer: string; name: string }[]): Promise<StreamRow[]>;
}

const keyOf = (issuer: string, name: string): string => `${issuer}\0${name}`;

export class StreamCatalog {
  private readonly byId = new Map<number, StreamRow>();
  private readonly byKey = new Map<string, number>();
  /** Refresh high-water mark. Only refresh() moves it: streams created here may have ids above others' unseen ones. */
  private lastId = 0;

  constructor(private readonly source: StreamSource) {}

  /** Loads the streams created since the last refresh (by this process or another). */
  async refresh(): Promise<void> {
    for (const row of await this.source.streamsAfter(this.lastId)) {
      this.add(row);
      this.lastId = Math.max(this.lastId, row.id);
    }
  }

  /** The stream id of each line, creating unknown streams first. */
  async idsFor(lines: readonly { issuer: string; stream: string }[]): Promise<number[]> {
    const missing = new Map<string, { issuer: string; name: string }>();
    for (const { issuer, stream } of lines) {
      const key = keyOf(issuer, stream);
      if (!this.byKey.has(key)) missing.set(key, { issuer, name: stream });
    }
    if (missing.size > 0)
      for (const row of await this.source.createStreams([...missing.values()])) this.add(row);
    return lines.map(({ issuer, stream }) => this.byKey.get(keyOf(issuer, stream)) as number);
  }

  /** Makes sure the streams of these ids are known: refreshes once if some were created elsewhere. */
  async learn(ids: Iterable<number>): Promise<void> {
    for (const id of ids) {
      if (this.byId.has(id)) continue;
      await this.refresh();
      return;
    }
  }

  /** The stream of a row (after learn()). */
  get(id: number): StreamRow {
    const row = this.byId.get(id);
    if (row === undefined) throw new Error(`log row refers to unknown stream id ${id}`);
    return row;
  }

  /** Streams in the order the catalogue learnt them, from position `fromIndex` (to test only new ones). */
  streamsFrom(fromIndex: number): StreamRow[] {
    return [...this.byId.values()].slice(fromIndex);
  }

  get size(): number {
    return this.byId.size;
  }

  private add(row: StreamRow): void {
    this.byId.set(row.id, row);
    this.byKey.set(keyOf(row.issuer, row.name), row.id);
  }
}

/** Which streams a query selects; kept up to date as streams appear (a follower sees new nodes). */
export class StreamSelection {
  private readonly matched = new Set<number>();
  private checked = 0;

  constructor(
    private readonly query: Pick<CompiledQuery, 'issuers' | 'streamRe'>,
    private readonly catalog: StreamCatalog,
  ) {}

  get filters(): boolean {
    return this.query.issuers !== undefined || this.query.streamRe !== undefined;
  }

  /** Tests the streams the catalogue learnt since the last call. */
  update(): void {
    if (this.catalog.size === this.checked) return;
    for (const stream of this.catalog.streamsFrom(this.checked)) {
      if (this.matches(stream)) this.matched.add(stream.id);
    }
    this.checked = this.catalog.size;
  }

  /** Stream ids for the SQL filter: undefined when every known stream matches (no clause needed). */
  ids(): number[] | undefined {
    this.update();
    if (!this.filters || this.matched.size === this.checked) return undefined;
    return [...this.matched];
  }

  has(stream: StreamRow): boolean {
    return !this.filters || this.matched.has(stream.id) || this.matches(stream);
  }

  private matches(stream: StreamRow): boolean {
    const { issuers, streamRe } = this.query;
    if (issuers !== undefined && !issuers.has(stream.issuer)) return false;
    return streamRe === undefined || streamRe.test(stream.name);
  }
}
