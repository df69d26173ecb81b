// What a step is and acts on (pure): its kind, target nodes, time limit, copy sources and names.
import path from 'node:path/posix';
import type { ExperimentSpec } from '../../../api/v1alpha1/index.js';
import { STEP_KINDS } from '../../../api/v1alpha1/index.js';
import { parseDurationMs } from '../../../common/duration.js';
import { CONNECT_TIMEOUT_SECONDS, STEP_GRACE_MS, TRANSFER_TIMEOUT_MS } from './constants.js';
import { ERR_COPY_SOURCE, ERR_UNKNOWN_TARGET } from './errors.js';

export type Step = ExperimentSpec['steps'][number];
export type StepKind = (typeof STEP_KINDS)[number];

/** The step's kind (the CRD guarantees exactly one is set). */
export function stepKind(step: Step): StepKind {
  return STEP_KINDS.find((k) => step[k] !== undefined) ?? 'wait';
}

/** Nodes the step acts on: its own list (each must be claimed) or every claimed node. */
export function stepTargets(step: Step, claimed: readonly string[]): string[] {
  const own = (step[stepKind(step)] as { nodes?: string[] } | undefined)?.nodes;
  if (!own) return [...claimed];
  const unknown = own.find((n) => !claimed.includes(n));
  if (unknown) throw ERR_UNKNOWN_TARGET(step.name, unknown);
  return [...own];
}

/** Milliseconds of a CRD duration (the schema checked its form); `fallback` if absent. */
export function durationMs(text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : (parseDurationMs(text) ?? fallback);
}

/**
 * How long the controller waits for a step run as a task (run, copy, checkpoint) before aborting it:
 * a command's own timeout plus the time to reach a node not connected yet, plus some slack.
 */
export function taskDeadlineMs(step: Step): number {
  if (step.run) return durationMs(step.run.timeout, 300_000) + CONNECT_TIMEOUT_SECONDS * 1000 + STEP_GRACE_MS;
  return TRANSFER_TIMEOUT_MS;
}

/** "configmap:<name>/<key>" → { name, key }. */
export function parseConfigMapSource(source: string): { name: string; key: string } {
  const match = /^configmap:([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/([-._a-zA-Z0-9]+)$/.exec(source);
  if (!match) throw ERR_COPY_SOURCE(source);
  return { name: match[1]!, key: match[3]! };
}

/** Directory and file name of a copy toNode destination ("/etc/app/conf.json" → "/etc/app", "conf.json"). */
export function splitDestination(destination: string): { dir: string; file: string } {
  const normal = path.normalize(destination);
  return { dir: path.dirname(normal), file: path.basename(normal) };
}

/** ConfigMap keeping the files a `copy fromNode` step fetched from `node`. */
export function fetchedConfigMapName(experiment: string, step: string, node: string): string {
  return `${experiment}-${step}-${node}`.slice(0, 253).replace(/[-.]+$/, '');
}
