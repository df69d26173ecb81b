// A command's output the log store refuses: against the agent's REAL log service (SQLite, buffered
// appends) whose file sits on a filesystem that runs full, the way a lab's disk fills. The exec answer
// says the output is not stored (outputNotStored, with the store's reason), the failure is counted
// (walt_node_command_output_store_failures_total), the output itself still reaches the caller whole;
// once there is room again, outputs are stored as before. The node is played through the queue (its
// poll and its result): the node's side is not what this test is about (channel.test.ts runs the real
// loop). Needs root (it mounts a small tmpfs), as the agent's other suites do.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import type { ExecResult } from '../../api/agent/v1.js';
import { silentLogger } from '../../common/logger.js';
import { createLogService, type LogService } from '../log-service/index.js';
import { CommandChannel, type NodeResult } from './channel.js';
import { CommandQueue } from './command-queue.js';
import { createCommandMetrics } from './metrics.js';
import { capOutput } from './output.js';
import { TransferStore } from './transfers.js';
import { parseExecRequest } from './requests.js';

const run = promisify(execFile);
const NODE = 'vn1';

/** Plays the node: takes the next command and answers it with `output` (exit 0). */
async function nodeAnswers(queue: CommandQueue<NodeResult>, output: string): Promise<void> {
  const dispatch = await queue.poll(NODE, new AbortController().signal);
  if (!dispatch || 'cancel' in dispatch) throw new Error('the node expected a command');
  const result: NodeResult = { exitCode: 0, timedOut: false, output: capOutput(Buffer.from(output)) };
  if (!queue.complete(NODE, dispatch.id, result)) throw new Error('the result was refused');
}

async function failures(registry: Registry): Promise<number> {
  const metric = registry.getSingleMetric('walt_node_command_output_store_failures_total');
  return (await metric!.get()).values[0]?.value ?? 0;
}

describe('command output the log store refuses (SQLite on a full filesystem)', () => {
  let dir: string;
  let mount: string;
  let logs: LogService;
  let queue: CommandQueue<NodeResult>;
  let channel: CommandChannel;
  const registry = new Registry();
  // An output much larger than what SQLite wrote at its start: its write needs room the disk lacks.
  const big = Array.from({ length: 4000 }, (_, i) => `line ${i} ${'x'.repeat(100)}`).join('\n') + '\n';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-output-store-'));
    mount = path.join(dir, 'small');
    await run('mkdir', ['-p', mount]);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'walt-test-logs', mount]);
    logs = createLogService({
      segment: 'lab',
      store: { kind: 'sqlite', file: path.join(mount, 'logs.sqlite') },
      listNodes: () => [],
      listImages: () => [],
      logger: silentLogger(),
      metrics: new Registry(),
      buffer: { flushMs: 10 },
    });
    await logs.start();
    queue = new CommandQueue<NodeResult>();
    channel = new CommandChannel({
      queue,
      transfers: new TransferStore({ dir: path.join(dir, 'transfers'), maxBytes: 1024 }),
      metrics: createCommandMetrics(registry),
      appendLogs: (lines) => logs.append(lines.map((line) => ({ ...line, ts: new Date(line.ts) }))),
      logger: silentLogger(),
    });
    // The node polls: it is connected.
    const controller = new AbortController();
    const first = queue.poll(NODE, controller.signal);
    controller.abort();
    await first;
  });

  afterAll(async () => {
    queue.stop();
    await logs.stop().catch(() => undefined);
    await run('umount', ['-l', mount]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  const exec = (logStream: string): Promise<ExecResult> =>
    channel.exec(NODE, parseExecRequest({ command: ['cat', 'big'], logStream }));

  it('stores the output while there is room', async () => {
    const answer = exec('before');
    await nodeAnswers(queue, big);
    const result = await answer;
    expect(result.outputNotStored).toBeUndefined();
    expect(await failures(registry)).toBe(0);
  });

  it('says the output is not stored when the store fails, and counts it; the caller still gets it', async () => {
    // Given the filesystem of the SQLite file full
    await writeFile(path.join(mount, 'filler'), Buffer.alloc(4 * 1024 * 1024)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    });
    // When a command with logStream ends with a large output
    const answer = exec('full');
    await nodeAnswers(queue, big);
    const result = await answer;
    // Then its answer carries the whole output, and says the log store refused it, with SQLite's reason
    expect(result.output).toBe(big);
    expect(result.outputNotStored).toMatch(/full/i);
    expect(await failures(registry)).toBe(1);
  });

  it('stores outputs again once there is room', async () => {
    await rm(path.join(mount, 'filler'));
    const answer = exec('after');
    await nodeAnswers(queue, big);
    expect((await answer).outputNotStored).toBeUndefined();
    expect(await failures(registry)).toBe(1);
  });
});
