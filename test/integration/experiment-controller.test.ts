// The Experiment controller against the real kube-apiserver, through createOperator with an in-memory
// AgentOperations (recording calls, answering exit codes) and a fake boot agent loop that marks a node
// Ready on its spec.image (status: Ready condition, lastBootup, bootedImage) whenever the image changes
// or a reboot is requested. Proves: claim, boot, steps with results in status, platform logs, release;
// exclusive claims (a second experiment waits, then gets the node once the first is deleted, whose
// running command is aborted and cancelled); boot timeouts (reboot requests, then Failed); a failing
// command; a run step re-attached to by its command id after an operator restart.
// The operator runs as the walt-operator service account (config/rbac): its rules are enough.
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type {
  AgentOperations,
  ApiLogLine,
  ApiAppendLogs,
  ApiCheckpoint,
  ExecRequest,
  ExecResult,
  LogStreamSelector,
} from '../../api/agent/v1.js';
import {
  experimentStreamRegex,
  RESOURCES,
  type Experiment,
  type WaltNode,
} from '../../api/v1alpha1/index.js';
import { WaltError } from '../../common/errors.js';
import { createOperator } from '../../operator/main.js';
import { type Manager, rfc3339 } from '../../runtime/index.js';
import { waitFor } from '../support/wait.js';
import {
  impersonating,
  kubeConfig,
  kubectl,
  testNamespace,
  uniqueName,
  RBAC_DIR,
} from './support/cluster.js';

const rbacDir = RBAC_DIR;

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const REBOOT_ANNOTATION = 'walt.dev/reboot-requested-at';

interface ExecCall {
  node: string;
  request: ExecRequest;
  signal: AbortSignal | undefined;
}

const noLines = (): AsyncIterable<ApiLogLine> => ({
  [Symbol.asyncIterator]: () => ({
    next: () => Promise.resolve({ done: true as const, value: undefined }),
  }),
});

/** An in-memory boot agent API: `exit N` in a command exits N, `sleep` waits until aborted. */
function fakeAgent(segment: string) {
  const execs: ExecCall[] = [];
  const puts: Array<{ node: string; dir: string; tar: Buffer }> = [];
  const logs: ApiAppendLogs['lines'] = [];
  const checkpoints: ApiCheckpoint[] = [];
  const deletedStreams: LogStreamSelector[] = [];
  const cancels: Array<{ node: string; id: string }> = [];
  const attaches: Array<{ node: string; id: string }> = [];
  const exec = (node: string, request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> => {
    execs.push({ node, request, signal });
    const text = request.command.join(' ');
    if (text.includes('sleep')) {
      return new Promise((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    }
    const code = /exit (\d+)/.exec(text);
    return Promise.resolve({
      exitCode: code ? Number(code[1]) : 0,
      output: `${node}: ran ${text}\n`,
      truncatedBytes: 0,
      timedOut: false,
      durationMs: 5,
    });
  };
  const agent: AgentOperations = {
    segment,
    exec,
    // Nothing survives here for an operator restart to attach to.
    attachExec: (node, id) => {
      attaches.push({ node, id });
      return Promise.reject(new WaltError('WALT_ERR_COMMAND_LOST', `no command ${id} on ${node}`, 404));
    },
    cancelExec: (node, id) => {
      cancels.push({ node, id });
      return Promise.resolve({ id, was: 'running' as const });
    },
    putFiles: (node, dir, tar) => {
      puts.push({ node, dir, tar });
      return Promise.resolve({ bytes: tar.length });
    },
    getFiles: (node, path) => Promise.resolve(Buffer.from(`tar of ${path} on ${node}`)),
    appendLogs: (lines) => {
      logs.push(...lines);
      return Promise.resolve();
    },
    deleteLogStreams: (selector) => {
      deletedStreams.push(selector);
      return Promise.resolve(3);
    },
    // An agent whose store holds no line.
    queryLogs: noLines,
    followLogs: noLines,
    addCheckpoint: (c) => {
      checkpoints.push(c);
      return Promise.resolve();
    },
    listCheckpoints: () => Promise.resolve([]),
    removeCheckpoint: () => Promise.resolve(),
  };
  return { agent, execs, puts, logs, checkpoints, deletedStreams, cancels, attaches };
}

describe('Experiment controller (real apiserver, fake boot agent)', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const segment = uniqueName('expseg');
  const fake = fakeAgent(segment);
  const [vn1, vn2, vn3] = [uniqueName('evn'), uniqueName('evn'), uniqueName('evn')] as [
    string,
    string,
    string,
  ];
  /** Nodes the fake agent never boots. */
  const dead = new Set<string>([vn3]);
  const rebootsSeen = new Map<string, string>();
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let operator: Manager;
  let loop: NodeJS.Timeout | undefined;

  const getNode = (name: string): Promise<WaltNode> =>
    api.getClusterCustomObject({ ...RESOURCES.node, name }) as Promise<WaltNode>;
  const getExp = (name: string): Promise<Experiment | undefined> =>
    (
      api.getNamespacedCustomObject({
        ...RESOURCES.experiment,
        namespace: ns.name,
        name,
      }) as Promise<Experiment>
    ).catch(() => undefined);
  const createExp = (name: string, spec: Record<string, unknown>): Promise<unknown> =>
    api.createNamespacedCustomObject({
      ...RESOURCES.experiment,
      namespace: ns.name,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'Experiment',
        metadata: { name },
        spec: { image: 'img', ...spec },
      },
    });
  const waitPhase = (name: string, phases: string[], timeoutMs = 90_000): Promise<Experiment> =>
    waitFor(
      `${name} in ${phases.join('|')}`,
      async () => {
        const exp = await getExp(name);
        return exp?.status?.phase && phases.includes(exp.status.phase) ? exp : undefined;
      },
      timeoutMs,
    ).catch(async (error: unknown) => {
      // Say where it stood: the experiment's status and the nodes' claims.
      const exp = await getExp(name);
      throw new Error(`${(error as Error).message}; status: ${JSON.stringify(exp?.status)}`);
    });
  const eventReasons = async (name: string): Promise<string[]> => {
    const out = await kubectl([
      'get',
      'events',
      '-n',
      ns.name,
      '--field-selector',
      `involvedObject.name=${name}`,
      '-o',
      'jsonpath={.items[*].reason}',
    ]);
    return out.stdout.split(' ');
  };

  const conditionOf = (exp: Experiment, type: string) => exp.status?.conditions?.find((c) => c.type === type);
  /** Claim cleared, spec.image back to what it was before the experiment. */
  async function expectReleased(name: string): Promise<void> {
    const node = await getNode(name);
    expect(node.status?.claimedBy).toBeUndefined();
    expect(node.spec.image).toBe('default');
  }

  /** The fake boot agent: boots a node on its spec.image when that changes or a reboot is asked. */
  async function bootChanged(name: string): Promise<void> {
    if (dead.has(name)) return;
    const node = await getNode(name);
    const image = node.spec.image === 'default' ? 'walt/pc-x86-64-default' : node.spec.image;
    const reboot = node.metadata.annotations?.[REBOOT_ANNOTATION];
    const rebootAsked = reboot !== undefined && rebootsSeen.get(name) !== reboot;
    if (node.status?.bootedImage?.name === image && !rebootAsked) return;
    if (reboot) rebootsSeen.set(name, reboot);
    const now = rfc3339(new Date());
    const status = {
      phase: 'Ready',
      ip: '10.9.0.5',
      bootedImage: { name: image },
      lastBootup: now,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'BootedUp',
          message: `booted ${image}`,
          lastTransitionTime: now,
        },
      ],
    };
    await api.patchClusterCustomObjectStatus({ ...RESOURCES.node, name, body: { status } }, MERGE);
  }

  const startOperator = async (): Promise<void> => {
    operator = createOperator({
      kc: impersonating('walt-operator'),
      identity: 'experiment-test',
      healthPort: 0,
      handleSignals: false,
      namespace: ns.name,
      agentFor: (s) =>
        s === segment ? Promise.resolve(fake.agent) : Promise.reject(new Error(`no agent for ${s}`)),
    });
    await operator.start();
  };

  beforeAll(async () => {
    expect(await kubectl(['apply', '-f', path.join(rbacDir, 'namespace.yaml')])).toMatchObject({ code: 0 });
    expect(await kubectl(['apply', '-f', path.join(rbacDir, 'operator.yaml')])).toMatchObject({ code: 0 });
    ns = await testNamespace('exp');
    for (const [i, name] of [vn1, vn2, vn3].entries()) {
      await api.createClusterCustomObject({
        ...RESOURCES.node,
        body: {
          apiVersion: 'walt.dev/v1alpha1',
          kind: 'WaltNode',
          // vn3 never boots: it stays out of the pool the selector test picks from.
          metadata: { name, labels: name === vn3 ? {} : { 'walt.dev/test-pool': segment } },
          spec: { mac: `52:54:00:e5:00:0${i + 1}`, model: 'pc-x86-64', segment },
        },
      });
    }
    loop = setInterval(() => {
      for (const name of [vn1, vn2, vn3]) void bootChanged(name).catch(() => undefined);
    }, 200);
    await startOperator();
  }, 60_000);

  afterAll(async () => {
    await kubectl(['delete', 'experiments', '--all', '-n', ns.name, '--wait=true', '--timeout=30s']);
    clearInterval(loop);
    await operator.stop();
    for (const name of [vn1, vn2, vn3]) {
      await api.deleteClusterCustomObject({ ...RESOURCES.node, name }).catch(() => undefined);
    }
    await ns.remove();
  }, 60_000);

  it('claims a node, boots the image, runs run/copy/checkpoint/wait steps, records results and releases', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'app' }, data: { 'conf.json': '{"level":3}\n' } },
    });
    await createExp('hello', {
      nodes: { names: [vn1] },
      steps: [
        { name: 'uname', run: { command: ['sh', '-c', 'uname -a'] } },
        {
          name: 'conf',
          copy: { direction: 'toNode', source: 'configmap:app/conf.json', destination: '/etc/app/app.json' },
        },
        { name: 'fetch', copy: { direction: 'fromNode', source: '/var/log/app', destination: 'logs' } },
        { name: 'mark', checkpoint: { name: 'after-uname' } },
        { name: 'settle', wait: { duration: '1s' } },
      ],
    });
    const done = await waitPhase('hello', ['Succeeded', 'Failed']);
    expect(done.status?.message).toBe('all 5 steps succeeded');
    expect(done.status?.phase).toBe('Succeeded');
    const steps = done.status!.steps!;
    expect(steps.map((s) => `${s.name}=${s.phase}`)).toEqual([
      'uname=Succeeded',
      'conf=Succeeded',
      'fetch=Succeeded',
      'mark=Succeeded',
      'settle=Succeeded',
    ]);
    expect(steps[0]!.results).toEqual([{ node: vn1, exitCode: 0, output: `${vn1}: ran sh -c uname -a\n` }]);
    expect(steps[0]!.startTime).toBeDefined();
    expect(steps[0]!.completionTime).toBeDefined();
    const conditions = Object.fromEntries(
      done.status!.conditions!.map((c) => [c.type, `${c.status}/${c.reason}`]),
    );
    expect(conditions).toEqual({
      NodesClaimed: 'True/Claimed',
      NodesReady: 'True/Ready',
      Completed: 'True/Succeeded',
      Released: 'True/Released',
    });
    expect(done.status!.conditions!.every((c) => c.observedGeneration === done.metadata.generation)).toBe(
      true,
    );
    expect(done.status!.startTime).toBeDefined();
    expect(done.status!.completionTime).toBeDefined();
    expect(done.status!.nodes).toEqual([
      expect.objectContaining({ name: vn1, phase: 'Released', bootAttempts: 1 }),
    ]);

    // The command went to the node through its agent, with the step settings and the log stream.
    const call = fake.execs.find((c) => c.node === vn1)!;
    expect(call.request).toEqual({
      command: ['sh', '-c', 'uname -a'],
      timeoutSeconds: 300,
      connectTimeoutSeconds: 120,
      logStream: `experiment.${ns.name}.hello.uname`,
      id: done.status!.steps![0]!.commandId,
    });
    expect(call.request.id).toMatch(/^[0-9a-zA-Z]{1,16}-[0-9a-f]{16}$/);
    // copy toNode: a tar with one file named like the destination, into its directory.
    const put = fake.puts.find((p) => p.node === vn1)!;
    expect(put.dir).toBe('/etc/app');
    expect(put.tar.subarray(0, 8).toString()).toBe('app.json');
    expect(put.tar.subarray(512, 512 + 12).toString()).toBe('{"level":3}\n');
    // copy fromNode: the tar in a ConfigMap owned by the experiment.
    const fetched = await core.readNamespacedConfigMap({ namespace: ns.name, name: `hello-fetch-${vn1}` });
    expect(Buffer.from(fetched.binaryData!['files.tar']!, 'base64').toString()).toBe(
      `tar of /var/log/app on ${vn1}`,
    );
    expect(fetched.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Experiment', name: 'hello' });
    expect(fake.checkpoints).toContainEqual({ name: 'after-uname', owner: ns.name });
    // Platform log lines for the phase changes.
    const lines = fake.logs.filter((l) => l.line.startsWith(`experiment ${ns.name}/hello:`));
    expect(lines.every((l) => l.issuer === 'walt-server' && l.stream === 'platform.experiments')).toBe(true);
    expect(lines.map((l) => l.line).join('\n')).toMatch(/claimed .*\n(.|\n)*Running(.|\n)*Succeeded/);

    // Released: claim cleared, the node's image back to what it was.
    const node = await getNode(vn1);
    expect(node.status?.claimedBy).toBeUndefined();
    expect(node.spec.image).toBe('default');
    expect(node.metadata.annotations?.['experiment.walt.dev/previous-image']).toBeUndefined();
    expect(await eventReasons('hello')).toEqual(
      expect.arrayContaining(['NodesClaimed', 'StepSucceeded', 'Succeeded', 'Released']),
    );
  }, 180_000);

  it('holds a node exclusively: a second experiment waits; deleting the first aborts its command, deletes its logs (keep.logs false) and releases the node to the second', async () => {
    await createExp('holder', {
      nodes: { selector: { matchLabels: { 'walt.dev/test-pool': segment } }, count: 1 },
      steps: [{ name: 'hold', run: { command: ['sleep', '3600'] } }],
      keep: { logs: false },
    });
    // The selector picks the first free node of the pool by name (vn1 and vn2 sort by random suffixes).
    const running = await waitFor('holder running its step', async () => {
      const exp = await getExp('holder');
      return exp?.status?.steps?.[0]?.phase === 'Running' ? exp : undefined;
    });
    const held = running.status!.nodes![0]!.name;
    expect(await getNode(held)).toMatchObject({
      spec: { image: `${ns.name}/img` },
      status: { claimedBy: { namespace: ns.name, name: 'holder' } },
    });

    await createExp('waiter', {
      nodes: { names: [held] },
      steps: [{ name: 'echo', run: { command: ['echo', 'hi'] } }],
    });
    const waiting = await waitFor('waiter to wait for the node', async () => {
      const exp = await getExp('waiter');
      return exp?.status?.phase === 'Acquiring' && exp.status.message?.includes(held) ? exp : undefined;
    });
    expect(waiting.status?.message).toBe(`waiting for ${held} (claimed by ${ns.name}/holder)`);
    expect(conditionOf(waiting, 'NodesClaimed')).toMatchObject({ status: 'False', reason: 'Waiting' });

    const sleeping = fake.execs.find((c) => c.node === held && c.request.command[0] === 'sleep')!;
    expect(sleeping.signal?.aborted).toBe(false);
    await api.deleteNamespacedCustomObject({ ...RESOURCES.experiment, namespace: ns.name, name: 'holder' });
    await waitFor('holder gone', async () => ((await getExp('holder')) ? undefined : true));
    expect(sleeping.signal?.aborted).toBe(true);
    // And the command was cancelled on the node, by the id the exec carried.
    expect(fake.cancels).toEqual([{ node: held, id: sleeping.request.id }]);
    // Its step streams were deleted from the agent of its segment, once, and only those (the
    // experiments before kept theirs: keep.logs defaults to true).
    expect(fake.deletedStreams).toEqual([{ stream: experimentStreamRegex(ns.name, 'holder') }]);
    expect(await eventReasons('holder')).toEqual(expect.arrayContaining(['Released', 'LogsDeleted']));

    const done = await waitPhase('waiter', ['Succeeded', 'Failed']);
    expect(done.status).toMatchObject({
      phase: 'Succeeded',
      steps: [{ name: 'echo', results: [{ node: held, exitCode: 0 }] }],
    });
    await expectReleased(held);
  }, 180_000);

  it('hard-reboots a node that does not boot in time, then fails after the retries', async () => {
    await createExp('stuck', {
      nodes: { names: [vn3] },
      boot: { timeout: '10s', retries: 1 },
      steps: [{ name: 'never', run: { command: ['true'] } }],
    });
    const retried = await waitFor(
      'a reboot request after the first timeout',
      async () => {
        const exp = await getExp('stuck');
        return exp?.status?.nodes?.[0]?.bootAttempts === 2 ? exp : undefined;
      },
      30_000,
    );
    expect(retried.status?.phase).toBe('Booting');
    const node = await getNode(vn3);
    expect(node.metadata.annotations?.[REBOOT_ANNOTATION]).toBeDefined();

    const failed = await waitPhase('stuck', ['Failed'], 30_000);
    expect(failed.status?.message).toBe(`${vn3} did not boot ${ns.name}/img within 10 s (attempt 2 of 2)`);
    expect(failed.status?.steps).toBeUndefined();
    expect(conditionOf(failed, 'Completed')).toMatchObject({ status: 'True', reason: 'Failed' });
    expect(await eventReasons('stuck')).toEqual(
      expect.arrayContaining(['NodeBootTimeout', 'Failed', 'Released']),
    );
    await expectReleased(vn3);
  }, 90_000);

  it('fails on a command that exits with another code than expected, skipping the later steps', async () => {
    await createExp('broken', {
      nodes: { names: [vn2] },
      steps: [
        { name: 'bad', run: { command: ['sh', '-c', 'exit 3'] } },
        { name: 'after', run: { command: ['true'] } },
      ],
    });
    const failed = await waitPhase('broken', ['Failed', 'Succeeded']);
    expect(failed.status?.phase).toBe('Failed');
    expect(failed.status?.message).toBe(`run step bad failed: ${vn2}: exit code 3, expected 0`);
    const [bad, after] = failed.status!.steps!;
    expect(bad).toMatchObject({ name: 'bad', phase: 'Failed' });
    expect(bad!.results).toEqual([
      { node: vn2, exitCode: 3, output: `${vn2}: ran sh -c exit 3\n`, message: 'exit code 3, expected 0' },
    ]);
    expect(after).toMatchObject({ name: 'after', phase: 'Skipped' });
    expect(await eventReasons('broken')).toEqual(expect.arrayContaining(['StepFailed', 'Released']));
  }, 180_000);

  it('re-attaches to a command step found running after an operator restart instead of running it twice', async () => {
    await createExp('restarted', {
      nodes: { names: [vn1] },
      steps: [{ name: 'long', run: { command: ['sleep', '3600'] } }],
    });
    const running = await waitFor('the long step running', async () => {
      const exp = await getExp('restarted');
      return exp?.status?.steps?.[0]?.phase === 'Running' ? exp : undefined;
    });
    const { commandId } = running.status!.steps![0]!;
    await operator.stop();
    await startOperator();
    // The new operator asks the agent for the command by the id recorded before it was sent; this
    // fake agent kept nothing (as an agent that restarted), so the step fails saying so, once.
    const failed = await waitPhase('restarted', ['Failed']);
    expect(failed.status?.message).toBe(
      `run step long failed: ${vn1}: WALT_ERR_COMMAND_LOST: no command ${commandId} on ${vn1}`,
    );
    expect(failed.status?.steps?.[0]).toMatchObject({ phase: 'Failed', commandId });
    expect(fake.attaches).toEqual([{ node: vn1, id: commandId }]);
    expect(fake.execs.filter((c) => c.request.id === commandId)).toHaveLength(1);
    await expectReleased(vn1);
  }, 180_000);
});
