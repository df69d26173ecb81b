// The resources of a lab, as a user would write them: a segment on the lab bridge, the default image of
// pc-x86-64 nodes (from the lab registry) and virtual nodes. Applied with server-side apply, so running
// `up` again converges instead of failing.
import * as k8s from '@kubernetes/client-node';
import { API_VERSION, type WaltImage, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import { DEFAULT_IMAGE_NAMESPACE } from '../../agents/netboot/gate.js';

const FIELD_MANAGER = 'walt-lab';

/**
 * The local testbed's registry port (127.0.0.1:5000, the registry's usual port): fixed so that
 * examples/image.yaml can name it. The end-to-end labs take a free port instead.
 */
export const TESTBED_REGISTRY_PORT = 5000;

/** Where a lab pushes the default image, in its registry `registryHost` ("127.0.0.1:<port>"). */
export function defaultImageRef(registryHost: string): string {
  return `${registryHost}/walt/pc-x86-64-default:latest`;
}

export function labSegment(
  name: string,
  network: { bridge: string; subnet: string; serverAddress: string },
): WaltSegment {
  const [a, b, c] = network.serverAddress.split('.');
  return {
    apiVersion: API_VERSION,
    kind: 'WaltSegment',
    metadata: { name },
    spec: {
      interface: network.bridge,
      subnet: network.subnet,
      serverAddress: network.serverAddress,
      dhcp: { mode: 'authoritative', range: { start: `${a}.${b}.${c}.100`, end: `${a}.${b}.${c}.199` } },
      autoRegister: true,
    },
  } as WaltSegment;
}

export function labImage(namespace: string, name: string, ref: string): WaltImage {
  return {
    apiVersion: API_VERSION,
    kind: 'WaltImage',
    metadata: { name, namespace },
    spec: { ref, insecureRegistry: true },
  } as WaltImage;
}

/** The default image of pc-x86-64 nodes: `walt-system/pc-x86-64-default`. */
export function defaultImage(ref: string): WaltImage {
  return labImage(DEFAULT_IMAGE_NAMESPACE, 'pc-x86-64-default', ref);
}

export function virtualNode(options: {
  name: string;
  mac: string;
  segment: string;
  image?: string;
  memory?: string;
}): WaltNode {
  return {
    apiVersion: API_VERSION,
    kind: 'WaltNode',
    metadata: { name: options.name },
    spec: {
      mac: options.mac,
      model: 'pc-x86-64',
      segment: options.segment,
      image: options.image ?? 'default',
      power: { driver: 'qemu' },
      virtual: { cpus: 1, memory: options.memory ?? '512Mi' },
    },
  } as WaltNode;
}

async function ensureNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name } } }).catch((error: unknown) => {
    if ((error as { code?: number }).code !== 409) throw error;
  });
}

/** Server-side apply of walt.dev objects (namespaces created when missing). */
export async function applyAll(
  kc: k8s.KubeConfig,
  objects: ReadonlyArray<WaltSegment | WaltImage | WaltNode>,
): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    if (object.metadata.namespace) await ensureNamespace(kc, object.metadata.namespace);
    await client.patch(object, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }
}
