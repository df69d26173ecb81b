// Faults on real processes (docs/faults.md), in the lab of test/support/fault-lab.ts: the REAL boot
// agent in its segment's network namespace, the operator as its own process on the segment, and the
// node played by the REAL node/walt/walt-command-loop in a client namespace holding the node's DHCP
// lease — not a qemu VM: a command "on the node" runs on this host. Each fault is a kill -9 of a whole
// process group (no cleanup, no flush: a crash, an OOM kill); each test asserts what must hold once
// things converged — never how fast — and prints what the fault cost.
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CostSheet, kill9, secondsSince, startIn } from '../support/fault-processes.js';
import { boundIp, FaultLab, IMAGE, pidsNamed, udhcpcBound } from '../support/fault-lab.js';
import { addClient, exec, randomMac, type Client } from '../support/netns.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

const STORM_CLIENTS = 12;
const EXPERIMENTS = ['reattach', 'agentlost'];

describe('faults on real processes: agent, operator, node command loop, ganesha', () => {
  const costs = new CostSheet();
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let dir: string;
  let lab: FaultLab;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-faults-'));
    ns = await testNamespace('faults');
    lab = await FaultLab.create({
      kc: kubeConfig(),
      prefix: '10.79.0',
      namespace: ns.name,
      dir,
      segment: uniqueName('fseg'),
      node: uniqueName('fnode'),
    });
  }, 300_000);

  afterAll(async () => {
    costs.print();
    await lab?.destroy(EXPERIMENTS);
    await ns?.remove();
    await rm(dir, { recursive: true, force: true });
  }, 180_000);

  it('kill -9 of the operator in the middle of a run step: the new operator re-attaches; the command ran once, its result is recorded once', async () => {
    // Given a step running a command on the node
    const runs = path.join(dir, 'reattach.runs');
    const command = ['sh', '-c', `echo run >>'${runs}'; sleep 20; echo finished`];
    const running = await lab.runningExperiment('reattach', command, runs);
    const { commandId } = running.status!.steps!.find((s) => s.name === 'work')!;
    // When the operator is killed, and started again
    const killedAt = Date.now();
    await kill9(lab.operator);
    lab.operator = lab.startOperator();
    // Then the step ends once, with the node's result, under the id recorded before the kill
    const done = await lab.finished('reattach');
    const seconds = secondsSince(killedAt);
    const step = done.status!.steps!.find((s) => s.name === 'work')!;
    expect(done.status!.phase).toBe('Succeeded');
    expect(step).toMatchObject({ phase: 'Succeeded', commandId });
    expect(step.results).toEqual([{ node: lab.options.node, exitCode: 0, output: 'finished\n' }]);
    // And the command ran once on the node; one StepSucceeded event, no StepFailed
    expect(await readFile(runs, 'utf8')).toBe('run\n');
    expect(await lab.eventCount('reattach', 'StepSucceeded')).toBe(1);
    expect(await lab.eventCount('reattach', 'StepFailed')).toBe(0);
    // And it was the new operator that attached to the command: one platform log line, this one
    // whole (the query selects candidates; the check is on the exact line)
    const reattached = `experiment ${ns.name}/reattach: re-attaching to the commands of step work (id ${commandId})`;
    const candidates = 'reattach: re-attaching';
    await lab.waitOr(
      'the platform log line',
      async () => ((await lab.platformLines(candidates)).length ? true : undefined),
      30_000,
    );
    expect(await lab.platformLines(candidates)).toEqual([reattached]);
    costs.record({
      fault: 'operator kill -9 during a run step',
      seconds,
      retried:
        'leader Lease taken over after it expired, then one attach (GET .../exec/<id>); the command ran once',
    });
  }, 400_000);

  it('kill -9 of the agent during a DHCP boot storm: no address handed out twice, no acknowledged lease lost', async () => {
    // Given clients asking for addresses one after the other
    const clients = await Promise.all(
      Array.from({ length: STORM_CLIENTS }, () => addClient(lab.net, { mac: randomMac('02:fa:01') })),
    );
    const storm = path.join(dir, 'storm');
    await mkdir(storm);
    const envOf = (c: Client): string => path.join(storm, `${c.ns}.env`);
    const runs: Array<Promise<unknown>> = [];
    for (const [i, client] of clients.entries()) {
      runs.push(udhcpcBound(client, path.join(storm, client.ns), { tries: 90 }));
      // When the agent is killed once a third of them are bound
      if (i === Math.floor(STORM_CLIENTS / 3)) {
        await lab.waitOr(
          'a third of the storm bound',
          () =>
            Promise.resolve(
              clients.filter((c) => existsSync(envOf(c))).length >= STORM_CLIENTS / 3 ? true : undefined,
            ),
          60_000,
        );
      }
    }
    const acknowledged = new Map<string, string>();
    await lab.killAgent();
    const killedAt = Date.now();
    for (const client of clients) {
      if (existsSync(envOf(client))) acknowledged.set(client.mac, await boundIp(envOf(client)));
    }
    lab.agent = lab.startAgent();
    const results = await Promise.allSettled(runs);
    const seconds = secondsSince(killedAt);
    // Then every client got an address, each a different one
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const ips = await Promise.all(clients.map((c) => boundIp(envOf(c))));
    expect(new Set(ips).size).toBe(clients.length);
    // (nor the node's, bound before the storm)
    expect(ips).not.toContain(await lab.nodeIp());
    // And every lease acknowledged before the kill is in the lease file, with its address
    const file = JSON.parse(await readFile(lab.leasesFile, 'utf8')) as {
      leases: Array<{ mac: string; ip: string; state: string }>;
    };
    for (const [mac, ip] of acknowledged) {
      expect(file.leases.find((l) => l.mac === mac)).toMatchObject({ ip, state: 'bound' });
    }
    expect(acknowledged.size).toBeGreaterThan(0);
    costs.record({
      fault: `agent kill -9 during a DHCP storm of ${STORM_CLIENTS} clients`,
      seconds,
      retried: `${STORM_CLIENTS - acknowledged.size} clients repeated DISCOVER until the restarted agent answered; ${acknowledged.size} acknowledged leases kept`,
    });
  }, 400_000);

  it('kill -9 of the agent during a command: the step fails once, saying the agent lost the command', async () => {
    await lab.waitOr('the agent to answer again', () => lab.agentAnswers(), 120_000);
    // Given a step running a command on the node
    const started = path.join(dir, 'agentlost.started');
    await lab.runningExperiment('agentlost', ['sh', '-c', `: >'${started}'; sleep 30`], started);
    const retriesBefore = (lab.operator.log().match(/re-attaching to the command/g) ?? []).length;
    // When the agent is killed, and started again (it keeps commands in memory only)
    const killedAt = Date.now();
    await lab.killAgent();
    lab.agent = lab.startAgent();
    // Then the step fails, once, with the agent's WALT_ERR_COMMAND_LOST as the node's reason
    const done = await lab.finished('agentlost');
    const seconds = secondsSince(killedAt);
    const step = done.status!.steps!.find((s) => s.name === 'work')!;
    expect(done.status!.phase).toBe('Failed');
    expect(step.phase).toBe('Failed');
    expect(step.results).toEqual([
      { node: lab.options.node, message: expect.stringMatching(/^WALT_ERR_COMMAND_LOST: /) as string },
    ]);
    expect(await lab.eventCount('agentlost', 'StepFailed')).toBe(1);
    const retries = (lab.operator.log().match(/re-attaching to the command/g) ?? []).length - retriesBefore;
    costs.record({
      fault: 'agent kill -9 during a command',
      seconds,
      retried: `${retries} attaches while the agent was down, then WALT_ERR_COMMAND_LOST from the new agent`,
    });
  }, 400_000);

  it('kill -9 of the agent while log lines are appended: no acknowledged line lost', async () => {
    await lab.waitOr('the agent to answer again', () => lab.agentAnswers(), 120_000);
    // Given a node posting numbered lines, ten a request, noting each request the agent acknowledged
    const acked = path.join(dir, 'acked');
    const stopFile = path.join(dir, 'stop-writing');
    const writer = path.join(dir, 'writer.sh');
    await writeFile(
      writer,
      [
        '#!/bin/sh',
        'i=0',
        `while [ $i -lt 3000 ] && [ ! -e '${stopFile}' ]; do`,
        '  i=$((i + 1))',
        '  body=$(for j in 0 1 2 3 4 5 6 7 8 9; do echo "line $i.$j"; done)',
        `  if curl -fsS -o /dev/null -m 10 -H 'content-type: text/plain' --data-binary "$body" 'http://${lab.serverIp}/api/v1/nodes/${lab.options.node}/logs?stream=faults.append'; then`,
        `    echo $i >>'${acked}'`,
        '  else sleep 0.2; fi',
        'done',
        '',
      ].join('\n'),
    );
    await chmod(writer, 0o755);
    const writing = startIn('log writer', { ns: lab.nodeNs.ns, command: '/bin/sh', args: [writer] });
    const ackedCount = async (): Promise<number> =>
      (await readFile(acked, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    await lab.waitOr(
      'some lines acknowledged',
      async () => ((await ackedCount()) >= 20 ? true : undefined),
      60_000,
    );
    // When the agent is killed mid-stream, and started again, and the node goes on writing
    await lab.killAgent();
    const killedAt = Date.now();
    const beforeRestart = await ackedCount();
    lab.agent = lab.startAgent();
    await lab.waitOr(
      'lines acknowledged by the new agent',
      async () => ((await ackedCount()) >= beforeRestart + 20 ? true : undefined),
      180_000,
    );
    const seconds = secondsSince(killedAt);
    await writeFile(stopFile, '');
    await writing.exited;
    // Then every line of every acknowledged request is in the store
    const numbers = (await readFile(acked, 'utf8')).split('\n').filter(Boolean);
    const query = await lab.nodeCurl([
      `http://${lab.serverIp}/api/v1/logs/query?issuer=${lab.options.node}&stream=${encodeURIComponent('^faults\\.append$')}&limit=100000`,
    ]);
    const stored = new Set((JSON.parse(query) as { logs: Array<{ line: string }> }).logs.map((l) => l.line));
    const missing = numbers.flatMap((i) =>
      Array.from({ length: 10 }, (_, j) => `line ${i}.${j}`).filter((line) => !stored.has(line)),
    );
    expect(missing).toEqual([]);
    costs.record({
      fault: 'agent kill -9 while log lines are appended',
      seconds,
      retried: `the node's requests failed while the agent was down (not acknowledged, not retried by this writer); ${numbers.length * 10} acknowledged lines all kept`,
    });
  }, 400_000);

  it('kill -9 of nfs-ganesha under the agent: the agent restarts it, the exports come back', async () => {
    await lab.waitOr('the agent to answer again', () => lab.agentAnswers(), 120_000);
    // Given the node on a bootable image: its /persist directory is exported to it
    await lab.setNodeImage(`${ns.name}/${IMAGE}`);
    const persist = `nfs://${lab.serverIp}/persist/${lab.options.node}`;
    await lab.waitOr('the persist export served', () => nfsLists(lab.nodeNs, persist), 180_000);
    const [before] = await pidsNamed(lab.net.ns, ['ganesha.nfsd']);
    // When ganesha is killed
    process.kill(before!, 'SIGKILL');
    const killedAt = Date.now();
    // Then the agent starts another, and the export is served again
    const after = await lab.waitOr(
      'a new ganesha',
      async () => (await pidsNamed(lab.net.ns, ['ganesha.nfsd'])).find((pid) => pid !== before),
      120_000,
    );
    await lab.waitOr('the persist export served again', () => nfsLists(lab.nodeNs, persist), 120_000);
    const seconds = secondsSince(killedAt);
    expect(after).not.toBe(before);
    expect(lab.agent.log()).toMatch(/the NFS server exited: restarting it/);
    costs.record({
      fault: 'nfs-ganesha kill -9',
      seconds,
      retried: 'the agent saw ganesha exit and started a new one with the same exports',
    });
    await lab.setNodeImage('default');
  }, 300_000);

  it('every agent it started ran as its own ServiceAccount, never refused by the apiserver', () => {
    expect(lab.agentRefusals()).toEqual([]);
  });
});

/** nfs-ls of `url` from `client` succeeds. */
function nfsLists(client: Client, url: string): Promise<true | undefined> {
  return exec(client.ns, 'nfs-ls', [url], 20_000).then(
    () => true,
    () => undefined,
  );
}
