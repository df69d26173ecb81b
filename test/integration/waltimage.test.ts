// WaltImage end to end on the real apiserver: the operator resolves images from a real registry, a
// boot agent pulls and unpacks them into its cache and reports per segment; conditions, progress,
// events, pull secrets, corrupted blobs, registry outages, moving tags and garbage collection.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { WaltImage } from '../../api/v1alpha1/index.js';
import { createAgent, type Agent } from '../../agents/main.js';
import { agentServiceAccountName, imagePullSecretAccess } from '../../api/rbac/segment-agent.js';
import { applyIdentities, asServiceAccount } from '../../local/lab/identity.js';
import { createOperator } from '../../operator/main.js';
import type { Manager } from '../../runtime/index.js';
import { buildImage, buildMultiArchImage, pushLayout, type LayerEntry } from '../support/oci-builder.js';
import { startRegistry, type TestRegistry } from '../../local/lab/registry.js';
import { waitFor } from '../support/wait.js';
import { kubeConfig, kubectl, testNamespace } from './support/cluster.js';

const group = 'walt.dev';
const version = 'v1alpha1';
const plural = 'waltimages';
const SEGMENT = 'lab-images';

const rootfs = (marker: string): LayerEntry[][] => [
  [
    { path: 'etc', type: 'dir' },
    { path: 'etc/os-release', type: 'file', content: `ID=${marker}\n` },
    { path: 'boot', type: 'dir' },
    { path: 'boot/pc-x86-64', type: 'dir' },
    { path: 'boot/pc-x86-64/vmlinuz', type: 'file', size: 128 * 1024 },
  ],
];

describe('WaltImage: operator + boot agent + real registry', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let registry: TestRegistry;
  let privateRegistry: TestRegistry;
  let work: string;
  let operator: Manager;
  let agent: Agent;
  let clockOffsetMs = 0;

  const get = async (name: string): Promise<WaltImage> =>
    (await api.getNamespacedCustomObject({ group, version, namespace: ns.name, plural, name })) as WaltImage;
  const condition = (image: WaltImage, type: string) =>
    image.status?.conditions?.find((c) => c.type === type);
  const waitCondition = (name: string, type: string, status: string, reason?: string): Promise<WaltImage> =>
    waitFor(`${name} ${type}=${status}${reason ? ` (${reason})` : ''}`, async () => {
      const image = await get(name);
      const c = condition(image, type);
      return c?.status === status && (!reason || c.reason === reason) ? image : undefined;
    });
  const create = (name: string, spec: Record<string, unknown>): Promise<unknown> =>
    api.createNamespacedCustomObject({
      group,
      version,
      namespace: ns.name,
      plural,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'WaltImage',
        metadata: { name },
        spec: { insecureRegistry: true, ...spec },
      },
    });

  async function push(
    name: string,
    marker: string,
    target: TestRegistry = registry,
    tag = 'latest',
  ): Promise<string> {
    const image = await buildImage(
      path.join(work, `${name}-${marker}`),
      {
        layers: rootfs(marker),
        config: {
          architecture: 'amd64',
          os: 'linux',
          labels: { 'walt.node.models': 'pc-x86-64,qemu-x86-64' },
        },
      },
      tag,
    );
    return pushLayout(image.dir, image.tag, target, { repository: `walt/${name}` });
  }

  beforeAll(async () => {
    ns = await testNamespace('images');
    work = await mkdtemp(path.join(os.tmpdir(), 'walt-wi-'));
    registry = await startRegistry();
    privateRegistry = await startRegistry({ auth: 'htpasswd' });
    // Injected clock: lets the test jump past the re-check interval of a Periodic image.
    const now = (): number => Date.now() + clockOffsetMs;
    operator = createOperator({
      kc,
      identity: 'operator-test',
      healthPort: 0,
      handleSignals: false,
      now,
      namespace: ns.name,
    });
    // The agent as its segment's ServiceAccount (the admin credentials only set up, ADR 0011).
    await applyIdentities(kc, [SEGMENT]);
    agent = await createAgent({
      kc: asServiceAccount(kc, agentServiceAccountName(SEGMENT)),
      segment: SEGMENT,
      cacheDir: path.join(work, 'cache'),
      identity: 'agent-test',
      healthPort: 0,
      handleSignals: false,
      imageNamespace: ns.name,
    });
    await operator.start();
    await agent.start();
  }, 60000);

  afterAll(async () => {
    await kubectl(['delete', 'waltimages', '--all', '-n', ns.name, '--wait=true', '--timeout=30s']);
    await agent.stop();
    await operator.stop();
    await registry.stop();
    await privateRegistry.stop();
    await ns.remove();
    await rm(work, { recursive: true, force: true });
  }, 60000);

  it('kubectl apply -f examples/image.yaml → Ready, with digest, models, size and per-segment artifacts', async () => {
    await push('pc-x86-64-default', 'example');
    // The example points at the testbed's registry; this test's registry is on a free port.
    const original = await readFile(new URL('../../examples/image.yaml', import.meta.url), 'utf8');
    expect(original).toContain('ref: 127.0.0.1:5000/');
    const example = original.replaceAll('127.0.0.1:5000', registry.host);
    const applied = await kubectl(['apply', '-n', ns.name, '-f', '-'], example);
    expect(applied).toMatchObject({ code: 0 });
    const ready = await waitCondition('debian-pc', 'Ready', 'True');
    expect(ready.status).toMatchObject({
      models: ['pc-x86-64', 'qemu-x86-64'],
      observedGeneration: 1,
      progress: { bytesDone: ready.status!.size, bytesTotal: ready.status!.size },
    });
    expect(ready.status!.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    // What GitOps tools read: Ready, and neither Reconciling nor Stalled, for the spec's generation
    const settled = await waitCondition('debian-pc', 'Reconciling', 'False');
    for (const type of ['Ready', 'Reconciling', 'Stalled'])
      expect(condition(settled, type)).toMatchObject({ observedGeneration: 1 });
    expect(condition(settled, 'Stalled')?.status).toBe('False');
    const entry = ready.status!.segments!.find((s) => s.segment === SEGMENT)!;
    expect(entry.digest).toBe(ready.status!.digest);
    expect(entry.conditions!.map((c) => `${c.type}=${c.status}`).sort()).toEqual([
      'Pulled=True',
      'Unpacked=True',
    ]);
    // The rootfs is in the agent's cache.
    const rootfs = path.join(work, 'cache', 'images', 'sha256', entry.manifests![0]!.slice(7), 'rootfs');
    expect(await readFile(path.join(rootfs, 'etc/os-release'), 'utf8')).toBe('ID=example\n');
    // The printer columns show it.
    const table = await kubectl(['get', 'wi', 'debian-pc', '-n', ns.name]);
    expect(table.stdout).toMatch(/debian-pc\s+\S+\s+\["pc-x86-64","qemu-x86-64"\]\s+\d+\s+True/);
    // Events tell the story.
    const events = await kubectl([
      'get',
      'events',
      '-n',
      ns.name,
      '--field-selector',
      'involvedObject.name=debian-pc',
      '-o',
      'jsonpath={.items[*].reason}',
    ]);
    expect(events.stdout.split(' ')).toEqual(expect.arrayContaining(['Resolved', 'Pulling', 'Unpacked']));
  });

  it('picks the platform of the models from a multi-arch index', async () => {
    const index = await buildMultiArchImage(path.join(work, 'multi'), [
      {
        layers: rootfs('amd64'),
        config: { architecture: 'amd64', os: 'linux', labels: { 'walt.node.models': 'pc-x86-64' } },
      },
      {
        layers: rootfs('arm64'),
        config: { architecture: 'arm64', os: 'linux', labels: { 'walt.node.models': 'rpi-4-b' } },
      },
    ]);
    const ref = await pushLayout(index.dir, index.tag, registry.host, { repository: 'walt/multi' });
    await create('multi', { ref });
    const ready = await waitCondition('multi', 'Ready', 'True');
    expect(ready.status!.digest).toBe(index.digest);
    expect(ready.status!.models!.sort()).toEqual(['pc-x86-64', 'rpi-4-b']);
    expect(ready.status!.segments![0]!.manifests!.sort()).toEqual(index.images.map((i) => i.digest).sort());
  });

  it('pulls a private image with a dockerconfigjson pull secret, and says what to fix without one', async () => {
    const ref = await push('private', 'secret', privateRegistry);
    await create('no-secret', { ref });
    const refused = await waitCondition('no-secret', 'Ready', 'False', 'RegistryUnauthorized');
    expect(condition(refused, 'Ready')!.message).toContain('pullSecret');
    // It cannot progress without a change (a pull secret): Stalled, with the reason
    const stalled = await waitCondition('no-secret', 'Stalled', 'True', 'RegistryUnauthorized');
    expect(condition(stalled, 'Reconciling')?.status).toBe('False');

    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: {
        metadata: { name: 'lab-registry' },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(privateRegistry.dockerConfigJson()).toString('base64') },
      },
    });
    // The namespace opens that Secret, and only it, to walt's agents (api/rbac/segment-agent.ts).
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const [role, binding] = imagePullSecretAccess(ns.name, ['lab-registry']);
    await rbac.createNamespacedRole({ namespace: ns.name, body: role });
    await rbac.createNamespacedRoleBinding({ namespace: ns.name, body: binding });
    await create('with-secret', { ref, pullSecret: { name: 'lab-registry' } });
    await waitCondition('with-secret', 'Ready', 'True');
  });

  it('reports a corrupted blob as Pulled=False with a reason that says so', async () => {
    const ref = await push('corrupt', 'bad');
    const layout = await readdir(path.join(work, 'corrupt-bad', 'blobs', 'sha256'));
    // Overwrite every blob of that image except manifests/configs we cannot tell apart: corrupt the big layer.
    const sizes = await Promise.all(
      layout.map(async (hex) => ({
        hex,
        size: (await readFile(path.join(work, 'corrupt-bad', 'blobs', 'sha256', hex))).length,
      })),
    );
    const layer = sizes.sort((a, b) => b.size - a.size)[0]!;
    await writeFile(registry.blobPath(`sha256:${layer.hex}`), Buffer.alloc(layer.size, 0x42));
    await create('corrupt', { ref });
    const failed = await waitCondition('corrupt', 'Pulled', 'False', 'DigestMismatch');
    expect(condition(failed, 'Pulled')!.message).toContain(layer.hex);
    expect(condition(failed, 'Ready')).toMatchObject({ status: 'False', reason: 'DigestMismatch' });
  });

  it('refuses a malicious layer: Unpacked=False with the reason, nothing written outside the cache', async () => {
    const image = await buildImage(path.join(work, 'evil'), {
      layers: [[{ path: '../../../../walt-escaped', type: 'file', content: 'pwned' }]],
      config: { architecture: 'amd64', os: 'linux', labels: { 'walt.node.models': 'pc-x86-64' } },
    });
    const ref = await pushLayout(image.dir, image.tag, registry, { repository: 'walt/evil' });
    await create('evil', { ref });
    const refused = await waitCondition('evil', 'Unpacked', 'False', 'UnpackPathEscape');
    expect(condition(refused, 'Pulled')?.status).toBe('True');
    expect(condition(refused, 'Ready')).toMatchObject({ status: 'False', reason: 'UnpackPathEscape' });
    for (const dir of [work, path.dirname(work), '/'])
      expect(existsSync(path.join(dir, 'walt-escaped'))).toBe(false);
  });

  it('backs off while the registry is down and recovers when it returns', async () => {
    const ref = await push('outage', 'down');
    await registry.down();
    try {
      await create('outage', { ref });
      await waitCondition('outage', 'Resolved', 'False', 'RegistryUnreachable');
    } finally {
      await registry.restart();
    }
    await waitCondition('outage', 'Ready', 'True');
  });

  it('notices a moved tag on its re-check and pulls the new digest', async () => {
    const first = await push('moving', 'v1');
    await create('moving', { ref: first, recheck: { policy: 'Periodic', interval: '1h' } });
    const v1 = await waitCondition('moving', 'Ready', 'True');
    await push('moving', 'v2');
    // Two hours later, a touch of the object makes the controller look again.
    clockOffsetMs = 2 * 3600_000;
    await api.patchNamespacedCustomObject(
      {
        group,
        version,
        namespace: ns.name,
        plural,
        name: 'moving',
        body: { metadata: { annotations: { touched: 'yes' } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const v2 = await waitFor('the new digest', async () => {
      const image = await get('moving');
      const entry = image.status?.segments?.[0];
      return image.status?.digest !== v1.status!.digest &&
        entry?.digest === image.status?.digest &&
        condition(image, 'Ready')?.status === 'True'
        ? image
        : undefined;
    });
    const events = await kubectl([
      'get',
      'events',
      '-n',
      ns.name,
      '--field-selector',
      'involvedObject.name=moving,reason=TagMoved',
      '-o',
      'name',
    ]);
    expect(events.stdout.trim()).not.toBe('');
    expect(v2.status!.digest).not.toBe(v1.status!.digest);
  });

  it('garbage-collects the cache when a WaltImage is deleted (finalizer)', async () => {
    const ref = await push('doomed', 'gc');
    await create('doomed', { ref });
    const ready = await waitCondition('doomed', 'Ready', 'True');
    expect(ready.metadata.finalizers).toContain(`segment.walt.dev/${SEGMENT}`);
    const manifest = ready.status!.segments![0]!.manifests![0]!;
    const dir = path.join(work, 'cache', 'images', 'sha256', manifest.slice(7));
    expect(existsSync(dir)).toBe(true);
    await api.deleteNamespacedCustomObject({ group, version, namespace: ns.name, plural, name: 'doomed' });
    await waitFor('the WaltImage to go', async () =>
      (await get('doomed').catch(() => undefined)) ? undefined : true,
    );
    expect(existsSync(dir)).toBe(false);
  });
});
