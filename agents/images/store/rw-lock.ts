// Pulls share the cache; garbage collection needs it alone (it deletes blobs a pull may be about to
// unpack). A small async readers-writer lock, writer-preferring so GC is not starved by a pull stream.
// Ownership is handed over at wake-up time, so no newcomer can slip in between.
export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly waitingWriters: Array<() => void> = [];
  private readonly waitingReaders: Array<() => void> = [];

  async read<T>(work: () => Promise<T>): Promise<T> {
    if (this.writer || this.waitingWriters.length > 0)
      await new Promise<void>((r) => this.waitingReaders.push(r));
    else this.readers++;
    try {
      return await work();
    } finally {
      this.readers--;
      this.wake();
    }
  }

  async write<T>(work: () => Promise<T>): Promise<T> {
    if (this.writer || this.readers > 0) await new Promise<void>((r) => this.waitingWriters.push(r));
    else this.writer = true;
    try {
      return await work();
    } finally {
      this.writer = false;
      this.wake();
    }
  }

  private wake(): void {
    if (this.writer || this.readers > 0) return;
    const writer = this.waitingWriters.shift();
    if (writer) {
      this.writer = true;
      writer();
      return;
    }
    for (const reader of this.waitingReaders.splice(0)) {
      this.readers++;
      reader();
    }
  }
}
