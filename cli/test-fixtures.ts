// Objects for the CLI's unit tests.
import type { WaltImage, WaltNode } from '../api/v1alpha1/index.js';

export interface NodeFixture {
  image?: string;
  model?: string;
  claimedBy?: { namespace: string; name: string };
  virtual?: boolean;
  phase?: string;
  mac?: string;
}

export function node(name: string, options: NodeFixture = {}): WaltNode {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: { name },
    spec: {
      mac: options.mac ?? '52:54:00:00:00:01',
      model: options.model ?? 'pc-x86-64',
      segment: 'lab',
      image: options.image ?? 'default',
      power: { driver: options.virtual ? 'qemu' : 'none' },
      settings: { netsetup: 'LAN', bootTimeout: 180, bootRetries: 9, kexecAllow: true, mountPersist: true },
      ...(options.virtual ? { virtual: { cpus: 2, memory: '1Gi' } } : {}),
    },
    status: {
      ...(options.phase ? { phase: options.phase } : {}),
      ...(options.claimedBy ? { claimedBy: options.claimedBy } : {}),
    },
  } as WaltNode;
}

export function image(name: string, status: WaltImage['status'] = {}, namespace = 'lab'): WaltImage {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltImage',
    metadata: { name, namespace },
    spec: { ref: `registry.example.org/walt/${name}:latest` } as WaltImage['spec'],
    status,
  };
}

export const OWNER = { namespace: 'lab', defaultImageNamespace: 'walt-system' };
