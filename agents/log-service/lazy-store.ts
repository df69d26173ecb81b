// The routes are registered when the HTTP service is built, the store is opened by start(): this
// stand-in forwards to the store once it is open. Reads before start() or after stop() answer 503;
// appends made before start() wait for it (platform lines of the agent's own start-up are kept).
import type {
  Checkpoint,
  DeleteResult,
  LogLine,
  LogQuery,
  LogReadResult,
  LogStore,
  ReadOptions,
  RetentionPolicy,
  StreamSelector,
} from '../../log-store/store.js';
import { LogsServiceStopped } from './errors.js';

export class LazyLogStore implements LogStore {
  private store: LogStore | undefined;
  private stopped = false;
  private opened: Promise<LogStore>;
  private resolveOpened!: (store: LogStore) => void;
  private rejectOpened!: (error: Error) => void;

  constructor() {
    this.opened = new Promise((resolve, reject) => {
      this.resolveOpened = resolve;
      this.rejectOpened = reject;
    });
    // Nobody may be waiting when opening fails: that is not an unhandled rejection.
    this.opened.catch(() => undefined);
  }

  open(store: LogStore): void {
    this.store = store;
    this.resolveOpened(store);
  }

  /** The store could not be opened: waiting and later appends fail with `error` instead of hanging. */
  failed(error: Error): void {
    this.rejectOpened(error);
  }

  /** The open store, taken away: further calls answer 503. */
  detach(): LogStore | undefined {
    this.stopped = true;
    const store = this.store;
    this.store = undefined;
    return store;
  }

  private now(): LogStore {
    if (this.store === undefined) throw LogsServiceStopped();
    return this.store;
  }

  async append(lines: readonly LogLine[]): Promise<void> {
    if (this.stopped) throw LogsServiceStopped();
    await (this.store ?? (await this.opened)).append(lines);
  }

  query(q: LogQuery, options?: ReadOptions): LogReadResult {
    return this.now().query(q, options);
  }

  follow(q: LogQuery, signal: AbortSignal, options?: ReadOptions): LogReadResult {
    return this.now().follow(q, signal, options);
  }

  addCheckpoint(checkpoint: Checkpoint): Promise<void> {
    return this.now().addCheckpoint(checkpoint);
  }

  listCheckpoints(owner?: string): Promise<Checkpoint[]> {
    return this.now().listCheckpoints(owner);
  }

  removeCheckpoint(name: string, owner?: string): Promise<void> {
    return this.now().removeCheckpoint(name, owner);
  }

  applyRetention(policy: RetentionPolicy): Promise<number> {
    return this.now().applyRetention(policy);
  }

  deleteStreams(selector: StreamSelector, options?: ReadOptions): Promise<DeleteResult> {
    return this.now().deleteStreams(selector, options);
  }

  async close(): Promise<void> {
    await this.detach()?.close();
  }
}
