// Long-running step work (commands, transfers) runs as tracked tasks outside the work queue: one per
// experiment step, keyed "<experiment uid>/<step>". A reconcile starts a task and returns; the task
// reports progress and its end through onChange (which re-queues the experiment), and the next
// reconcile reads it and writes status. The registry is memory only: after a restart a step found
// Running with no task is resumed or failed by the controller (see step-tasks.ts).
import type { ExperimentStatus } from '../../../api/v1alpha1/index.js';

export type StepNodeResult = NonNullable<NonNullable<ExperimentStatus['steps']>[number]['results']>[number];

export interface StepOutcome {
  ok: boolean;
  results: StepNodeResult[];
  /** Why the step failed as a whole (a node's reason goes in its result). */
  message?: string;
}

export interface TaskContext {
  signal: AbortSignal;
  /** Records one node's result as soon as it is known (shown in status while others still run). */
  report(result: StepNodeResult): void;
}

export type TaskBody = (ctx: TaskContext) => Promise<StepOutcome>;

export interface Task {
  readonly key: string;
  readonly startedAt: number;
  /** Results so far, by node. */
  results(): StepNodeResult[];
  /** The outcome once finished (or aborted). */
  outcome(): StepOutcome | undefined;
  /** Stops it: the signal fires and the outcome becomes a failure with `reason`'s message. */
  abort(reason: Error): void;
}

class RunningTask implements Task {
  private readonly controller = new AbortController();
  private readonly byNode = new Map<string, StepNodeResult>();
  private finished: StepOutcome | undefined;

  constructor(
    readonly key: string,
    readonly startedAt: number,
    private readonly onChange: () => void,
  ) {}

  run(body: TaskBody): void {
    const ctx: TaskContext = {
      signal: this.controller.signal,
      report: (result) => {
        if (this.finished) return;
        this.byNode.set(result.node, result);
        this.onChange();
      },
    };
    body(ctx).then(
      (outcome) => this.finish(outcome),
      (error: unknown) =>
        this.finish({
          ok: false,
          results: this.results(),
          message: error instanceof Error ? error.message : String(error),
        }),
    );
  }

  results(): StepNodeResult[] {
    return [...this.byNode.values()].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  }

  outcome(): StepOutcome | undefined {
    return this.finished;
  }

  abort(reason: Error): void {
    if (this.finished) return;
    this.finish({ ok: false, results: this.results(), message: reason.message });
    this.controller.abort(reason);
  }

  private finish(outcome: StepOutcome): void {
    if (this.finished) return;
    this.finished = outcome;
    this.onChange();
  }
}

export class TaskRegistry {
  private readonly tasks = new Map<string, RunningTask>();

  constructor(private readonly now: () => number = Date.now) {}

  static keyOf(uid: string, step: string): string {
    return `${uid}/${step}`;
  }

  /**
   * Starts `body` under `key` (a task already there is returned unchanged); `startedAt` (ms) when it
   * continues work started before (a resumed step keeps its deadline).
   */
  start(key: string, body: TaskBody, onChange: () => void, startedAt?: number): Task {
    const known = this.tasks.get(key);
    if (known) return known;
    const task = new RunningTask(key, startedAt ?? this.now(), onChange);
    this.tasks.set(key, task);
    task.run(body);
    return task;
  }

  get(key: string): Task | undefined {
    return this.tasks.get(key);
  }

  /** Drops a finished task once its outcome is in status. */
  forget(key: string): void {
    this.tasks.delete(key);
  }

  /** Aborts and drops every task of experiment `uid`. */
  abortAll(uid: string, reason: Error): void {
    for (const [key, task] of [...this.tasks]) {
      if (!key.startsWith(`${uid}/`)) continue;
      task.abort(reason);
      this.tasks.delete(key);
    }
  }

  size(): number {
    return this.tasks.size;
  }
}
