// The smallest image a lab's agent can pull, unpack and export for a pc-x86-64 node (a fake kernel and
// initrd under /boot/pc-x86-64), pushed to a test registry and named by a WaltImage: what the fault
// lab and the experiment lab both boot their machines on.
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { RESOURCES } from '../../api/v1alpha1/index.js';
import type { TestRegistry } from '../../local/lab/registry.js';
import { buildImage, pushLayout } from './oci-builder.js';

export async function createLabImage(options: {
  api: k8s.CustomObjectsApi;
  dir: string;
  registry: TestRegistry;
  repository: string;
  namespace: string;
  name: string;
}): Promise<void> {
  const image = await buildImage(path.join(options.dir, 'image'), {
    layers: [
      [
        { path: 'boot', type: 'dir' },
        { path: 'boot/pc-x86-64', type: 'dir' },
        { path: 'boot/pc-x86-64/vmlinuz', type: 'file', content: 'not a kernel\n' },
        { path: 'boot/pc-x86-64/initrd.img', type: 'file', content: 'initrd\n' },
      ],
    ],
    config: { architecture: 'amd64', os: 'linux', labels: { 'walt.node.models': 'pc-x86-64' } },
  });
  const ref = await pushLayout(image.dir, image.tag, options.registry, { repository: options.repository });
  await options.api.createNamespacedCustomObject({
    ...RESOURCES.image,
    namespace: options.namespace,
    body: {
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltImage',
      metadata: { name: options.name },
      spec: { ref, insecureRegistry: true },
    },
  });
}
