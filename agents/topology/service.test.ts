import * as k8s from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import type { WaltNode, WaltSegment } from '../../api/v1alpha1/index.js';
import { silentLogger } from '../../common/logger.js';
import type { SegmentScan } from './scan.js';
import { createTopologyService } from './service.js';

function segment(switches: number): WaltSegment {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltSegment',
    metadata: { name: 'lab' },
    spec: {
      topology: {
        switches: Array.from({ length: switches }, (_, i) => ({
          name: `sw${i}`,
          address: `10.0.0.${i + 1}`,
          version: '2c' as const,
          communitySecretRef: { namespace: 'walt-system', name: 'sw', key: 'community' },
        })),
      },
    },
  } as WaltSegment;
}

const result: SegmentScan = { topology: { switches: [], nodes: new Map() }, errors: [] };

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((r) => setImmediate(r));
}

describe('createTopologyService', () => {
  it('scans and writes once at start, then every interval, and stops cleanly', async () => {
    const scans: string[] = [];
    const writes: SegmentScan[] = [];
    const service = createTopologyService({
      kc: new k8s.KubeConfig(),
      segment: 'lab',
      segments: { get: () => segment(2) },
      nodes: { list: (): WaltNode[] => [] },
      logger: silentLogger(),
      intervalMs: 1,
      scan: (seg) => {
        scans.push(seg.metadata.name);
        return Promise.resolve(result);
      },
      write: (scan) => {
        writes.push(scan);
        return Promise.resolve();
      },
    });
    await service.start();
    await settle();
    expect(scans.length).toBeGreaterThanOrEqual(1);
    expect(writes[0]).toBe(result);
    await service.stop();
    const after = scans.length;
    await new Promise((r) => setTimeout(r, 20));
    expect(scans.length).toBe(after);
  });

  it('does not scan a segment that lists no switches, and survives a failed scan', async () => {
    let scans = 0;
    const registry = new Registry();
    const quiet = createTopologyService({
      kc: new k8s.KubeConfig(),
      segment: 'lab',
      segments: { get: () => segment(0) },
      nodes: { list: () => [] },
      logger: silentLogger(),
      scan: () => {
        scans += 1;
        return Promise.reject(new Error('unreachable'));
      },
    });
    await quiet.start();
    await settle();
    await quiet.stop();
    expect(scans).toBe(0);
    const failing = createTopologyService({
      kc: new k8s.KubeConfig(),
      metrics: registry,
      segment: 'lab',
      segments: { get: () => segment(1) },
      nodes: { list: () => [] },
      logger: silentLogger(),
      scan: () => {
        scans += 1;
        return Promise.reject(new Error('unreachable'));
      },
    });
    await failing.start();
    await settle();
    await failing.stop();
    expect(scans).toBe(1);
    expect(await registry.getSingleMetricAsString('walt_topology_scans_total')).toContain(
      'walt_topology_scans_total{result="failed"} 1',
    );
  });
});
