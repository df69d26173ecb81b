// The `walt` command against the run's real apiserver, as a user runs it: a child process (the built
// dist/cli/main.js, see cli-support.ts) reading KUBECONFIG. No operator, agent or qemu: the tests write the statuses those
// would write (phase Ready, image resolution), through the status subresource.
import { REBOOT_REQUESTED_AT_ANNOTATION } from '../../api/node/index.js';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { WaltImage, WaltNode } from '../../api/v1alpha1/index.js';
import { EXIT } from '../../cli/exit-codes.js';
import {
  startApiserverRecorder,
  watchOf,
  type ApiserverRecorder,
  type RecordedRequest,
} from '../support/apiserver-recorder.js';
import { ensureCliBuilt, walt } from './cli-support.js';
import { kubeConfig, testNamespace, uniqueName, type CommandResult } from './support/cluster.js';

const group = 'walt.dev';
const version = 'v1alpha1';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const at = '2026-01-01T00:00:00Z';

/** The rows of a table printed by the CLI: cells split on runs of 3+ spaces. */
function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.split(/\s{3,}/));
}

describe('walt CLI', () => {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('cli-seg');
  const physical = uniqueName('cli-pi');
  const discovered = uniqueName('cli-dev');
  const created: string[] = [];
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  const run = (...args: string[]): Promise<CommandResult> => walt(['-n', ns.name, ...args]);
  let recorder: ApiserverRecorder;
  /**
   * `walt` through the recording relay, and a wait for its watch: the test changes what it waits
   * for only once the command is watching (no sleep that a slow start outlasts, and a command that
   * only ever read the final state would not pass).
   */
  const watching = (
    plural: string,
    match: (r: RecordedRequest) => boolean,
    ...args: string[]
  ): { result: Promise<CommandResult>; watching: Promise<RecordedRequest> } => {
    const since = recorder.mark();
    let ended: CommandResult | undefined;
    const result = walt(['-n', ns.name, ...args], { env: { KUBECONFIG: recorder.kubeconfig } });
    void result.then((r) => (ended = r));
    const open = recorder.waitFor(
      `the watch of walt ${args.join(' ')}`,
      (r) => watchOf(plural)(r) && match(r),
      {
        since,
        timeoutMs: 60_000,
        // A command that ended first (an error) fails the wait with its output.
        gone: () => (ended ? `it ended before watching: ${JSON.stringify(ended)}` : undefined),
      },
    );
    return { result, watching: open };
  };
  const getNode = async (name: string): Promise<WaltNode | undefined> =>
    (await api
      .getClusterCustomObject({ group, version, plural: 'waltnodes', name })
      .catch(() => undefined)) as WaltNode | undefined;
  const createNode = async (name: string, spec: Record<string, unknown>, labels?: Record<string, string>) => {
    created.push(name);
    await api.createClusterCustomObject({
      group,
      version,
      plural: 'waltnodes',
      body: { apiVersion: `${group}/${version}`, kind: 'WaltNode', metadata: { name, labels }, spec },
    });
  };
  const patchNodeStatus = (name: string, status: Record<string, unknown>) =>
    api.patchClusterCustomObjectStatus(
      { group, version, plural: 'waltnodes', name, body: { status } },
      mergePatch,
    );
  const createImage = async (name: string, status?: Record<string, unknown>) => {
    await api.createNamespacedCustomObject({
      group,
      version,
      plural: 'waltimages',
      namespace: ns.name,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'WaltImage',
        metadata: { name },
        spec: { ref: `registry.example.org/walt/${name}:1` },
      },
    });
    if (status) await patchImageStatus(name, status);
  };
  const patchImageStatus = (name: string, status: Record<string, unknown>) =>
    api.patchNamespacedCustomObjectStatus(
      { group, version, plural: 'waltimages', namespace: ns.name, name, body: { status } },
      mergePatch,
    );
  const getImage = async (name: string): Promise<WaltImage | undefined> =>
    (await api
      .getNamespacedCustomObject({ group, version, plural: 'waltimages', namespace: ns.name, name })
      .catch(() => undefined)) as WaltImage | undefined;
  const mac = (last: number): string =>
    `02:00:00:${[0, 0, last].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  const ready = (message = 'ok') => ({
    type: 'Ready',
    status: 'True',
    reason: 'Ready',
    message,
    lastTransitionTime: at,
  });

  beforeAll(async () => {
    await ensureCliBuilt();
    recorder = await startApiserverRecorder(kubeConfig(), os.tmpdir());
    ns = await testNamespace('cli');
    await api.createClusterCustomObject({
      group,
      version,
      plural: 'waltsegments',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'WaltSegment',
        metadata: { name: segment },
        spec: { interface: 'cli0', subnet: '10.99.0.0/24', serverAddress: '10.99.0.1' },
      },
    });
    await api.patchClusterCustomObjectStatus(
      { group, version, plural: 'waltsegments', name: segment, body: { status: { leasesInUse: 7 } } },
      mergePatch,
    );
    await createNode(physical, { mac: mac(Math.floor(Math.random() * 250)), model: 'rpi-4-b', segment });
    await createNode(
      discovered,
      { mac: mac(Math.floor(Math.random() * 250)), model: 'pc-x86-64', segment },
      { 'walt.dev/discovered': 'true' },
    );
    await createImage('debian', {
      digest: `sha256:${'ab'.repeat(32)}`,
      models: ['pc-x86-64'],
      size: 119537664,
      conditions: [ready()],
    });
    await createImage('pi-only', { models: ['rpi-4-b'] });
  }, 180_000);

  afterAll(async () => {
    for (const name of created) {
      await api
        .deleteClusterCustomObject({ group, version, plural: 'waltnodes', name })
        .catch(() => undefined);
    }
    await api
      .deleteClusterCustomObject({ group, version, plural: 'waltsegments', name: segment })
      .catch(() => undefined);
    await ns.remove();
    await recorder?.stop();
  });

  it('creates a virtual node, refusing a taken name, a bad name and an unknown segment', async () => {
    const name = uniqueName('cli-vn');
    created.push(name);
    const ok = await run('node', 'create', name, '--segment', segment, '--cpus', '1', '--memory', '512M');
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toContain(`node ${name} created`);
    const node = await getNode(name);
    expect(node?.spec).toMatchObject({
      model: 'pc-x86-64',
      segment,
      image: 'default',
      power: { driver: 'qemu' },
      virtual: { cpus: 1, memory: '512Mi' },
    });
    expect(node?.spec.mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);

    const [again, badName, noSegment, badCpus] = await Promise.all([
      run('node', 'create', name, '--segment', segment),
      run('node', 'create', 'Not_A_Name', '--segment', segment),
      run('node', 'create', uniqueName('cli-vn'), '--segment', 'no-such-segment'),
      run('node', 'create', uniqueName('cli-vn'), '--segment', segment, '--cpus', 'many'),
    ]);
    expect(again.code).toBe(EXIT.conflict);
    expect(again.stderr).toContain('WALT_ERR_CLI_ALREADY_EXISTS');
    expect(badName.code).toBe(EXIT.usage);
    expect(noSegment.code).toBe(EXIT.notFound);
    expect(badCpus.code).toBe(EXIT.usage);
  }, 120_000);

  it('shows nodes as a table, JSON or names; free and own nodes by default, every node with --all', async () => {
    const [table, json, names, all, bad] = await Promise.all([
      run('node', 'show'),
      run('node', 'show', '-o', 'json'),
      run('node', 'show', '--all', '-o', 'name'),
      run('node', 'show', '--all', '-o', 'wide'),
      run('node', 'show', '-o', 'xml'),
    ]);
    expect(table.code).toBe(0);
    const [header, ...body] = rows(table.stdout);
    expect(header).toEqual(['NAME', 'MODEL', 'IP', 'IMAGE', 'PHASE', 'CLAIMED-BY']);
    expect(body).toContainEqual([physical, 'rpi-4-b', '<none>', 'default', '<none>', '<none>']);
    const list = JSON.parse(json.stdout) as { kind: string; items: WaltNode[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((n) => n.metadata.name)).toContain(physical);
    expect(names.stdout.split('\n')).toEqual(expect.arrayContaining([`waltnode.walt.dev/${physical}`]));
    expect(rows(all.stdout)[0]).toEqual(expect.arrayContaining(['MAC', 'SEGMENT', 'TYPE']));
    expect(bad.code).toBe(EXIT.usage);
  }, 120_000);

  it('boots nodes on an image of the namespace, checking it exists and supports their model', async () => {
    const name = uniqueName('cli-boot');
    await createNode(name, { mac: mac(251), model: 'pc-x86-64', segment });
    const ok = await run('node', 'boot', name, 'debian');
    expect(ok.code).toBe(0);
    expect((await getNode(name))?.spec.image).toBe(`${ns.name}/debian`);

    const [same, missing, unsupported, badName, ghost, mine] = await Promise.all([
      run('node', 'boot', name, `${ns.name}/debian`),
      run('node', 'boot', name, 'no-such-image'),
      run('node', 'boot', name, 'pi-only'),
      run('node', 'boot', name, 'a/b/c'),
      run('node', 'boot', 'ghost-node-x,ghost-node-y', 'default'),
      run('node', 'show', '-o', 'name'),
    ]);
    expect(same.stdout).toContain('ignored');
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain('WALT_ERR_CLI_IMAGE_NOT_FOUND');
    expect(unsupported.code).toBe(EXIT.conflict);
    expect(unsupported.stderr).toContain('WALT_ERR_CLI_MODEL_UNSUPPORTED');
    expect(badName.code).toBe(EXIT.usage);
    expect(ghost.code).toBe(EXIT.notFound);
    expect(ghost.stderr).toContain('ghost-node-x, ghost-node-y');
    // It boots an image of the namespace: it is "mine" now
    expect(mine.stdout).toContain(`waltnode.walt.dev/${name}\n`);
    // Another namespace does not own it: acting on it needs --force
    const [other, forced] = [
      await walt(['-n', 'default', 'node', 'boot', name, 'default']),
      await walt(['-n', 'default', 'node', 'boot', name, 'default', '--force']),
    ];
    expect(other.code).toBe(EXIT.conflict);
    expect(other.stderr).toContain('WALT_ERR_CLI_NOT_OWNED');
    expect(forced.code).toBe(0);
    expect((await getNode(name))?.spec.image).toBe('default');
  }, 120_000);

  it('requests reboots with an annotation, and waits for the agent to carry them out', async () => {
    const name = uniqueName('cli-reboot');
    await createNode(name, {
      mac: `52:54:00:99:00:${Math.floor(Math.random() * 250)
        .toString(16)
        .padStart(2, '0')}`,
      model: 'pc-x86-64',
      segment,
      power: { driver: 'qemu' },
      virtual: {},
    });
    await patchNodeStatus(name, { phase: 'Ready', ip: '10.99.0.30' });
    const before = Date.now();
    const reboot = await run('node', 'reboot', name, '--hard');
    expect(reboot).toMatchObject({ code: 0, stdout: `${name}: reboot requested\n` });
    const annotations = (await getNode(name))!.metadata.annotations!;
    const requestedAt = annotations[REBOOT_REQUESTED_AT_ANNOTATION]!;
    expect(requestedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(requestedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(annotations['walt.dev/reboot-mode']).toBe('hard');

    // Still Ready from before the reboot: not booted yet
    const pending = await run('node', 'wait', name, '--timeout', '2s');
    expect(pending.code).toBe(EXIT.timeout);
    expect(pending.stderr).toContain('reboot requested');
    // The agent records the request (as agents/vnodes/requested-reboot.ts does), the node boots again
    const waiting = watching('waltnodes', () => true, 'node', 'wait', name, '--timeout', '60s');
    await waiting.watching;
    await patchNodeStatus(name, {
      phase: 'Ready',
      conditions: [
        {
          type: 'RebootRequest',
          status: 'True',
          reason: 'Rebooted',
          message: `requested at ${requestedAt}; hard-rebooted`,
          lastTransitionTime: at,
        },
      ],
    });
    expect(await waiting.result).toMatchObject({ code: 0, stdout: `${name}: Ready (10.99.0.30)\n` });
  }, 120_000);

  it('waits until nodes are Ready, and times out naming those that are not', async () => {
    const name = uniqueName('cli-wait');
    await createNode(name, { mac: mac(252), model: 'pc-x86-64', segment });
    const timedOut = await run('node', 'wait', name, '--timeout', '1s');
    expect(timedOut.code).toBe(EXIT.timeout);
    expect(timedOut.stderr).toContain(`${name} (no status yet)`);
    const waiting = watching(
      'waltnodes',
      () => true,
      'node',
      'wait',
      `${name},${physical}`,
      '--timeout',
      '60s',
    );
    await waiting.watching;
    await patchNodeStatus(name, { phase: 'Ready', ip: '10.99.0.20' });
    await patchNodeStatus(physical, { phase: 'Ready' });
    const result = await waiting.result;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${name}: Ready (10.99.0.20)\n${physical}: Ready\n`);
    expect((await run('node', 'wait', name, '--timeout', 'soon')).code).toBe(EXIT.usage);
  }, 120_000);

  it('shows and sets node settings, refusing unknown keys', async () => {
    const name = uniqueName('cli-conf');
    created.push(name);
    expect((await run('node', 'create', name, '--segment', segment)).code).toBe(0);
    const set = await run('node', 'config', name, 'boot.timeout=300', 'netsetup=NAT', 'ram=2G');
    expect(set.code).toBe(0);
    const node = await getNode(name);
    expect(node?.spec.settings).toMatchObject({ bootTimeout: 300, netsetup: 'NAT' });
    expect(node?.spec.virtual?.memory).toBe('2Gi');

    const [show, json, unknown, badValue, virtualOnly] = await Promise.all([
      run('node', 'config', name),
      run('node', 'config', `${name},${physical}`, '-o', 'json'),
      run('node', 'config', name, 'colour=blue'),
      run('node', 'config', name, 'boot.timeout=5'),
      run('node', 'config', physical, 'ram=2G'),
    ]);
    expect(show.stdout).toContain(`node ${name} has the following config applied:\n`);
    expect(show.stdout).toContain('\nboot.timeout=300\n');
    expect(show.stdout).toContain('\nram=2Gi\n');
    const byNode = JSON.parse(json.stdout) as Record<string, Record<string, string>>;
    expect(byNode[name]).toMatchObject({ netsetup: 'NAT', 'cpu.cores': '2' });
    expect(byNode[physical]).not.toHaveProperty('ram');
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toContain('WALT_ERR_CLI_UNKNOWN_CONFIG_KEY');
    expect(unknown.stderr).toContain('boot.timeout');
    expect(badValue.code).toBe(EXIT.usage);
    expect(virtualOnly.code).toBe(EXIT.usage);
  }, 120_000);

  it('renames nodes (a new object, the old one deleted) and removes virtual nodes only', async () => {
    const from = uniqueName('cli-old');
    const to = uniqueName('cli-new');
    created.push(from, to);
    expect((await run('node', 'create', from, '--segment', segment)).code).toBe(0);
    const original = (await getNode(from))!;
    const renamed = await run('node', 'rename', from, to);
    expect(renamed).toMatchObject({ code: 0, stdout: `${from} renamed to ${to}\n` });
    expect(await getNode(from)).toBeUndefined();
    expect((await getNode(to))?.spec).toEqual(original.spec);

    const [taken, unknown, physicalRemove] = await Promise.all([
      run('node', 'rename', to, physical),
      run('node', 'rename', from, uniqueName('cli-x')),
      run('node', 'remove', physical),
    ]);
    expect(taken.code).toBe(EXIT.conflict);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(physicalRemove.code).toBe(EXIT.conflict);
    expect(physicalRemove.stderr).toContain('WALT_ERR_CLI_PHYSICAL_NODE');

    expect(await run('node', 'remove', to)).toMatchObject({ code: 0, stdout: `${to}: removed\n` });
    expect(await getNode(to)).toBeUndefined();
  }, 120_000);

  it('shows the images of the namespace and removes unused ones', async () => {
    const [table, json] = await Promise.all([run('image', 'show'), run('image', 'show', '-o', 'json')]);
    expect(table.code).toBe(0);
    const [header, ...body] = rows(table.stdout);
    expect(header).toEqual(['NAME', 'REF', 'DIGEST', 'MODELS', 'SIZE', 'READY']);
    expect(body).toContainEqual([
      'debian',
      'registry.example.org/walt/debian:1',
      'sha256:abababababab',
      'pc-x86-64',
      '114MiB',
      'True',
    ]);
    expect(
      (JSON.parse(json.stdout) as { items: WaltImage[] }).items.map((i) => i.metadata.name).sort(),
    ).toEqual(expect.arrayContaining(['debian', 'pi-only']));

    const user = uniqueName('cli-user');
    await createNode(user, { mac: mac(253), model: 'pc-x86-64', segment, image: `${ns.name}/debian` });
    const [inUse, missing] = await Promise.all([
      run('image', 'remove', 'debian'),
      run('image', 'remove', 'nope'),
    ]);
    expect(inUse.code).toBe(EXIT.conflict);
    expect(inUse.stderr).toContain(user);
    expect(missing.code).toBe(EXIT.notFound);
    expect(await run('image', 'remove', 'pi-only')).toMatchObject({ code: 0 });
    expect(await getImage('pi-only')).toBeUndefined();
  }, 120_000);

  it('pulls an image: creates the WaltImage and follows its status to Ready, or to its failure', async () => {
    const named = (name: string) => (r: RecordedRequest) => r.url.includes(`metadata.name%3D${name}`);
    const pulling = watching(
      'waltimages',
      named('alpine-3.20'),
      ...['image', 'pull', 'registry.example.org/walt/alpine:3.20', '--timeout', '60s'],
    );
    // It created the image before following it
    await pulling.watching;
    expect((await getImage('alpine-3.20'))?.spec.ref).toBe('registry.example.org/walt/alpine:3.20');
    const digest = `sha256:${'cd'.repeat(32)}`;
    await patchImageStatus('alpine-3.20', {
      digest,
      models: ['pc-x86-64'],
      progress: { bytesDone: 1048576, bytesTotal: 4194304 },
      segments: [{ segment, digest, progress: { bytesDone: 1048576, bytesTotal: 4194304 } }],
    });
    await patchImageStatus('alpine-3.20', { size: 4194304, conditions: [ready()] });
    const done = await pulling.result;
    expect(done.code).toBe(0);
    // Not a terminal: plain lines, the last one the result
    expect(done.stdout.trim().split('\n').pop()).toBe(
      'alpine-3.20: Ready (sha256:cdcdcdcdcdcd, pc-x86-64, 4.0MiB)',
    );

    const failing = watching(
      'waltimages',
      named('ghost'),
      ...['image', 'pull', 'registry.example.org/walt/ghost:1', '--name', 'ghost'],
    );
    await failing.watching;
    await patchImageStatus('ghost', {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'ManifestUnknown',
          message: 'no such tag',
          lastTransitionTime: at,
        },
      ],
    });
    const failed = await failing.result;
    expect(failed.code).toBe(EXIT.failed);
    expect(failed.stderr).toContain('no such tag');

    const [noWait, otherRef] = await Promise.all([
      run('image', 'pull', 'registry.example.org/walt/busybox', '--no-wait'),
      run('image', 'pull', 'registry.example.org/walt/other:1', '--name', 'debian'),
    ]);
    expect(noWait.code).toBe(0);
    expect((await getImage('busybox'))?.spec.ref).toBe('registry.example.org/walt/busybox');
    expect(otherRef.code).toBe(EXIT.conflict);
  }, 120_000);

  it('shows discovered devices and the leases of each segment, and renames devices', async () => {
    const show = await run('device', 'show');
    expect(show.code).toBe(0);
    const [devices, segments] = show.stdout.split('\n\n');
    expect(rows(devices!)[0]).toEqual(['NAME', 'IP', 'MAC', 'TYPE', 'MODEL', 'SEGMENT', 'NETSETUP']);
    expect(rows(devices!).map((r) => r[0])).toContain(discovered);
    expect(rows(devices!).map((r) => r[0])).not.toContain(physical);
    expect(rows(segments!)).toContainEqual([
      segment,
      '10.99.0.0/24',
      '10.99.0.1',
      'authoritative',
      '7',
      '<none>',
    ]);

    const renamed = uniqueName('cli-dev');
    created.push(renamed);
    expect((await run('device', 'rename', discovered, renamed)).code).toBe(0);
    expect((await getNode(renamed))?.metadata.labels).toMatchObject({ 'walt.dev/discovered': 'true' });
  }, 120_000);

  it('exits 6 when the API server cannot be reached, and prints completion scripts without one', async () => {
    const kubeconfig = path.join(os.tmpdir(), `${uniqueName('cli-kc')}.yaml`);
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
        'users: [{name: u, user: {token: t}}]',
      ].join('\n'),
    );
    const [unreachable, completion] = await Promise.all([
      walt(['--kubeconfig', kubeconfig, 'node', 'show']),
      walt(['completion', 'bash'], { env: { KUBECONFIG: '/nonexistent' } }),
    ]);
    await rm(kubeconfig, { force: true });
    expect(unreachable.code).toBe(EXIT.unreachable);
    expect(unreachable.stderr).toContain('https://127.0.0.1:1');
    expect(completion.code).toBe(0);
    expect(completion.stdout).toContain('complete -F _walt_complete walt kubectl-walt');
  }, 120_000);
});
