// Least privilege, proven on the real apiserver (config/rbac, api/rbac/segment-agent.ts, ADR 0011):
// - the operator and a real boot agent, each impersonating its own ServiceAccount, do their whole job:
//   the agent of segment A runs in its network namespace, creates its token Secret and Lease, publishes
//   its heartbeat and API in A's status, registers a discovered node of A, records its bootup, pulls a
//   private image (its pull secret opened to walt by the namespace) and reports its own status entry;
// - the same agent cannot touch segment B: B's token, any other Secret, a Secret of another name, B's
//   nodes, B's segment and its status, a WaltNode on B, B's Lease, B's entry of an image's status, a
//   service-account token;
// - the operator reads tokens by convention and never sends one to a URL the status chose.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { agentTokenSecretName } from '../../api/agent/v1.js';
import { agentServiceAccountName, imagePullSecretAccess } from '../../api/rbac/segment-agent.js';
import { RESOURCES, type WaltImage, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import { applyIdentities, asServiceAccount } from '../../local/lab/identity.js';
import { createOperator, defaultAgentFor } from '../../operator/main.js';
import type { Manager } from '../../runtime/index.js';
import {
  bridgeApiserver,
  bridgeLoopbackPort,
  type ApiserverBridge,
} from '../../local/lab/apiserver-bridge.js';
import { udhcpc } from '../support/dhcp-clients.js';
import { addClient, createSegment, destroySegment, exec, randomMac, type Segment } from '../support/netns.js';
import { buildImage, pushLayout } from '../support/oci-builder.js';
import { startRegistry, type TestRegistry } from '../../local/lab/registry.js';
import { stop } from '../support/fault-processes.js';
import {
  agentKubeconfig,
  launchSegmentAgent,
  withAgentLog,
  type SegmentAgent,
} from '../support/segment-agent.js';
import { waitFor } from '../support/wait.js';
import { impersonating, kubeConfig, kubectl, testNamespace, uniqueName } from './support/cluster.js';

const SYSTEM = 'walt-system';
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface Refusal {
  code: number;
  body: string;
}

/** The apiserver's refusal of `call` (fails the test if the call succeeds). */
async function refusal(call: Promise<unknown>): Promise<Refusal> {
  try {
    await call;
  } catch (error) {
    if (error instanceof k8s.ApiException) return { code: error.code, body: String(error.body) };
    throw error;
  }
  throw new Error('the apiserver allowed a call that must be refused');
}

describe('least privilege: one identity per segment agent, and an operator that follows no status', () => {
  const admin = kubeConfig();
  const objects = admin.makeApiClient(k8s.CustomObjectsApi);
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const segA = uniqueName('rbac-a');
  const segB = uniqueName('rbac-b');
  const agentA = asServiceAccount(admin, agentServiceAccountName(segA));
  const asA = {
    core: agentA.makeApiClient(k8s.CoreV1Api),
    objects: agentA.makeApiClient(k8s.CustomObjectsApi),
    leases: agentA.makeApiClient(k8s.CoordinationV1Api),
  };
  const nodeOfB = uniqueName('rbac-node-b');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let registry: TestRegistry;
  let work: string;
  let net: Segment;
  const bridges: ApiserverBridge[] = [];
  let agent: SegmentAgent | undefined;
  let operator: Manager | undefined;

  const segmentBody = (name: string, subnet: string, serverAddress: string): WaltSegment =>
    ({
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltSegment',
      metadata: { name },
      spec: { interface: 'rbac0', subnet, serverAddress, autoRegister: true },
    }) as WaltSegment;
  const getSegment = (name: string): Promise<WaltSegment> =>
    objects.getClusterCustomObject({ ...RESOURCES.segment, name }) as Promise<WaltSegment>;
  const getImage = (): Promise<WaltImage | undefined> =>
    objects.getNamespacedCustomObject({ ...RESOURCES.image, namespace: ns.name, name: 'private' }).then(
      (o) => o as WaltImage,
      () => undefined,
    );
  const withLog = (error: unknown): Error => withAgentLog(agent, error);

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'walt-rbac-'));
    await applyIdentities(admin, [segA, segB]);
    ns = await testNamespace('rbac');
    // The policy compiles asynchronously: wait until it refuses a foreign Secret (dry run).
    let last = '';
    await waitFor('the admission policy in force', async () => {
      try {
        await asA.core.createNamespacedSecret({
          namespace: SYSTEM,
          body: { metadata: { name: 'walt-probe' } },
          dryRun: 'All',
        });
        last = 'allowed';
      } catch (error) {
        last = error instanceof k8s.ApiException ? `${error.code} ${String(error.body)}` : String(error);
        if (last.includes('WALT_ERR_AGENT_FOREIGN_SECRET')) return true;
      }
      return undefined;
    }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; last answer: ${last}`);
    });
    net = await createSegment({ subnet: '10.76.0.0/24', serverIp: '10.76.0.1' });
    const a = segmentBody(segA, '10.76.0.0/24', '10.76.0.1');
    a.spec.interface = net.bridge;
    a.spec.dhcp = {
      mode: 'authoritative',
      range: { start: '10.76.0.100', end: '10.76.0.199' },
    } as WaltSegment['spec']['dhcp'];
    await objects.createClusterCustomObject({ ...RESOURCES.segment, body: a });
    await objects.createClusterCustomObject({
      ...RESOURCES.segment,
      body: segmentBody(segB, '10.75.0.0/24', '10.75.0.1'),
    });
    await objects.createClusterCustomObject({
      ...RESOURCES.node,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltNode',
        metadata: { name: nodeOfB },
        spec: { mac: randomMac('52:54:00'), model: 'pc-x86-64', segment: segB },
      },
    });
    // B's token, as B's agent would have made it; a Secret of nobody's.
    await core.createNamespacedSecret({
      namespace: SYSTEM,
      body: { metadata: { name: agentTokenSecretName(segB) }, stringData: { token: 'token-of-b' } },
    });
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: { metadata: { name: 'unrelated' }, stringData: { password: 'not for walt' } },
    });
    registry = await startRegistry({ auth: 'htpasswd' });
  }, 120_000);

  afterAll(async () => {
    try {
      await kubectl(['delete', 'waltimages', '--all', '-n', ns.name, '--timeout=30s']);
    } finally {
      await stop(agent);
      await operator?.stop();
      for (const bridge of bridges) await bridge.stop();
      await registry?.stop();
      for (const name of [segA, segB]) {
        await objects.deleteClusterCustomObject({ ...RESOURCES.segment, name }).catch(() => undefined);
      }
      const nodes = (await objects.listClusterCustomObject({ ...RESOURCES.node })) as { items: WaltNode[] };
      for (const node of nodes.items.filter((n) => [segA, segB].includes(n.spec.segment))) {
        await objects
          .deleteClusterCustomObject({ ...RESOURCES.node, name: node.metadata.name })
          .catch(() => undefined);
      }
      await ns?.remove();
      if (net) await destroySegment(net);
      await rm(work, { recursive: true, force: true });
    }
  }, 120_000);

  it('is enough for the boot agent and the operator to serve segment A: token, Lease, status, discovery, bootup, a private image', async () => {
    // The operator as walt-operator; the agent as walt-agent-<A>, a process in A's network namespace.
    operator = createOperator({
      kc: impersonating('walt-operator'),
      identity: 'rbac-operator',
      healthPort: 0,
      handleSignals: false,
      leaseNamespace: SYSTEM,
      namespace: ns.name,
    });
    await operator.start();
    bridges.push(await bridgeApiserver(net.ns, admin.getCurrentCluster()!.server));
    bridges.push(await bridgeLoopbackPort(net.ns, Number(registry.host.split(':')[1])));
    agent = launchSegmentAgent({
      ns: net.ns,
      segment: segA,
      kubeconfig: await agentKubeconfig(admin, segA, work),
      cacheDir: path.join(work, 'cache'),
      identity: 'rbac-agent',
      args: ['--boot-cache-mib', '0'],
    });

    // Its heartbeat and API in A's status (waltsegments/status of its own segment)
    const status = await waitFor(
      'heartbeat and API of segment A',
      async () => {
        const agentStatus = (await getSegment(segA)).status?.agent;
        return agentStatus?.lastHeartbeat && agentStatus.apiUrl ? agentStatus : undefined;
      },
      90_000,
    ).catch((error: unknown) => {
      throw withLog(error);
    });
    expect(status.apiUrl).toBe('http://10.76.0.1');
    // Its token Secret (created by name) and its Lease
    const token = await core.readNamespacedSecret({ namespace: SYSTEM, name: agentTokenSecretName(segA) });
    expect(token.data?.token).toBeTruthy();
    const leases = await kubectl(['get', 'leases', '-n', SYSTEM, '-o', 'name']);
    expect(leases.stdout).toContain(`lease.coordination.k8s.io/walt-agent-${segA}`);

    // A device announcing a WalT model is registered as a WaltNode of A, and its bootup is recorded
    const mac = randomMac('52:54:00');
    const client = await addClient(net, { mac });
    const env = await udhcpc(work, client, ['-V', 'walt.node.pc-x86-64'], { configure: true });
    const discovered = await waitFor('the discovered node', async () => {
      const nodes = (await objects.listClusterCustomObject({ ...RESOURCES.node })) as { items: WaltNode[] };
      return nodes.items.find((n) => n.spec.mac === mac.toLowerCase());
    }).catch((error: unknown) => {
      throw withLog(error);
    });
    expect(discovered.spec.segment).toBe(segA);
    await exec(client.ns, 'curl', [
      '-sf',
      '-X',
      'POST',
      `http://10.76.0.1/api/v1/nodes/${discovered.metadata.name}/bootup`,
    ]);
    await waitFor('the bootup in the node status', async () => {
      const node = (await objects.getClusterCustomObject({
        ...RESOURCES.node,
        name: discovered.metadata.name,
      })) as WaltNode;
      return node.status?.ip === env.ip ? true : undefined;
    }).catch((error: unknown) => {
      throw withLog(error);
    });

    // A private image: the namespace opens its pull secret (and only it) to walt
    const image = await buildImage(path.join(work, 'img'), {
      layers: [[{ path: 'etc/os-release', type: 'file', content: 'ID=rbac\n' }]],
      config: { architecture: 'amd64', os: 'linux', labels: { 'walt.node.models': 'pc-x86-64' } },
    });
    const ref = await pushLayout(image.dir, image.tag, registry, { repository: 'walt/rbac' });
    const rbac = k8s.KubernetesObjectApi.makeApiClient(admin);
    for (const object of imagePullSecretAccess(ns.name, ['pull'])) await rbac.create(object);
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
    const ready = await waitFor(
      'the image Ready with its entry for segment A',
      async () => {
        const current = await getImage();
        const entry = current?.status?.segments?.find((s) => s.segment === segA);
        const unpacked = entry?.conditions?.some((c) => c.type === 'Unpacked' && c.status === 'True');
        return unpacked ? current : undefined;
      },
      90_000,
    ).catch((error: unknown) => {
      throw withLog(error);
    });
    expect(ready.metadata.finalizers).toContain(`segment.walt.dev/${segA}`);
    expect(await kubectl(['get', 'leases', '-n', SYSTEM, 'walt-operator', '-o', 'name'])).toMatchObject({
      code: 0,
    });
    // No write of the agent was refused by RBAC or the policy on the way (it logs them and goes on).
    // Other suites share the apiserver: a 403 for a namespace being deleted is none of ours.
    expect(agent.refusals()).toEqual([]);
  }, 300_000);

  describe("the agent of segment A cannot touch segment B's objects", () => {
    it("cannot read B's token, any other Secret, nor list Secrets", async () => {
      expect(
        (
          await refusal(
            asA.core.readNamespacedSecret({ namespace: SYSTEM, name: agentTokenSecretName(segB) }),
          )
        ).code,
      ).toBe(403);
      expect(
        (await refusal(asA.core.readNamespacedSecret({ namespace: ns.name, name: 'unrelated' }))).code,
      ).toBe(403);
      expect((await refusal(asA.core.listNamespacedSecret({ namespace: SYSTEM }))).code).toBe(403);
      expect((await refusal(asA.core.listSecretForAllNamespaces())).code).toBe(403);
    });

    it('cannot create a Secret of another name, nor one elsewhere', async () => {
      const foreign = await refusal(
        asA.core.createNamespacedSecret({
          namespace: SYSTEM,
          body: { metadata: { name: agentTokenSecretName(segB) } },
        }),
      );
      // B's token exists: a create of it would be 409 if the policy let it through
      expect(foreign.code).toBe(403);
      expect(foreign.body).toContain('WALT_ERR_AGENT_FOREIGN_SECRET');
      const other = await refusal(
        asA.core.createNamespacedSecret({ namespace: SYSTEM, body: { metadata: { name: 'anything-else' } } }),
      );
      expect(other.body).toContain('WALT_ERR_AGENT_FOREIGN_SECRET');
      expect(
        (
          await refusal(
            asA.core.createNamespacedSecret({
              namespace: ns.name,
              body: { metadata: { name: agentTokenSecretName(segA) } },
            }),
          )
        ).code,
      ).toBe(403);
    });

    it("cannot patch B's node, its status, nor create a WaltNode on B", async () => {
      const node = { ...RESOURCES.node, name: nodeOfB };
      const patched = await refusal(
        asA.objects.patchClusterCustomObject(
          { ...node, body: { metadata: { finalizers: [`vnode.walt.dev/${segA}`] } } },
          merge,
        ),
      );
      expect(patched.body).toContain('WALT_ERR_AGENT_FOREIGN_NODE');
      const moved = await refusal(
        asA.objects.patchClusterCustomObject({ ...node, body: { spec: { segment: segA } } }, merge),
      );
      expect(moved.body).toContain('WALT_ERR_AGENT_FOREIGN_NODE');
      const status = await refusal(
        asA.objects.patchClusterCustomObjectStatus({ ...node, body: { status: { phase: 'Ready' } } }, merge),
      );
      expect(status.body).toContain('WALT_ERR_AGENT_FOREIGN_NODE');
      const created = await refusal(
        asA.objects.createClusterCustomObject({
          ...RESOURCES.node,
          body: {
            apiVersion: 'walt.dev/v1alpha1',
            kind: 'WaltNode',
            metadata: { name: uniqueName('planted') },
            spec: { mac: randomMac('52:54:00'), model: 'pc-x86-64', segment: segB },
          },
        }),
      );
      expect(created.body).toContain('WALT_ERR_AGENT_FOREIGN_NODE');
      expect((await refusal(asA.objects.deleteClusterCustomObject(node))).code).toBe(403);
    });

    it('cannot change the spec of a node of its own segment (only its finalizer)', async () => {
      const nodes = (await objects.listClusterCustomObject({ ...RESOURCES.node })) as { items: WaltNode[] };
      const own = nodes.items.find((n) => n.spec.segment === segA);
      expect(own).toBeDefined();
      const spec = await refusal(
        asA.objects.patchClusterCustomObject(
          {
            ...RESOURCES.node,
            name: own!.metadata.name,
            body: { spec: { image: 'default' === own!.spec.image ? 'x/y' : 'default' } },
          },
          merge,
        ),
      );
      expect(spec.body).toContain('WALT_ERR_AGENT_NODE_SPEC');
    });

    it("cannot patch B's segment nor its status", async () => {
      const segment = { ...RESOURCES.segment, name: segB };
      expect(
        (
          await refusal(
            asA.objects.patchClusterCustomObjectStatus(
              { ...segment, body: { status: { agent: { apiUrl: 'http://10.75.0.9' } } } },
              merge,
            ),
          )
        ).code,
      ).toBe(403);
      expect(
        (
          await refusal(
            asA.objects.patchClusterCustomObject(
              { ...segment, body: { spec: { autoRegister: false } } },
              merge,
            ),
          )
        ).code,
      ).toBe(403);
      expect(
        (
          await refusal(
            asA.objects.patchClusterCustomObject(
              { ...RESOURCES.segment, name: segA, body: { spec: { autoRegister: false } } },
              merge,
            ),
          )
        ).code,
      ).toBe(403);
    });

    it("cannot write B's entry of an image's status, nor an image's spec or other finalizers", async () => {
      const image = { ...RESOURCES.image, namespace: ns.name, name: 'private' };
      const entry = await refusal(
        asA.objects.patchNamespacedCustomObjectStatus(
          {
            ...image,
            body: {
              apiVersion: 'walt.dev/v1alpha1',
              kind: 'WaltImage',
              metadata: { name: 'private' },
              status: { segments: [{ segment: segB, digest: 'sha256:forged' }] },
            },
            fieldManager: 'rbac-test',
            force: true,
          },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
        ),
      );
      expect(entry.body).toContain('WALT_ERR_AGENT_IMAGE_STATUS');
      const digest = await refusal(
        asA.objects.patchNamespacedCustomObjectStatus(
          { ...image, body: { status: { digest: 'sha256:forged' } } },
          merge,
        ),
      );
      expect(digest.body).toContain('WALT_ERR_AGENT_IMAGE_STATUS');
      const spec = await refusal(
        asA.objects.patchNamespacedCustomObject(
          { ...image, body: { spec: { ref: 'evil.example/x:1' } } },
          merge,
        ),
      );
      expect(spec.body).toContain('WALT_ERR_AGENT_IMAGE_SPEC');
    });

    it("cannot take B's Lease nor create another", async () => {
      const leaseOf = (name: string): k8s.V1Lease => ({
        metadata: { name },
        spec: { holderIdentity: 'agent-a' },
      });
      const created = await refusal(
        asA.leases.createNamespacedLease({ namespace: SYSTEM, body: leaseOf(`walt-agent-${segB}`) }),
      );
      expect(created.body).toContain('WALT_ERR_AGENT_FOREIGN_LEASE');
      // B's Lease held by B: A can neither read nor replace it
      const lease = await admin
        .makeApiClient(k8s.CoordinationV1Api)
        .createNamespacedLease({ namespace: SYSTEM, body: leaseOf(`walt-agent-${segB}`) });
      expect(
        (await refusal(asA.leases.readNamespacedLease({ namespace: SYSTEM, name: `walt-agent-${segB}` })))
          .code,
      ).toBe(403);
      expect(
        (
          await refusal(
            asA.leases.replaceNamespacedLease({ namespace: SYSTEM, name: `walt-agent-${segB}`, body: lease }),
          )
        ).code,
      ).toBe(403);
      expect(
        (
          await refusal(
            asA.leases.createNamespacedLease({ namespace: SYSTEM, body: leaseOf('walt-operator-x') }),
          )
        ).body,
      ).toContain('WALT_ERR_AGENT_FOREIGN_LEASE');
    });

    it('deletes only nodes of its segment it discovered (garbage collection)', async () => {
      const nodes = (await objects.listClusterCustomObject({ ...RESOURCES.node })) as { items: WaltNode[] };
      const discovered = nodes.items.find((n) => n.spec.segment === segA)!;
      expect(discovered.metadata.labels?.['walt.dev/discovered']).toBe('true');
      const registered = uniqueName('rbac-node-a');
      await objects.createClusterCustomObject({
        ...RESOURCES.node,
        body: {
          apiVersion: 'walt.dev/v1alpha1',
          kind: 'WaltNode',
          metadata: { name: registered },
          spec: { mac: randomMac('52:54:00'), model: 'pc-x86-64', segment: segA },
        },
      });
      const remove = (name: string): Promise<unknown> =>
        asA.objects.deleteClusterCustomObject({ ...RESOURCES.node, name, dryRun: 'All' });
      await expect(remove(discovered.metadata.name)).resolves.toBeDefined();
      expect((await refusal(remove(registered))).body).toContain('WALT_ERR_AGENT_NODE_DELETE');
      expect((await refusal(remove(nodeOfB))).body).toContain('WALT_ERR_AGENT_FOREIGN_NODE');
    });

    it('cannot mint a service-account token', async () => {
      for (const name of [agentServiceAccountName(segB), agentServiceAccountName(segA), 'walt-operator']) {
        const minted = await refusal(
          asA.core.createNamespacedServiceAccountToken({
            namespace: SYSTEM,
            name,
            body: { spec: { audiences: [] } },
          }),
        );
        expect(minted.code).toBe(403);
      }
    });
  });

  describe('the operator', () => {
    let recorder: Server;
    let recorderUrl: string;
    const seen: Array<string | undefined> = [];
    const operatorKc = (): k8s.KubeConfig => impersonating('walt-operator');

    beforeAll(async () => {
      recorder = createServer((request, response) => {
        seen.push(request.headers.authorization);
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end('{"error":"WALT_ERR_TEST","message":"recorded"}');
      });
      await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
      recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => recorder.close(resolve));
    });

    // Decoy segments go as soon as their test ends: other suites share the apiserver, and their
    // commands over every segment would meet these URLs.
    const decoys: string[] = [];
    afterEach(async () => {
      for (const name of decoys.splice(0)) {
        await objects.deleteClusterCustomObject({ ...RESOURCES.segment, name }).catch(() => undefined);
        await core
          .deleteNamespacedSecret({ namespace: SYSTEM, name: agentTokenSecretName(name) })
          .catch(() => undefined);
      }
    });

    /** A segment whose status sends clients to `apiUrl`, with its conventional token and a decoy in status. */
    async function segmentPointingAt(subnet: string, serverAddress: string, apiUrl: string): Promise<string> {
      const name = uniqueName('rbac-url');
      decoys.push(name);
      await applyIdentities(admin, [name]);
      await objects.createClusterCustomObject({
        ...RESOURCES.segment,
        body: segmentBody(name, subnet, serverAddress),
      });
      await core.createNamespacedSecret({
        namespace: SYSTEM,
        body: { metadata: { name: agentTokenSecretName(name) }, stringData: { token: `token-of-${name}` } },
      });
      await objects.patchClusterCustomObjectStatus(
        {
          ...RESOURCES.segment,
          name,
          body: { status: { agent: { apiUrl, tokenSecret: { namespace: ns.name, name: 'unrelated' } } } },
        },
        merge,
      );
      return name;
    }

    it('creates no Lease but its own', async () => {
      const leases = operatorKc().makeApiClient(k8s.CoordinationV1Api);
      const body = { metadata: { name: `walt-agent-${segB}-x` }, spec: { holderIdentity: 'operator' } };
      const created = await refusal(leases.createNamespacedLease({ namespace: SYSTEM, body }));
      expect(created.body).toContain('WALT_ERR_OPERATOR_FOREIGN_LEASE');
    });

    it('reads the token Secret of a segment by name, and no other Secret', async () => {
      const reads = operatorKc().makeApiClient(k8s.CoreV1Api);
      const token = await reads.readNamespacedSecret({ namespace: SYSTEM, name: agentTokenSecretName(segA) });
      expect(token.data?.token).toBeTruthy();
      expect(
        (await refusal(reads.readNamespacedSecret({ namespace: ns.name, name: 'unrelated' }))).code,
      ).toBe(403);
      expect((await refusal(reads.listSecretForAllNamespaces())).code).toBe(403);
      expect(await reads.readNamespacedSecret({ namespace: ns.name, name: 'pull' })).toBeDefined();
    });

    it('sends no token to an API URL that is not the segment (loopback, another host)', async () => {
      for (const url of [recorderUrl, 'http://10.74.0.99:80']) {
        const segment = await segmentPointingAt('10.74.0.0/24', '10.74.0.1', url);
        const agentFor = defaultAgentFor(operatorKc());
        await expect(agentFor(segment)).rejects.toMatchObject({ code: 'WALT_ERR_AGENT_URL_REFUSED' });
      }
      expect(seen).toEqual([]);
    });

    it("sends the conventional token (not the one status names) when the URL is the segment's server address", async () => {
      // A segment whose serverAddress is the recorder's: the control that shows the recorder would see a token
      const segment = await segmentPointingAt('127.0.0.0/8', '127.0.0.1', recorderUrl);
      const agent = await defaultAgentFor(operatorKc())(segment);
      // The recorder's answer comes back as the agent's coded error: the request did reach it
      await expect(agent.exec('vn1', { command: ['true'] })).rejects.toMatchObject({ code: 'WALT_ERR_TEST' });
      expect(seen).toEqual([`Bearer token-of-${segment}`]);
    });
  });

  // [account, verb, resource (with -n when namespaced), allowed]
  it.each([
    ['walt-operator', 'delete', 'waltnodes.walt.dev', false],
    ['walt-operator', 'update', 'waltimages.walt.dev', false],
    // Saved images of experiments (keep.savedImage) are created in the experiment's namespace
    ['walt-operator', 'create', 'waltimages.walt.dev', true],
    ['walt-operator', 'delete', 'waltimages.walt.dev', false],
    ['walt-operator', 'list', 'secrets', false],
    ['walt-operator', 'get', 'secrets', false],
    ['walt-operator', 'create', 'namespaces', false],
    ['walt-operator', 'patch', 'waltimages.walt.dev/status', true],
    ['walt-agent-A', 'delete', 'waltimages.walt.dev', false],
    ['walt-agent-A', 'patch', 'waltsegments.walt.dev', false],
    ['walt-agent-A', 'list', 'secrets', false],
    ['walt-agent-A', 'get', 'secrets', false],
    ['walt-agent-A', 'create', 'serviceaccounts/token', false],
    ['walt-agent-A', 'create', 'waltnodes.walt.dev', true],
    ['walt-agent-A', 'patch', 'waltnodes.walt.dev/status', true],
  ] as const)('%s: can-i %s %s (any namespace) → %s', async (account, verb, resource, allowed) => {
    const user = account === 'walt-agent-A' ? agentServiceAccountName(segA) : account;
    const [kind, sub] = resource.split('/');
    const args = ['auth', 'can-i', verb, kind!, ...(sub ? ['--subresource', sub] : []), '-A'];
    const result = await kubectl([...args, `--as=system:serviceaccount:walt-system:${user}`]);
    expect(result.stdout.trim()).toBe(allowed ? 'yes' : 'no');
  });
});
