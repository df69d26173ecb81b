// GitOps, end to end on a real lab (agent in a network namespace, ganesha, one qemu TCG node, the
// operator): the user's manifests — a segment, two images, a virtual node, an experiment, as a user
// writes them in a Git repository — are applied the way Flux's kustomize-controller applies them
// (server-side apply, field manager kustomize-controller). While the experiment runs (a wait step),
// they are applied again: nothing changes — the specs keep their generation, the applier's managed
// fields are not touched, the node is not rebooted (its bootup time, reboot records and the
// experiment's boot attempts stay) — and `kubectl diff --server-side` on them prints nothing (exit 0).
// The experiment goes on to Succeeded; the node's spec is never written by the operator (the claim in
// status says what it boots: api/node/boot-image.ts), and on release the claim simply goes away.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type Experiment, type WaltNode } from '../../api/v1alpha1/index.js';
import { ensureDefaultImage, pushImage } from '../../local/default-image/image.js';
import { startLab, type Lab } from '../../local/lab/lab.js';
import { waitFor } from '../support/wait.js';
import { tearDownLab, withLabLogs } from './lab-fixture.js';
import { kubeConfig, kubectl, testNamespace, uniqueName } from '../integration/support/cluster.js';

const BOOT_TIMEOUT_MS = 6 * 60_000;
/** Flux's applier: what a GitOps tool's field manager looks like to the apiserver. */
const GITOPS_MANAGER = 'kustomize-controller';
/** How long the experiment's hold step lasts: the re-apply, the diff and the watch happen inside it. */
const HOLD = '90s';

interface Snapshot {
  generation: number | undefined;
  spec: unknown;
  /** The applier's managed-fields entries (their time moves only when the applier changes something). */
  applied: unknown;
}

describe('GitOps: re-applying the user manifests while an experiment runs changes nothing (qemu, end to end)', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('gops');
  const nodeName = uniqueName('vn');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: Lab;
  let dir: string;
  let repo: string;

  const getNode = (): Promise<WaltNode> =>
    api.getClusterCustomObject({ ...RESOURCES.node, name: nodeName }) as Promise<WaltNode>;
  const getExperiment = (): Promise<Experiment> =>
    api.getNamespacedCustomObject({
      ...RESOURCES.experiment,
      namespace: ns.name,
      name: 'gitops-run',
    }) as Promise<Experiment>;
  const explain = (error: unknown): Error => withLabLogs(lab, nodeName, error);

  /** The objects of the repository, as the API holds them. */
  const live = async (): Promise<Array<k8s.KubernetesObject & { spec?: unknown }>> => {
    const get = (
      resource: { group: string; version: string; plural: string },
      name: string,
      namespace?: string,
    ) =>
      (namespace
        ? api.getNamespacedCustomObject({ ...resource, namespace, name })
        : api.getClusterCustomObject({ ...resource, name })) as Promise<
        k8s.KubernetesObject & { spec?: unknown }
      >;
    return Promise.all([
      get(RESOURCES.segment, segment),
      get(RESOURCES.image, 'base', ns.name),
      get(RESOURCES.image, 'gitops-img', ns.name),
      get(RESOURCES.node, nodeName),
      get(RESOURCES.experiment, 'gitops-run', ns.name),
    ]);
  };
  const snapshot = async (): Promise<Record<string, Snapshot>> =>
    Object.fromEntries(
      (await live()).map((o) => [
        `${o.kind}/${o.metadata!.name}`,
        {
          generation: o.metadata!.generation,
          spec: o.spec,
          applied: (o.metadata!.managedFields ?? []).filter((m) => m.manager === GITOPS_MANAGER),
        },
      ]),
    );
  /** The repository applied as Flux applies it. */
  const applyRepo = (): ReturnType<typeof kubectl> =>
    kubectl(['apply', '--server-side', `--field-manager=${GITOPS_MANAGER}`, '-f', repo]);

  /** The user's repository: YAML as a person writes it (no defaults, no status). */
  const writeRepo = async (registry: string): Promise<void> => {
    repo = path.join(dir, 'repo');
    await mkdir(repo, { recursive: true });
    const files: Record<string, string> = {
      'segment.yaml': `apiVersion: walt.dev/v1alpha1
kind: WaltSegment
metadata:
  name: ${segment}
spec:
  interface: br0
  subnet: 10.77.0.0/24
  serverAddress: 10.77.0.1
  dhcp:
    mode: authoritative
    range: {start: 10.77.0.100, end: 10.77.0.199}
`,
      'images.yaml': `apiVersion: walt.dev/v1alpha1
kind: WaltImage
metadata:
  name: base
  namespace: ${ns.name}
spec:
  ref: ${registry}/walt/gitops-base:latest
  insecureRegistry: true
---
apiVersion: walt.dev/v1alpha1
kind: WaltImage
metadata:
  name: gitops-img
  namespace: ${ns.name}
spec:
  ref: ${registry}/walt/gitops-img:latest
  insecureRegistry: true
`,
      'node.yaml': `apiVersion: walt.dev/v1alpha1
kind: WaltNode
metadata:
  name: ${nodeName}
spec:
  mac: "52:54:00:e2:90:01"
  model: pc-x86-64
  segment: ${segment}
  image: ${ns.name}/base
  power: {driver: qemu}
  virtual: {cpus: 1, memory: 512Mi}
`,
      'experiment.yaml': `apiVersion: walt.dev/v1alpha1
kind: Experiment
metadata:
  name: gitops-run
  namespace: ${ns.name}
spec:
  nodes:
    names: [${nodeName}]
  image: gitops-img
  boot:
    timeout: 10m
    retries: 2
  steps:
    - name: marker
      run:
        command: [cat, /etc/walt-marker]
    - name: hold
      wait:
        duration: ${HOLD}
  timeout: 30m
`,
    };
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(repo, name), text);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-e2e-gitops-'));
    const image = await ensureDefaultImage();
    ns = await testNamespace('e2e-gitops');
    lab = await startLab({
      kc,
      workDir: dir,
      segment,
      network: { ns: `wgops-${process.pid}`, bridge: 'br0', address: '10.77.0.1/24' },
      agentArgs: ['--nfs-grace', '5s'],
      namespace: ns.name,
    });
    for (const [name, marker] of [
      ['gitops-base', 'base'],
      ['gitops-img', 'experiment'],
    ] as const) {
      const ref = `${lab.registry.host}/walt/${name}:latest`;
      await pushImage(image.layoutDir, image.tag, ref, { extraFiles: { '/etc/walt-marker': `${marker}\n` } });
    }
    await writeRepo(lab.registry.host);
  }, 20 * 60_000);

  afterAll(async () => {
    await api
      .deleteNamespacedCustomObject({ ...RESOURCES.experiment, namespace: ns.name, name: 'gitops-run' })
      .catch(() => undefined);
    await tearDownLab({
      kc,
      lab,
      node: nodeName,
      segment,
      namespace: ns,
      images: ['base', 'gitops-img'],
      dir,
    });
  }, 180_000);

  const rebootRecords = (n: WaltNode): unknown =>
    n.status?.conditions?.filter((c) => c.type === 'ImageReboot' || c.type === 'RebootRequest');
  /** What says "this node rebooted": its phase, its last bootup, the agent's reboot records. */
  const bootFacts = (n: WaltNode): string =>
    `${n.status?.phase} ${n.status?.lastBootup} ${JSON.stringify(rebootRecords(n))}`;

  /** Until the experiment holds the node in its wait step; fails on a Failed experiment. */
  const holdingRun = (): Promise<Experiment> =>
    waitFor(
      'the hold step running',
      async () => {
        const exp = await getExperiment();
        if (exp.status?.phase === 'Failed') throw new Error(`experiment failed: ${exp.status.message}`);
        return exp.status?.steps?.find((s) => s.name === 'hold')?.phase === 'Running' ? exp : undefined;
      },
      2 * BOOT_TIMEOUT_MS,
    ).catch((error: unknown) => {
      throw explain(error);
    });

  /**
   * A server-side diff of the repository. Its GET and dry-run apply are two requests: a status write
   * landing between them (the segment's heartbeat, every 30 s) would show as a difference that is no
   * one's spec, so it is asked up to three times; a real difference shows on every attempt.
   */
  const serverSideDiff = async (): Promise<Awaited<ReturnType<typeof kubectl>>> => {
    const args = ['diff', '--server-side', `--field-manager=${GITOPS_MANAGER}`, '-f', repo];
    let diff = await kubectl(args);
    for (let attempt = 2; attempt <= 3 && diff.code !== 0; attempt++) diff = await kubectl(args);
    return diff;
  };

  /** Every distinct bootFacts of the node while the hold step runs and the experiment claims it. */
  const factsDuringHold = async (): Promise<string[]> => {
    const seen = new Set<string>();
    await waitFor(
      'the hold step to end',
      async () => {
        const node = await getNode();
        if (node.status?.claimedBy?.name === 'gitops-run') seen.add(bootFacts(node));
        const exp = await getExperiment();
        return exp.status?.steps?.find((s) => s.name === 'hold')?.phase === 'Running' ? undefined : true;
      },
      5 * 60_000,
    );
    return [...seen];
  };

  const outcome = (): Promise<Experiment> =>
    waitFor(
      'the experiment to end',
      async () => {
        const exp = await getExperiment();
        return exp.status?.phase === 'Succeeded' || exp.status?.phase === 'Failed' ? exp : undefined;
      },
      120_000,
    );

  /** The node as the experiment holds it: on the claim's image, its spec still the user's. */
  const bootedOnClaim = async (holding: Experiment): Promise<WaltNode> => {
    const marker = holding.status?.steps?.find((s) => s.name === 'marker')?.results?.[0];
    expect(marker?.output?.trim()).toBe('experiment');
    const booted = await getNode();
    expect(booted.status?.claimedBy).toMatchObject({ name: 'gitops-run', image: `${ns.name}/gitops-img` });
    expect(booted.status?.bootedImage?.name).toBe(`${ns.name}/gitops-img`);
    expect(booted.spec.image).toBe(`${ns.name}/base`);
    return booted;
  };

  /**
   * Succeeded with one boot; released: the claim went away, the user's spec was never written (the
   * node's generation is `generation`), and no manager but the applier owns a field of it.
   */
  const succeededAndReleased = async (generation: number | undefined): Promise<void> => {
    const done = await outcome();
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.nodes).toEqual([expect.objectContaining({ name: nodeName, bootAttempts: 1 })]);
    expect(done.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      observedGeneration: done.metadata?.generation,
    });
    const released = await getNode();
    expect(released.status?.claimedBy).toBeUndefined();
    expect(released.metadata.generation).toBe(generation);
    expect(released.spec.image).toBe(`${ns.name}/base`);
    const specWriters = (released.metadata.managedFields ?? [])
      .filter((m) => m.manager !== GITOPS_MANAGER && JSON.stringify(m.fieldsV1).includes('"f:spec"'))
      .map((m) => m.manager);
    expect(specWriters).toEqual([]);
  };

  it(
    'applies the repository, re-applies it mid-run: same generations and fields, no reboot, an empty diff; the run succeeds',
    async () => {
      // Given the whole repository applied at once, as a GitOps tool syncs it
      expect(await applyRepo()).toMatchObject({ code: 0 });
      // When the experiment has booted the node into its image and holds it
      const booted = await bootedOnClaim(await holdingRun());
      const before = await snapshot();

      // And the repository is applied again, by the same applier
      expect(await applyRepo()).toMatchObject({ code: 0 });

      // Then nothing it owns changed: generations, specs, its managed fields
      expect(await snapshot()).toEqual(before);
      // And a server-side diff of the repository is empty
      expect(await serverSideDiff()).toMatchObject({ code: 0, stdout: '' });
      // And nothing rebooted the node while the experiment held it
      expect(await factsDuringHold()).toEqual([bootFacts(booted)]);

      // And the experiment goes on to Succeeded, its first boot its only one, and releases the node
      await succeededAndReleased(before[`WaltNode/${nodeName}`]!.generation);
    },
    2 * BOOT_TIMEOUT_MS + 10 * 60_000,
  );
});
