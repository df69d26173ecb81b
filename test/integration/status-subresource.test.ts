// Status is owned by controllers: writes through the main resource drop it, writes to /status keep it.
import * as k8s from '@kubernetes/client-node';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

const group = 'walt.dev';
const version = 'v1alpha1';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('status subresource', () => {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const nodeName = uniqueName('status-node');
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  beforeAll(async () => {
    ns = await testNamespace('status');
  });
  afterAll(async () => {
    await api
      .deleteClusterCustomObject({ group, version, plural: 'waltnodes', name: nodeName })
      .catch(() => undefined);
    await ns.remove();
  });

  it('WaltNode: status in a create or a main-resource patch is ignored; a /status patch is kept', async () => {
    // Given a node created with a status in its body
    const created = (await api.createClusterCustomObject({
      group,
      version,
      plural: 'waltnodes',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'WaltNode',
        metadata: { name: nodeName },
        spec: { mac: '52:54:00:00:00:01', model: 'pc-x86-64', segment: 'lab' },
        status: { phase: 'Ready', ip: '192.168.152.10' },
      },
    })) as { status?: unknown; spec: Record<string, unknown>; metadata: { generation: number } };
    // Then the status was dropped, and the defaults were filled in
    expect(created.status).toBeUndefined();
    expect(created.spec).toMatchObject({ image: 'default', bootMode: 'network', power: { driver: 'none' } });

    // When a client patches status through the main resource
    const patched = (await api.patchClusterCustomObject(
      { group, version, plural: 'waltnodes', name: nodeName, body: { status: { phase: 'Ready' } } },
      mergePatch,
    )) as { status?: unknown; metadata: { generation: number } };
    // Then it is ignored and the generation does not move
    expect(patched.status).toBeUndefined();
    expect(patched.metadata.generation).toBe(created.metadata.generation);

    // When the status subresource is patched
    await api.patchClusterCustomObjectStatus(
      {
        group,
        version,
        plural: 'waltnodes',
        name: nodeName,
        body: { status: { phase: 'Ready', ip: '192.168.152.10', observedGeneration: 1 } },
      },
      mergePatch,
    );
    // Then it is kept, and the spec generation is unchanged
    const read = (await api.getClusterCustomObject({
      group,
      version,
      plural: 'waltnodes',
      name: nodeName,
    })) as {
      status: Record<string, unknown>;
      metadata: { generation: number };
    };
    expect(read.status).toEqual({ phase: 'Ready', ip: '192.168.152.10', observedGeneration: 1 });
    expect(read.metadata.generation).toBe(created.metadata.generation);
  });

  it('WaltImage (namespaced): the /status write is validated too', async () => {
    const name = uniqueName('img');
    await api.createNamespacedCustomObject({
      group,
      version,
      namespace: ns.name,
      plural: 'waltimages',
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'WaltImage',
        metadata: { name },
        spec: { ref: 'busybox:1.36' },
      },
    });
    const patch = (status: Record<string, unknown>) =>
      api.patchNamespacedCustomObjectStatus(
        { group, version, namespace: ns.name, plural: 'waltimages', name, body: { status } },
        mergePatch,
      );
    await patch({ digest: 'sha256:' + 'a'.repeat(64), size: 1234, models: ['pc-x86-64'] });
    await expect(patch({ size: -1 })).rejects.toMatchObject({ code: 422 });
    const read = (await api.getNamespacedCustomObject({
      group,
      version,
      namespace: ns.name,
      plural: 'waltimages',
      name,
    })) as { status: Record<string, unknown> };
    expect(read.status).toMatchObject({ size: 1234, models: ['pc-x86-64'] });
  });
});
