// The client library (client/) as client/README.md shows it, run against the REAL boot agent of a lab
// (test/support/cli-lab.ts: agents/main.ts in its network namespace as its segment's ServiceAccount, the
// operator, a registry, and one simulated machine running the real node scripts with an address from
// the agent's DHCP): the README's flow, call by call — nodes.boot/reboot/wait/run/copyTo, then
// logs.addCheckpoint/query/follow — each checked on what the agent, the node or the store did.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ApiLogLine } from '../../api/agent/v1.js';
import { createWaltClient, type WaltClient } from '../../client/index.js';
import { LAB_IMAGE, startCliLab, type CliLab } from '../support/cli-lab.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

describe('the client library as its README shows it, against the real agent', () => {
  const kc = kubeConfig();
  const segment = uniqueName('clib-seg');
  const machine = uniqueName('clib-m');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: CliLab;
  let dir: string;
  let walt: WaltClient;

  beforeAll(async () => {
    ns = await testNamespace('clib');
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-clib-'));
    lab = await startCliLab({
      kc,
      namespace: ns.name,
      segment,
      netns: `wclib-${process.pid}`,
      prefix: '10.96.0',
      node: machine,
      dir: path.join(dir, 'lab'),
    });
    // The lab relays the agent's API to loopback (the README: WALT_AGENT_URL_ALLOW_LOOPBACK=1).
    process.env.WALT_AGENT_URL_ALLOW_LOOPBACK = '1';
    walt = createWaltClient({ kubeconfig: kc, namespace: ns.name });
  }, 300_000);

  afterAll(async () => {
    await lab?.stop();
    await ns?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('boots, waits for, runs on and copies to a node, then checkpoints, queries and follows its logs', async () => {
    const bootsBefore = lab.node.boots;
    await walt.nodes.boot(machine, LAB_IMAGE);
    await walt.nodes.reboot(machine);
    const [booted] = await walt.nodes.wait([machine], { timeoutMs: 180_000 });
    lab.node.check();
    expect(booted?.status).toMatchObject({
      phase: 'Ready',
      ip: lab.node.ip,
      bootedImage: { name: `${ns.name}/${LAB_IMAGE}` },
    });
    expect(lab.node.boots).toBeGreaterThan(bootsBefore);

    // The machine is this host: the same kernel answers
    const here = await promisify(execFile)('uname', ['-a']);
    expect(await walt.nodes.run(machine, ['uname', '-a'])).toMatchObject({
      exitCode: 0,
      output: here.stdout,
    });

    // cp semantics: into the destination when it is a directory (the node's filesystem is this host's)
    const onNode = path.join(dir, 'node-fs');
    await mkdir(onNode, { recursive: true });
    await mkdir(path.join(dir, 'data'), { recursive: true });
    await writeFile(path.join(dir, 'data', 'result.txt'), 'forty-two\n');
    await walt.nodes.copyTo(machine, path.join(dir, 'data'), onNode);
    expect(await readFile(path.join(onNode, 'data', 'result.txt'), 'utf8')).toBe('forty-two\n');

    await lab.node.logEcho('app', 'before the checkpoint', new Date(Date.now() - 10_000));
    await walt.logs.addCheckpoint({ name: 'before', owner: walt.namespace });
    await lab.node.logEcho('app', 'step 1');
    await lab.node.logEcho('apparatus', 'step 2');
    await lab.node.logEcho('other', 'not an app line');
    const queried: string[] = [];
    for await (const line of walt.logs.query({
      issuers: [machine],
      stream: '^app',
      fromCheckpoint: 'before',
      owner: walt.namespace,
    })) {
      queried.push(`${line.issuer} ${line.stream} ${line.line}`);
    }
    expect(queried).toEqual([`${machine} app step 1`, `${machine} apparatus step 2`]);

    // A follow sees live lines: the machine says "done" (at most 60 times) until the loop stopped on it
    const stop = new AbortController();
    const followed: ApiLogLine[] = [];
    const following = (async () => {
      for await (const line of walt.logs.follow({ issuers: [machine], stream: '^work$' }, stop.signal)) {
        followed.push(line);
        if (line.line.includes('done')) stop.abort();
      }
    })();
    for (let i = 0; i < 60 && !stop.signal.aborted; i += 1) {
      await lab.node.logEcho('work', 'done');
      await Promise.race([following, new Promise((r) => setTimeout(r, 1000))]);
    }
    await following;
    expect(stop.signal.aborted).toBe(true);
    // The loop ended on the abort; what it saw were the machine's "done" lines (one per echo it caught)
    expect(followed.length).toBeGreaterThan(0);
    expect(new Set(followed.map((l) => `${l.issuer} ${l.stream} ${l.line}`))).toEqual(
      new Set([`${machine} work done`]),
    );
  }, 300_000);
});
