// What the end-to-end suites share around their lab (local/lab): the failure message that shows the
// agent's log and the node's console, and the teardown that lets the agent release what it holds
// (the VM, image finalizers) before the lab stops.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES } from '../../api/v1alpha1/index.js';
import { tailOf, type Lab } from '../../local/lab/lab.js';
import { waitFor } from '../support/wait.js';

/** `error` with the tails of the agent's log and of `node`'s serial console appended. */
export function withLabLogs(lab: Lab, node: string, error: unknown): Error {
  return new Error(
    `${(error as Error).message}\n--- agent log ---\n${tailOf(lab.agentLogFile)}\n--- node console ---\n` +
      tailOf(path.join(lab.agentCacheDir, 'vnodes', node, 'console.log')),
  );
}

export interface LabTeardown {
  kc: k8s.KubeConfig;
  lab: Lab | undefined;
  node: string;
  segment: string;
  namespace: { name: string; remove(): Promise<void> } | undefined;
  /** WaltImages of the namespace, deleted while the agent runs (it holds their finalizer). */
  images: readonly string[];
  dir: string;
}

/** Deletes the node (and waits for its VM to go), the images and the segment, then stops the lab. */
export async function tearDownLab(t: LabTeardown): Promise<void> {
  const api = t.kc.makeApiClient(k8s.CustomObjectsApi);
  await api.deleteClusterCustomObject({ ...RESOURCES.node, name: t.node }).catch(() => undefined);
  await waitFor(
    'the node to go',
    () =>
      api.getClusterCustomObject({ ...RESOURCES.node, name: t.node }).then(
        () => undefined,
        () => true,
      ),
    60_000,
  ).catch(() => undefined);
  for (const name of t.namespace ? t.images : []) {
    await api
      .deleteNamespacedCustomObject({ ...RESOURCES.image, namespace: t.namespace!.name, name })
      .catch(() => undefined);
  }
  await api.deleteClusterCustomObject({ ...RESOURCES.segment, name: t.segment }).catch(() => undefined);
  await t.lab?.stop();
  await t.namespace?.remove();
  await rm(t.dir, { recursive: true, force: true });
}
