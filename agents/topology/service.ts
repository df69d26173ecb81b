// The agent's topology scanner (a leader service): scans the switches its segment lists
// (spec.topology) once at start and then every interval (5 min; WalT scans on `walt device rescan`
// and at daemon start), one scan at a time, and writes the result (scan.ts). A segment without
// spec.topology is not scanned. A failed write is logged and retried at the next round.
import type * as k8s from '@kubernetes/client-node';
import { systemNamespace } from '../../api/system-namespace.js';
import type { WaltNode, WaltSegment } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import type { Registry } from 'prom-client';
import type { LeaderService } from '../../runtime/index.js';
import { kubeSecretReader } from '../snmp/credentials.js';
import { topologyMetrics } from './metrics.js';
import { scanSegment, writeSegmentScan, type SegmentScan } from './scan.js';

export const TOPOLOGY_SCAN_INTERVAL_MS = 5 * 60_000;

export interface TopologyServiceOptions {
  kc: k8s.KubeConfig;
  segment: string;
  segments: { get(name: string): WaltSegment | undefined };
  nodes: { list(): WaltNode[] };
  logger: Logger;
  intervalMs?: number;
  metrics?: Registry;
  /** Where SNMP Secrets are read (walt-system). */
  namespace?: string;
  /** The scan and the write (scan.ts; replaced in unit tests). */
  scan?: (segment: WaltSegment, nodes: WaltNode[]) => Promise<SegmentScan>;
  write?: (scan: SegmentScan) => Promise<void>;
}

export function createTopologyService(options: TopologyServiceOptions): LeaderService {
  const logger = options.logger.child({ service: 'topology' });
  const secrets = kubeSecretReader(options.kc, options.namespace ?? systemNamespace());
  const scan = options.scan ?? ((segment, nodes) => scanSegment(segment, nodes, secrets));
  const write =
    options.write ??
    ((result) => writeSegmentScan({ kc: options.kc, segment: options.segment, logger }, result));
  const metrics = options.metrics ? topologyMetrics(options.metrics) : undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const round = async (): Promise<void> => {
    const segment = options.segments.get(options.segment);
    if (!segment?.spec.topology?.switches.length) return;
    const result = await scan(segment, options.nodes.list());
    if (result.errors.length > 0) logger.warn({ errors: result.errors }, 'some switches were not scanned');
    metrics?.unreachable.set(result.errors.length);
    await write(result);
    metrics?.scans.inc({ result: result.errors.length > 0 ? 'partial' : 'ok' });
    logger.info(
      { switches: result.topology.switches.length, nodes: result.topology.nodes.size },
      'topology scanned',
    );
  };
  const next = (): void => {
    if (stopped) return;
    running = round()
      .catch((err: unknown) => {
        metrics?.scans.inc({ result: 'failed' });
        logger.warn({ err }, 'topology scan failed; retried at the next round');
      })
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(next, options.intervalMs ?? TOPOLOGY_SCAN_INTERVAL_MS);
      });
  };
  return {
    start: () => {
      stopped = false;
      next();
      return Promise.resolve();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
