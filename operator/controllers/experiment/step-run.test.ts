import type { AgentOperations, ExecRequest, ExecResult } from '../../../api/agent/v1.js';
import { agentResolver } from './agents.js';
import { runResult, runStepTask } from './step-run.js';
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
    });
    const outcome = await body({ signal: new AbortController().signal, report: (r) => reported.push(r) });
    expect(outcome.ok).toBe(false);
    expect(reported[0]!.message).toMatch(/^WALT_ERR_EXPERIMENT_NO_AGENT: /);
  });
});
