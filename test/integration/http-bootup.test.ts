// A bootup notification over real HTTP ends as the WaltNode's status on the real apiserver, written
// by server-side apply with the agent's field manager on the status subresource.
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { silentLogger } from '../../common/logger.js';
import { agentServiceAccountName } from '../../api/rbac/segment-agent.js';
import { applyIdentities, asServiceAccount } from '../../local/lab/identity.js';
import { agentFieldManager, createBootupRecorder } from '../../agents/http/bootup-status.js';
import { createHttpMetrics } from '../../agents/http/metrics.js';
import { createHttpServer } from '../../agents/http/server.js';
import { IMAGE_DIGEST, imageFixture, segmentFixture, viewOf } from '../support/fixtures/http-boot.js';
import { kubeConfig, uniqueName } from './support/cluster.js';
import { waitFor } from '../support/wait.js';

const group = 'walt.dev';
const version = 'v1alpha1';
const plural = 'waltnodes';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface ManagedField {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: { 'f:status'?: Record<string, unknown> };
}

describe('HTTP bootup notification → WaltNode status', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('http-seg');
  const name = uniqueName('http-bootup');
  const mac = `52:54:00:${randomBytes(3).toString('hex').match(/../g)?.join(':') ?? '00:00:01'}`;
  const nodes: WaltNode[] = [];
  let app: FastifyInstance;
  let base: string;

  const read = async (): Promise<WaltNode> =>
    (await api.getClusterCustomObject({ group, version, plural, name })) as WaltNode;
  const condition = (node: WaltNode, type: string): Record<string, unknown> | undefined =>
    node.status?.conditions?.find((c) => c.type === type);
  const statusFieldsOf = (node: WaltNode, manager: string): { entry?: ManagedField; fields: string[] } => {
    const entry = ((node.metadata.managedFields ?? []) as ManagedField[]).find((f) => f.manager === manager);
    return { entry, fields: Object.keys(entry?.fieldsV1?.['f:status'] ?? {}) };
  };

  beforeAll(async () => {
    await applyIdentities(kc, [segment]);
    const created = (await api.createClusterCustomObject({
      group,
      version,
      plural,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'WaltNode',
        metadata: { name },
        spec: { mac, model: 'pc-x86-64', segment, image: 'lab/debian' },
      },
    })) as WaltNode;
    nodes.push(created);
    app = createHttpServer({
      segment,
      serverAddress: '192.168.152.1',
      view: viewOf({
        segments: [segmentFixture(segment)],
        nodes,
        images: [imageFixture('lab/debian', segment, ['sha256:debian'])],
        rootfs: { 'sha256:debian': '/nonexistent/rootfs' },
      }),
      // The test client (127.0.0.1) holds the node's lease: only the node may notify its bootup.
      macOfIp: (ip) => (ip === '127.0.0.1' ? mac : undefined),
      exportPathOf: () => '/exports/debian',
      // As the agent records it: as its segment's ServiceAccount (ADR 0011).
      onBootup: createBootupRecorder({
        kc: asServiceAccount(kc, agentServiceAccountName(segment)),
        segment,
        logger: silentLogger(),
      }),
      logger: silentLogger(),
      metrics: createHttpMetrics(new Registry()),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await api.deleteClusterCustomObject({ group, version, plural, name }).catch(() => undefined);
  });

  const notify = (): Promise<Response> =>
    fetch(`${base}/api/v1/nodes/${name}/bootup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ip: '127.0.0.1' }),
    });

  it('records phase Ready, ip, booted image, last bootup and the Ready condition', async () => {
    // Given another writer's condition on the node
    await api.patchClusterCustomObjectStatus(
      {
        group,
        version,
        plural,
        name,
        fieldManager: 'walt-test-operator',
        body: {
          status: {
            conditions: [
              {
                type: 'Powered',
                status: 'True',
                reason: 'On',
                message: 'on',
                lastTransitionTime: '2025-01-01T00:00:00Z',
              },
            ],
          },
        },
      },
      mergePatch,
    );
    const before = Date.now() - 1000;

    // When the node notifies its bootup over HTTP
    const res = await notify();
    expect(res.status).toBe(200);

    // Then the status on the apiserver says so
    const node = await read();
    expect(node.status).toMatchObject({
      phase: 'Ready',
      ip: '127.0.0.1',
      bootedImage: { name: 'lab/debian', digest: IMAGE_DIGEST },
    });
    expect(Date.parse(node.status?.lastBootup ?? '')).toBeGreaterThanOrEqual(
      Math.floor(before / 1000) * 1000,
    );
    expect(condition(node, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'BootedUp',
      observedGeneration: node.metadata.generation,
    });
    // And the other writer's condition is still there
    expect(condition(node, 'Powered')).toMatchObject({ status: 'True' });

    // And the fields belong to the agent's field manager, applied on the status subresource
    const { entry, fields } = statusFieldsOf(node, agentFieldManager(segment));
    expect(entry).toMatchObject({ operation: 'Apply', subresource: 'status' });
    expect(fields).toEqual(
      expect.arrayContaining(['f:phase', 'f:ip', 'f:bootedImage', 'f:lastBootup', 'f:conditions']),
    );
  });

  it('keeps the Ready transition time on a second bootup while Ready stays True', async () => {
    const first = condition(await read(), 'Ready');
    // Times have second precision: once the clock is past the second of the first transition, a new
    // transition time would show (a wait on that condition, not on a guessed duration).
    const firstSecond = Date.parse(String(first?.lastTransitionTime));
    await waitFor('the clock past the first transition second', () =>
      Promise.resolve(Date.now() >= firstSecond + 1000 ? true : undefined),
    );
    expect((await notify()).status).toBe(200);
    const second = condition(await read(), 'Ready');
    expect(second?.lastTransitionTime).toBe(first?.lastTransitionTime);
  });
});
