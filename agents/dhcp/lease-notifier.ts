// Tells the agent's other services (NFS exports /persist to each node's address) that addresses may
// have changed: at once for the first change, then at most once per window while changes keep coming.
// One node booting is told without delay; a boot storm binding hundreds of leases in a few seconds
// sets off one reconcile a window instead of one per lease.

/** The window; a change inside it is told at its end. */
export const LEASE_NOTIFY_MS = 1_000;

export class LeaseNotifier {
  private readonly listeners: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private due = false;

  constructor(private readonly windowMs = LEASE_NOTIFY_MS) {}

  add(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** A change: told now, or at the end of the current window. */
  changed(): void {
    if (this.timer) {
      this.due = true;
      return;
    }
    for (const listener of this.listeners) listener();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.due) return;
      this.due = false;
      this.changed();
    }, this.windowMs);
  }

  /** Drops a change not told yet (the service stops). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = false;
  }
}
