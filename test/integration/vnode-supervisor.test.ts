// Real virtual nodes: qemu (TCG) with its tap on a bridge in a throwaway network namespace, no boot
// server — qemu's iPXE ROM comes up, finds nobody to answer and says so on the serial console.
// 1. The supervisor alone: console capture, a hard reset, crash detection with back-off, and that
//    stopping leaves neither a qemu process nor the tap behind.
// 2. The vnode controller against the run's apiserver: finalizer, Powered condition and events,
//    restart on a hardware change, reboot on an image change (once), teardown on delete.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { silentLogger } from '../../common/logger.js';
import { agentServiceAccountName } from '../../api/rbac/segment-agent.js';
import { applyIdentities, asServiceAccount } from '../../local/lab/identity.js';
import { probeKvm } from '../../agents/vnodes/accel-probe.js';
import { vnodeMetrics } from '../../agents/vnodes/metrics.js';
import { consoleLogPath, diskPath } from '../../agents/vnodes/qemu-args.js';
import type { VmNotice } from '../../agents/vnodes/supervisor-state.js';
import type { VmSnapshot } from '../../agents/vnodes/supervisor.js';
import { tapName } from '../../agents/vnodes/tap.js';
import { createVm, type Vm } from '../../agents/vnodes/vm.js';
import { createVnodeService, type VnodeService } from '../../agents/vnodes/index.js';
import { createManager, type Manager } from '../../runtime/index.js';
import { createSegment, destroySegment, exec, type Segment } from '../support/netns.js';
import { waitFor } from '../support/wait.js';
import { kubeConfig, uniqueName } from './support/cluster.js';

const run = promisify(execFile);

interface Seen {
  at: number;
  notice: VmNotice;
  snapshot: VmSnapshot;
}

/** Resolves when `check` holds, polling every 100 ms; fails after `timeoutMs` saying what it awaited. */
async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('virtual node supervisor with a real qemu', () => {
  let segment: Segment;
  let workDir: string;
  let vm: Vm | undefined;
  const node = `vn-${process.pid}`;
  const tap = tapName(node);
  const lines: string[] = [];
  const seen: Seen[] = [];
  const registry = new Registry();
  const pids = new Set<number>();

  beforeAll(async () => {
    await run('qemu-system-x86_64', ['--version']).catch(() => {
      throw new Error('qemu-system-x86_64 is missing: apt-get install qemu-system-x86 ipxe-qemu');
    });
    segment = await createSegment({ subnet: '10.79.0.0/24', serverIp: '10.79.0.1' });
    workDir = await mkdtemp(path.join(tmpdir(), 'walt-vnode-test-'));
    vm = createVm({
      config: {
        node,
        mac: '52:54:00:79:00:01',
        virtual: { cpus: 1, memory: '128Mi', disks: [{ size: '1Gi', template: 'none' }] },
        accel: 'tcg',
        tap,
        workDir,
      },
      bridge: segment.bridge,
      commandPrefix: ['ip', 'netns', 'exec', segment.ns],
      logger: silentLogger(),
      metrics: vnodeMetrics(registry),
      onConsoleLine: (line) => lines.push(line),
      onChange: (snapshot, notice) => {
        if (snapshot.pid) pids.add(snapshot.pid);
        if (notice) seen.push({ at: Date.now(), notice, snapshot });
      },
    });
  });

  afterAll(async () => {
    await vm?.destroy().catch(() => undefined);
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (segment) await destroySegment(segment);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const starts = (): Seen[] => seen.filter((s) => s.notice.kind === 'started');

  it('boots into iPXE and captures the serial console', async () => {
    await vm!.start();
    await until('the iPXE banner on the console', () => lines.some((l) => l.includes('iPXE')), 45_000);
    expect(starts()).toHaveLength(1);
    expect(starts()[0]!.notice).toEqual({ kind: 'started', reason: 'power-on' });
    const log = await readFile(consoleLogPath(workDir), 'utf8');
    expect(log).toContain('SeaBIOS');
    expect(log).toContain('iPXE');
    // The tap is on the bridge and up; the disk is a sparse 1 GiB file.
    const link = await exec(segment.ns, 'ip', ['-d', '-j', 'link', 'show', 'dev', tap]);
    expect(link.stdout).toContain(`"master":"${segment.bridge}"`);
    const disk = await stat(diskPath(workDir, 0));
    expect(disk.size).toBe(1024 ** 3);
    expect(disk.blocks * 512).toBeLessThan(1024 ** 2);
    const metrics = await registry.getSingleMetricAsString('walt_vnode_starts_total');
    expect(metrics).toContain(`node="${node}",reason="power-on"} 1`);
  }, 60_000);

  it('hard reset kills qemu and starts it again at once', async () => {
    const before = vm!.supervisor.snapshot().pid!;
    const from = lines.length;
    vm!.supervisor.hardReset();
    await until('a second start', () => starts().length === 2, 20_000);
    expect(starts()[1]!.notice).toEqual({ kind: 'started', reason: 'reset' });
    const after = vm!.supervisor.snapshot();
    expect(after.phase).toBe('running');
    expect(after.pid).not.toBe(before);
    expect(alive(before)).toBe(false);
    await until('iPXE again', () => lines.slice(from).some((l) => l.includes('iPXE')), 45_000);
  }, 70_000);

  it('sees a kill -9 of qemu as a crash and restarts it after the back-off', async () => {
    const pid = vm!.supervisor.snapshot().pid!;
    process.kill(pid, 'SIGKILL');
    await until('the crash', () => seen.some((s) => s.notice.kind === 'crashed'), 10_000);
    const crash = seen.find((s) => s.notice.kind === 'crashed')!;
    expect(crash.notice).toMatchObject({ kind: 'crashed', restartInMs: 1000, exit: { signal: 'SIGKILL' } });
    expect(crash.snapshot.phase).toBe('waiting');
    await until('the restart after the crash', () => starts().length === 3, 15_000);
    expect(starts()[2]!.notice).toEqual({ kind: 'started', reason: 'crash' });
    expect(starts()[2]!.at - crash.at).toBeGreaterThanOrEqual(900);
    const metrics = await registry.getSingleMetricAsString('walt_vnode_starts_total');
    expect(metrics).toContain(`node="${node}",reason="crash"} 1`);
  }, 30_000);

  it('stop leaves no qemu process and deletes the tap', async () => {
    const pid = vm!.supervisor.snapshot().pid!;
    await vm!.stop();
    expect(vm!.supervisor.snapshot().phase).toBe('stopped');
    expect(alive(pid)).toBe(false);
    for (const p of pids) expect(alive(p)).toBe(false);
    const inNs = await run('ip', ['netns', 'pids', segment.ns]);
    expect(inNs.stdout.trim()).toBe('');
    await expect(exec(segment.ns, 'ip', ['link', 'show', 'dev', tap])).rejects.toThrow(/does not exist/);
    expect(seen.at(-1)?.notice).toEqual({ kind: 'stopped' });
  }, 30_000);

  it('the KVM probe answers within its bound', async () => {
    const started = Date.now();
    const result = await probeKvm();
    expect(typeof result.ok).toBe('boolean');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 15_000);
});

describe('vnode controller against the real apiserver', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const eventsApi = kc.makeApiClient(k8s.EventsV1Api);
  const segmentName = uniqueName('vseg');
  const name = uniqueName('vnode');
  const physical = uniqueName('pnode');
  const ref = { group: 'walt.dev', version: 'v1alpha1', plural: 'waltnodes' };
  const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  const previousAccel = process.env.WALT_QEMU_ACCEL;
  let segment: Segment;
  let cacheDir: string;
  let manager: Manager | undefined;
  let service: VnodeService | undefined;

  const read = async (node = name): Promise<WaltNode | undefined> =>
    (await api.getClusterCustomObject({ ...ref, name: node }).catch(() => undefined)) as WaltNode | undefined;
  const powered = (node: WaltNode | undefined) => node?.status?.conditions?.find((c) => c.type === 'Powered');
  const eventReasons = async (): Promise<string[]> => {
    const list = await eventsApi.listNamespacedEvent({ namespace: 'default' });
    return list.items.filter((e) => e.regarding?.name === name).map((e) => e.reason ?? '');
  };
  const starts = async (reason: string): Promise<number> => {
    const text = await manager!.metrics.registry.getSingleMetricAsString('walt_vnode_starts_total');
    const match = new RegExp(`node="${name}",reason="${reason}"} (\\d+)`).exec(text);
    return Number(match?.[1] ?? 0);
  };
  const body = (node: string, virtual: boolean): object => ({
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: { name: node },
    spec: {
      mac: `52:54:00:80:00:0${virtual ? 1 : 2}`,
      model: 'pc-x86-64',
      segment: segmentName,
      image: 'lab/new',
      ...(virtual ? { power: { driver: 'qemu' }, virtual: { cpus: 1, memory: '128Mi' } } : {}),
    },
  });

  beforeAll(async () => {
    process.env.WALT_QEMU_ACCEL = 'tcg'; // no KVM probe: these VMs only need to run
    segment = await createSegment({ subnet: '10.80.0.0/24', serverIp: '10.80.0.1' });
    cacheDir = await mkdtemp(path.join(tmpdir(), 'walt-vnode-ctl-test-'));
    await api.createClusterCustomObject({ ...ref, body: body(name, true) });
    await api.createClusterCustomObject({ ...ref, body: body(physical, false) });
    // The vnode service as the agent runs it: as its segment's ServiceAccount (ADR 0011).
    await applyIdentities(kc, [segmentName]);
    const agentKc = asServiceAccount(kc, agentServiceAccountName(segmentName));
    manager = createManager({
      kc: agentKc,
      identity: 'vnode-test',
      healthPort: 0,
      healthHost: '127.0.0.1',
      logger: silentLogger(),
      handleSignals: false,
    });
    service = createVnodeService({
      kc: agentKc,
      segment: segmentName,
      cacheDir,
      manager,
      logger: silentLogger(),
      metrics: manager.metrics.registry,
      bridgeOf: () => segment.bridge,
      commandPrefix: ['ip', 'netns', 'exec', segment.ns],
    });
    manager.addLeaderService('vnodes', service);
    await manager.start();
    await manager.servicesStarted();
  });

  afterAll(async () => {
    await manager?.stop();
    for (const node of [name, physical]) {
      await api
        .patchClusterCustomObject(
          { ...ref, name: node, body: { metadata: { finalizers: null } } },
          mergePatch,
        )
        .catch(() => undefined);
      await api.deleteClusterCustomObject({ ...ref, name: node }).catch(() => undefined);
    }
    if (segment) await destroySegment(segment);
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
    if (previousAccel === undefined) delete process.env.WALT_QEMU_ACCEL;
    else process.env.WALT_QEMU_ACCEL = previousAccel;
  });

  it('runs the virtual node: finalizer, Powered=True, VMStarted; physical nodes are left alone', async () => {
    const node = await waitFor(
      'Powered=True',
      async () => {
        const n = await read();
        return powered(n)?.status === 'True' ? n : undefined;
      },
      45_000,
    );
    expect(node.metadata.finalizers).toContain(`vnode.walt.dev/${segmentName}`);
    expect(powered(node)?.reason).toBe('Running');
    expect(powered(node)?.message).toContain('TCG');
    const managers = (node.metadata.managedFields ?? []).map((f) => f.manager);
    expect(managers).toContain(`walt-agent-${segmentName}-vnodes`);
    await waitFor(
      'the VMStarted event',
      async () => ((await eventReasons()).includes('VMStarted') ? true : undefined),
      20_000,
    );
    expect((await read(physical))?.metadata.finalizers ?? []).toEqual([]);
    await expect(exec(segment.ns, 'ip', ['link', 'show', 'dev', tapName(name)])).resolves.toBeDefined();
  }, 60_000);

  it('restarts the VM when its virtual hardware changes', async () => {
    const before = powered(await read())!.message;
    await api.patchClusterCustomObject(
      { ...ref, name, body: { spec: { virtual: { memory: '160Mi' } } } },
      mergePatch,
    );
    await waitFor('a restart', async () => ((await starts('reset')) >= 1 ? true : undefined), 30_000);
    await waitFor(
      'Powered=True with a new qemu',
      async () => {
        const p = powered(await read());
        return p?.status === 'True' && p.message !== before ? true : undefined;
      },
      30_000,
    );
    expect(await eventReasons()).toContain('VMRestarting');
  }, 70_000);

  it('hard-reboots a booted node whose image changed, once, and records it', async () => {
    const resets = await starts('reset');
    await api.patchClusterCustomObjectStatus(
      {
        ...ref,
        name,
        body: {
          status: {
            phase: 'Ready',
            bootedImage: { name: 'lab/old' },
            lastBootup: new Date(Date.now() + 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
          },
        },
      },
      mergePatch,
    );
    const node = await waitFor(
      'the reboot record',
      async () => {
        const n = await read();
        return n?.status?.phase === 'Booting' ? n : undefined;
      },
      30_000,
    );
    expect(node.status?.message).toContain('lab/new');
    const condition = node.status?.conditions?.find((c) => c.type === 'ImageReboot');
    expect(condition).toMatchObject({
      status: 'True',
      reason: 'ImageChanged',
      observedGeneration: node.metadata.generation,
    });
    await waitFor(
      'the reset start',
      async () => ((await starts('reset')) === resets + 1 ? true : undefined),
      20_000,
    );
    // Back to Ready with the old image in the same generation: no second reboot.
    await api.patchClusterCustomObjectStatus(
      { ...ref, name, body: { status: { phase: 'Ready' } } },
      mergePatch,
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(await starts('reset')).toBe(resets + 1);
  }, 60_000);

  it('on delete: stops the VM, deletes its tap and work dir, then lets the node go', async () => {
    await api.deleteClusterCustomObject({ ...ref, name });
    await waitFor('the node to be gone', async () => ((await read()) ? undefined : true), 30_000);
    await expect(exec(segment.ns, 'ip', ['link', 'show', 'dev', tapName(name)])).rejects.toThrow(
      /does not exist/,
    );
    await expect(stat(path.join(cacheDir, 'vnodes', name))).rejects.toThrow(/ENOENT/);
    const inNs = await run('ip', ['netns', 'pids', segment.ns]);
    expect(inNs.stdout.trim()).toBe('');
  }, 45_000);
});
