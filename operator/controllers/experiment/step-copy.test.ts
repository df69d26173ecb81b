import type { AgentOperations } from '../../../api/agent/v1.js';
import type { Experiment } from '../../../api/v1alpha1/index.js';
import { agentResolver } from './agent-of-node.js';
import type { ConfigMapStore } from './configmaps.js';
import { copyStepTask } from './step-copy.js';
import { checkpointStepTask } from './step-checkpoint.js';
import type { StepNodeResult } from './tasks.js';

const experiment = { metadata: { name: 'exp', namespace: 'lab', uid: 'u1' } } as Experiment;
const ctx = (reported: StepNodeResult[]) => ({
  signal: new AbortController().signal,
  report: (r: StepNodeResult) => reported.push(r),
});

function fakes(tar = Buffer.from('tar-bytes')) {
  const puts: Array<[string, string, Buffer]> = [];
  const saved: Array<[string, Buffer]> = [];
  const checkpoints: Array<[string, unknown]> = [];
  const agentOf = (segment: string) =>
    ({
      segment,
      putFiles: (node: string, dir: string, body: Buffer) => (
        puts.push([node, dir, body]),
        Promise.resolve({ bytes: body.length })
      ),
      getFiles: () => Promise.resolve(tar),
      addCheckpoint: (c: unknown) => (checkpoints.push([segment, c]), Promise.resolve()),
    }) as unknown as AgentOperations;
  const configMaps: ConfigMapStore = {
    readKey: (_ns, name, key) => Promise.resolve(Buffer.from(`${name}:${key}`)),
    saveFiles: (_owner, name, body) => (saved.push([name, body]), Promise.resolve()),
  };
  const segments: Record<string, string> = { vn1: 'a', vn2: 'a', vn3: 'b' };
  const agents = agentResolver(
    (s) => Promise.resolve(agentOf(s)),
    (n) => segments[n] ?? 'x',
  );
  return { puts, saved, checkpoints, agents, configMaps };
}

describe('copy steps', () => {
  it('toNode sends a one-file tar of the ConfigMap value into the destination directory', async () => {
    const f = fakes();
    const reported: StepNodeResult[] = [];
    const body = copyStepTask({
      experiment,
      step: 'conf',
      copy: { direction: 'toNode', source: 'configmap:app/conf.json', destination: '/etc/app/app.json' },
      nodes: ['vn1'],
      agents: f.agents,
      configMaps: f.configMaps,
      now: () => 0,
    });
    expect(await body(ctx(reported))).toEqual({ ok: true, results: [] });
    const [node, dir, tar] = f.puts[0]!;
    expect([node, dir]).toEqual(['vn1', '/etc/app']);
    expect(tar.subarray(0, 8).toString()).toBe('app.json');
    expect(tar.subarray(512, 512 + 16).toString()).toBe('app:conf.json\0\0\0');
    expect(reported[0]!.message).toBe('copied 13 bytes to /etc/app/app.json');
  });

  it('toNode refuses a source that is not a ConfigMap', async () => {
    const f = fakes();
    const body = copyStepTask({
      experiment,
      step: 'conf',
      copy: { direction: 'toNode', source: '/etc/passwd', destination: '/tmp/x' },
      nodes: ['vn1'],
      agents: f.agents,
      configMaps: f.configMaps,
    });
    await expect(body(ctx([]))).rejects.toMatchObject({ code: 'WALT_ERR_EXPERIMENT_COPY_SOURCE' });
  });

  it('fromNode keeps each node’s tar in its own ConfigMap, and refuses archives over 900 KiB', async () => {
    const f = fakes();
    const reported: StepNodeResult[] = [];
    const copy = { direction: 'fromNode' as const, source: '/var/log/app', destination: 'logs' };
    const body = copyStepTask({
      experiment,
      step: 'fetch',
      copy,
      nodes: ['vn1'],
      agents: f.agents,
      configMaps: f.configMaps,
    });
    expect((await body(ctx(reported))).ok).toBe(true);
    expect(f.saved).toEqual([['exp-fetch-vn1', Buffer.from('tar-bytes')]]);

    const big = fakes(Buffer.alloc(901 * 1024));
    const tooBig: StepNodeResult[] = [];
    const refused = copyStepTask({
      experiment,
      step: 'fetch',
      copy,
      nodes: ['vn1'],
      agents: big.agents,
      configMaps: big.configMaps,
    });
    expect(await refused(ctx(tooBig))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^vn1: WALT_ERR_EXPERIMENT_FILES_TOO_LARGE: /) as string,
    });
    expect(tooBig[0]!.message).toMatch(/^WALT_ERR_EXPERIMENT_FILES_TOO_LARGE: /);
    expect(big.saved).toEqual([]);
  });
});

describe('checkpoint steps', () => {
  it('adds the checkpoint once per segment, owned by the namespace', async () => {
    const f = fakes();
    const reported: StepNodeResult[] = [];
    const body = checkpointStepTask({
      name: 'after-uname',
      owner: 'lab',
      nodes: ['vn1', 'vn2', 'vn3'],
      agents: f.agents,
    });
    expect(await body(ctx(reported))).toEqual({ ok: true, results: [] });
    expect(f.checkpoints).toEqual([
      ['a', { name: 'after-uname', owner: 'lab' }],
      ['b', { name: 'after-uname', owner: 'lab' }],
    ]);
    expect(reported).toHaveLength(3);
  });
});
