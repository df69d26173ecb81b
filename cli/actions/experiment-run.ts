// `walt experiment run <file.yaml>`: apply the Experiment (server-side apply, field manager walt-cli,
// in the current namespace unless the file says otherwise); with --wait, follow its phases and step
// results until it ends — exit 0 when it Succeeded, 8 when it Failed, 5 after --timeout; --follow
// also prints its steps' log lines meanwhile.
import {
  ERR_CLI_BAD_MANIFEST,
  ERR_CLI_EXPERIMENT_FAILED,
  ERR_CLI_NOT_FOUND,
  ERR_CLI_TIMEOUT,
} from '../../client/errors.js';
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, RESOURCES, type Experiment } from '../../api/v1alpha1/index.js';
import { createLogsApi } from '../../client/logs.js';
import type { CliContext } from '../context.js';
import { experimentStreamRegex } from '../../api/v1alpha1/index.js';
import { experimentEvents, isFinished } from '../experiment-view.js';
import { DEFAULT_LOG_FORMAT, compileLogFormat } from '../log-format.js';
import { formatDuration, parseTimeout } from '../timeout.js';
import { watchUntil } from '../../client/watch.js';
import { printLines } from './log-show.js';

export const DEFAULT_EXPERIMENT_TIMEOUT = '2h';

export interface ExperimentRunOptions {
  wait?: boolean;
  follow?: boolean;
  timeout?: string;
}

/** The one Experiment of a manifest, in the current namespace when it names none. */
export function experimentOf(file: string, text: string, namespace: string): Experiment {
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  const errors = docs.flatMap((d) => d.errors);
  if (errors.length > 0) throw ERR_CLI_BAD_MANIFEST(file, errors[0]!.message);
  const objects = docs.map((d) => d.toJSON() as Partial<Experiment> | null);
  if (objects.length !== 1) throw ERR_CLI_BAD_MANIFEST(file, `${objects.length} documents, one is expected`);
  const object = checkKind(file, objects[0]);
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace },
    spec: object.spec,
  };
}

function checkKind(file: string, object: Partial<Experiment> | null | undefined): Experiment {
  if (object?.apiVersion !== API_VERSION || object.kind !== RESOURCES.experiment.kind) {
    throw ERR_CLI_BAD_MANIFEST(file, `apiVersion ${object?.apiVersion} kind ${object?.kind}`);
  }
  if (!object.metadata?.name) throw ERR_CLI_BAD_MANIFEST(file, 'metadata.name is missing');
  return object as Experiment;
}

async function follow(ctx: CliContext, experiment: Experiment, timeoutMs: number): Promise<Experiment> {
  const { name, namespace } = experiment.metadata;
  const fieldSelector = `metadata.name=${name}`;
  let seen: Experiment | undefined;
  return watchUntil<Experiment, Experiment>({
    path: ctx.client.collectionPath(RESOURCES.experiment, namespace),
    fieldSelector,
    list: () => ctx.client.list<Experiment>(RESOURCES.experiment, { namespace, fieldSelector }),
    check: (objects) => {
      const current = objects.get(name);
      if (!current) throw ERR_CLI_NOT_FOUND(`experiment ${namespace}/${name} (deleted while running)`);
      for (const line of experimentEvents(seen, current)) ctx.io.out(`${line}\n`);
      seen = current;
      return isFinished(current) ? current : undefined;
    },
    timeoutMs,
    onTimeout: () =>
      ERR_CLI_TIMEOUT(
        `waiting for experiment ${name} (phase ${seen?.status?.phase ?? 'none yet'})`,
        formatDuration(timeoutMs),
      ),
    watch: ctx.watch,
  });
}

/** Prints the experiment's log lines until `signal` aborts; failures only warn (the status decides). */
function followLogs(ctx: CliContext, experiment: Experiment, signal: AbortSignal): Promise<void> {
  const stream = experimentStreamRegex(experiment.metadata.namespace!, experiment.metadata.name);
  const lines = createLogsApi(ctx.agents, () => ctx.now()).follow({ stream }, signal);
  return printLines(ctx, lines, compileLogFormat(DEFAULT_LOG_FORMAT)).catch((error: unknown) => {
    if (!signal.aborted)
      ctx.io.err(`note: cannot follow the experiment's logs: ${(error as Error).message}\n`);
  });
}

async function apply(ctx: CliContext, wanted: Experiment): Promise<void> {
  const { name, namespace } = wanted.metadata;
  const before = await ctx.client.get<Experiment>(RESOURCES.experiment, name, namespace);
  if (before && isFinished(before)) {
    ctx.io.err(
      `note: experiment ${name} has ended already (${before.status?.phase}): delete it to run it again\n`,
    );
  }
  await ctx.client.apply(RESOURCES.experiment, wanted);
  ctx.io.out(`experiment ${namespace}/${name} applied\n`);
}

/** Follows the experiment (and its logs with --follow) to its end. */
export async function waitForEnd(
  ctx: CliContext,
  wanted: Experiment,
  options: ExperimentRunOptions & { timeoutMs: number },
): Promise<Experiment> {
  const logs = new AbortController();
  const logging = options.follow ? followLogs(ctx, wanted, logs.signal) : Promise.resolve();
  try {
    return await follow(ctx, wanted, options.timeoutMs);
  } finally {
    logs.abort();
    await logging;
  }
}

export async function experimentRun(
  ctx: CliContext,
  file: string,
  options: ExperimentRunOptions,
): Promise<void> {
  const timeoutMs = parseTimeout(options.timeout ?? DEFAULT_EXPERIMENT_TIMEOUT);
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw ERR_CLI_BAD_MANIFEST(file, error.message);
  });
  const wanted = experimentOf(file, text, ctx.namespace);
  await apply(ctx, wanted);
  if (!options.wait && !options.follow) return;
  const done = await waitForEnd(ctx, wanted, { ...options, timeoutMs });
  if (done.status?.phase === 'Failed') {
    throw ERR_CLI_EXPERIMENT_FAILED(
      `${wanted.metadata.namespace}/${wanted.metadata.name}`,
      done.status.message ?? 'see walt experiment show -o yaml',
    );
  }
}
