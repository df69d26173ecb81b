// The control plane stopped and started under a running agent and operator (docs/faults.md). This
// suite starts a control plane of its own (local/controlplane `up --name … --ephemeral`, as the global
// setup does for the run), so that stopping its apiserver and etcd does not disturb the other suites,
// and runs the fault lab of test/support/fault-lab.ts against it: the real agent, the real operator,
// the real node command loop. It asserts convergence (both processes lead again without a restart and
// an experiment completes), never timing, and prints what the outage cost.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { AGENT_NAMESPACE, agentLeaseName } from '../../api/rbac/segment-agent.js';
import type { Experiment } from '../../api/v1alpha1/index.js';
import { readState, startComponent, stopComponent } from '../../local/controlplane/controlplane.js';
import { FaultLab } from '../support/fault-lab.js';
import { CostSheet, secondsSince, TSX } from '../support/fault-processes.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
const CONTROLPLANE = path.join(root, 'local', 'controlplane', 'main.ts');
/** Longer than the leader Leases (15 s): both holders must take them again, not just renew. */
const OUTAGE_MS = 20_000;

interface Instance {
  name: string;
  kubeconfig: string;
  server: string;
}

/** What a failure message needs of an experiment. */
const summary = (exp: Experiment): Record<string, unknown> => ({
  phase: exp.status?.phase,
  message: exp.status?.message,
  nodes: exp.status?.nodes,
  steps: exp.status?.steps,
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('faults: apiserver and etcd stopped and started under a running agent and operator', () => {
  const costs = new CostSheet();
  const namespace = `faults-cp-${randomBytes(3).toString('hex')}`;
  let instance: Instance | undefined;
  let kc: k8s.KubeConfig;
  let dir: string;
  let lab: FaultLab;

  /** The renewTime (ms) of Lease `name` in `leaseNamespace` (the operator's: the lab's namespace). */
  async function renewedAt(name: string, leaseNamespace = namespace): Promise<number> {
    const lease = await kc
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name, namespace: leaseNamespace })
      .catch(() => undefined);
    const at = lease?.spec?.renewTime;
    return at ? new Date(at).getTime() : 0;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-faults-cp-'));
    const name = `faults-cp-${process.pid}-${randomBytes(3).toString('hex')}`;
    const args = [CONTROLPLANE, 'up', '--name', name, '--ephemeral', '--owner-pid', String(process.pid)];
    const up = await run(TSX, [...args, '--json'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    instance = JSON.parse(up.stdout.trim().split('\n').pop() ?? '{}') as Instance;
    kc = new k8s.KubeConfig();
    kc.loadFromFile(instance.kubeconfig);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    lab = await FaultLab.create({
      kc,
      kubeconfigFile: instance.kubeconfig,
      prefix: '10.80.0',
      namespace,
      dir,
      segment: `cpseg-${randomBytes(3).toString('hex')}`,
      node: `cpnode-${randomBytes(3).toString('hex')}`,
    });
  }, 400_000);

  afterAll(async () => {
    costs.print();
    try {
      await lab?.destroy(['before', 'after']);
    } finally {
      if (instance) await run(TSX, [CONTROLPLANE, 'down', '--name', instance.name], { cwd: root });
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('both recover without a restart (informers relist, Leases taken again) and an experiment completes', async () => {
    // The agent's Lease is in walt-system, the only place its ServiceAccount may hold one.
    const segmentLease = agentLeaseName(lab.options.segment);
    // Given an experiment run through the agent and the operator
    const before = await lab.completeExperiment('before', ['sh', '-c', 'echo before']);
    expect(summary(before)).toEqual(expect.objectContaining({ phase: 'Succeeded' }));
    // When the apiserver and etcd stop for longer than the leader Leases last, then start again
    const state = (await readState(instance!.name))!;
    await stopComponent(state, 'kube-apiserver');
    await stopComponent(state, 'etcd');
    await sleep(OUTAGE_MS);
    const nodeApiDuringOutage = (await lab.agentAnswers()) === true;
    const restartedAt = Date.now();
    await startComponent(state, 'etcd');
    await startComponent(state, 'kube-apiserver');
    // Then both take their Lease again, renewed after the restart, by the same processes
    await lab.waitOr(
      'the operator and the agent to lead again',
      async () =>
        (await renewedAt('walt-operator')) > restartedAt &&
        (await renewedAt(segmentLease, AGENT_NAMESPACE)) > restartedAt
          ? true
          : undefined,
      180_000,
    );
    expect(lab.agent.child.exitCode).toBeNull();
    expect(lab.operator.child.exitCode).toBeNull();
    // And a new experiment goes through (both informers see new objects: they relisted)
    const after = await lab.completeExperiment('after', ['sh', '-c', 'echo after']);
    const seconds = secondsSince(restartedAt);
    expect(summary(after)).toEqual(expect.objectContaining({ phase: 'Succeeded' }));
    expect(after.status?.steps?.[0]?.results).toEqual([
      { node: lab.options.node, exitCode: 0, output: 'after\n' },
    ]);
    const relists =
      (lab.operator.log() + lab.agent.log()).match(/relist|watch .*(failed|ended|error)/gi) ?? [];
    costs.record({
      fault: `apiserver and etcd down ${OUTAGE_MS / 1000} s`,
      seconds,
      retried: `Leases taken again by the same agent and operator processes; ${relists.length} watch/relist log lines; the node API ${nodeApiDuringOutage ? 'answered' : 'did not answer'} during the outage`,
    });
  }, 600_000);
});
