// Reading nodes for the node commands: all WaltNodes (cluster-scoped), and the ones a node set names.
import { powerDriverOf } from '../../api/node/index.js';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { resolveNodeSet } from '../../client/node-sets.js';

export async function listNodes(ctx: CliContext, labelSelector?: string): Promise<WaltNode[]> {
  return (await ctx.client.list<WaltNode>(RESOURCES.node, labelSelector ? { labelSelector } : {})).items;
}

export async function selectNodes(ctx: CliContext, set: string): Promise<WaltNode[]> {
  return resolveNodeSet(set, await listNodes(ctx), ctx.owner);
}

const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Node names become host names: a DNS label (the CRD checks it too). */
export function isNodeName(name: string): boolean {
  return name.length <= 63 && NODE_NAME.test(name);
}

/**
 * Nodes a reboot cannot reach: nothing power-cycles them, so they switch image at their next boot. A
 * virtual node is always reachable (its agent runs the VM), whatever its spec.power.driver says.
 */
export function withoutPowerDriver(nodes: readonly WaltNode[]): string[] {
  return nodes.filter((n) => powerDriverOf(n) === 'none').map((n) => n.metadata.name);
}
