// WalT's node sets and node ownership, mapped to Kubernetes (pure). WalT has no accounts: a node is
// yours when it boots one of your images. Here "you" is the current namespace: a node is yours when an
// Experiment of the namespace claims it (status.claimedBy) or when it boots a WaltImage of the
// namespace; it is free when it boots its model's default image and nobody claims it.
import {
  ERR_CLI_BAD_NODE_SET,
  ERR_CLI_EMPTY_NODE_SET,
  ERR_CLI_NOT_OWNED,
  ERR_CLI_UNKNOWN_NODES,
} from './errors.js';
import { bootImageOf } from '../api/node/index.js';
import { systemNamespace } from '../api/system-namespace.js';
import type { WaltNode } from '../api/v1alpha1/index.js';

export const NODE_SET_KEYWORDS = ['my-nodes', 'free-nodes', 'all-nodes'] as const;

export interface Ownership {
  /** The current namespace: "my" nodes are this namespace's. */
  namespace: string;
  /** Namespace of the default images (<model>-default), WalT's waltplatform user. */
  defaultImageNamespace: string;
}

/** Namespace of the default images, as the boot agents read it. */
export function defaultImageNamespace(): string {
  return systemNamespace();
}

/**
 * The WaltImage a node boots, "<namespace>/<name>": an experiment's claim, else spec.image ("default":
 * its model's default image) — `bootImageOf`, the rule the agents boot by.
 */
export function effectiveImage(node: WaltNode, owner: Ownership): string {
  return bootImageOf(node, owner.defaultImageNamespace);
}

/** Whether the node boots its model's default image ("default", or that image named in full). */
export function bootsDefaultImage(node: WaltNode, owner: Ownership): boolean {
  return effectiveImage(node, owner) === `${owner.defaultImageNamespace}/${node.spec.model}-default`;
}

export function isFree(node: WaltNode, owner: Ownership): boolean {
  return bootsDefaultImage(node, owner) && !node.status?.claimedBy;
}

export function isMine(node: WaltNode, owner: Ownership): boolean {
  if (node.status?.claimedBy?.namespace === owner.namespace) return true;
  return (node.spec.image ?? '').startsWith(`${owner.namespace}/`);
}

/** Who a node belongs to, for messages: "claimed by lab/exp1", "boots team/debian". */
export function ownerOf(node: WaltNode): string {
  const claim = node.status?.claimedBy;
  if (claim) return `claimed by Experiment ${claim.namespace}/${claim.name}`;
  return `boots ${node.spec.image}`;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function keywordMembers(
  keyword: string,
  nodes: readonly WaltNode[],
  owner: Ownership,
): WaltNode[] | undefined {
  switch (keyword) {
    case 'all-nodes':
      return [...nodes];
    case 'free-nodes':
      return nodes.filter((n) => isFree(n, owner));
    case 'my-nodes':
      return nodes.filter((n) => isMine(n, owner));
    default:
      return undefined;
  }
}

/** The nodes one element of a set names; undefined for an unknown name (throws for a bad one). */
function membersOf(
  part: string,
  nodes: readonly WaltNode[],
  context: { owner: Ownership; set: string },
): WaltNode[] | undefined {
  const members = keywordMembers(part, nodes, context.owner);
  if (members) return members;
  if (!NAME.test(part)) throw ERR_CLI_BAD_NODE_SET(context.set);
  const node = nodes.find((n) => n.metadata.name === part);
  return node ? [node] : undefined;
}

/**
 * The nodes a set names, in the order written, each once: node names and the keywords my-nodes,
 * free-nodes and all-nodes, separated by commas. Unknown names fail together, listed.
 */
export function resolveNodeSet(set: string, nodes: readonly WaltNode[], owner: Ownership): WaltNode[] {
  const parts = set.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw ERR_CLI_BAD_NODE_SET(set);
  const chosen = new Map<string, WaltNode>();
  const unknown: string[] = [];
  for (const part of parts) {
    const members = membersOf(part, nodes, { owner, set });
    if (!members) unknown.push(part);
    for (const node of members ?? []) chosen.set(node.metadata.name, node);
  }
  if (unknown.length > 0) throw ERR_CLI_UNKNOWN_NODES(unknown);
  if (chosen.size === 0) throw ERR_CLI_EMPTY_NODE_SET(set);
  return [...chosen.values()];
}

/**
 * Refuses nodes of other namespaces unless forced (WalT asks for a confirmation there; a script
 * passes --force, the API's force=True).
 */
export function checkOwnership(nodes: readonly WaltNode[], owner: Ownership, force: boolean): void {
  if (force) return;
  const others = nodes.filter((n) => !isMine(n, owner) && !isFree(n, owner));
  if (others.length > 0) throw ERR_CLI_NOT_OWNED(others.map((n) => `${n.metadata.name} (${ownerOf(n)})`));
}
