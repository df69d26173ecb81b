// What controllers and users do through the command channel (ADR 0008): run a command, put a tar
// archive into a directory of a node, get one of a path. Each becomes a script queued for the node;
// archives travel as transfers beside it. Decides the answers; routes only map HTTP.
import type { Readable } from 'node:stream';
import type { ApiAppendLogs, ExecResult, FilesResult } from '../../api/agent/v1.js';
import type { Logger } from '../../common/logger.js';
import type { CommandQueue, Outcome } from './command-queue.js';
import {
  ChannelStopped,
  CommandTimeout,
  NodeChannelLost,
  NodeFilesFailed,
  NodeNotConnected,
} from './errors.js';
import type { CommandMetrics, CommandResultLabel } from './metrics.js';
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
  output: CappedOutput;
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
}

function label(outcome: Outcome<NodeResult>): CommandResultLabel {
  if (outcome.kind === 'lost') return outcome.reason === 'notConnected' ? 'notConnected' : 'lost';
  if (outcome.kind === 'timedOut' || outcome.result.timedOut) return 'timedOut';
  return outcome.result.exitCode === 0 ? 'succeeded' : 'failed';
}

/** The coded error of a command that never ran to the end on the node. */
function lostError(node: string, reason: 'notConnected' | 'channelLost' | 'stopped'): Error {
  if (reason === 'notConnected') return NodeNotConnected(node);
  return reason === 'channelLost' ? NodeChannelLost(node) : ChannelStopped();
}

export function execResultOf(outcome: Exclude<Outcome<NodeResult>, { kind: 'lost' }>): ExecResult {
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
  };
}

export class CommandChannel {
  constructor(private readonly deps: ChannelDeps) {}

  async exec(node: string, request: ValidExec): Promise<ExecResult> {
    const outcome = await this.run({
      node,
      script: execScript(request.command, request.timeoutSeconds),
      timeoutSeconds: request.timeoutSeconds,
      connectTimeoutSeconds: request.connectTimeoutSeconds,
    });
    if (outcome.kind === 'lost') throw lostError(node, outcome.reason);
    const result = execResultOf(outcome);
    if (request.logStream !== undefined) await this.storeOutput(node, request.logStream, result.output);
    return result;
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
    if (outcome.kind === 'timedOut' || outcome.result.timedOut)
      throw CommandTimeout(node, what, files.timeoutSeconds);
    const { exitCode, output } = outcome.result;
    if (exitCode !== 0) throw NodeFilesFailed(node, what, exitCode, output.output);
  }

  private async run(run: Run): Promise<Outcome<NodeResult>> {
    let outcome: Outcome<NodeResult>;
    try {
      const submitted = this.deps.queue.submit(run.node, {
        script: run.script,
        timeoutMs: run.timeoutSeconds * 1000,
        connectTimeoutMs: run.connectTimeoutSeconds * 1000,
      });
      outcome = await submitted.outcome;
    } catch (err) {
      if (isWaltError(err, NodeNotConnected)) this.deps.metrics.commands.inc({ result: 'notConnected' });
      throw err;
    }
    this.deps.metrics.commands.inc({ result: label(outcome) });
    return outcome;
  }

  private async storeOutput(node: string, stream: string, output: string): Promise<void> {
    const ts = new Date().toISOString();
    const lines = outputLines(output).map((line) => ({ ts, issuer: node, stream, line }));
    if (lines.length === 0) return;
    try {
      await this.deps.appendLogs(lines);
    } catch (err) {
      this.deps.logger.warn({ err, node, stream }, 'could not store the command output in the log store');
    }
  }
}
