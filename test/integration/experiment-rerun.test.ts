// Reproducible runs, on the lab of the CLI suites (test/support/cli-lab.ts: the REAL boot agent in its
// network namespace, the operator, a registry, one simulated machine speaking the real node protocol):
// an experiment records the image digest its node booted (status.nodes[].image.digest, from the agent's
// bootup record) with the node's model and settings and the operator's and agent's versions; then the
// image's tag is moved to another image (pushed to the same tag; the WaltImage's Periodic recheck
// follows it) and `walt experiment rerun` still boots the recorded digest. Which bytes the agent served
// is read by the node itself: its run step fetches its own boot file /boot/<node>/initrd.img from the
// agent (the file differs between the two images). A control experiment on the moved tag boots the new
// image: the move is real, so the rerun's result is not a leftover. keep.savedImage is checked here up
// to the save itself (a name taken by a user's image: reported, nothing pushed); the save through the
// real agent, from a run step's change to the pushed image, is in node-save.test.ts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type Experiment, type WaltImage, type WaltNode } from '../../api/v1alpha1/index.js';
import { startCliLab, type CliLab } from '../support/cli-lab.js';
import { buildImage, pushLayout } from '../support/oci-builder.js';
import { ensureCliBuilt, root, walt } from './cli-support.js';
import { kubeConfig, testNamespace, uniqueName, type CommandResult } from './support/cluster.js';

const REPOSITORY = 'walt/rerun';
const TAG = 'moving';
const IMAGE = 'moving';

describe('walt experiment rerun', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('rerun-seg');
  const machine = uniqueName('rerun-m');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: CliLab;
  let tmp: string;
  let version: string;
  const digests: { first?: string; second?: string } = {};

  const run = (...args: string[]): Promise<CommandResult> => walt(['-n', ns.name, ...args], { cwd: tmp });
  const get = async <T>(resource: typeof RESOURCES.image, name: string): Promise<T | undefined> =>
    (await api
      .getNamespacedCustomObject({ ...resource, namespace: ns.name, name })
      .catch(() => undefined)) as T | undefined;

  /** Pushes an image whose initrd says `marker` to the moving tag; answers its digest. */
  async function pushMarked(marker: string): Promise<string> {
    const image = await buildImage(
      path.join(tmp, `image-${marker}`),
      {
        layers: [
          [
            { path: 'boot', type: 'dir' },
            { path: 'boot/pc-x86-64', type: 'dir' },
            { path: 'boot/pc-x86-64/vmlinuz', type: 'file', content: 'not a kernel\n' },
            { path: 'boot/pc-x86-64/initrd.img', type: 'file', content: `marker ${marker}\n` },
          ],
        ],
        config: { architecture: 'amd64', os: 'linux', labels: { 'walt.node.models': 'pc-x86-64' } },
      },
      TAG,
    );
    await pushLayout(image.dir, TAG, lab.lab.registry, { repository: REPOSITORY });
    return image.digest;
  }

  /** Runs an experiment on `image` whose one step prints the boot file the agent serves the machine. */
  async function runExperiment(name: string, image: string, savedImage?: string): Promise<CommandResult> {
    const fetch = ['curl', '-fsS', '-m', '20', `http://${lab.node.server}/boot/${machine}/initrd.img`];
    const manifest = [
      'apiVersion: walt.dev/v1alpha1',
      'kind: Experiment',
      `metadata: {name: ${name}}`,
      'spec:',
      `  nodes: {names: [${machine}]}`,
      `  image: ${image}`,
      '  steps:',
      `    - {name: served, run: {command: ${JSON.stringify(fetch)}}}`,
      ...(savedImage ? [`  keep: {savedImage: ${savedImage}}`] : []),
    ].join('\n');
    await writeFile(path.join(tmp, `${name}.yaml`), manifest);
    return run('experiment', 'run', `${name}.yaml`, '--wait', '--timeout', '240s');
  }

  const experiment = async (name: string): Promise<Experiment> =>
    (await api.getNamespacedCustomObject({
      ...RESOURCES.experiment,
      namespace: ns.name,
      name,
    })) as Experiment;
  const served = (exp: Experiment): string | undefined => exp.status?.steps?.[0]?.results?.[0]?.output;

  beforeAll(async () => {
    await ensureCliBuilt();
    version = (JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string })
      .version;
    ns = await testNamespace('rerun');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'walt-rerun-'));
    process.env.WALT_AGENT_URL_ALLOW_LOOPBACK = '1';
    lab = await startCliLab({
      kc,
      namespace: ns.name,
      segment,
      netns: `wrerun-${process.pid}`,
      prefix: '10.92.0',
      node: machine,
      dir: path.join(tmp, 'lab'),
    });
  }, 300_000);

  afterAll(async () => {
    await lab?.stop();
    await rm(tmp, { recursive: true, force: true });
    await ns?.remove();
  }, 120_000);

  it('records the digest the node booted, its model and settings, and the versions', async () => {
    // Given a WaltImage that follows a tag (recheck every minute), the tag on a first image
    digests.first = await pushMarked('first');
    await api.createNamespacedCustomObject({
      ...RESOURCES.image,
      namespace: ns.name,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltImage',
        metadata: { name: IMAGE },
        spec: {
          ref: `${lab.lab.registry.host}/${REPOSITORY}:${TAG}`,
          insecureRegistry: true,
          recheck: { policy: 'Periodic', interval: '1m' },
        },
      },
    });
    // When an experiment runs on it
    const result = await runExperiment('exp-first', IMAGE);
    expect(result).toMatchObject({ code: 0 });
    // Then the node read the first image's boot file from its agent
    const exp = await experiment('exp-first');
    expect(served(exp)).toBe('marker first\n');
    // And the status records what it ran: the digest served, model, settings, versions
    const node = (await api.getClusterCustomObject({ ...RESOURCES.node, name: machine })) as WaltNode;
    expect(exp.status?.operatorVersion).toBe(version);
    expect(exp.status?.nodes).toEqual([
      expect.objectContaining({
        name: machine,
        image: {
          name: `${ns.name}/${IMAGE}`,
          ref: `${lab.lab.registry.host}/${REPOSITORY}:${TAG}`,
          digest: digests.first,
        },
        model: 'pc-x86-64',
        settings: expect.objectContaining({ netsetup: node.spec.settings.netsetup }) as unknown,
        agentVersion: version,
      }),
    ]);
  }, 300_000);

  it('moves the tag: the WaltImage follows it to the second image', async () => {
    expect(digests.first).toBeDefined();
    // When another image is pushed to the same tag
    digests.second = await pushMarked('second');
    expect(digests.second).not.toBe(digests.first);
    // Then the WaltImage's recheck resolves the tag to it (within its interval of one minute)
    await lab.waitOr(
      `${IMAGE} to follow its tag to ${digests.second}`,
      async () =>
        (await get<WaltImage>(RESOURCES.image, IMAGE))?.status?.digest === digests.second ? true : undefined,
      240_000,
    );
  }, 300_000);

  it('reruns on the recorded digest, where the moved tag boots the new image', async () => {
    expect(digests.second).toBeDefined();
    // When the first experiment is rerun
    const rerun = await run(
      'experiment',
      'rerun',
      'exp-first',
      '--as',
      'exp-again',
      '--wait',
      '--timeout',
      '240s',
    );
    expect(rerun).toMatchObject({ code: 0 });
    const pinned = `${lab.lab.registry.host}/${REPOSITORY}@${digests.first}`;
    expect(rerun.stdout).toContain(
      `experiment ${ns.name}/exp-again created: rerun of exp-first on ${machine}, image pinned to ${pinned}`,
    );
    // Then the copy booted the first image: the node read its boot file, and its record says so
    const again = await experiment('exp-again');
    expect(again.status?.phase).toBe('Succeeded');
    expect(served(again)).toBe('marker first\n');
    expect(again.status?.nodes?.[0]?.image?.digest).toBe(digests.first);
    // And its WaltImage is pinned, labelled and owned by the copy (deleted with it)
    const image = (await get<WaltImage>(RESOURCES.image, 'exp-again'))!;
    expect(image.spec).toMatchObject({ ref: pinned, recheck: { policy: 'Never' } });
    expect(image.metadata.labels).toEqual({
      'walt.dev/rerun-of': 'exp-first',
      'walt.dev/experiment': 'exp-again',
    });
    expect(image.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Experiment', name: 'exp-again', uid: again.metadata.uid }),
    ]);
    // Control: an experiment on the moved tag boots the second image
    expect(await runExperiment('exp-moved', IMAGE)).toMatchObject({ code: 0 });
    const moved = await experiment('exp-moved');
    expect(served(moved)).toBe('marker second\n');
    expect(moved.status?.nodes?.[0]?.image?.digest).toBe(digests.second);
    // And a second rerun under the same name is refused
    const twice = await run('experiment', 'rerun', 'exp-first', '--as', 'exp-again');
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain('WALT_ERR_CLI_ALREADY_EXISTS');
  }, 300_000);

  it("keep.savedImage: a name taken by a user's WaltImage is reported, the run and the image untouched", async () => {
    // Given a user's WaltImage named like the image the experiment would save
    const user = { ref: `${lab.lab.registry.host}/${REPOSITORY}@${digests.first}`, insecureRegistry: true };
    await api.createNamespacedCustomObject({
      ...RESOURCES.image,
      namespace: ns.name,
      body: { apiVersion: 'walt.dev/v1alpha1', kind: 'WaltImage', metadata: { name: 'taken' }, spec: user },
    });
    // When an experiment that keeps its node as "taken" runs (the schema accepts keep.savedImage)
    expect(await runExperiment('exp-save', IMAGE, 'taken')).toMatchObject({ code: 0 });
    // Then it Succeeded, its node released, the save refused before any push, with a condition and an event
    const exp = await experiment('exp-save');
    expect(exp.status?.phase).toBe('Succeeded');
    expect(exp.status?.savedImages).toEqual([
      {
        node: machine,
        image: 'taken',
        message: expect.stringMatching(/^WALT_ERR_EXPERIMENT_SAVE_NAME_TAKEN: /) as unknown,
      },
    ]);
    expect(exp.status?.conditions?.find((c) => c.type === 'ImageSaved')).toMatchObject({
      status: 'False',
      reason: 'SaveFailed',
    });
    const node = (await api.getClusterCustomObject({ ...RESOURCES.node, name: machine })) as WaltNode;
    expect(node.status?.claimedBy).toBeUndefined();
    const events = await kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: ns.name });
    const warning = events.items.find((e) => e.regarding?.name === 'exp-save' && e.reason === 'SaveFailed');
    expect(warning?.type).toBe('Warning');
    expect(warning?.note).toContain(`${machine}: WALT_ERR_EXPERIMENT_SAVE_NAME_TAKEN`);
    // And the user's image is as it was
    const taken = (await get<WaltImage>(RESOURCES.image, 'taken'))!;
    expect(taken.spec).toMatchObject(user);
    expect(taken.metadata.labels).toBeUndefined();
    // And a rerun of it does not save (it would overwrite the original's images), and says so
    const rerun = await run('experiment', 'rerun', 'exp-save', '--wait', '--timeout', '240s');
    expect(rerun).toMatchObject({ code: 0 });
    expect(rerun.stderr).toContain('note: keep.savedImage is not copied');
    const again = await experiment('exp-save-rerun');
    expect(again.spec.keep?.savedImage).toBeUndefined();
    expect(again.status?.savedImages).toBeUndefined();
  }, 300_000);
});
