// The `walt` commands added for WalT parity, built (dist/cli/main.js) and run against the run's real
// apiserver: ownership (acquire/release with a resourceVersion precondition), image rename, device
// forget/config, experiments (run --wait against a status the test writes, as the operator would),
// and the agent-backed commands (node run/cp, log show, checkpoints) against an agent API served by
// the test (cli-fake-agent.ts) that the WaltSegment's status.agent.apiUrl points at.
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { Experiment, WaltImage, WaltNode } from '../../api/v1alpha1/index.js';
import { EXIT } from '../../cli/exit-codes.js';
import { ensureCliBuilt, walt } from './cli-support.js';
import { publishFakeAgent, startFakeAgent, type FakeAgent } from './cli-fake-agent.js';
import { kubeConfig, testNamespace, uniqueName, type CommandResult } from './support/cluster.js';

const group = 'walt.dev';
const version = 'v1alpha1';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('walt CLI workflows', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('cliw-seg');
  const nodes: string[] = [];
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let agent: FakeAgent;
  let tmp: string;

  const run = (...args: string[]): Promise<CommandResult> => walt(['-n', ns.name, ...args], { cwd: tmp });
  const getNode = async (name: string): Promise<WaltNode | undefined> =>
    (await api
      .getClusterCustomObject({ group, version, plural: 'waltnodes', name })
      .catch(() => undefined)) as WaltNode | undefined;
  const createNode = async (spec: Record<string, unknown> = {}): Promise<string> => {
    const name = uniqueName('cliw-n');
    nodes.push(name);
    const mac = `02:01:00:${[1, 2, 3]
      .map(() =>
        Math.floor(Math.random() * 256)
          .toString(16)
          .padStart(2, '0'),
      )
      .join(':')}`;
    await api.createClusterCustomObject({
      group,
      version,
      plural: 'waltnodes',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'WaltNode',
        metadata: { name },
        spec: { mac, model: 'pc-x86-64', segment, ...spec },
      },
    });
    return name;
  };
  const patchStatus = (plural: string, name: string, status: Record<string, unknown>, namespace?: string) =>
    namespace
      ? api.patchNamespacedCustomObjectStatus(
          { group, version, plural, namespace, name, body: { status } },
          mergePatch,
        )
      : api.patchClusterCustomObjectStatus({ group, version, plural, name, body: { status } }, mergePatch);

  beforeAll(async () => {
    await ensureCliBuilt();
    ns = await testNamespace('cliw');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'walt-cli-'));
    agent = await startFakeAgent((_node, request) => {
      const [program, ...args] = request.command;
      if (program === 'test') return { exitCode: 1 }; // `test -d`: no such directory on the node
      if (program === 'exit') return { exitCode: Number(args[0]), output: `exiting ${args[0]}\n` };
      return { output: `${request.command.join(' ')}\n` };
    });
    await publishFakeAgent(agent, { segment, namespace: ns.name, bridge: 'cliw0', subnet: '10.98.0.0/24' });
  }, 180_000);

  afterAll(async () => {
    for (const name of nodes) {
      await api
        .deleteClusterCustomObject({ group, version, plural: 'waltnodes', name })
        .catch(() => undefined);
    }
    await api
      .deleteClusterCustomObject({ group, version, plural: 'waltsegments', name: segment })
      .catch(() => undefined);
    await agent?.close();
    await rm(tmp, { recursive: true, force: true });
    await ns.remove();
  });

  it('acquires free nodes and releases own ones, refusing the nodes of others', async () => {
    const free = await createNode();
    const taken = await createNode();
    await patchStatus('waltnodes', taken, { claimedBy: { namespace: 'someone-else', name: 'user' } });

    expect(await run('node', 'acquire', free)).toMatchObject({ code: 0 });
    expect((await getNode(free))?.status?.claimedBy).toEqual({ namespace: ns.name, name: 'user' });
    const [again, others, notMine] = await Promise.all([
      run('node', 'acquire', free),
      run('node', 'acquire', taken),
      run('node', 'release', taken),
    ]);
    expect(again.code).toBe(EXIT.conflict);
    expect(again.stderr).toContain('WALT_ERR_CLI_ALREADY_YOURS');
    expect(others.code).toBe(EXIT.conflict);
    expect(others.stderr).toContain('WALT_ERR_CLI_NOT_OWNED');
    expect(notMine.code).toBe(EXIT.conflict);

    await api.patchClusterCustomObject(
      { group, version, plural: 'waltnodes', name: free, body: { spec: { image: `${ns.name}/debian` } } },
      mergePatch,
    );
    expect(await run('node', 'release', free)).toMatchObject({ code: 0 });
    const released = await getNode(free);
    expect(released?.status?.claimedBy).toBeUndefined();
    expect(released?.spec.image).toBe('default');
  }, 120_000);

  it('renames images, refusing a taken name and an unknown image', async () => {
    const create = (name: string) =>
      api.createNamespacedCustomObject({
        group,
        version,
        plural: 'waltimages',
        namespace: ns.name,
        body: {
          apiVersion: `${group}/${version}`,
          kind: 'WaltImage',
          metadata: { name, labels: { team: 'a' } },
          spec: { ref: `registry.example.org/walt/${name}:1`, models: ['pc-x86-64'] },
        },
      });
    await create('img-a');
    await create('img-b');
    expect(await run('image', 'rename', 'img-a', 'img-c')).toMatchObject({ code: 0 });
    const renamed = (await api.getNamespacedCustomObject({
      group,
      version,
      plural: 'waltimages',
      namespace: ns.name,
      name: 'img-c',
    })) as WaltImage;
    expect(renamed.spec).toMatchObject({ ref: 'registry.example.org/walt/img-a:1', models: ['pc-x86-64'] });
    expect(renamed.metadata.labels).toEqual({ team: 'a' });
    const [taken, missing] = await Promise.all([
      run('image', 'rename', 'img-c', 'img-b'),
      run('image', 'rename', 'img-a', 'img-d'),
    ]);
    expect(taken.code).toBe(EXIT.conflict);
    expect(missing.code).toBe(EXIT.notFound);
  }, 120_000);

  it('configures devices and forgets them only when told to (no terminal to ask on)', async () => {
    const device = await createNode();
    expect(await run('device', 'config', device, 'netsetup=NAT')).toMatchObject({ code: 0 });
    expect((await getNode(device))?.spec.settings?.netsetup).toBe('NAT');
    const unconfirmed = await run('device', 'forget', device);
    expect(unconfirmed.code).toBe(EXIT.usage);
    expect(unconfirmed.stderr).toContain('WALT_ERR_CLI_CONFIRM');
    const forgotten = await run('device', 'forget', device, '--force');
    expect(forgotten.code).toBe(0);
    expect(forgotten.stderr).toContain('log lines');
    expect(await getNode(device)).toBeUndefined();
    expect((await run('device', 'forget', device, '--force')).code).toBe(EXIT.notFound);
  }, 120_000);

  it('runs experiments: applies the manifest, follows it to its end, exit code from its phase', async () => {
    const manifest = (name: string): string =>
      [
        'apiVersion: walt.dev/v1alpha1',
        'kind: Experiment',
        `metadata: {name: ${name}}`,
        'spec:',
        '  nodes: {names: [vn1]}',
        '  image: debian',
        '  steps:',
        '    - {name: hello, run: {command: [echo, hi]}}',
      ].join('\n');
    await writeFile(path.join(tmp, 'ok.yaml'), manifest('exp-ok'));
    await writeFile(path.join(tmp, 'ko.yaml'), manifest('exp-ko'));
    await writeFile(path.join(tmp, 'bad.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n');

    const succeeding = run('experiment', 'run', 'ok.yaml', '--wait', '--timeout', '60s');
    await sleep(3000);
    const exp = (name: string) =>
      api.getNamespacedCustomObject({
        group,
        version,
        plural: 'experiments',
        namespace: ns.name,
        name,
      }) as Promise<Experiment>;
    expect((await exp('exp-ok')).metadata.managedFields?.map((f) => f.manager)).toContain('walt-cli');
    await patchStatus(
      'experiments',
      'exp-ok',
      { phase: 'Running', steps: [{ name: 'hello', phase: 'Running' }] },
      ns.name,
    );
    await sleep(500);
    await patchStatus(
      'experiments',
      'exp-ok',
      {
        phase: 'Succeeded',
        steps: [{ name: 'hello', phase: 'Succeeded', results: [{ node: 'vn1', exitCode: 0 }] }],
      },
      ns.name,
    );
    const ok = await succeeding;
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('exp-ok: Succeeded');
    expect(ok.stdout).toContain('  vn1: exit 0');

    const failing = run('experiment', 'run', 'ko.yaml', '--wait', '--timeout', '60s');
    await sleep(3000);
    await patchStatus(
      'experiments',
      'exp-ko',
      { phase: 'Failed', message: 'step hello failed on vn1' },
      ns.name,
    );
    const ko = await failing;
    expect(ko.code).toBe(EXIT.failed);
    expect(ko.stderr).toContain('step hello failed on vn1');

    const [show, bad, missing] = await Promise.all([
      run('experiment', 'show'),
      run('experiment', 'run', 'bad.yaml'),
      run('experiment', 'run', 'nope.yaml'),
    ]);
    const rows = show.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s{3,}/));
    expect(rows[0]).toEqual(['NAME', 'PHASE', 'NODES', 'STEP', 'AGE']);
    expect(rows).toContainEqual(expect.arrayContaining(['exp-ok', 'Succeeded', 'vn1', 'hello (1/1)']));
    expect(bad.code).toBe(EXIT.usage);
    expect(missing.code).toBe(EXIT.usage);
  }, 120_000);

  it('runs commands on nodes through the agent, with their exit status', async () => {
    const a = await createNode();
    const b = await createNode();
    const one = await run('node', 'run', a, '--', 'uname', '-a');
    expect(one).toMatchObject({ code: 0, stdout: 'uname -a\n' });
    expect(agent.execs.at(-1)).toMatchObject({
      node: a,
      request: { command: ['uname', '-a'], timeoutSeconds: 300 },
    });
    expect((await run('node', 'run', a, 'exit', '3')).code).toBe(3);
    const both = await run('node', 'run', `${a},${b}`, 'exit', '0');
    expect(both.stdout).toBe(`=== ${a} ===\nexiting 0\n=== ${b} ===\nexiting 0\n`);
    expect((await run('node', 'run', 'ghost-node', 'true')).code).toBe(EXIT.notFound);
  }, 120_000);

  it('copies files to and from nodes as tar archives', async () => {
    const node = await createNode();
    await mkdir(path.join(tmp, 'data'), { recursive: true });
    await writeFile(path.join(tmp, 'data', 'f.txt'), 'hello node\n');
    const to = await run('node', 'cp', 'data', `${node}:/tmp/copy`);
    expect(to.code).toBe(0);
    // Not a directory on the node: the archive goes to /tmp, its top entry renamed
    expect([...agent.files.keys()]).toContain(`${node}:/tmp`);
    const from = await run('node', 'cp', `${node}:/tmp/copy`, 'back');
    expect(from.code).toBe(0);
    expect(await readFile(path.join(tmp, 'back', 'f.txt'), 'utf8')).toBe('hello node\n');
    expect((await run('node', 'cp', 'data', 'elsewhere')).code).toBe(EXIT.usage);
  }, 120_000);

  it('shows logs and manages checkpoints through the agents of the segments', async () => {
    const node = await createNode();
    const t0 = Date.now();
    agent.append({
      issuer: node,
      stream: 'walt-init',
      line: 'Starting up.',
      ts: new Date(t0 - 60_000).toISOString(),
    });
    agent.append({ issuer: node, stream: 'app', line: 'result=42', ts: new Date(t0 - 30_000).toISOString() });
    agent.append({ issuer: 'other', stream: 'app', line: 'noise', ts: new Date(t0 - 20_000).toISOString() });

    const all = await run(
      'log',
      'show',
      '--history',
      '-5m:',
      '--issuers',
      node,
      '--format',
      '{issuer} {stream} -> {line}',
    );
    expect(all).toMatchObject({
      code: 0,
      stdout: `${node} walt-init -> Starting up.\n${node} app -> result=42\n`,
    });
    const filtered = await run(
      'log',
      'show',
      '--history',
      'full',
      '--issuers',
      `${node},other`,
      '--streams',
      '^app$',
      '--format',
      '{line}',
    );
    expect(filtered.stdout).toBe('result=42\nnoise\n');

    const cp = await run('log', 'add-checkpoint', 'cp1', '--date', '-45s');
    expect(cp.code).toBe(0);
    expect(agent.checkpoints).toContainEqual(expect.objectContaining({ name: 'cp1', owner: ns.name }));
    const since = await run('log', 'show', '--history', 'cp1:', '--issuers', node, '--format', '{line}');
    expect(since.stdout).toBe('result=42\n');
    const list = await run('log', 'list-checkpoints');
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+TIMESTAMP$/);
    expect(list.stdout).toContain('cp1');
    const [badName, noRange, badRange] = await Promise.all([
      run('log', 'add-checkpoint', '-x'),
      run('log', 'show'),
      run('log', 'show', '--history', 'yesterday'),
    ]);
    expect(badName.code).toBe(EXIT.usage);
    expect(noRange.code).toBe(EXIT.usage);
    expect(badRange.code).toBe(EXIT.usage);
    expect((await run('log', 'remove-checkpoint', 'cp1')).code).toBe(0);
    expect((await run('log', 'remove-checkpoint', 'cp1')).code).toBe(EXIT.notFound);

    const waiting = run('log', 'wait', 'ready', '--issuers', node, '--timeout', '30s', '--format', '{line}');
    await sleep(2000);
    agent.append({ issuer: node, stream: 'app', line: 'service ready' });
    expect(await waiting).toMatchObject({ code: 0, stdout: 'service ready\n' });
    expect((await run('log', 'wait', 'never', '--issuers', node, '--timeout', '1s')).code).toBe(EXIT.timeout);
  }, 120_000);
});
