// End to end, on a lab like the local testbed's (local/lab: segment "lab" on bridge walt-net,
// 192.168.152.1/22, its registry holding the default image, the operator and the boot agent, qemu TCG):
// every file of examples/ is applied as README says and followed to its end state, so that an example
// cannot rot. The test enumerates the folder: a new example without an end state here fails it.
// experiment.yaml is applied with kubectl and read back with `walt experiment logs`; experiment-
// selector.yaml is run with `walt experiment run --follow` (the built CLI) and covers the copy, reboot
// and boot steps on real nodes. Log lines are compared whole, never as substrings.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import {
  RESOURCES,
  type Experiment,
  type WaltImage,
  type WaltNode,
  type WaltSegment,
} from '../../api/v1alpha1/index.js';
import { ensureDefaultImage, pushImage } from '../../local/default-image/image.js';
import { startLab, type Lab } from '../../local/lab/lab.js';
import { applyAll, defaultImage, defaultImageRef, TESTBED_REGISTRY_PORT } from '../../local/lab/resources.js';
import type { Manager } from '../../runtime/index.js';
import { FETCHED_FILES_KEY } from '../../operator/controllers/experiment/constants.js';
import { fetchedConfigMapName } from '../../operator/controllers/experiment/steps.js';
import { ensureCliBuilt, walt } from '../integration/cli-support.js';
import { kubeConfig, kubectl, testNamespace } from '../integration/support/cluster.js';
import type { CommandResult } from '../integration/support/cluster.js';
import { startSystemImagesOperator } from '../support/system-images-operator.js';
import { waitFor } from '../support/wait.js';
import { tearDownLab, withLabLogs } from './lab-fixture.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples');
const BOOT_TIMEOUT_MS = 6 * 60_000;
const run = promisify(execFile);
// The lab relays the agent's API to loopback: the CLI may send the token there (local/testbed.sh env).
const CLI_ENV = { WALT_AGENT_URL_ALLOW_LOOPBACK: '1' };
// The format of `walt log show|experiment logs` without the time: the rest of the default one.
const LINE_FORMAT = '{issuer}.{stream} -> {line}';

async function exampleText(file: string): Promise<string> {
  return readFile(path.join(EXAMPLES, file), 'utf8');
}

async function exampleObject<T>(file: string): Promise<T> {
  const docs = parseAllDocuments(await exampleText(file));
  expect(docs).toHaveLength(1);
  return docs[0]!.toJSON() as T;
}

/** The lines of `text`, without the empty last one. */
const linesOf = (text: string): string[] => text.split('\n').filter((l, i, all) => l || i < all.length - 1);

/** Epoch ms of an RFC 3339 time of status (whole seconds). */
const ms = (time: string | undefined): number => Date.parse(time ?? '');

describe('examples/: every file applied on a testbed lab and followed to its end state (qemu, end to end)', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: Lab;
  let dir: string;
  let segment: WaltSegment;
  let registryRef: string;
  let imageGeneration = 0;
  let systemImages: Manager | undefined;

  const getNode = (name: string): Promise<WaltNode | undefined> =>
    (api.getClusterCustomObject({ ...RESOURCES.node, name }) as Promise<WaltNode>).catch(() => undefined);
  const getImage = (name: string): Promise<WaltImage> =>
    api.getNamespacedCustomObject({
      ...RESOURCES.image,
      namespace: ns.name,
      name,
    }) as Promise<WaltImage>;
  const getExperiment = (name: string): Promise<Experiment | undefined> =>
    (
      api.getNamespacedCustomObject({
        ...RESOURCES.experiment,
        namespace: ns.name,
        name,
      }) as Promise<Experiment>
    ).catch(() => undefined);
  const explain = (node: string, error: unknown): Error => withLabLogs(lab, node, error);
  const cli = (...args: string[]): Promise<CommandResult> => walt(['-n', ns.name, ...args], { env: CLI_ENV });
  /** `kubectl apply` of an example file as a user types it, in the suite's namespace. */
  const applyExample = async (file: string): Promise<void> => {
    const result = await kubectl(['apply', '-n', ns.name, '-f', path.join(EXAMPLES, file)]);
    expect({ file, ...result }).toMatchObject({ file, code: 0, stderr: '' });
  };
  /** Waits for `name` to be Ready from a bootup of `image`, failing fast when it is Failed. */
  const nodeReady = (name: string, image: string): Promise<WaltNode> =>
    waitFor(
      `${name} Ready on ${image}`,
      async () => {
        const node = await getNode(name);
        if (node?.status?.phase === 'Failed')
          throw new Error(`${name} Failed: ${JSON.stringify(node.status)}`);
        return node?.status?.phase === 'Ready' && node.status.bootedImage?.name === image ? node : undefined;
      },
      BOOT_TIMEOUT_MS,
    ).catch((error: unknown) => {
      throw explain(name, error);
    });
  const experimentEnded = (name: string, timeoutMs: number): Promise<Experiment> =>
    waitFor(
      `experiment ${name} to end`,
      async () => {
        const exp = await getExperiment(name);
        return exp?.status?.phase === 'Succeeded' || exp?.status?.phase === 'Failed' ? exp : undefined;
      },
      timeoutMs,
    );
  /** The agent's "node <name> is booted" lines (platform.nodes), with their times in epoch ms. */
  const bootLines = async (): Promise<Array<{ at: number; line: string }>> => {
    const shown = await walt(
      [
        'log',
        'show',
        '--history',
        'full',
        '--issuers',
        'walt-server',
        '--streams',
        '^platform\\.nodes$',
        '--format',
        '{timestamp:%s}.{timestamp:%f} {line}',
      ],
      { env: CLI_ENV },
    );
    expect(shown).toMatchObject({ code: 0 });
    return linesOf(shown.stdout).map((l) => {
      const space = l.indexOf(' ');
      return { at: Number(l.slice(0, space)) * 1000, line: l.slice(space + 1) };
    });
  };

  type ExperimentStep = NonNullable<NonNullable<Experiment['status']>['steps']>[number];
  const stepOf = (exp: Experiment, name: string): ExperimentStep => {
    const step = exp.status?.steps?.find((s) => s.name === name);
    if (!step) throw new Error(`no step ${name} in ${JSON.stringify(exp.status)}`);
    return step;
  };
  /** What `walt experiment run --follow` adds to --wait: the steps' log lines, time first. */
  const checkFollowedLines = async (out: string[]): Promise<void> => {
    const logLine = (node: string, step: string, line: string): RegExp =>
      new RegExp(
        `^\\d{2}:\\d{2}:\\d{2}\\.\\d{6} ${node}\\.experiment\\.${ns.name}\\.two-nodes\\.${step} -> ${line}$`,
      );
    for (const node of ['vn1', 'vn2']) {
      const ip = ((await getNode(node))?.status?.ip ?? 'none').replace(/\./g, '\\.');
      const probe = logLine(node, 'probe', ` +inet ${ip}/22 .*`);
      expect({ node, probe: out.filter((l) => probe.test(l)).length }).toEqual({ node, probe: 1 });
      const fresh = logLine(node, 'fresh', 'rebooted: /root/addr\\.txt is gone');
      expect({ node, fresh: out.filter((l) => fresh.test(l)).length }).toEqual({ node, fresh: 1 });
    }
  };
  /** What --wait prints: the phases (the last one with the experiment's message) and each step's
   * per-node results, whole lines; on a mismatch, the missing lines and the whole output. */
  const checkWaitLines = (out: string[], stdout: string): void => {
    const last = 'two-nodes: Succeeded (all 5 steps succeeded)';
    const wanted = [
      `experiment ${ns.name}/two-nodes applied`,
      'step probe: Succeeded',
      'step collect: Succeeded',
      'step restart: Succeeded',
      'step power-cycle: Succeeded',
      'step fresh: Succeeded',
      '  vn1: exit 0',
      '  vn2: exit 0',
      `  vn1: (booted ${ns.name}/debian-pc)`,
      `  vn2: (booted ${ns.name}/debian-pc)`,
      last,
    ];
    const missing = wanted.filter((line) => !out.includes(line));
    if (missing.length || out[0] !== wanted[0] || out.at(-1) !== last)
      throw new Error(
        `walt experiment run --follow: missing lines ${JSON.stringify(missing)}, first ${JSON.stringify(out[0])}, last ${JSON.stringify(out.at(-1))}; its whole output:\n${stdout}`,
      );
  };
  /** collect: the file the probe wrote, in the step's ConfigMap, is what the probe printed. */
  const checkCollected = async (done: Experiment, node: string): Promise<void> => {
    const probe = stepOf(done, 'probe').results?.find((r) => r.node === node);
    expect(probe?.output).toMatch(/inet 192\.168\.15[2-5]\.\d+\/22/);
    const cm = await core.readNamespacedConfigMap({
      namespace: ns.name,
      name: fetchedConfigMapName('two-nodes', 'collect', node),
    });
    const tar = path.join(dir, `${node}.tar`);
    await writeFile(tar, Buffer.from(cm.binaryData?.[FETCHED_FILES_KEY] ?? '', 'base64'));
    const listed = linesOf((await run('tar', ['-tf', tar])).stdout);
    expect(listed.map((entry) => path.basename(entry))).toEqual(['addr.txt']);
    expect((await run('tar', ['-xOf', tar, listed[0]!])).stdout).toBe(probe?.output);
  };
  /** The agent's "node rebooted as requested" (a power cycle it carried out), from its log file. */
  const powerCycles = async (): Promise<Array<{ at: number; node: string }>> => {
    const cycles = (await readFile(lab.agentLogFile, 'utf8'))
      .split('\n')
      .filter((l) => l.includes('"msg":"node rebooted as requested"'))
      .map((l) => JSON.parse(l) as { time: string; node: string })
      .map((l) => ({ at: Date.parse(l.time), node: l.node }));
    expect(cycles.filter((c) => Number.isNaN(c.at))).toEqual([]);
    return cycles;
  };
  /**
   * reboot and boot: from the start of `restart`, each node's first events are a boot of the
   * experiment's image with no power cycle before it (the soft reboot: the node's own, soft-reboot.ts),
   * then a power cycle and a boot (the `boot` step). A soft reboot that did not happen shows as a power
   * cycle first (the retry after boot.timeout, which also ends in a boot). Compared by order, not by
   * step windows: step times are whole seconds, and both nodes come back within one.
   */
  const checkReboots = async (done: Experiment): Promise<void> => {
    const boots = await bootLines();
    const cycles = await powerCycles();
    const from = ms(stepOf(done, 'restart').startTime);
    const iso = (at: number): string => new Date(at).toISOString();
    for (const node of ['vn1', 'vn2']) {
      const line = new RegExp(`^node ${node} is booted \\(ip: [\\d.]+, image: ${ns.name}/debian-pc\\)$`);
      const events = [
        ...boots.filter((b) => b.at >= from && line.test(b.line)).map((b) => ({ at: b.at, what: 'booted' })),
        ...cycles
          .filter((c) => c.at >= from && c.node === node)
          .map((c) => ({ at: c.at, what: 'power cycle' })),
      ].sort((a, b) => a.at - b.at);
      const steps = (done.status?.steps ?? []).map((s) => `${s.name} ${s.startTime}..${s.completionTime}`);
      const seen = events.map((e) => `${e.what} ${iso(e.at)}`);
      const first = events.slice(0, 3).map((e) => e.what);
      if (first.join(', ') !== 'booted, power cycle, booted')
        throw new Error(
          `${node}: from the restart step on, wanted a boot with no power cycle before it (soft reboot), then a power cycle and a boot (boot step); saw: ${seen.join(', ')}; steps: ${steps.join('; ')}`,
        );
      process.stdout.write(`[e2e] ${node} from restart on: ${seen.join(', ')}; steps: ${steps.join('; ')}\n`);
    }
  };

  // Each file of examples/ and the end state it reaches here, in the order README applies them. The
  // first test fails when the folder and this list differ.
  const END_STATES: Array<{ file: string; endState: string; check: () => Promise<void>; timeout: number }> = [
    {
      file: 'segment.yaml',
      endState: 'its boot agent serves it: heartbeat and API URL in status, Ready',
      timeout: 120_000,
      check: async () => {
        await applyExample('segment.yaml');
        // The agent's heartbeat and published API say it serves the segment; the operator reads the
        // heartbeat into the Ready condition (the READY column).
        const served = await waitFor(
          'the agent to report on segment lab, and the segment Ready',
          async () => {
            const ws = (await api.getClusterCustomObject({
              ...RESOURCES.segment,
              name: segment.metadata.name,
            })) as WaltSegment;
            const ready = ws.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
            return ws.status?.agent?.lastHeartbeat && ws.status.agent.apiUrl && ready ? ws : undefined;
          },
          90_000,
        );
        expect(served.status?.agent?.apiUrl).toBe(lab.agentApiUrl);
      },
    },
    {
      file: 'image.yaml',
      endState: "is the testbed's own debian-pc: applying it changes nothing, and it is Ready",
      timeout: 8 * 60_000,
      check: async () => {
        // The file names the registry the testbed runs, and the repository it pushes the default
        // image to. This lab's registry listens on a free port (the testbed may run beside the test):
        // the one substitution this suite makes in an example.
        const literal = await exampleText('image.yaml');
        const example = await exampleObject<WaltImage>('image.yaml');
        expect(example.spec.ref).toBe(defaultImageRef(`127.0.0.1:${TESTBED_REGISTRY_PORT}`));
        const text = literal.replace(example.spec.ref, registryRef);
        expect(text).not.toBe(literal);
        const applied = await kubectl(['apply', '-n', ns.name, '-f', '-'], text);
        // The testbed created it with server-side apply: kubectl says so once, and patches nothing.
        expect(applied.code).toBe(0);
        expect(applied.stderr).toMatch(
          /^(Warning: resource waltimages\/debian-pc is missing the kubectl\.kubernetes\.io\/last-applied-configuration annotation [^\n]*\n)?$/,
        );
        const image = await waitFor(
          'debian-pc Ready',
          async () => {
            const wi = await getImage('debian-pc');
            const ready = wi.status?.conditions?.find((c) => c.type === 'Ready');
            return ready?.status === 'True' ? wi : undefined;
          },
          6 * 60_000,
        ).catch((error: unknown) => {
          throw explain('vn1', error);
        });
        // The user's apply did not replace the testbed's image (the RegistryUnreachable).
        expect(image.metadata?.generation).toBe(imageGeneration);
        expect(image.spec.ref).toBe(registryRef);
        expect(image.status?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      },
    },
    {
      file: 'vnode.yaml',
      endState: 'vn1 boots the default image and is Ready',
      timeout: BOOT_TIMEOUT_MS + 30_000,
      check: async () => {
        await applyExample('vnode.yaml');
        const node = await nodeReady('vn1', 'walt-system/pc-x86-64-default');
        expect(node.status?.ip).toMatch(/^192\.168\.15[2-5]\.\d+$/);
      },
    },
    {
      file: 'vnode-2.yaml',
      endState: 'vn2 boots the default image and is Ready',
      timeout: BOOT_TIMEOUT_MS + 30_000,
      check: async () => {
        await applyExample('vnode-2.yaml');
        const node = await nodeReady('vn2', 'walt-system/pc-x86-64-default');
        expect(node.status?.ip).toMatch(/^192\.168\.15[2-5]\.\d+$/);
        expect(node.status?.ip).not.toBe((await getNode('vn1'))?.status?.ip);
      },
    },
    {
      file: 'rpi-node.yaml',
      endState: 'accepted and registered, waiting for its first boot (no Raspberry Pi here)',
      timeout: 120_000,
      check: async () => {
        // A physical Raspberry Pi behind an SNMP PoE switch: neither is on this lab's bridge, so the
        // node cannot boot. Its honest end state here: the apiserver accepts it as written, `walt node
        // show` lists it, and nothing claims it booted (no IP, no bootup, not Ready) — what a
        // user sees before plugging the Pi in.
        await applyExample('rpi-node.yaml');
        const example = await exampleObject<WaltNode>('rpi-node.yaml');
        const node = await getNode('rpi-kitchen');
        expect(node?.spec).toMatchObject(example.spec);
        expect(node?.metadata?.labels).toEqual(example.metadata.labels);
        const shown = await walt(['node', 'show', '--all', '-o', 'name'], { env: CLI_ENV });
        expect(shown).toMatchObject({ code: 0 });
        expect(linesOf(shown.stdout)).toContain('waltnode.walt.dev/rpi-kitchen');
        process.stdout.write(`[e2e] rpi-kitchen status: ${JSON.stringify(node?.status ?? {})}\n`);
        const { ip, lastBootup, phase } = node?.status ?? {};
        expect({ ip, lastBootup, ready: phase === 'Ready' }).toEqual({
          ip: undefined,
          lastBootup: undefined,
          ready: false,
        });
      },
    },
    {
      file: 'experiment.yaml',
      endState: 'hello Succeeded; walt experiment logs prints its lines',
      timeout: 2 * BOOT_TIMEOUT_MS + 60_000,
      check: async () => {
        await applyExample('experiment.yaml');
        const done = await experimentEnded('hello', 2 * BOOT_TIMEOUT_MS).catch((error: unknown) => {
          throw explain('vn1', error);
        });
        if (done.status?.phase !== 'Succeeded')
          throw explain(
            'vn1',
            new Error(`hello ended ${done.status?.phase}: ${JSON.stringify(done.status)}`),
          );
        expect(done.status.steps?.map((s) => [s.name, s.phase])).toEqual([
          ['uname', 'Succeeded'],
          ['mark', 'Succeeded'],
          ['settle', 'Succeeded'],
        ]);
        const output = done.status.steps?.[0]?.results?.find((r) => r.node === 'vn1')?.output ?? '';
        const stream = `vn1.experiment.${ns.name}.hello.uname -> `;
        // `walt experiment logs`: every line of the command's output, under its node and step stream,
        // in order; the first is uname's, then /etc/os-release.
        const logs = await waitFor(
          'the uname output in walt experiment logs',
          async () => {
            const shown = await cli('experiment', 'logs', 'hello', '--format', LINE_FORMAT);
            return shown.code === 0 && linesOf(shown.stdout).length >= linesOf(output).length
              ? shown
              : undefined;
          },
          60_000,
        );
        const lines = linesOf(logs.stdout);
        expect(lines).toEqual(linesOf(output).map((l) => stream + l));
        expect(lines[0]).toMatch(
          /^vn1\.experiment\.[a-z0-9-]+\.hello\.uname -> Linux \S+ 6\.1\.\S+ .* x86_64 GNU\/Linux$/,
        );
        expect(lines).toContain(`${stream}PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"`);
      },
    },
    {
      file: 'experiment-selector.yaml',
      endState:
        'two-nodes Succeeded through walt experiment run --follow: addresses collected, reboot and boot steps reboot both nodes',
      timeout: 4 * BOOT_TIMEOUT_MS + 60_000,
      check: async () => {
        // The nodes go back to their own image when hello releases them; the selector then claims both.
        const ran = await cli(
          'experiment',
          'run',
          path.join(EXAMPLES, 'experiment-selector.yaml'),
          '--follow',
          '--timeout',
          `${(4 * BOOT_TIMEOUT_MS) / 60_000}m`,
        );
        const done = await getExperiment('two-nodes');
        if (ran.code !== 0)
          throw explain(
            'vn2',
            new Error(
              `walt experiment run exited ${ran.code}: ${ran.stderr}\n${ran.stdout}\n${JSON.stringify(done?.status)}`,
            ),
          );
        expect(done?.status?.phase).toBe('Succeeded');
        const nodes = (done?.status?.nodes ?? []).map((n) => n.name).sort();
        expect(nodes).toEqual(['vn1', 'vn2']);
        const out = linesOf(ran.stdout);
        checkWaitLines(out, ran.stdout);
        await checkFollowedLines(out);
        for (const node of ['vn1', 'vn2']) await checkCollected(done!, node);
        await checkReboots(done!);
      },
    },
  ];

  beforeAll(async () => {
    await ensureCliBuilt();
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-e2e-examples-'));
    const image = await ensureDefaultImage();
    ns = await testNamespace('e2e-examples');
    segment = await exampleObject<WaltSegment>('segment.yaml');
    // The testbed's network (local/lab/main.ts) in a namespace of this run's own.
    lab = await startLab({
      kc,
      workDir: dir,
      segment: segment.metadata.name,
      network: {
        ns: `wex-${process.pid}`,
        bridge: segment.spec.interface,
        address: `${segment.spec.serverAddress}/${segment.spec.subnet.split('/')[1]}`,
      },
      agentArgs: ['--nfs-grace', '5s'],
      namespace: ns.name,
    });
    // The lab's operator watches this suite's namespace only (other suites share the apiserver); the
    // default image that vn1 and vn2 boot (image: default) lives in walt-system, resolved by a second
    // operator watching only that namespace, as the testbed's one operator does for all.
    systemImages = await startSystemImagesOperator(kc, 'examples');
    registryRef = defaultImageRef(lab.registry.host);
    await pushImage(image.layoutDir, image.tag, registryRef);
    // What local/lab/main.ts applies besides the examples: the default image of pc-x86-64 nodes, and
    // examples/image.yaml (the testbed's debian-pc) with this lab's registry.
    const testbedImage = await exampleObject<WaltImage>('image.yaml');
    testbedImage.metadata.namespace = ns.name;
    testbedImage.spec.ref = registryRef;
    await applyAll(kc, [defaultImage(registryRef), testbedImage]);
    imageGeneration = (await getImage('debian-pc')).metadata?.generation ?? 0;
  }, 20 * 60_000);

  afterAll(async () => {
    for (const name of ['hello', 'two-nodes']) {
      await api
        .deleteNamespacedCustomObject({ ...RESOURCES.experiment, namespace: ns.name, name })
        .catch(() => undefined);
    }
    for (const name of ['vn2', 'rpi-kitchen']) {
      await api.deleteClusterCustomObject({ ...RESOURCES.node, name }).catch(() => undefined);
    }
    await api
      .deleteNamespacedCustomObject({
        ...RESOURCES.image,
        namespace: 'walt-system',
        name: 'pc-x86-64-default',
      })
      .catch(() => undefined);
    await systemImages?.stop();
    await tearDownLab({
      kc,
      lab,
      node: 'vn1',
      segment: segment.metadata.name,
      namespace: ns,
      images: ['debian-pc'],
      dir,
    });
  }, 180_000);

  it('has an end state below for every file of examples/', async () => {
    const entries = (await readdir(EXAMPLES)).sort();
    // The kustomize base and overlay are built and dry-run by test/integration/chart-kustomize.test.ts;
    // the Containerfile is built by `walt image build` in test/integration/image-authoring.test.ts.
    const elsewhere = ['kustomize', 'Containerfile'];
    const files = entries.filter((f) => !elsewhere.includes(f));
    for (const f of elsewhere) expect(entries).toContain(f);
    expect(END_STATES.map((e) => e.file).sort()).toEqual(files);
  });

  for (const example of END_STATES) {
    it(`examples/${example.file}: ${example.endState}`, example.check, example.timeout);
  }
});
