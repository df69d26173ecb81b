// Least-privilege RBAC (config/rbac): the operator and a boot agent, impersonating their service
// accounts, take a private WaltImage to Ready and clean it up on delete; what they need nothing more
// for is refused.
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import * as k8s from '@kubernetes/client-node';
import type { WaltImage } from '../../api/v1alpha1/index.js';
import { createAgent, type Agent } from '../../agents/main.js';
import { createOperator } from '../../operator/main.js';
import type { Manager } from '../../operator/runtime/manager.js';
import { buildImage, pushLayout } from '../support/oci-builder.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { waitFor } from '../support/wait.js';
import { impersonating, kubeConfig, kubectl, testNamespace, RBAC_DIR } from './support/cluster.js';

const rbacDir = RBAC_DIR;

describe('least-privilege RBAC for the operator and the boot agent', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let registry: TestRegistry;
  let work: string;
  const managers: Array<Manager | Agent> = [];

  beforeAll(async () => {
    expect(await kubectl(['apply', '-f', path.join(rbacDir, 'namespace.yaml')])).toMatchObject({ code: 0 });
    expect(await kubectl(['apply', '-f', rbacDir])).toMatchObject({ code: 0 });
    ns = await testNamespace('rbac');
    registry = await startRegistry({ auth: 'htpasswd' });
    work = await mkdtemp(path.join(os.tmpdir(), 'walt-rbac-'));
  });
  afterAll(async () => {
    await kubectl(['delete', 'waltimages', '--all', '-n', ns.name, '--timeout=30s']);
    for (const m of managers) await m.stop();
    await registry.stop();
    await ns.remove();
    await rm(work, { recursive: true, force: true });
  });

  it('is enough for a private image to become Ready and be garbage-collected on delete', async () => {
    const operator = createOperator({
      kc: impersonating('walt-operator'),
      identity: 'rbac-operator',
      healthPort: 0,
      handleSignals: false,
      leaseNamespace: 'walt-system',
      namespace: ns.name,
    });
    const agent = await createAgent({
      kc: impersonating('walt-agent'),
      segment: 'rbac-lab',
      cacheDir: path.join(work, 'cache'),
      identity: 'rbac-agent',
      healthPort: 0,
      handleSignals: false,
      leaseNamespace: 'walt-system',
      imageNamespace: ns.name,
    });
    managers.push(operator, agent);
    await operator.start();
    await agent.start();

    const image = await buildImage(path.join(work, 'img'), {
      layers: [[{ path: 'etc/os-release', type: 'file', content: 'ID=rbac\n' }]],
      config: { architecture: 'amd64', os: 'linux', labels: { 'walt.node.models': 'pc-x86-64' } },
    });
    const ref = await pushLayout(image.dir, image.tag, registry, { repository: 'walt/rbac' });
    const secret = Buffer.from(registry.dockerConfigJson()).toString('base64');
    const manifest = `apiVersion: v1
kind: Secret
metadata: {name: pull}
type: kubernetes.io/dockerconfigjson
data: {.dockerconfigjson: ${secret}}
---
apiVersion: walt.dev/v1alpha1
kind: WaltImage
metadata: {name: private}
spec: {ref: "${ref}", insecureRegistry: true, pullSecret: {name: pull}}
`;
    expect(await kubectl(['apply', '-n', ns.name, '-f', '-'], manifest)).toMatchObject({ code: 0 });
    const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    const get = (): Promise<WaltImage | undefined> =>
      api
        .getNamespacedCustomObject({
          group: 'walt.dev',
          version: 'v1alpha1',
          namespace: ns.name,
          plural: 'waltimages',
          name: 'private',
        })
        .then(
          (o) => o as WaltImage,
          () => undefined,
        );
    await waitFor('Ready', async () =>
      (await get())?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
        ? true
        : undefined,
    );
    const events = await kubectl(['get', 'events', '-n', ns.name, '-o', 'jsonpath={.items[*].reason}']);
    expect(events.stdout).toContain('Unpacked');
    // Both replicas took their Leases in walt-system.
    const leases = await kubectl(['get', 'leases', '-n', 'walt-system', '-o', 'name']);
    expect(leases.stdout).toContain('lease.coordination.k8s.io/walt-operator');
    expect(leases.stdout).toContain('lease.coordination.k8s.io/walt-agent-rbac-lab');

    expect(await kubectl(['delete', 'waltimage', 'private', '-n', ns.name, '--timeout=30s'])).toMatchObject({
      code: 0,
    });
    await waitFor('deletion', async () => ((await get()) ? undefined : true));
  });

  // [account, verb, resource (with -n when namespaced), allowed]
  it.each([
    ['walt-operator', 'delete', 'waltnodes.walt.dev', false],
    ['walt-operator', 'update', 'waltimages.walt.dev', false],
    ['walt-operator', 'list', 'secrets', false],
    ['walt-operator', 'create', 'namespaces', false],
    ['walt-operator', 'patch', 'waltimages.walt.dev/status', true],
    ['walt-agent', 'delete', 'waltimages.walt.dev', false],
    ['walt-agent', 'patch', 'waltsegments.walt.dev', false],
    ['walt-agent', 'list', 'secrets', false],
    ['walt-agent', 'create', 'waltnodes.walt.dev', true],
    ['walt-agent', 'patch', 'waltnodes.walt.dev/status', true],
  ] as const)('%s: can-i %s %s → %s', async (account, verb, resource, allowed) => {
    const [kind, sub] = resource.split('/');
    const args = ['auth', 'can-i', verb, kind!, ...(sub ? ['--subresource', sub] : []), '-A'];
    const result = await kubectl([...args, `--as=system:serviceaccount:walt-system:${account}`]);
    expect(result.stdout.trim()).toBe(allowed ? 'yes' : 'no');
  });
});
