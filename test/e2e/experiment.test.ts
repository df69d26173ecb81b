// End to end, on a real lab (agent in a network namespace, ganesha, qemu TCG): examples/experiment.yaml
// is applied with kubectl for a virtual node. The operator claims the node, boots the experiment's
// image on it, runs the command over the node command channel (ADR 0008): its output shows in the
// step's status and in `walt log show` (the built CLI, reading the agent's log store). A second
// experiment asking for the same node waits in Acquiring (meanwhile `walt node run` and `walt node cp`
// reach the node through the same channel); deleting the first releases the node, and
// the second then claims it, boots and runs — its command uses the node's walt-log-echo helper. The
// second keeps no logs: deleting it deletes its step output from the agent's store. Then cancels on the
// node itself (cancel-checks.ts): deleting an Experiment whose run step still runs ends the command's
// process group on the node (TERM first: its trap runs), and DELETE .../exec/<id> through the agent
// API answers how the node ended the command (TERM, or KILL after the grace when it ignores TERM).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import {
  experimentStepStream,
  experimentStreamRegex,
  RESOURCES,
  type Experiment,
  type WaltImage,
  type WaltNode,
} from '../../api/v1alpha1/index.js';
import { ensureDefaultImage, pushImage } from '../../local/default-image/image.js';
import { startLab, type Lab } from '../../local/lab/lab.js';
import { applyAll, labImage, labSegment, virtualNode } from '../../local/lab/resources.js';
import { builtCli, ensureCliBuilt } from '../integration/cli-support.js';
import { waitFor } from '../support/wait.js';
import { connectAgent } from '../../client/agent.js';
import type { AgentOperations } from '../../api/agent/v1.js';
import { isWaltError } from '../../common/errors.js';
import { evidenceOn, longCommand, type Evidence } from './cancel-checks.js';
import { tearDownLab, withLabLogs } from './lab-fixture.js';
import { kubeConfig, kubectl, testNamespace, uniqueName } from '../integration/support/cluster.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BOOT_TIMEOUT_MS = 6 * 60_000;
const run = promisify(execFile);

interface LogEntry {
  stream: string;
  line: string;
}

/** A command's output as the lines the log store keeps: a last line without newline counts. */
function outputLinesOf(output: string | undefined): string[] {
  return (output ?? '').replace(/\n$/, '').split('\n');
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function exampleExperiment(): Promise<Experiment> {
  const text = await readFile(path.join(ROOT, 'examples', 'experiment.yaml'), 'utf8');
  return parseAllDocuments(text)[0]!.toJSON() as Experiment;
}

describe('an Experiment claims a virtual node, boots its image, runs a command and releases it (qemu, end to end)', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('exp');
  const nodeName = uniqueName('vn');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: Lab;
  let dir: string;
  let walt: string;
  /** The output of experiment hello's uname step (its stream is checked again after deletions). */
  let unameOutput: string[] = [];

  const getNode = (): Promise<WaltNode> =>
    api.getClusterCustomObject({ ...RESOURCES.node, name: nodeName }) as Promise<WaltNode>;
  const getExperiment = (name: string): Promise<Experiment | undefined> =>
    (
      api.getNamespacedCustomObject({
        ...RESOURCES.experiment,
        namespace: ns.name,
        name,
      }) as Promise<Experiment>
    ).catch(() => undefined);
  const explain = (error: unknown): Error => withLabLogs(lab, nodeName, error);
  const cli = (...args: string[]): Promise<{ stdout: string; stderr: string }> =>
    // The lab relays the agent's API to loopback: the CLI may send the token there (local/testbed.sh env).
    run(process.execPath, [walt, ...args], {
      env: { ...process.env, WALT_AGENT_URL_ALLOW_LOOPBACK: '1' },
      timeout: 60_000,
    });
  /**
   * `walt log show` of the whole history of `issuer`'s streams matching `streams`, one entry per
   * line: its stream and its text, whole (the checks below compare lines, never substrings of the
   * output, where a stream name alone would match).
   */
  const logShow = async (issuer: string, streams: string): Promise<LogEntry[]> => {
    const args = ['log', 'show', '--history', 'full', '--issuers', issuer, '--streams', streams];
    const { stdout } = await cli(...args, '--format', '{stream}\t{line}');
    return stdout
      .split('\n')
      .slice(0, -1)
      .map((entry) => {
        const tab = entry.indexOf('\t');
        return { stream: entry.slice(0, tab), line: entry.slice(tab + 1) };
      });
  };
  /** The lines of one stream. */
  const linesOf = (entries: readonly LogEntry[], stream: string): string[] =>
    entries.filter((e) => e.stream === stream).map((e) => e.line);

  /**
   * Platform streams: the agent's image pull (the digest it reported for this segment) and the
   * node's bootup (its address and image), whole lines on their streams.
   */
  const expectPlatformLines = async (node: WaltNode): Promise<void> => {
    const platform = await logShow('walt-server', '^platform\\.');
    const image = (await api.getNamespacedCustomObject({
      ...RESOURCES.image,
      namespace: ns.name,
      name: 'debian-pc',
    })) as WaltImage;
    // The digest this segment's agent reported pulling (status.segments), the one its line names.
    const digest = image.status?.segments?.find((e) => e.segment === segment)?.digest ?? '(none)';
    const pulled = new RegExp(
      `^image ${escapeRegex(`${ns.name}/debian-pc`)}: ${escapeRegex(digest)} ` +
        'ready to boot \\(pulled and unpacked in [0-9.]+ s\\)$',
    );
    expect(platform).toContainEqual({
      stream: 'platform.devices',
      line: expect.stringMatching(pulled) as string,
    });
    const booted = new RegExp(
      `^node ${escapeRegex(nodeName)} is booted \\(ip: ${escapeRegex(node.status!.ip!)}, ` +
        `image: ${escapeRegex(`${ns.name}/debian-pc`)}(:[\\w.-]+)?\\)$`,
    );
    expect(platform).toContainEqual({
      stream: 'platform.nodes',
      line: expect.stringMatching(booted) as string,
    });
  };

  /**
   * hello-again keeps no logs: deleting it deletes its step output (exactly the marker step's
   * output lines) from the agent's store; hello's (kept, the default) stays, line for line.
   */
  const expectLogsKeptAsAsked = async (marker: { output?: string } | undefined): Promise<void> => {
    const stepLines = async (name: string): Promise<LogEntry[]> =>
      logShow(nodeName, experimentStreamRegex(ns.name, name));
    const markerStream = experimentStepStream(ns.name, 'hello-again', 'marker');
    expect(await stepLines('hello-again')).toEqual(
      outputLinesOf(marker?.output).map((line) => ({ stream: markerStream, line })),
    );
    expect((await kubectl(['delete', 'experiment', 'hello-again', '-n', ns.name, '--wait=true'])).code).toBe(
      0,
    );
    expect(await stepLines('hello-again')).toEqual([]);
    expect(linesOf(await stepLines('hello'), experimentStepStream(ns.name, 'hello', 'uname'))).toEqual(
      unameOutput,
    );
  };
  const experimentIn = async (
    name: string,
    steps?: Experiment['spec']['steps'],
    keep?: Experiment['spec']['keep'],
  ): Promise<string> => {
    const exp = await exampleExperiment();
    exp.metadata = { name, namespace: ns.name };
    exp.spec.nodes = { names: [nodeName] };
    if (steps) exp.spec.steps = steps;
    if (keep) exp.spec.keep = keep;
    return stringify(exp);
  };

  beforeAll(async () => {
    await ensureCliBuilt();
    walt = builtCli;
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-e2e-exp-'));
    const image = await ensureDefaultImage();
    ns = await testNamespace('e2e-exp');
    lab = await startLab({
      kc,
      workDir: dir,
      segment,
      network: { ns: `wexp-${process.pid}`, bridge: 'br0', address: '10.78.0.1/24' },
      agentArgs: ['--nfs-grace', '5s'],
      namespace: ns.name,
    });
    const push = async (name: string, marker: string): Promise<string> => {
      const ref = `${lab.registry.host}/walt/${name}:latest`;
      await pushImage(image.layoutDir, image.tag, ref, { extraFiles: { '/etc/walt-marker': `${marker}\n` } });
      return ref;
    };
    await applyAll(kc, [
      labSegment(segment, { bridge: 'br0', subnet: '10.78.0.0/24', serverAddress: '10.78.0.1' }),
      labImage(ns.name, 'base', await push('exp-base', 'base')),
      labImage(ns.name, 'debian-pc', await push('exp-debian-pc', 'experiment')),
      virtualNode({ name: nodeName, mac: '52:54:00:e2:e1:01', segment, image: `${ns.name}/base` }),
    ]);
    await waitFor(
      'the node Ready on its own image',
      async () => ((await getNode()).status?.phase === 'Ready' ? true : undefined),
      // The first boot also waits for both images to be pulled and unpacked.
      2 * BOOT_TIMEOUT_MS,
    ).catch((error: unknown) => {
      throw explain(error);
    });
  }, 20 * 60_000);

  afterAll(async () => {
    for (const name of ['hello', 'hello-again', 'cancel-me']) {
      await api
        .deleteNamespacedCustomObject({ ...RESOURCES.experiment, namespace: ns.name, name })
        .catch(() => undefined);
    }
    await tearDownLab({
      kc,
      lab,
      node: nodeName,
      segment,
      namespace: ns,
      images: ['base', 'debian-pc'],
      dir,
    });
  }, 180_000);

  it(
    'runs examples/experiment.yaml: the output is in the step status and in walt log show; a second experiment waits',
    async () => {
      // The example, held open by a long last step so that only deleting it releases the node.
      const first = await experimentIn('hello');
      const held = first.replace(/duration: 5s/, 'duration: 30m');
      const applied = await kubectl(['apply', '-f', '-'], held);
      expect(applied.code).toBe(0);
      const uname = await waitFor(
        'the uname step to succeed',
        async () => {
          const exp = await getExperiment('hello');
          if (exp?.status?.phase === 'Failed') throw new Error(`experiment failed: ${exp.status.message}`);
          const step = exp?.status?.steps?.find((s) => s.name === 'uname');
          return step?.phase === 'Succeeded' ? step : undefined;
        },
        BOOT_TIMEOUT_MS,
      ).catch((error: unknown) => {
        throw explain(error);
      });
      const result = uname.results?.find((r) => r.node === nodeName);
      expect(result?.exitCode).toBe(0);
      expect(result?.output).toMatch(/Linux .*x86_64/);
      expect(result?.output).toContain('Debian GNU/Linux 12');
      const node = await getNode();
      // The claim says what the node boots; the node's spec is the user's, untouched
      expect(node.status?.claimedBy).toMatchObject({
        namespace: ns.name,
        name: 'hello',
        image: `${ns.name}/debian-pc`,
      });
      expect(node.spec.image).not.toBe(`${ns.name}/debian-pc`);
      expect(node.status?.bootedImage?.name).toBe(`${ns.name}/debian-pc`);

      // The same output through the log store, with the CLI users run: the step's stream holds
      // exactly the lines of its output.
      unameOutput = outputLinesOf(result?.output);
      const unameStream = experimentStepStream(ns.name, 'hello', 'uname');
      const logs = await waitFor(
        'the output in walt log show',
        async () => {
          const shown = linesOf(await logShow(nodeName, '^experiment\\.'), unameStream);
          return shown.length >= unameOutput.length ? shown : undefined;
        },
        30_000,
      );
      expect(logs).toEqual(unameOutput);
      await expectPlatformLines(node);

      // Users reach the same channel with the CLI: walt node run, walt node cp both ways.
      const ran = await cli('node', 'run', nodeName, '--', 'cat', '/etc/walt-marker');
      expect(ran.stdout).toContain('experiment');
      const local = path.join(dir, 'to-node.txt');
      await writeFile(local, 'copied in\n');
      await cli('node', 'cp', local, `${nodeName}:/tmp/`);
      const back = path.join(dir, 'back');
      await mkdir(back);
      await cli('node', 'cp', `${nodeName}:/tmp/to-node.txt`, back);
      expect(await readFile(path.join(back, 'to-node.txt'), 'utf8')).toBe('copied in\n');

      // A second experiment for the same node waits while the first holds it.
      const second = await experimentIn(
        'hello-again',
        [
          {
            name: 'marker',
            run: {
              command: [
                'sh',
                '-c',
                'cat /etc/walt-marker; walt-log-echo e2e.marker "marker $(cat /etc/walt-marker)"',
              ],
            },
          },
        ] as Experiment['spec']['steps'],
        { logs: false },
      );
      expect((await kubectl(['apply', '-f', '-'], second)).code).toBe(0);
      const waiting = await waitFor(
        'the second experiment to wait for the node',
        async () => {
          const exp = await getExperiment('hello-again');
          return exp?.status?.phase === 'Acquiring' && exp.status.message?.includes(nodeName)
            ? exp
            : undefined;
        },
        60_000,
      );
      expect(waiting.status?.message).toContain('hello');
    },
    BOOT_TIMEOUT_MS + 120_000,
  );

  it(
    'deleting the first experiment releases the node; the second claims it and runs',
    async () => {
      expect((await kubectl(['delete', 'experiment', 'hello', '-n', ns.name, '--wait=false'])).code).toBe(0);
      await waitFor(
        'the first experiment to be gone',
        async () => ((await getExperiment('hello')) ? undefined : true),
        120_000,
      );
      const done = await waitFor(
        'the second experiment to finish',
        async () => {
          const exp = await getExperiment('hello-again');
          return exp?.status?.phase === 'Succeeded' || exp?.status?.phase === 'Failed' ? exp : undefined;
        },
        BOOT_TIMEOUT_MS,
      ).catch((error: unknown) => {
        throw explain(error);
      });
      if (done.status?.phase !== 'Succeeded')
        throw explain(
          new Error(`the second experiment ended ${done.status?.phase}: ${JSON.stringify(done.status)}`),
        );
      const marker = done.status?.steps?.find((s) => s.name === 'marker')?.results?.[0];
      expect(marker?.output?.trim().split('\n')[0]).toBe('experiment');
      // The node's own log helper reached the log store.
      const shown = await waitFor(
        'the walt-log-echo line',
        async () => {
          const out = linesOf(await logShow(nodeName, '^e2e\\.marker$'), 'e2e.marker');
          return out.length > 0 ? out : undefined;
        },
        30_000,
      );
      expect(shown).toEqual(['marker experiment']);
      // Released at the end: claim cleared, the node's own image back.
      const node = await waitFor(
        'the node released',
        async () => {
          const n = await getNode();
          return !n.status?.claimedBy && n.spec.image === `${ns.name}/base` ? n : undefined;
        },
        60_000,
      );
      expect(node.spec.image).toBe(`${ns.name}/base`);

      // The second experiment keeps no logs: deleting it deletes its step output from the agent's
      // store; the first one's (kept, the default) stays.
      await expectLogsKeptAsAsked(marker);
    },
    BOOT_TIMEOUT_MS + 180_000,
  );
  /** The lab agent's API, as a client library user reaches it (the lab relays it to loopback). */
  const labAgent = (): Promise<AgentOperations> =>
    connectAgent(kc, segment, { urlPolicy: { allowLoopback: true } });
  /** Whether step `step` of experiment `name` is Running; throws when the experiment failed. */
  const stepRunning = async (name: string, step: string): Promise<boolean> => {
    const now = await getExperiment(name);
    if (now?.status?.phase === 'Failed') throw new Error(`experiment failed: ${now.status.message}`);
    return now?.status?.steps?.find((s) => s.name === step)?.phase === 'Running';
  };
  /** `tag`'s evidence on the node; undefined while the node's channel is down (it boots). */
  const evidence = (agent: AgentOperations, tag: string): Promise<Evidence | undefined> =>
    evidenceOn(agent, nodeName, tag).catch((error: unknown) => {
      if (isWaltError(error) && error.code === 'WALT_ERR_NODE_NOT_CONNECTED') return undefined;
      throw error;
    });

  it(
    'deleting an experiment cancels its running command on the node: TERM first, its process group gone',
    async () => {
      const agent = await labAgent();
      // Given an experiment on the node's own image (releasing the node then reboots nothing, so the
      // evidence stays), whose run step runs a command for up to 20 minutes
      const exp = await exampleExperiment();
      exp.metadata = { name: 'cancel-me', namespace: ns.name };
      exp.spec.nodes = { names: [nodeName] };
      exp.spec.image = 'base';
      exp.spec.steps = [
        { name: 'spin', run: { command: longCommand('exp'), timeout: '20m' } },
      ] as Experiment['spec']['steps'];
      // The operator takes a bootup less than a second before its boot request for the boot it asked
      // for (lastBootup has second precision, bootedSince): applied right after the node's own boot,
      // the step's command would go to the boot the requested reboot then ends.
      await waitFor(
        "the node's last bootup over a second old",
        async () => {
          const last = Date.parse((await getNode()).status?.lastBootup ?? '');
          return Date.now() - last > 2000 || undefined;
        },
        30_000,
      );
      expect((await kubectl(['apply', '-f', '-'], stringify(exp))).code).toBe(0);
      const before = await waitFor(
        'the spin step running on the node',
        async () => {
          if (!(await stepRunning('cancel-me', 'spin'))) return undefined;
          const seen = await evidence(agent, 'exp');
          return seen && seen.groupAlive > 0 ? seen : undefined;
        },
        BOOT_TIMEOUT_MS,
      ).catch((error: unknown) => {
        throw explain(error);
      });
      expect(before.trap).toBe('');
      // When the experiment is deleted
      expect((await kubectl(['delete', 'experiment', 'cancel-me', '-n', ns.name, '--wait=false'])).code).toBe(
        0,
      );
      // Then, long before the command's 20 minutes, its whole group is gone from the node, and its TERM
      // trap ran (TERM came first, not a bare KILL)
      const after = await waitFor(
        "the command's process group gone from the node",
        async () => {
          const seen = await evidence(agent, 'exp');
          return seen && seen.groupAlive === 0 ? seen : undefined;
        },
        120_000,
      ).catch((error: unknown) => {
        throw explain(error);
      });
      expect(after).toEqual({ pgrp: before.pgrp, groupAlive: 0, trap: 'TERM' });
      // And the operator heard from the node how it ended (the trap exits 0)
      const said = await waitFor(
        "the operator's note of the cancel",
        async () => {
          const shown = await logShow('walt-server', '^platform\\.');
          return shown.find((e) => e.line.includes(`${ns.name}/cancel-me: step spin`))?.line;
        },
        60_000,
      );
      expect(said).toContain('ended by TERM (exit 0)');
      await waitFor(
        'the experiment to be gone',
        async () => ((await getExperiment('cancel-me')) ? undefined : true),
        120_000,
      );
    },
    BOOT_TIMEOUT_MS + 300_000,
  );

  it('DELETE .../exec/<id> through the agent API ends the command on the node: TERM, or KILL when it ignores TERM', async () => {
    const agent = await labAgent();
    const cases = [
      {
        tag: 'api-term',
        command: longCommand('api-term', { trapExit: 7 }),
        ended: { exitCode: 7, killed: false },
        trap: 'TERM',
      },
      {
        tag: 'api-kill',
        command: longCommand('api-kill', { ignoreTerm: true }),
        ended: { exitCode: 137, killed: true },
        trap: '',
      },
    ];
    for (const { tag, command, ended, trap } of cases) {
      // Given a long command running on the node, sent with an id
      const id = `e2e-${tag}-${process.pid}`;
      const execd = agent.exec(nodeName, { id, command, timeoutSeconds: 1200 });
      execd.catch(() => undefined);
      await waitFor(
        `${tag} running on the node`,
        async () => ((await evidence(agent, tag))?.groupAlive ?? 0) > 0 || undefined,
        60_000,
      );
      // When a client cancels it by its id
      const answer = await agent.cancelExec(nodeName, id);
      // Then the answer says how the node ended it, the exec fails as cancelled, and the group is gone
      expect(answer).toMatchObject({ id, was: 'running', ended });
      await expect(execd).rejects.toMatchObject({ code: 'WALT_ERR_COMMAND_CANCELLED' });
      expect(await evidenceOn(agent, nodeName, tag)).toMatchObject({ groupAlive: 0, trap });
    }
  }, 180_000);
});
