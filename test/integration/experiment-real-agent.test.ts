// The Experiment controller against the REAL boot agent (test/support/experiment-lab.ts): the agent
// in its segment's network namespace as its segment's ServiceAccount, the operator as walt-operator,
// and machines that boot through the agent's DHCP, iPXE script, HTTP and NFS and run the real node
// scripts (test/support/busybox-machine.ts). Proves, where an earlier suite only showed it against an
// in-memory agent: run, copy (both ways, through the agent's transfers and the node's tar),
// checkpoint, wait, boot and reboot steps; a run step failing with the node's real exit code and
// output; an operator restart during a step, which attaches to the node's command by id and never
// sends it twice; claims by selector and by name; keep.logs false; and the boot timeout path — hard
// reboot requested, retries counted, Failed — with the agent's real handling of the reboot request
// of a node whose power driver cannot act.
// Every wait is on a condition of the Experiment's status as the watch saw it; failures name the cause
// (phase/reason: message) and the processes' logs.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REBOOT_REQUEST_CONDITION } from '../../api/node/index.js';
import { RESOURCES, type WaltSegment } from '../../api/v1alpha1/index.js';
import { causeOf, ExperimentLab } from '../support/experiment-lab.js';
import { kubeConfig, kubectl, testNamespace, uniqueName } from './support/cluster.js';

const run = promisify(execFile);

describe('Experiment controller against the real agent and simulated machines', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let dir: string;
  let lab: ExperimentLab;
  const pool = uniqueName('pool');
  const segment = uniqueName('xseg');
  const [m1, m2, dead] = [uniqueName('bbm'), uniqueName('bbm'), uniqueName('bbd')] as [
    string,
    string,
    string,
  ];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-expreal-'));
    ns = await testNamespace('expreal');
    lab = await ExperimentLab.create({
      kc: kubeConfig(),
      prefix: '10.83.0',
      namespace: ns.name,
      dir,
      segment,
    });
    await lab.addMachines([
      { name: m1, labels: { 'walt.dev/test-pool': pool } },
      { name: m2, labels: { 'walt.dev/test-pool': pool } },
      // Powered by a webhook that nothing answers (TEST-NET-1): every power cycle fails.
      { name: dead, dead: true, power: { driver: 'webhook', webhook: { url: 'http://192.0.2.1/power' } } },
    ]);
  }, 300_000);

  // A test that failed half-way must not leave a claim on a machine the next test needs.
  afterEach(() => lab?.deleteExperiments(), 90_000);

  afterAll(async () => {
    await lab?.destroy();
    await ns?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 180_000);

  it('claims a node, boots it, runs run/copy/checkpoint/wait steps through the agent, records results and releases', async () => {
    // Given a ConfigMap and an experiment that writes, sends, reads and fetches files on m1
    await lab.core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'app' }, data: { 'conf.json': '{"level":3}\n' } },
    });
    await lab.createExperiment('hello', {
      nodes: { names: [m1] },
      steps: [
        {
          name: 'write',
          run: { command: ['sh', '-c', 'mkdir -p /var/log/app && echo started >/var/log/app/a.log'] },
        },
        {
          name: 'conf',
          copy: { direction: 'toNode', source: 'configmap:app/conf.json', destination: '/etc/app/app.json' },
        },
        { name: 'show', run: { command: ['cat', '/etc/app/app.json'] } },
        { name: 'fetch', copy: { direction: 'fromNode', source: '/var/log/app', destination: 'logs' } },
        { name: 'mark', checkpoint: { name: 'after-show' } },
        { name: 'settle', wait: { duration: '1s' } },
      ],
    });
    // When it runs to its end
    const done = await lab.finished('hello');
    // Then it succeeded, every step in order, on the machine the agent leased its address to
    expect(causeOf(done)).toBe('Succeeded/Succeeded: all 6 steps succeeded');
    expect(done.status!.steps!.map((s) => `${s.name}=${s.phase}`)).toEqual([
      'write=Succeeded',
      'conf=Succeeded',
      'show=Succeeded',
      'fetch=Succeeded',
      'mark=Succeeded',
      'settle=Succeeded',
    ]);
    expect(done.status!.nodes).toEqual([
      expect.objectContaining({ name: m1, phase: 'Released', bootAttempts: 1, ip: lab.machine(m1).ip }),
    ]);
    const conditions = Object.fromEntries(
      done.status!.conditions!.map((c) => [c.type, `${c.status}/${c.reason}`]),
    );
    expect(conditions).toEqual({
      NodesClaimed: 'True/Claimed',
      NodesReady: 'True/Ready',
      Completed: 'True/Succeeded',
      Released: 'True/Released',
      // What GitOps tools read (api/kstatus/experiment.ts)
      Ready: 'True/Succeeded',
      Reconciling: 'False/Idle',
      Stalled: 'False/Idle',
    });
    expect(done.status!.conditions!.every((c) => c.observedGeneration === done.metadata.generation)).toBe(
      true,
    );
    expect(done.status!.steps![0]!.commandId).toMatch(/^[0-9a-zA-Z]{1,16}-[0-9a-f]{16}$/);
    // The file came through the agent into the machine's filesystem, and the node read it back
    expect(await readFile(path.join(lab.machine(m1).root, 'etc/app/app.json'), 'utf8')).toBe('{"level":3}\n');
    expect(done.status!.steps![2]!.results).toEqual([{ node: m1, exitCode: 0, output: '{"level":3}\n' }]);
    // And the node's directory, archived by its own (busybox) tar, is in a ConfigMap owned by the
    // experiment, readable by GNU tar
    const fetched = await lab.core.readNamespacedConfigMap({ namespace: ns.name, name: `hello-fetch-${m1}` });
    expect(fetched.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Experiment', name: 'hello' });
    const tarFile = path.join(dir, 'fetched.tar');
    await writeFile(tarFile, Buffer.from(fetched.binaryData!['files.tar']!, 'base64'));
    expect((await run('tar', ['-t', '-f', tarFile])).stdout.split('\n').filter(Boolean).sort()).toEqual([
      'app/',
      'app/a.log',
    ]);
    expect((await run('tar', ['-x', '-O', '-f', tarFile, 'app/a.log'])).stdout).toBe('started\n');
    // And the agent's store holds the step's output, the checkpoint and the platform lines
    const stream = `^experiment\\.${ns.name}\\.hello\\.show$`;
    expect(await lab.logLines(m1, stream)).toEqual(['{"level":3}']);
    expect(await lab.checkpoints(m1, ns.name)).toEqual([
      expect.objectContaining({ name: 'after-show', owner: ns.name }),
    ]);
    // (the operator sends its platform lines without waiting, the agent stores them in batches)
    const platform = await lab.waitOr('the platform line of the outcome', async () => {
      const lines = await lab.platformLines(m1, `^experiment ${ns.name}/hello:`);
      return lines.some((l) => l.includes(': Succeeded: ')) ? lines : undefined;
    });
    expect(platform.join('\n')).toMatch(/claimed .*\n(.|\n)*Running(.|\n)*Succeeded: /);
    expect(await lab.eventReasons('hello')).toEqual(
      expect.arrayContaining(['NodesClaimed', 'StepSucceeded', 'Succeeded', 'Released']),
    );
    // And the node was given back: claim cleared, its image what it was
    const node = await lab.getNode(m1);
    expect(node.status?.claimedBy).toBeUndefined();
    expect(node.spec.image).toBe('default');
    // And the operator never wrote the node's spec or metadata: every write of its field manager went
    // to the status subresource (the spec is the user's, or a GitOps tool's)
    const experiments = (node.metadata.managedFields ?? []).filter((m) => m.manager === 'walt-experiments');
    expect(experiments.map((m) => m.subresource ?? 'main')).not.toContain('main');
    expect(node.metadata.generation).toBe(1);
  }, 400_000);

  it('fails a run step on the exit code the node reports, with its output, and skips the later steps', async () => {
    await lab.createExperiment('broken', {
      nodes: { names: [m2] },
      steps: [
        { name: 'bad', run: { command: ['sh', '-c', 'echo oops >&2; exit 3'] } },
        { name: 'after', run: { command: ['true'] } },
      ],
    });
    const failed = await lab.finished('broken');
    expect(causeOf(failed)).toBe(`Failed/Failed: run step bad failed: ${m2}: exit code 3, expected 0`);
    const [bad, after] = failed.status!.steps!;
    expect(bad).toMatchObject({ name: 'bad', phase: 'Failed' });
    expect(bad!.results).toEqual([
      { node: m2, exitCode: 3, output: 'oops\n', message: 'exit code 3, expected 0' },
    ]);
    expect(after).toMatchObject({ name: 'after', phase: 'Skipped' });
    expect(await lab.eventReasons('broken')).toEqual(expect.arrayContaining(['StepFailed', 'Released']));
  }, 400_000);

  it('runs boot and reboot steps: each boots the machine again on the image, soft and hard alike', async () => {
    // Given an experiment on m2 that reads its boot id between a soft reboot, a boot and a hard reboot
    const bootId = { run: { command: ['cat', '/proc/sys/kernel/random/boot_id'] } };
    const bootsBefore = lab.machine(m2).boots;
    await lab.createExperiment('reboots', {
      nodes: { names: [m2] },
      steps: [
        { name: 'id0', ...bootId },
        { name: 'soft', reboot: {} },
        { name: 'id1', ...bootId },
        { name: 'again', boot: {} },
        { name: 'id2', ...bootId },
        { name: 'hard', reboot: { hard: true } },
        { name: 'id3', ...bootId },
      ],
    });
    // When it runs to its end
    const done = await lab.finished('reboots');
    // Then every step succeeded; each (re)boot step reports the image the node came up on
    expect(causeOf(done)).toBe('Succeeded/Succeeded: all 7 steps succeeded');
    const steps = done.status!.steps!;
    for (const name of ['soft', 'again', 'hard']) {
      expect(steps.find((s) => s.name === name)).toMatchObject({
        phase: 'Succeeded',
        results: [{ node: m2, message: `booted ${ns.name}/img` }],
      });
    }
    // And the machine booted four times (the claim, then one per step), each read a new boot id
    expect(lab.machine(m2).boots - bootsBefore).toBe(4);
    const ids = ['id0', 'id1', 'id2', 'id3'].map((n) => steps.find((s) => s.name === n)!.results![0]!.output);
    expect(new Set(ids).size).toBe(4);
  }, 400_000);

  it('after an operator restart during a step, attaches to the node command by its id; it ran once', async () => {
    // Given a step running on m1 until the test releases it
    const machineRoot = lab.machine(m1).root;
    const script = 'echo run >>/runs; while [ ! -e /release ]; do sleep 1; done; echo finished';
    const execRoute = '/api/v1/nodes/:name/exec';
    const [execsBefore, attachesBefore] = [
      await lab.agentRequests(execRoute),
      await lab.agentRequests(`${execRoute}/:id`),
    ];
    await lab.createExperiment('restarted', {
      nodes: { names: [m1] },
      steps: [{ name: 'work', run: { command: ['sh', '-c', script] } }],
    });
    const running = await lab.until('restarted', 'step work running', (e) => {
      const step = e.status?.steps?.[0];
      return step?.phase === 'Running' && step.commandId !== undefined;
    });
    const { commandId } = running.status!.steps![0]!;
    await lab.waitOr('the command to start on the machine', () =>
      readFile(path.join(machineRoot, 'runs'), 'utf8').then(
        () => true,
        () => undefined,
      ),
    );
    // When the operator stops and a new one starts
    await lab.stopOperator();
    await lab.startOperator();
    // Then the new operator attaches to the command by the id recorded before the restart
    const line = `restarted: re-attaching to the commands of step work \\(id ${commandId}\\)`;
    await lab.waitOr('the re-attach platform line', async () =>
      (await lab.platformLines(m1, line)).length ? true : undefined,
    );
    // And once the command ends on the node, its result is the step's, under the same id
    await writeFile(path.join(machineRoot, 'release'), '');
    const done = await lab.finished('restarted');
    expect(causeOf(done)).toBe('Succeeded/Succeeded: all 1 steps succeeded');
    expect(done.status!.steps![0]).toMatchObject({ phase: 'Succeeded', commandId });
    expect(done.status!.steps![0]!.results).toEqual([{ node: m1, exitCode: 0, output: 'finished\n' }]);
    // And the node ran it once, and the step ended once
    expect(await readFile(path.join(machineRoot, 'runs'), 'utf8')).toBe('run\n');
    const reasons = await lab.eventReasons('restarted');
    expect(reasons.filter((r) => r === 'StepSucceeded')).toHaveLength(1);
    expect(reasons).not.toContain('StepFailed');
    expect(await lab.platformLines(m1, line)).toHaveLength(1);
    // And the agent was sent one exec for the whole experiment (the first operator's, answered when
    // its connection closed), and the attach (GET .../exec/<id>) of the new one
    expect(await lab.agentRequests(execRoute)).toBe(execsBefore + 1);
    expect(await lab.agentRequests(`${execRoute}/:id`)).toBeGreaterThan(attachesBefore);
  }, 400_000);

  it('claims by selector: two experiments on a pool of two each get their own machine; a third waits for its node; keep.logs false deletes the logs', async () => {
    // Given two experiments picking one node each from the pool, started together; each step says which
    // machine ran it (its kernel command line names the node) and holds until released
    const selector = { matchLabels: { 'walt.dev/test-pool': pool } };
    for (const name of [m1, m2]) await rm(path.join(lab.machine(name).root, 'release'), { force: true });
    const hold =
      'grep -o "walt.node=[^ ]*" /proc/cmdline; touch /held; while [ ! -e /release ]; do sleep 1; done';
    for (const name of ['pick-a', 'pick-b']) {
      await lab.createExperiment(name, {
        nodes: { selector, count: 1 },
        steps: [{ name: 'which', run: { command: ['sh', '-c', hold] } }],
        ...(name === 'pick-a' ? { keep: { logs: false } } : {}),
      });
    }
    // When both run at once
    for (const name of [m1, m2]) {
      const root = lab.machine(name).root;
      await lab.waitOr(`a step holding ${name}`, () =>
        readFile(path.join(root, 'held'), 'utf8').then(
          () => true,
          () => undefined,
        ),
      );
    }
    // And a third experiment asks for m1 by name while it is held: it waits, saying for whom
    await lab.createExperiment('waiter', {
      nodes: { names: [m1] },
      steps: [{ name: 'echo', run: { command: ['echo', 'hi'] } }],
    });
    const waiting = await lab.until(
      'waiter',
      `waiting for ${m1}`,
      (e) => e.status?.phase === 'Acquiring' && (e.status.message ?? '').startsWith(`waiting for ${m1}`),
    );
    const holder = ['pick-a', 'pick-b'].find((n) => lab.latest(n)?.status?.nodes?.[0]?.name === m1);
    expect(causeOf(waiting)).toBe(`Acquiring/-: waiting for ${m1} (claimed by ${ns.name}/${holder})`);
    expect(waiting.status?.conditions?.find((c) => c.type === 'NodesClaimed')).toMatchObject({
      status: 'False',
      reason: 'Waiting',
    });
    for (const name of [m1, m2]) await writeFile(path.join(lab.machine(name).root, 'release'), '');
    const [a, b] = [await lab.finished('pick-a'), await lab.finished('pick-b')];
    // Then each succeeded on a node of its own, and the command ran on that node's machine
    expect([causeOf(a), causeOf(b)]).toEqual([
      'Succeeded/Succeeded: all 1 steps succeeded',
      'Succeeded/Succeeded: all 1 steps succeeded',
    ]);
    const nodeOf = (e: typeof a): string => e.status!.nodes![0]!.name;
    expect([nodeOf(a), nodeOf(b)].sort()).toEqual([m1, m2].sort());
    for (const e of [a, b]) {
      expect(e.status!.steps![0]!.results).toEqual([
        { node: nodeOf(e), exitCode: 0, output: `walt.node=${nodeOf(e)}\n` },
      ]);
    }
    // And the dead machine, outside the pool, was never claimed
    expect((await lab.getNode(dead)).status?.claimedBy).toBeUndefined();
    // And the waiter got m1 once its holder released it, and ran there
    const waited = await lab.finished('waiter');
    expect(causeOf(waited)).toBe('Succeeded/Succeeded: all 1 steps succeeded');
    expect(waited.status!.steps![0]!.results).toEqual([{ node: m1, exitCode: 0, output: 'hi\n' }]);
    // And deleting pick-a (keep.logs false) deletes its step output from the agent's store, not pick-b's
    const streamOf = (name: string): string => `^experiment\\.${ns.name}\\.${name}\\.which$`;
    expect(await lab.logLines(m1, streamOf('pick-a'))).toEqual([`walt.node=${nodeOf(a)}`]);
    await lab.api.deleteNamespacedCustomObject({
      ...RESOURCES.experiment,
      namespace: ns.name,
      name: 'pick-a',
    });
    await lab.waitOr('the LogsDeleted event of pick-a', async () =>
      (await lab.eventReasons('pick-a')).includes('LogsDeleted') ? true : undefined,
    );
    expect(await lab.logLines(m1, streamOf('pick-a'))).toEqual([]);
    expect(await lab.logLines(m1, streamOf('pick-b'))).toEqual([`walt.node=${nodeOf(b)}`]);
  }, 400_000);

  it('hard-reboots a node that does not boot in time, counts the retries, then fails; the agent handles each request', async () => {
    // Given a node whose machine never comes up, powered by a webhook nothing answers
    await lab.createExperiment('stuck', {
      nodes: { names: [dead] },
      boot: { timeout: '10s', retries: 1 },
      steps: [{ name: 'never', run: { command: ['true'] } }],
    });
    // When its boot times out: a hard reboot is asked, attempt 2 begins
    const retried = await lab.until(
      'stuck',
      'boot attempt 2',
      (e) => e.status?.nodes?.[0]?.bootAttempts === 2,
    );
    expect(retried.status?.phase).toBe('Booting');
    const requested = (await lab.getNode(dead)).status?.claimedBy?.rebootRequestedAt;
    expect(requested).toBeDefined();
    // Then the agent took the request (hard at once: the node is not on its command channel) and
    // recorded that its driver could not carry it out
    const handled = await lab.waitOr('the agent to record the reboot request', async () => {
      const node = await lab.getNode(dead);
      const condition = node.status?.conditions?.find((c) => c.type === REBOOT_REQUEST_CONDITION);
      return condition?.message?.startsWith(`requested at ${requested};`) ? condition : undefined;
    });
    expect(handled).toMatchObject({ status: 'False', reason: 'RebootFailed' });
    expect(handled.message).toContain('webhook power driver could not switch node');
    // And after the second timeout the experiment fails, naming the node, the image and the attempts
    const failed = await lab.until('stuck', 'Failed', (e) => e.status?.phase === 'Failed');
    expect(causeOf(failed)).toBe(
      `Failed/Failed: ${dead} did not boot ${ns.name}/img within 10 s (attempt 2 of 2)`,
    );
    expect(failed.status?.steps).toBeUndefined();
    // It went Booting with attempt 1, then 2, and never further
    const attempts = [...new Set(lab.history.get('stuck')!.map((e) => e.status?.nodes?.[0]?.bootAttempts))];
    expect(attempts.filter((n) => n !== undefined)).toEqual([1, 2]);
    const reasons = await lab.eventReasons('stuck');
    expect(reasons.filter((r) => r === 'NodeBootTimeout')).toHaveLength(2);
    expect(reasons).toEqual(expect.arrayContaining(['Failed', 'Released']));
    const node = await lab.getNode(dead);
    expect(node.status?.claimedBy).toBeUndefined();
    expect(node.spec.image).toBe('default');
  }, 400_000);

  it("shows the segment Ready from its agent's heartbeat, as the operator reads it (the READY column)", async () => {
    const segmentNow = async (): Promise<WaltSegment> =>
      (await lab.api.getClusterCustomObject({ ...RESOURCES.segment, name: segment })) as WaltSegment;
    const ready = await lab.waitOr('the segment Ready', async () => {
      const s = await segmentNow();
      return s.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? s : undefined;
    });
    const byType = Object.fromEntries(ready.status!.conditions!.map((c) => [c.type, c]));
    expect(byType.Ready).toMatchObject({
      reason: 'AgentHeartbeat',
      observedGeneration: ready.metadata.generation,
    });
    expect(byType.Reconciling).toMatchObject({
      status: 'False',
      observedGeneration: ready.metadata.generation,
    });
    expect(byType.Stalled).toMatchObject({ status: 'False', observedGeneration: ready.metadata.generation });
    // The agent wrote the heartbeat; the operator's own field manager wrote the conditions
    const managers = (ready.metadata.managedFields ?? []).map((m) => m.manager);
    expect(managers).toContain('walt-segment-health');
    const table = await kubectl(['get', 'ws', segment, '--no-headers']);
    expect(table.code).toBe(0);
    expect(table.stdout.trim().split(/\s+/)).toContain('True');
  });

  it('did all of the above with the agent as its own ServiceAccount: the apiserver refused it nothing', () => {
    expect(lab.agent.refusals()).toEqual([]);
  });
});
