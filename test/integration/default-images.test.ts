// The default-images controller on the real apiserver, as the operator's ServiceAccount (impersonated,
// config/rbac applied): a WaltNode of a model without default image brings the WaltImage
// walt-system/<model>-default (server-side applied by walt-default-images, labelled as managed, from the
// configured repository); a default image someone else made is left exactly as it is; the operator may
// create WaltImages in walt-system and nowhere else. The controller sees only this suite's nodes (a
// label), and the models are ones no other suite uses, so the suites sharing the apiserver are left alone.
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltImage, type WaltNode } from '../../api/v1alpha1/index.js';
import { createLogger } from '../../common/logger.js';
import { applyIdentities } from '../../local/lab/identity.js';
import { defaultImagesController } from '../../operator/controllers/default-images/controller.js';
import { createManager, type Manager } from '../../runtime/index.js';
import { waitFor } from '../support/wait.js';
import { impersonating, kubeConfig, kubectl, uniqueName } from './support/cluster.js';

const SYSTEM = 'walt-system';
const SUITE_LABEL = 'test.walt.dev/suite';

describe('default images per model in use (operator/controllers/default-images)', () => {
  const admin = kubeConfig();
  const api = admin.makeApiClient(k8s.CustomObjectsApi);
  const suite = uniqueName('defimg');
  const nodes: string[] = [];
  const images: string[] = [];
  let manager: Manager;

  const node = (name: string, model: string, mac: string): WaltNode =>
    ({
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltNode',
      metadata: { name, labels: { [SUITE_LABEL]: suite } },
      spec: { mac, model, segment: 'nowhere', power: { driver: 'none' } },
    }) as unknown as WaltNode;
  const createNode = async (body: WaltNode): Promise<void> => {
    nodes.push(body.metadata.name);
    await api.createClusterCustomObject({ ...RESOURCES.node, body });
  };
  const getImage = (name: string): Promise<WaltImage | undefined> =>
    (
      api.getNamespacedCustomObject({ ...RESOURCES.image, namespace: SYSTEM, name }) as Promise<WaltImage>
    ).catch(() => undefined);

  beforeAll(async () => {
    await applyIdentities(admin, []);
    manager = createManager({
      kc: impersonating('walt-operator'),
      identity: `${suite}-operator`,
      healthPort: 0,
      logger: createLogger('default-images-test'),
      handleSignals: false,
    });
    manager.addController(
      defaultImagesController({
        kc: impersonating('walt-operator'),
        config: { repository: '127.0.0.1:5999/walt', tag: 'v7', insecureRegistry: true },
        namespace: SYSTEM,
        labelSelector: `${SUITE_LABEL}=${suite}`,
      }),
    );
    await manager.start();
  }, 60_000);

  afterAll(async () => {
    await manager?.stop();
    for (const name of nodes)
      await api.deleteClusterCustomObject({ ...RESOURCES.node, name }).catch(() => undefined);
    for (const name of images)
      await api
        .deleteNamespacedCustomObject({ ...RESOURCES.image, namespace: SYSTEM, name })
        .catch(() => undefined);
  });

  it('creates <model>-default for a model in use, from the configured repository, as its own', async () => {
    images.push('nanopi-r5c-default');
    expect(await getImage('nanopi-r5c-default')).toBeUndefined();
    await createNode(node(`${suite}-a`, 'nanopi-r5c', '02:7e:00:00:00:01'));
    const image = await waitFor('the default image', () => getImage('nanopi-r5c-default'), 30_000);
    expect(image.spec).toMatchObject({
      ref: '127.0.0.1:5999/walt/nanopi-r5c-default:v7',
      insecureRegistry: true,
    });
    expect(image.metadata.labels).toMatchObject({ 'walt.dev/managed-by': 'walt-default-images' });
    const managers = (image.metadata.managedFields ?? []).map((f) => `${f.manager}/${f.operation}`);
    expect(managers).toEqual(['walt-default-images/Apply']);
    // A second node of the model changes nothing
    const version = image.metadata.resourceVersion;
    await createNode(node(`${suite}-b`, 'nanopi-r5c', '02:7e:00:00:00:02'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await getImage('nanopi-r5c-default'))?.metadata.resourceVersion).toBe(version);
  });

  it('leaves a default image someone else made as it is', async () => {
    images.push('coral-dev-board-default', 'pc-x86-32-default');
    const mine = (await api.createNamespacedCustomObject({
      ...RESOURCES.image,
      namespace: SYSTEM,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltImage',
        metadata: { name: 'coral-dev-board-default' },
        spec: { ref: 'registry.example.org/mine/coral:1' },
      },
    })) as WaltImage;
    await createNode(node(`${suite}-c`, 'coral-dev-board', '02:7e:00:00:00:03'));
    // A node of another model, created after: once its image exists, the one before was reconciled too
    await createNode(node(`${suite}-d`, 'pc-x86-32', '02:7e:00:00:00:04'));
    await waitFor('the later image', () => getImage('pc-x86-32-default'), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await getImage('coral-dev-board-default');
    expect(after?.metadata.resourceVersion).toBe(mine.metadata.resourceVersion);
    expect(after?.spec.ref).toBe('registry.example.org/mine/coral:1');
    expect(after?.metadata.labels?.['walt.dev/managed-by']).toBeUndefined();
  });

  it('lets the operator create WaltImages in every namespace (RBAC: keep.savedImage saves anywhere)', async () => {
    for (const namespace of [SYSTEM, 'default']) {
      const result = await kubectl([
        'auth',
        'can-i',
        'create',
        'waltimages.walt.dev',
        '-n',
        namespace,
        `--as=system:serviceaccount:${SYSTEM}:walt-operator`,
      ]);
      expect({ namespace, answer: result.stdout.trim() }).toEqual({ namespace, answer: 'yes' });
    }
  });

  // What RBAC cannot say, the policy walt-operator-created-images does: saved images anywhere, default
  // images in the system namespace only, nothing else (server-side dry runs as the operator).
  it.each([
    ['default', { 'walt.dev/saved-by-experiment': 'exp1' }, 'created'],
    [SYSTEM, { 'walt.dev/managed-by': 'walt-default-images' }, 'created'],
    ['default', { 'walt.dev/managed-by': 'walt-default-images' }, 'WALT_ERR_OPERATOR_FOREIGN_IMAGE'],
    ['default', {}, 'WALT_ERR_OPERATOR_FOREIGN_IMAGE'],
    [SYSTEM, {}, 'WALT_ERR_OPERATOR_FOREIGN_IMAGE'],
  ])('as the operator, a WaltImage in %s labelled %j: %s', async (namespace, labels, outcome) => {
    const image = {
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltImage',
      metadata: { name: uniqueName('opimg'), namespace, labels },
      spec: { ref: '127.0.0.1:5000/walt/x:1' },
    };
    const result = await kubectl(
      ['create', '--dry-run=server', '-f', '-', `--as=system:serviceaccount:${SYSTEM}:walt-operator`],
      JSON.stringify(image),
    );
    if (outcome === 'created')
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    else expect(result.stderr).toContain(outcome);
  });
});
