// Records a bootup on the WaltNode: a server-side apply of the status subresource with the agent's
// field manager (walt-agent-<segment>), so the fields this agent owns — phase, ip, bootedImage,
// lastBootup and the Ready condition — are tracked apart from the operator's.
import type * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import { createStatusWriter, rfc3339, setCondition, type Status } from '../../runtime/index.js';
import type { BootupEvent } from './context.js';

export function agentFieldManager(segment: string): string {
  return `walt-agent-${segment}`;
}

/** The status this agent applies for `event`, given the freshest node (pure). */
export function bootupStatus(event: BootupEvent, current: WaltNode): Status {
  const generation = current.metadata.generation;
  const conditions = setCondition(
    current.status?.conditions,
    {
      type: 'Ready',
      status: 'True',
      reason: 'BootedUp',
      message: `booted ${event.image} and notified from ${event.ip}`,
    },
    generation,
    event.at,
  );
  // Only the Ready entry: conditions are a map keyed by type, so the others stay their writers'.
  const ready = conditions.filter((c) => c.type === 'Ready');
  return {
    phase: 'Ready',
    ip: event.ip,
    bootedImage: { name: event.image, ...(event.imageDigest ? { digest: event.imageDigest } : {}) },
    lastBootup: rfc3339(event.at),
    ...(event.nfsReadBytes === undefined ? {} : { lastBootStats: { nfsReadBytes: event.nfsReadBytes } }),
    conditions: ready,
  };
}

/**
 * The status this agent applies when a node stopped answering (its command channel went silent): phase
 * Down and Ready=False with the cause. The other fields this agent applied at bootup are repeated, as
 * a server-side apply drops the fields its manager no longer sends (pure).
 */
export function downStatus(current: WaltNode, cause: string, at: Date): Status {
  const conditions = setCondition(
    current.status?.conditions,
    { type: 'Ready', status: 'False', reason: 'NodeDown', message: `node is down (cause: ${cause})` },
    current.metadata.generation,
    at,
  );
  const { ip, bootedImage, lastBootup, lastBootStats } = current.status ?? {};
  return {
    phase: 'Down',
    ...(ip ? { ip } : {}),
    ...(bootedImage ? { bootedImage } : {}),
    ...(lastBootup ? { lastBootup } : {}),
    ...(lastBootStats ? { lastBootStats } : {}),
    conditions: conditions.filter((c) => c.type === 'Ready'),
  };
}

export interface BootupRecorderOptions {
  kc: k8s.KubeConfig;
  segment: string;
  logger: Logger;
}

/** Writes WaltNode status as this agent (its field manager), for bootups and downs alike. */
function nodeStatusWriter(options: BootupRecorderOptions) {
  return createStatusWriter<WaltNode>({
    kc: options.kc,
    resource: RESOURCES.node,
    fieldManager: agentFieldManager(options.segment),
    logger: options.logger,
  });
}

/** The `onBootup` of createHttpServer: applies bootupStatus to the node's status subresource. */
export function createBootupRecorder(options: BootupRecorderOptions): (event: BootupEvent) => Promise<void> {
  const writer = nodeStatusWriter(options);
  // Guarded by the cached node's resourceVersion: a stale cache gets a 409, and the writer re-reads the
  // node and recomputes, so the Ready condition's transition time is judged on the freshest status.
  return async (event) => {
    await writer.apply(event.node, (current) => bootupStatus(event, current), { guard: true });
  };
}

/** Marks a node Down (downStatus); a node no longer in the cache, or no longer Ready, is left alone. */
export function createDownRecorder(
  options: BootupRecorderOptions & { node: (name: string) => WaltNode | undefined },
): (name: string, cause: string) => Promise<void> {
  const writer = nodeStatusWriter(options);
  return async (name, cause) => {
    const node = options.node(name);
    if (!node || node.status?.phase !== 'Ready') return;
    await writer.apply(node, (current) => downStatus(current, cause, new Date()), { guard: true });
  };
}
