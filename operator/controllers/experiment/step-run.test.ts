import type { AgentOperations, ExecRequest, ExecResult } from '../../../api/agent/v1.js';
import { agentResolver } from './agent-of-node.js';
import { WaltError } from '../../../common/errors.js';
import { ERR_AGENT_UNREACHABLE } from '../../../client/errors.js';
import { resumeRunStepTask, runResult, runStepTask } from './step-run.js';
import type { StepNodeResult } from './tasks.js';

const answer = (over: Partial<ExecResult>): ExecResult => ({
  exitCode: 0,
  output: 'ok\n',
  truncatedBytes: 0,
  timedOut: false,
  durationMs: 1200,
  ...over,
});

describe('runResult', () => {
  it('passes on the expected exit code', () => {
    expect(runResult('vn1', answer({}), 0)).toEqual({ node: 'vn1', exitCode: 0, output: 'ok\n', ok: true });
  });
  it('fails on another exit code, or a timeout', () => {
    expect(runResult('vn1', answer({ exitCode: 3 }), 0)).toMatchObject({
      ok: false,
      message: 'exit code 3, expected 0',
    });
    expect(runResult('vn1', answer({ exitCode: null, timedOut: true, durationMs: 60_000 }), 0)).toMatchObject(
      {
        ok: false,
        message: 'the command timed out after 60 s',
      },
    );
  });
});

describe('runStepTask', () => {
  it('runs on every node at once with the step settings, and reports each node', async () => {
    const calls: Array<[string, ExecRequest]> = [];
    const agent = {
      segment: 'lab',
      exec: (node: string, request: ExecRequest) => {
        calls.push([node, request]);
        return Promise.resolve(answer({ exitCode: node === 'vn2' ? 1 : 0 }));
      },
    } as unknown as AgentOperations;
    const reported: StepNodeResult[] = [];
    const body = runStepTask({
      run: { command: ['sh', '-c', 'true'], expectExitCode: 0, timeout: '2m' },
      nodes: ['vn1', 'vn2'],
      logStream: 'experiment.lab.exp.s',
      agents: agentResolver(
        () => Promise.resolve(agent),
        () => 'lab',
      ),
      commandId: 'exp-1',
    });
    const outcome = await body({ signal: new AbortController().signal, report: (r) => reported.push(r) });
    expect(outcome).toEqual({ ok: false, results: [], message: 'vn2: exit code 1, expected 0' });
    expect(calls[0]).toEqual([
      'vn1',
      {
        command: ['sh', '-c', 'true'],
        timeoutSeconds: 120,
        connectTimeoutSeconds: 120,
        logStream: 'experiment.lab.exp.s',
        id: 'exp-1',
      },
    ]);
    expect(reported.map((r) => [r.node, r.exitCode])).toEqual([
      ['vn1', 0],
      ['vn2', 1],
    ]);
  });

  it('fails every node with WALT_ERR_EXPERIMENT_NO_AGENT without an agent client', async () => {
    const reported: StepNodeResult[] = [];
    const body = runStepTask({
      run: { command: ['true'], expectExitCode: 0, timeout: '1m' },
      nodes: ['vn1'],
      logStream: 's',
      agents: agentResolver(undefined, () => 'lab'),
      commandId: 'exp-1',
    });
    const outcome = await body({ signal: new AbortController().signal, report: (r) => reported.push(r) });
    expect(outcome.ok).toBe(false);
    expect(reported[0]!.message).toMatch(/^WALT_ERR_EXPERIMENT_NO_AGENT: /);
  });
});

describe('runStepTask when the agent cannot be reached, and resumeRunStepTask', () => {
  const unreachable = (): Error => ERR_AGENT_UNREACHABLE('lab', 'http://agent/exec', 'ECONNRESET');

  it('sends once, then re-attaches by the command id until the agent answers', async () => {
    // Given an agent that drops the exec's connection, then cannot be reached once, then answers
    const calls: string[] = [];
    let attaches = 0;
    const agent = {
      segment: 'lab',
      exec: (_node: string, request: ExecRequest) => {
        calls.push(`exec ${request.id}`);
        return Promise.reject(unreachable());
      },
      attachExec: (_node: string, id: string) => {
        calls.push(`attach ${id}`);
        return ++attaches === 1 ? Promise.reject(unreachable()) : Promise.resolve(answer({}));
      },
    } as unknown as AgentOperations;
    const retried: string[] = [];
    const body = runStepTask({
      run: { command: ['true'], expectExitCode: 0, timeout: '1m' },
      nodes: ['vn1'],
      logStream: 's',
      agents: agentResolver(
        () => Promise.resolve(agent),
        () => 'lab',
      ),
      commandId: 'exp-2',
      onRetry: (node) => retried.push(node),
    });
    // When the step runs
    const outcome = await body({ signal: new AbortController().signal, report: () => undefined });
    // Then the command was sent once and its result came from the second attach
    expect(outcome.ok).toBe(true);
    expect(calls).toEqual(['exec exp-2', 'attach exp-2', 'attach exp-2']);
    expect(retried).toEqual(['vn1', 'vn1']);
  }, 15_000);

  it('waits for a restarted agent that has no token yet, then attaches (never sends again)', async () => {
    // Given an agent lost while the command ran, restarted and still loading its token
    const calls: string[] = [];
    const starting = (): Error =>
      new WaltError('WALT_ERR_HTTP_TOKEN_NOT_READY', 'the agent has no API token yet', 503);
    let attaches = 0;
    const agent = {
      segment: 'lab',
      exec: () => Promise.reject(new Error('must not send again')),
      attachExec: (_node: string, id: string) => {
        calls.push(`attach ${id}`);
        return ++attaches === 1 ? Promise.reject(starting()) : Promise.resolve(answer({}));
      },
    } as unknown as AgentOperations;
    const reported: StepNodeResult[] = [];
    const body = resumeRunStepTask(
      {
        run: { command: ['true'], expectExitCode: 0, timeout: '1m' },
        nodes: ['vn1'],
        logStream: 's',
        agents: agentResolver(
          () => Promise.resolve(agent),
          () => 'lab',
        ),
        commandId: 'exp-4',
      },
      [],
    );
    // When the step is resumed
    const outcome = await body({ signal: new AbortController().signal, report: (r) => reported.push(r) });
    // Then the 503 was waited out and the result came from the second attach
    expect(outcome.ok).toBe(true);
    expect(calls).toEqual(['attach exp-4', 'attach exp-4']);
  }, 15_000);

  it('resumes: recorded results stay, the other nodes are attached to, never sent again', async () => {
    const calls: string[] = [];
    const agent = {
      segment: 'lab',
      exec: () => Promise.reject(new Error('must not send again')),
      attachExec: (node: string, id: string) => {
        calls.push(`${node} ${id}`);
        return node === 'vn2'
          ? Promise.resolve(answer({ exitCode: 0 }))
          : Promise.reject(new WaltError('WALT_ERR_COMMAND_LOST', 'the agent has no record', 404));
      },
    } as unknown as AgentOperations;
    const reported: StepNodeResult[] = [];
    const body = resumeRunStepTask(
      {
        run: { command: ['true'], expectExitCode: 0, timeout: '1m' },
        nodes: ['vn1', 'vn2', 'vn3'],
        logStream: 's',
        agents: agentResolver(
          () => Promise.resolve(agent),
          () => 'lab',
        ),
        commandId: 'exp-3',
      },
      [{ node: 'vn1', exitCode: 0, output: 'before the restart\n' }],
    );
    const outcome = await body({ signal: new AbortController().signal, report: (r) => reported.push(r) });
    expect(calls.sort()).toEqual(['vn2 exp-3', 'vn3 exp-3']);
    expect(reported.map((r) => r.node).sort()).toEqual(['vn1', 'vn2', 'vn3']);
    expect(reported.find((r) => r.node === 'vn3')!.message).toMatch(/^WALT_ERR_COMMAND_LOST: /);
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(/^vn3: WALT_ERR_COMMAND_LOST/);
  });
});
