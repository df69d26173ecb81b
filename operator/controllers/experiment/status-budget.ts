// The size budget of an Experiment's status. etcd refuses objects past 1.5 MiB, and an experiment of 256
// nodes × 64 steps with 16 KiB of output each would be 256 MiB: status keeps a bounded, useful part and
// says where the rest is (each run step's whole output is in the agents' log store, stream
// experiment.<namespace>.<name>.<step>). Pure: ExperimentRun.commit fits every status it writes.
//
// Always: messages cut to the schema's length, at most MAX_STEP_RESULTS results per step (failures
// first, the rest counted in resultsOmitted). Then, only while the status is over budget, from the
// oldest step to the newest: outputs cut to a short tail, outputs dropped, results cut to a few
// failures, results dropped, step messages shortened. The node records (status.nodes[]: image, model,
// settings, versions; walt experiment rerun reads them) and status.savedImages are kept whole, with the
// messages of saved images cut to SHORT_MESSAGE; at their bounds (256 nodes) they take a few hundred
// KiB at most, so a last pass drops the nodes' settings, then their image references (the digest and
// the WaltImage name stay: what a rerun pins), should steps and records together still be over.
import {
  MAX_RESULT_OUTPUT,
  MAX_STATUS_MESSAGE,
  MAX_STEP_RESULTS,
  type ExperimentStatus,
} from '../../../api/v1alpha1/index.js';
import { truncateTail } from './output.js';

type StepStatus = NonNullable<ExperimentStatus['steps']>[number];
type Result = NonNullable<StepStatus['results']>[number];

/** Bytes of JSON the controller lets a status reach (a third of etcd's limit: metadata and spec too). */
export const STATUS_BUDGET_BYTES = 512 * 1024;
/** Output a result keeps once the status is over budget. */
export const SHORT_OUTPUT_BYTES = 1024;
/** Results a step keeps once dropping outputs was not enough. */
export const FEW_RESULTS = 8;
/** Characters a step message keeps in the last pass. */
export const SHORT_MESSAGE = 256;

/** `text` cut to `max` characters, saying it was cut. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = ' […]';
  return text.slice(0, Math.max(0, max - marker.length)) + marker;
}

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/** Failures (a message, or a non-zero exit code) before successes; spec order otherwise. */
function failuresFirst(results: readonly Result[]): Result[] {
  const failed = (r: Result): boolean => r.message !== undefined || (r.exitCode ?? 0) !== 0;
  return [...results.filter(failed), ...results.filter((r) => !failed(r))];
}

function keepResults(step: StepStatus, max: number, stream: string): StepStatus {
  const results = step.results ?? [];
  if (results.length <= max) return step;
  const kept = failuresFirst(results).slice(0, max);
  const omitted = (step.resultsOmitted ?? 0) + results.length - kept.length;
  const next: StepStatus = { ...step, resultsOmitted: omitted, outputStream: stream };
  if (kept.length) next.results = kept;
  else delete next.results;
  return next;
}

function mapOutputs(
  step: StepStatus,
  stream: string,
  cut: (output: string) => string | undefined,
): StepStatus {
  if (!step.results?.some((r) => r.output !== undefined)) return step;
  const results = step.results.map((r) => {
    if (r.output === undefined) return r;
    const next = { ...r, output: cut(r.output) };
    if (next.output === undefined) delete next.output;
    return next;
  });
  return { ...step, results, outputStream: stream };
}

/** Limits applied to every status, whatever its size. */
function capAlways(step: StepStatus, stream: string): StepStatus {
  let next = keepResults(step, MAX_STEP_RESULTS, stream);
  if (next.results) {
    const results = next.results.map((r) => ({
      ...r,
      ...(r.output !== undefined && r.output.length > MAX_RESULT_OUTPUT
        ? { output: truncateTail(r.output, MAX_RESULT_OUTPUT) }
        : {}),
      ...(r.message !== undefined ? { message: capText(r.message, MAX_STATUS_MESSAGE) } : {}),
    }));
    next = { ...next, results };
  }
  if (next.details?.message !== undefined)
    next = { ...next, details: { message: capText(next.details.message, MAX_STATUS_MESSAGE) } };
  return next;
}

/** The passes tried, in order, one step at a time from the oldest, while the status is over budget. */
const PASSES: Array<(step: StepStatus, stream: string) => StepStatus> = [
  (step, stream) => mapOutputs(step, stream, (o) => truncateTail(o, SHORT_OUTPUT_BYTES)),
  (step, stream) => mapOutputs(step, stream, () => undefined),
  (step, stream) => keepResults(step, FEW_RESULTS, stream),
  (step, stream) => keepResults(step, 0, stream),
  (step) =>
    step.details?.message !== undefined
      ? { ...step, details: { message: capText(step.details.message, SHORT_MESSAGE) } }
      : step,
];

/** `status` with its own message and its conditions' messages cut to the schema's length. */
function withCappedMessages(status: ExperimentStatus): ExperimentStatus {
  const fitted = { ...status };
  if (status.message !== undefined) fitted.message = capText(status.message, MAX_STATUS_MESSAGE);
  if (status.savedImages) {
    fitted.savedImages = status.savedImages.map((s) =>
      s.message === undefined ? s : { ...s, message: capText(s.message, SHORT_MESSAGE) },
    );
  }
  if (status.conditions) {
    fitted.conditions = status.conditions.map((c) => ({
      ...c,
      message: capText(c.message, MAX_STATUS_MESSAGE),
    }));
  }
  return fitted;
}

/**
 * `status` within `budget` bytes of JSON. `streamOf(step)` names the log stream holding a step's whole
 * output, recorded on each step that lost part of it. Fitting a fitted status changes nothing.
 */
export function fitStatus(
  status: ExperimentStatus,
  streamOf: (step: string) => string,
  budget: number = STATUS_BUDGET_BYTES,
): ExperimentStatus {
  const steps = (status.steps ?? []).map((s) => capAlways(s, streamOf(s.name)));
  const fitted = withCappedMessages(status);
  if (status.steps) fitted.steps = steps;
  const sizes = steps.map(bytes);
  let total = bytes(fitted);
  for (const pass of PASSES) {
    for (let i = 0; i < steps.length && total > budget; i++) {
      const next = pass(steps[i]!, streamOf(steps[i]!.name));
      if (next === steps[i]) continue;
      const size = bytes(next);
      total += size - sizes[i]!;
      steps[i] = next;
      sizes[i] = size;
    }
  }
  return withSlimRecords(fitted, total, budget);
}

type NodeStatus = NonNullable<ExperimentStatus['nodes']>[number];

/** `value` without `key`. */
function without<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const rest = { ...value };
  delete rest[key];
  return rest;
}
type SavedImage = NonNullable<ExperimentStatus['savedImages']>[number];

const onNodes =
  (edit: (node: NodeStatus) => NodeStatus) =>
  (status: ExperimentStatus): ExperimentStatus =>
    status.nodes ? { ...status, nodes: status.nodes.map(edit) } : status;

const onSaved =
  (edit: (saved: SavedImage) => SavedImage) =>
  (status: ExperimentStatus): ExperimentStatus =>
    status.savedImages ? { ...status, savedImages: status.savedImages.map(edit) } : status;

/**
 * The records' last passes, while over budget: the nodes' settings dropped, then their image
 * references, then the references of saved images (their WaltImages hold them).
 */
const RECORD_PASSES: Array<(status: ExperimentStatus) => ExperimentStatus> = [
  onNodes((node) => without(node, 'settings')),
  onNodes((node) => (node.image?.ref ? { ...node, image: without(node.image, 'ref') } : node)),
  onSaved((saved) => without(saved, 'ref')),
];

function withSlimRecords(status: ExperimentStatus, size: number, budget: number): ExperimentStatus {
  let next = status;
  let total = size;
  for (const pass of RECORD_PASSES) {
    if (total <= budget) break;
    next = pass(next);
    total = bytes(next);
  }
  return next;
}
