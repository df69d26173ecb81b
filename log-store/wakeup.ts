// Wakes followers when lines are appended. A sequence number closes the race between "my read found
// nothing new" and "I start waiting": a follower notes the sequence before reading and does not sleep if
// it has moved since.
export class Wakeup {
  private seq = 0;
  private readonly waiters = new Set<() => void>();

  get sequence(): number {
    return this.seq;
  }

  pulse(): void {
    this.seq++;
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves on the next pulse after `seen`, after `timeoutMs` (poll for other writers) or on abort. */
  wait(seen: number, signal: AbortSignal, timeoutMs: number): Promise<void> {
    if (seen !== this.seq || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}
