// Cooperative time slicing: store work (scanning, matching, deleting) runs on the agent's event loop,
// which also answers DHCP, TFTP and HTTP boots. It works in slices of a few milliseconds and lets
// other callbacks run between them (setImmediate: after pending I/O), and stops at a time budget
// (ADR 0010). One clock per read or deletion.
import { performance } from 'node:perf_hooks';
import { setImmediate as afterIo } from 'node:timers/promises';

export interface WorkClockOptions {
  sliceMs: number;
  /** Total budget; undefined: none. */
  budgetMs?: number;
  /** The time source (tests). */
  now?: () => number;
}

export class WorkClock {
  private sliceEnd: number;
  private deadline: number;
  private readonly now: () => number;
  private readonly sliceMs: number;
  /** How many times the work let the event loop run. */
  yields = 0;

  constructor(options: WorkClockOptions) {
    this.now = options.now ?? (() => performance.now());
    this.sliceMs = options.sliceMs;
    const start = this.now();
    this.sliceEnd = start + this.sliceMs;
    this.deadline = options.budgetMs === undefined ? Number.POSITIVE_INFINITY : start + options.budgetMs;
  }

  /** The current slice is used up: finish the current step and call pause(). */
  get due(): boolean {
    return this.now() >= this.sliceEnd;
  }

  /** The budget is used up. */
  get expired(): boolean {
    return this.now() >= this.deadline;
  }

  /** Milliseconds of budget left (Infinity without a budget). */
  get remainingMs(): number {
    return Math.max(0, this.deadline - this.now());
  }

  /** The budget ended elsewhere (a database statement timeout). */
  expire(): void {
    this.deadline = Number.NEGATIVE_INFINITY;
  }

  /** Lets the event loop run (pending I/O first), then starts a new slice. */
  async pause(): Promise<void> {
    this.yields++;
    await afterIo();
    this.sliceEnd = this.now() + this.sliceMs;
  }

  /** pause() when the slice is used up. */
  async step(): Promise<void> {
    if (this.due) await this.pause();
  }
}
