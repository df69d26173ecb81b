// What controllers and users do through the command channel (ADR 0008): run a command, put a tar
// archive into a directory of a node, get one of a path. Each becomes a script queued for the node;
// archives travel as transfers beside it. Decides the answers; routes only map HTTP. An exec may carry
// the caller's id: a second exec with it, or GET .../exec/<id>, attaches to the same command (its output
// stored and counted once); DELETE .../exec/<id> cancels it and answers how the node ended it. When the
// log store refuses a command's output, the answer says so (outputNotStored) and a metric counts it:
// a caller that asked for the output in the store must not believe it is there.
import type { Readable } from 'node:stream';
import type {
  ApiAppendLogs,
  CancelAnswer,
  CancelEnding,
  ExecResult,
  FilesResult,
} from '../../api/agent/v1.js';
import type { Logger } from '../../common/logger.js';
import type { CommandQueue, Outcome } from './command-queue.js';
import {
  ChannelStopped,
  CommandCancelled,
  CommandLost,
  CommandTimeout,
  NodeChannelLost,
  NodeFilesFailed,
  NodeNotConnected,
} from './errors.js';
import type { CancelLabel, CommandMetrics, CommandResultLabel } from './metrics.js';
import { outputLines, type CappedOutput } from './output.js';
import { splitArchivePath, type ValidExec, type ValidFiles } from './requests.js';
import { archiveScript, execScript, extractScript } from './scripts.js';
import type { TransferStore, Transfer } from './transfers.js';
import { isWaltError } from '../../common/errors.js';

/** What the node reports of a command it ran. */
export interface NodeResult {
  /** The script's exit status (after a kill: the signal's status). */
  exitCode: number;
  /** The node killed it at its timeout. */
  timedOut: boolean;
  /** Cancelled, and its process group outlived TERM by the grace: the node sent KILL. */
  killed?: boolean;
  output: CappedOutput;
  /** Why the log store did not take its output (exec with logStream); set when settling. */
  outputNotStored?: string;
}

export type LogLine = ApiAppendLogs['lines'][number] & { ts: string };
export type AppendLogs = (lines: LogLine[]) => Promise<void>;

export interface ChannelDeps {
  queue: CommandQueue<NodeResult>;
  transfers: TransferStore;
  metrics: CommandMetrics;
  appendLogs: AppendLogs;
  logger: Logger;
}

export interface ArchiveFromNode {
  bytes: number;
  stream: Readable;
  /** Removes the archive (call when the answer is over). */
  release(): Promise<void>;
}

interface Run {
  node: string;
  script: string;
  timeoutSeconds: number;
  connectTimeoutSeconds: number;
  /** The caller's id (idempotency key). */
  id?: string;
  /** Once, when the command ends (after the metrics); may return the outcome everyone sees. */
  settle?: (outcome: Outcome<NodeResult>) => Promise<Outcome<NodeResult> | void>;
}

export type { CancelAnswer };

type Ended = Exclude<Outcome<NodeResult>, { kind: 'lost' } | { kind: 'cancelled' }>;

function label(outcome: Outcome<NodeResult>): CommandResultLabel {
  if (outcome.kind === 'cancelled') return 'cancelled';
  if (outcome.kind === 'lost') return outcome.reason === 'notConnected' ? 'notConnected' : 'lost';
  if (outcome.kind === 'timedOut' || outcome.result.timedOut) return 'timedOut';
  return outcome.result.exitCode === 0 ? 'succeeded' : 'failed';
}

/** The coded error of a command that never ran to the end on the node. */
function lostError(node: string, reason: 'notConnected' | 'channelLost' | 'stopped'): Error {
  if (reason === 'notConnected') return NodeNotConnected(node);
  return reason === 'channelLost' ? NodeChannelLost(node) : ChannelStopped();
}

export function execResultOf(outcome: Ended): ExecResult {
  if (outcome.kind === 'timedOut') {
    return { exitCode: null, output: '', truncatedBytes: 0, timedOut: true, durationMs: outcome.durationMs };
  }
  const { result } = outcome;
  return {
    exitCode: result.timedOut ? null : result.exitCode,
    output: result.output.output,
    truncatedBytes: result.output.truncatedBytes,
    timedOut: result.timedOut,
    durationMs: outcome.durationMs,
    ...(result.outputNotStored === undefined ? {} : { outputNotStored: result.outputNotStored }),
  };
}

/** How the node ended a cancelled command, when it said so. */
function endingOf(outcome: Outcome<NodeResult>): CancelEnding | undefined {
  if (outcome.kind !== 'cancelled' || !outcome.ended) return undefined;
  const { result, durationMs } = outcome.ended;
  return { exitCode: result.exitCode, killed: result.killed === true, durationMs };
}

export class CommandChannel {
  constructor(private readonly deps: ChannelDeps) {}

  /** Runs the command, or attaches to the one with `request.id`; answers when it ends. */
  async exec(node: string, request: ValidExec): Promise<ExecResult> {
    const { logStream, id } = request;
    const outcome = await this.run({
      node,
      script: execScript(request.command, request.timeoutSeconds),
      timeoutSeconds: request.timeoutSeconds,
      connectTimeoutSeconds: request.connectTimeoutSeconds,
      ...(id === undefined ? {} : { id }),
      ...(logStream === undefined ? {} : { settle: (o) => this.storeOutcome(node, logStream, o) }),
    });
    return this.answer(node, outcome, id);
  }

  /** GET .../exec/<id>: waits for command `id` and answers its result, as its exec would. */
  async attach(node: string, id: string): Promise<ExecResult> {
    const outcome = this.deps.queue.attach(node, id);
    if (!outcome) throw CommandLost(node, id);
    return this.answer(node, await outcome, id);
  }

  /**
   * DELETE .../exec/<id>: cancels command `id`; for a running one, answers once the node reported how
   * it ended it (TERM, or KILL after the grace), or the queue gave up waiting for that report.
   */
  async cancel(node: string, id: string): Promise<CancelAnswer> {
    const cancelled = this.deps.queue.cancel(node, id);
    if (!cancelled) throw CommandLost(node, id);
    const { was } = cancelled;
    if (was !== 'running') return { id, was };
    const ended = endingOf(await cancelled.outcome);
    return ended ? { id, was, ended } : { id, was };
  }

  private answer(node: string, outcome: Outcome<NodeResult>, id: string | undefined): ExecResult {
    if (outcome.kind === 'lost') throw lostError(node, outcome.reason);
    if (outcome.kind === 'cancelled') throw CommandCancelled(node, id ?? 'without id');
    return execResultOf(outcome);
  }

  /** Extracts the tar archive `body` into directory `files.path` of the node. */
  async putFiles(node: string, files: ValidFiles, body: Readable): Promise<FilesResult> {
    this.checkConnected(node, files.connectTimeoutSeconds);
    const transfer = this.open(node, 'toNode', files);
    try {
      const bytes = await this.deps.transfers.write(transfer, body);
      const script = extractScript(transfer.id, files.path, files.timeoutSeconds);
      await this.runFiles(node, `extracting the archive into ${files.path}`, script, files);
      return { bytes };
    } finally {
      await this.deps.transfers.remove(transfer);
    }
  }

  /** A tar archive of `files.path` on the node, its last component as the top entry. */
  async getFiles(node: string, files: ValidFiles): Promise<ArchiveFromNode> {
    const { parent, base } = splitArchivePath(files.path);
    this.checkConnected(node, files.connectTimeoutSeconds);
    const transfer = this.open(node, 'fromNode', files);
    try {
      const script = archiveScript(transfer.id, parent, base, files.timeoutSeconds);
      await this.runFiles(node, `archiving ${files.path}`, script, files);
      if (transfer.bytes === undefined)
        throw NodeFilesFailed(node, `archiving ${files.path}`, 0, 'no archive was uploaded');
      return {
        bytes: transfer.bytes,
        stream: this.deps.transfers.read(transfer),
        release: () => this.deps.transfers.remove(transfer),
      };
    } catch (err) {
      await this.deps.transfers.remove(transfer);
      throw err;
    }
  }

  private checkConnected(node: string, connectTimeoutSeconds: number): void {
    // Fail before a large body is stored for a node that is not there.
    if (connectTimeoutSeconds <= 0 && !this.deps.queue.connected(node)) {
      this.deps.metrics.commands.inc({ result: 'notConnected' });
      throw NodeNotConnected(node);
    }
  }

  private open(node: string, direction: 'toNode' | 'fromNode', files: ValidFiles): Transfer {
    const ttlMs = (files.connectTimeoutSeconds + files.timeoutSeconds + 60) * 1000;
    return this.deps.transfers.open(node, direction, ttlMs);
  }

  private async runFiles(node: string, what: string, script: string, files: ValidFiles): Promise<void> {
    const outcome = await this.run({ node, script, ...files });
    if (outcome.kind === 'lost') throw lostError(node, outcome.reason);
    if (outcome.kind === 'cancelled') throw CommandCancelled(node, 'without id');
    if (outcome.kind === 'timedOut' || outcome.result.timedOut)
      throw CommandTimeout(node, what, files.timeoutSeconds);
    const { exitCode, output } = outcome.result;
    if (exitCode !== 0) throw NodeFilesFailed(node, what, exitCode, output.output);
  }

  private async run(run: Run): Promise<Outcome<NodeResult>> {
    const { metrics } = this.deps;
    try {
      const submitted = this.deps.queue.submit(run.node, {
        script: run.script,
        timeoutMs: run.timeoutSeconds * 1000,
        connectTimeoutMs: run.connectTimeoutSeconds * 1000,
        ...(run.id === undefined ? {} : { id: run.id }),
        // Counted and stored once per command, however many callers attach to it.
        settle: async (outcome) => {
          metrics.commands.inc({ result: label(outcome) });
          if (outcome.kind === 'cancelled') metrics.cancels.inc({ ending: cancelLabel(outcome) });
          return run.settle?.(outcome);
        },
      });
      return await submitted.outcome;
    } catch (err) {
      if (isWaltError(err, NodeNotConnected)) metrics.commands.inc({ result: 'notConnected' });
      throw err;
    }
  }

  /**
   * Stores the output lines of an ended command (also of one cancelled while it ran: what it wrote
   * until then); the outcome says when the store refused them.
   */
  private async storeOutcome(
    node: string,
    stream: string,
    outcome: Outcome<NodeResult>,
  ): Promise<Outcome<NodeResult> | void> {
    if (outcome.kind === 'finished') {
      const failure = await this.storeOutput(node, stream, outcome.result.output.output);
      return failure === undefined
        ? undefined
        : { ...outcome, result: { ...outcome.result, outputNotStored: failure } };
    }
    if (outcome.kind !== 'cancelled' || !outcome.ended) return undefined;
    const { ended } = outcome;
    const failure = await this.storeOutput(node, stream, ended.result.output.output);
    if (failure === undefined) return undefined;
    return { ...outcome, ended: { ...ended, result: { ...ended.result, outputNotStored: failure } } };
  }

  /** Appends the lines of `output`; undefined when stored, else why not (counted, logged). */
  private async storeOutput(node: string, stream: string, output: string): Promise<string | undefined> {
    const ts = new Date().toISOString();
    const lines = outputLines(output).map((line) => ({ ts, issuer: node, stream, line }));
    if (lines.length === 0) return undefined;
    try {
      await this.deps.appendLogs(lines);
      return undefined;
    } catch (err) {
      this.deps.metrics.outputStoreFailures.inc();
      this.deps.logger.warn({ err, node, stream }, 'could not store the command output in the log store');
      return describeStoreFailure(err);
    }
  }
}

/** The cancels metric's label: how the node ended the command, or that it did not say. */
function cancelLabel(outcome: Outcome<NodeResult> & { kind: 'cancelled' }): CancelLabel {
  if (outcome.ended) return outcome.ended.result.killed === true ? 'kill' : 'term';
  return outcome.unconfirmed ? 'unconfirmed' : 'queued';
}

/** What ExecResult.outputNotStored says: the store's coded error when it has one, else its message. */
function describeStoreFailure(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && code.startsWith('WALT_ERR_') ? `${code}: ${message}` : message;
}
