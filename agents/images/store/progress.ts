// Pull progress: bytes done over bytes total across concurrent layer downloads, reported at a bounded
// rate (status patches and events are not free), always reporting the final state.

export interface PullProgress {
  bytesDone: number;
  bytesTotal: number;
  layersDone: number;
  layersTotal: number;
}

export type ProgressSink = (progress: PullProgress) => void;

export class ProgressTracker {
  private readonly done = new Map<string, number>();
  private readonly finished = new Set<string>();
  private lastReport = -Infinity;

  constructor(
    private readonly sizes: ReadonlyMap<string, number>,
    private readonly sink: ProgressSink,
    private readonly minIntervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A layer already in the cache counts as done at once. */
  cached(digest: string): void {
    this.finish(digest);
  }

  bytes(digest: string, bytesDone: number): void {
    this.done.set(digest, bytesDone);
    this.maybeReport(false);
  }

  finish(digest: string): void {
    this.done.set(digest, this.sizes.get(digest) ?? 0);
    this.finished.add(digest);
    this.maybeReport(this.finished.size === this.sizes.size);
  }

  snapshot(): PullProgress {
    let bytesDone = 0;
    for (const n of this.done.values()) bytesDone += n;
    let bytesTotal = 0;
    for (const n of this.sizes.values()) bytesTotal += n;
    return { bytesDone, bytesTotal, layersDone: this.finished.size, layersTotal: this.sizes.size };
  }

  private maybeReport(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastReport < this.minIntervalMs) return;
    this.lastReport = t;
    this.sink(this.snapshot());
  }
}
