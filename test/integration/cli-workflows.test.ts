// The `walt` commands added for WalT parity, built (dist/cli/main.js) and run against the run's real
// apiserver and the REAL boot agent of a lab (test/support/cli-lab.ts: agents/main.ts in its network
// namespace as its segment's ServiceAccount, the operator, a registry, and one simulated machine running
// the real node scripts with an address from the agent's DHCP): ownership (acquire/release with a
// resourceVersion precondition), image rename and pull, device forget/config, node boot/wait on the
// statuses the agent writes from the machine's bootup, experiments run to their end by the operator,
// commands and files on the machine through the agent, logs and checkpoints in the agent's log store.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { WaltImage, WaltNode } from '../../api/v1alpha1/index.js';
import { connectAgent } from '../../client/agent.js';
import { EXIT } from '../../cli/exit-codes.js';
import { formatSize } from '../../cli/output.js';
import { LAB_IMAGE, startCliLab, type CliLab } from '../support/cli-lab.js';
import { ensureCliBuilt, walt } from './cli-support.js';
import { kubeConfig, testNamespace, uniqueName, type CommandResult } from './support/cluster.js';

const group = 'walt.dev';
const version = 'v1alpha1';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('walt CLI workflows', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('cliw-seg');
  const nodes: string[] = [];
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  const machine = uniqueName('cliw-m');
  const second = uniqueName('cliw-m2');
  let lab: CliLab;
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
    // The lab relays the agent's API to loopback: the CLI (a child) may send its token there.
    process.env.WALT_AGENT_URL_ALLOW_LOOPBACK = '1';
    lab = await startCliLab({
      kc,
      namespace: ns.name,
      segment,
      netns: `wcliw-${process.pid}`,
      prefix: '10.98.0',
      node: machine,
      machines: [second],
      dir: path.join(tmp, 'lab'),
    });
  }, 300_000);

  afterAll(async () => {
    for (const name of nodes) {
      await api
        .deleteClusterCustomObject({ group, version, plural: 'waltnodes', name })
        .catch(() => undefined);
    }
    await lab?.stop();
    await rm(tmp, { recursive: true, force: true });
    await ns.remove();
  }, 120_000);

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
          // The lab's registry (on loopback): the operator resolves what the test creates.
          spec: {
            ref: `${lab.lab.registry.host}/walt/${name}:1`,
            models: ['pc-x86-64'],
            insecureRegistry: true,
          },
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
    expect(renamed.spec).toMatchObject({
      ref: `${lab.lab.registry.host}/walt/img-a:1`,
      models: ['pc-x86-64'],
    });
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

  const machineNode = async (): Promise<WaltNode> => (await getNode(machine))!;
  /** Resolves `promise`'s value, or undefined if it has not settled after `ms` (a poll period). */
  const within = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> =>
    Promise.race([promise, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);

  it('boots the machine on an image and waits until the agent saw it boot that image', async () => {
    const lonely = await createNode();
    const timedOut = await run('node', 'wait', lonely, '--timeout', '1s');
    expect(timedOut.code).toBe(EXIT.timeout);
    expect(timedOut.stderr).toContain(`${lonely} (no status yet)`);

    const bootsBefore = lab.node.boots;
    expect(await run('node', 'acquire', machine)).toMatchObject({ code: 0 });
    // Nobody power-cycles the machine yet: it still runs the default image, so it is not booted as asked
    lab.node.hold();
    expect(await run('node', 'boot', machine, LAB_IMAGE)).toMatchObject({ code: 0 });
    const notYet = await run('node', 'wait', machine, '--timeout', '2s');
    expect(notYet).toMatchObject({ code: EXIT.timeout, stdout: '' });
    expect(notYet.stderr).toContain(
      `waiting for ${machine} (still on walt-system/pc-x86-64-default) to be Ready`,
    );
    expect(lab.node.boots).toBe(bootsBefore);
    lab.node.resume();
    const waited = await run('node', 'wait', machine, '--timeout', '180s');
    // Read right after the wait: what `walt node wait` saw is what the agent wrote from the bootup.
    const node = await machineNode();
    lab.node.check();
    expect(waited).toMatchObject({ code: 0, stdout: `${machine}: Ready (${lab.node.ip})\n` });
    expect(node.status?.bootedImage?.name).toBe(`${ns.name}/${LAB_IMAGE}`);
    expect(lab.node.boots).toBeGreaterThan(bootsBefore);
    const writers = (node.metadata.managedFields ?? []).filter((f) => f.subresource === 'status');
    expect(writers.map((f) => f.manager)).toContain(`walt-agent-${segment}`);
    expect(await run('node', 'release', machine)).toMatchObject({ code: 0 });
  }, 300_000);

  it('runs experiments to their end on the machine, with the exit code from their phase', async () => {
    const manifest = (name: string, command: string[]): string =>
      [
        'apiVersion: walt.dev/v1alpha1',
        'kind: Experiment',
        `metadata: {name: ${name}}`,
        'spec:',
        `  nodes: {names: [${machine}]}`,
        `  image: ${LAB_IMAGE}`,
        '  steps:',
        `    - {name: hello, run: {command: ${JSON.stringify(command)}}}`,
      ].join('\n');
    await writeFile(path.join(tmp, 'ok.yaml'), manifest('exp-ok', ['echo', 'hi']));
    await writeFile(path.join(tmp, 'ko.yaml'), manifest('exp-ko', ['sh', '-c', 'exit 3']));
    await writeFile(path.join(tmp, 'bad.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n');

    const ok = await run('experiment', 'run', 'ok.yaml', '--wait', '--timeout', '240s');
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    // Progress lines as the operator moves it (a watch may coalesce some), then its end
    const okLines = ok.stdout.trimEnd().split('\n');
    expect(okLines[0]).toBe(`experiment ${ns.name}/exp-ok applied`);
    expect(okLines).toContain(`exp-ok: Booting (claimed ${machine}; booting ${ns.name}/${LAB_IMAGE})`);
    expect(okLines).toContain(`  ${machine}: exit 0`);
    expect(okLines.at(-1)).toBe('exp-ok: Succeeded (all 1 steps succeeded)');
    const exp: unknown = await api.getNamespacedCustomObject({
      group,
      version,
      plural: 'experiments',
      namespace: ns.name,
      name: 'exp-ok',
    });
    expect((exp as { metadata: k8s.V1ObjectMeta }).metadata.managedFields?.map((f) => f.manager)).toContain(
      'walt-cli',
    );

    const ko = await run('experiment', 'run', 'ko.yaml', '--wait', '--timeout', '240s');
    expect(ko).toMatchObject({ code: EXIT.failed });
    const koLines = ko.stdout.trimEnd().split('\n');
    expect(koLines).toContain(`  ${machine}: exit 3 (exit code 3, expected 0)`);
    expect(koLines.at(-1)).toBe(
      `exp-ko: Failed (run step hello failed: ${machine}: exit code 3, expected 0)`,
    );
    expect(ko.stderr).toBe(
      `error: experiment ${ns.name}/exp-ko failed: run step hello failed: ${machine}: exit code 3, expected 0 [WALT_ERR_CLI_EXPERIMENT_FAILED]\n`,
    );

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
    expect(rows).toContainEqual(expect.arrayContaining(['exp-ok', 'Succeeded', machine, 'hello (1/1)']));
    expect(rows).toContainEqual(expect.arrayContaining(['exp-ko', 'Failed', machine]));
    expect(bad.code).toBe(EXIT.usage);
    expect(missing.code).toBe(EXIT.usage);
  }, 600_000);

  it('runs commands on the machine through the agent, with their exit status', async () => {
    const here = await promisify(execFile)('uname', ['-a']);
    const one = await run('node', 'run', machine, '--', 'uname', '-a');
    // The machine is this host: the same kernel answers
    expect(one).toMatchObject({ code: 0, stdout: here.stdout });
    const where = await run('node', 'run', machine, '--', 'sh', '-c', 'echo "$WALT_API"');
    expect(where.stdout).toBe(`http://${lab.net.serverIp}/api/v1/nodes/${machine}\n`);
    const both = await run('node', 'run', `${machine},${second}`, '--', 'sh', '-c', 'echo "$WALT_API"');
    const nodeApi = (name: string): string => `http://${lab.net.serverIp}/api/v1/nodes/${name}`;
    expect(both).toMatchObject({
      code: 0,
      stdout: `=== ${machine} ===\n${nodeApi(machine)}\n=== ${second} ===\n${nodeApi(second)}\n`,
    });
    const three = await run('node', 'run', machine, '--', 'sh', '-c', 'echo exiting; exit 3');
    expect(three).toMatchObject({ code: 3, stdout: 'exiting\n' });
    expect((await run('node', 'run', 'ghost-node', 'true')).code).toBe(EXIT.notFound);
  }, 120_000);

  it('copies files to and from the machine as tar archives, at the paths asked for', async () => {
    // The machine's filesystem is this host's: its part for this test is under tmp/
    const onNode = path.join(tmp, 'node-fs');
    await mkdir(onNode, { recursive: true });
    await writeFile(path.join(onNode, 'other.txt'), 'another file\n');
    await mkdir(path.join(tmp, 'data'), { recursive: true });
    await writeFile(path.join(tmp, 'data', 'f.txt'), 'hello node\n');

    // Not a directory on the node: the archive goes to its parent, its top entry renamed
    expect(await run('node', 'cp', 'data', `${machine}:${onNode}/copy`)).toMatchObject({ code: 0 });
    expect(await readFile(path.join(onNode, 'copy', 'f.txt'), 'utf8')).toBe('hello node\n');
    expect(await run('node', 'cp', `${machine}:${onNode}/copy`, 'back')).toMatchObject({ code: 0 });
    expect(await readFile(path.join(tmp, 'back', 'f.txt'), 'utf8')).toBe('hello node\n');
    expect(await run('node', 'cp', `${machine}:${onNode}/other.txt`, 'other.txt')).toMatchObject({
      code: 0,
    });
    expect(await readFile(path.join(tmp, 'other.txt'), 'utf8')).toBe('another file\n');
    // The node's tar fails on a missing path: the agent says so (422), with tar's words
    const missing = await run('node', 'cp', `${machine}:${onNode}/nothing-here`, 'nothing');
    expect(missing).toMatchObject({ code: EXIT.usage, stdout: '' });
    expect(missing.stderr).toContain('[WALT_ERR_NODE_FILES_FAILED]');
    expect(missing.stderr).toContain('nothing-here');
    expect((await run('node', 'cp', 'data', 'elsewhere')).code).toBe(EXIT.usage);
  }, 120_000);

  it('pulls an image from a registry: the operator resolves it, or says why it cannot', async () => {
    const pulled = await run(
      'image',
      'pull',
      lab.imageRef,
      '--name',
      'pulled',
      '--insecure',
      '--timeout',
      '120s',
    );
    expect(pulled.code).toBe(0);
    // Not a terminal: plain lines, the last one the result
    expect(pulled.stdout.trim().split('\n').pop()).toBe(
      `pulled: Ready (${lab.imageDigest.slice(0, 'sha256:'.length + 12)}, pc-x86-64, ${formatSize(lab.imageSize)})`,
    );
    const image = (await api.getNamespacedCustomObject({
      group,
      version,
      plural: 'waltimages',
      namespace: ns.name,
      name: 'pulled',
    })) as WaltImage;
    expect(image.spec).toMatchObject({ ref: lab.imageRef, insecureRegistry: true });
    expect(image.status?.digest).toBe(lab.imageDigest);

    const ghost = `${lab.lab.registry.host}/walt/ghost:1`;
    const failed = await run('image', 'pull', ghost, '--name', 'ghost', '--insecure', '--timeout', '120s');
    expect(failed.code).toBe(EXIT.failed);
    expect(failed.stderr).toContain('ghost');
  }, 300_000);

  it('shows logs and manages checkpoints in the agent’s log store', async () => {
    const t0 = Date.now();
    await lab.node.logEcho('walt-init', 'Starting up.', new Date(t0 - 60_000));
    await lab.node.logEcho('app', 'result=42', new Date(t0 - 30_000));
    await lab.node.logEcho('app7', 'digit stream', new Date(t0 - 25_000));
    const agent = await connectAgent(kc, segment, { urlPolicy: { allowLoopback: true } });
    await agent.appendLogs([
      { issuer: 'other', stream: 'app', line: 'noise', ts: new Date(t0 - 20_000).toISOString() },
    ]);

    const all = await run(
      'log',
      'show',
      '--history',
      '-5m:',
      '--issuers',
      machine,
      '--streams',
      '^(walt-init|app)',
      '--format',
      '{issuer} {stream} -> {line}',
    );
    expect(all).toMatchObject({
      code: 0,
      stdout: `${machine} walt-init -> Starting up.\n${machine} app -> result=42\n${machine} app7 -> digit stream\n`,
    });
    const show = (...args: string[]) => run('log', 'show', '--format', '{line}', ...args);
    const filtered = await show('--history', 'full', '--issuers', `${machine},other`, '--streams', '^app$');
    expect(filtered).toMatchObject({ code: 0, stdout: 'result=42\nnoise\n' });
    // The store's regexes: JavaScript syntax (Unicode mode) run by RE2. A POSIX class is refused, by the
    // CLI as by the agent, never read as JavaScript without the u flag reads it (a silent mismatch)
    const js = await show('--history', 'full', '--issuers', machine, '--streams', '^app\\d$');
    expect(js).toMatchObject({ code: 0, stdout: 'digit stream\n' });
    const posix = await show('--history', 'full', '--issuers', machine, '--streams', '^app[[:digit:]]$');
    expect(posix).toMatchObject({ code: EXIT.usage, stdout: '' });
    expect(posix.stderr).toContain('[WALT_ERR_CLI_BAD_REGEX]');
    const refused = async (): Promise<void> => {
      for await (const line of agent.queryLogs({ stream: '^app[[:digit:]]$' })) void line;
    };
    await expect(refused()).rejects.toMatchObject({ code: 'WALT_ERR_LOGS_BAD_REGEX' });

    expect(await run('log', 'add-checkpoint', 'cp1', '--date', '-45s')).toMatchObject({ code: 0 });
    const kept = await agent.listCheckpoints(ns.name);
    expect(kept.map((c) => c.name)).toEqual(['cp1']);
    const since = await show('--history', 'cp1:', '--issuers', machine, '--streams', '^(walt-init|app)');
    expect(since.stdout).toBe('result=42\ndigit stream\n');
    const until = await show('--history', ':cp1', '--issuers', machine, '--streams', '^(walt-init|app)');
    expect(until.stdout).toBe('Starting up.\n');
    const list = await run('log', 'list-checkpoints');
    expect(list).toMatchObject({ code: 0, stderr: '' });
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TIMESTAMP$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['cp1']);
    const [badName, noRange, badRange] = await Promise.all([
      run('log', 'add-checkpoint', '-x'),
      run('log', 'show'),
      run('log', 'show', '--history', 'yesterday'),
    ]);
    expect(badName.code).toBe(EXIT.usage);
    expect(noRange.code).toBe(EXIT.usage);
    expect(badRange.code).toBe(EXIT.usage);
    expect((await run('log', 'remove-checkpoint', 'cp1')).code).toBe(0);
    expect(await agent.listCheckpoints(ns.name)).toEqual([]);
    expect((await run('log', 'remove-checkpoint', 'cp1')).code).toBe(EXIT.notFound);
  }, 120_000);

  it('waits for a log line from the machine, or times out', async () => {
    const waiting = run(
      'log',
      'wait',
      '^service\\sready$',
      '--issuers',
      machine,
      '--timeout',
      '90s',
      '--format',
      '{stream} {line}',
    );
    // The machine says it until the CLI, following the agent, has seen it (at most 60 times).
    let result: CommandResult | undefined;
    for (let i = 0; i < 60 && result === undefined; i += 1) {
      await lab.node.logEcho('app', 'service ready');
      result = await within(waiting, 1000);
    }
    expect(await waiting).toEqual({ code: 0, stdout: 'app service ready\n', stderr: '' });
    // --mode ALL: until each machine has said it (both say it each round, at most 60 rounds)
    const all = run(
      ...['log', 'wait', '^all ready$', '--mode', 'ALL', '--timeout', '90s'],
      ...['--issuers', `${machine},${second}`],
    );
    let allDone: CommandResult | undefined;
    for (let i = 0; i < 60 && allDone === undefined; i += 1) {
      await Promise.all(lab.nodes.map((n) => n.logEcho('app', 'all ready')));
      allDone = await within(all, 1000);
    }
    const waited = await all;
    expect(waited).toMatchObject({ code: 0, stderr: '' });
    const issuers = waited.stdout
      .trimEnd()
      .split('\n')
      .map((l) => /^\S+ (\S+)\.app -> all ready$/.exec(l)?.[1]);
    expect(new Set(issuers)).toEqual(new Set([machine, second]));
    const never = await run('log', 'wait', 'never', '--issuers', machine, '--timeout', '1s');
    expect(never.code).toBe(EXIT.timeout);
  }, 120_000);
});
