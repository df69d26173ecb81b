// How experiments are shown (pure): the `walt experiment show` table (name, phase, nodes, step, age),
// the lines `walt experiment run --wait` prints as the status moves (phase changes, steps finishing
// with each node's result), and the log stream prefix of an experiment's steps.
import type { Experiment } from '../api/v1alpha1/index.js';
import type { Column } from './output.js';

type Steps = NonNullable<NonNullable<Experiment['status']>['steps']>;

export const TERMINAL_PHASES = ['Succeeded', 'Failed'] as const;

export function isFinished(experiment: Experiment): boolean {
  return (TERMINAL_PHASES as readonly string[]).includes(experiment.status?.phase ?? '');
}

/** kubectl's AGE: 45s, 12m, 5h, 3d (the largest unit, whole). */
export function age(from: string | undefined, now: Date): string | undefined {
  if (!from) return undefined;
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(from)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** "2" (the number claimed) or the names asked for, before the operator claims them. */
function nodesOf(e: Experiment): string | undefined {
  const claimed = e.status?.nodes?.map((n) => n.name);
  if (claimed?.length) return claimed.join(',');
  return (
    e.spec.nodes.names?.join(',') ?? (e.spec.nodes.count ? `${e.spec.nodes.count} (selector)` : undefined)
  );
}

/** "run-tests (2/3)": the step running, else the last one done, with its position. */
export function currentStep(e: Experiment): string | undefined {
  const steps = e.status?.steps ?? [];
  const total = e.spec.steps.length;
  const running = steps.find((s) => s.phase === 'Running');
  const last = running ?? [...steps].reverse().find((s) => s.phase !== 'Pending');
  if (!last) return total > 0 ? `0/${total}` : undefined;
  const index = e.spec.steps.findIndex((s) => s.name === last.name) + 1;
  return `${last.name} (${index}/${total})`;
}

export function experimentColumns(now: Date): Column<Experiment>[] {
  return [
    { header: 'NAME', value: (e) => e.metadata.name },
    { header: 'PHASE', value: (e) => e.status?.phase },
    { header: 'NODES', value: nodesOf },
    { header: 'STEP', value: currentStep },
    { header: 'AGE', value: (e) => age(e.metadata.creationTimestamp as unknown as string | undefined, now) },
    { header: 'IMAGE', value: (e) => e.spec.image, wide: true },
    { header: 'MESSAGE', value: (e) => e.status?.message, wide: true },
  ];
}

function stepLines(name: string, step: Steps[number]): string[] {
  const results = (step.results ?? []).map((r) => {
    const code = r.exitCode === undefined ? '' : ` exit ${r.exitCode}`;
    return `  ${r.node}:${code}${r.message ? ` (${r.message})` : ''}`;
  });
  const omitted = step.resultsOmitted
    ? [
        `  (${step.resultsOmitted} more nodes not kept in status; whole output: walt log show --streams ${step.outputStream ?? ''})`,
      ]
    : [];
  return [`step ${name}: ${step.phase}`, ...results, ...omitted];
}

function phaseLine(e: Experiment): string {
  const message = e.status?.message;
  return `${e.metadata.name}: ${e.status?.phase}${message ? ` (${message})` : ''}`;
}

/** What changed between two views of an experiment, as lines to print. */
export function experimentEvents(before: Experiment | undefined, after: Experiment): string[] {
  const status = after.status ?? {};
  const lines = status.phase && status.phase !== before?.status?.phase ? [phaseLine(after)] : [];
  const seen = new Map((before?.status?.steps ?? []).map((s) => [s.name, s.phase]));
  const changed = (status.steps ?? []).filter((s) => s.phase !== 'Pending' && seen.get(s.name) !== s.phase);
  return [...lines, ...changed.flatMap((s) => stepLines(s.name, s))];
}
