// Which nodes an experiment claims (pure). A node is free when status.claimedBy is absent; a node the
// experiment already holds stays its own. Claims are all-or-nothing: an experiment proceeds only when
// every node it needs is free or its own, otherwise it waits and lets go of partial claims.
import type { ExperimentSpec, WaltNode } from '../../../api/v1alpha1/index.js';
import { describeSelector } from './selector.js';
import { matchesSelector } from './selector.js';

export interface ExperimentRef {
  namespace: string;
  name: string;
}

export type ClaimPlan =
  /** Every node in `nodes` is ours or free: claim `toClaim`, release `release` (ours, not needed). */
  | { kind: 'claim'; nodes: string[]; toClaim: string[]; release: string[] }
  /** Not all needed nodes can be had: wait, and let go of the ones we hold (`release`). */
  | { kind: 'wait'; message: string; release: string[] };

export function isClaimedBy(node: WaltNode, ref: ExperimentRef): boolean {
  const by = node.status?.claimedBy;
  return by?.namespace === ref.namespace && by.name === ref.name;
}

function isFree(node: WaltNode): boolean {
  return !node.status?.claimedBy && !node.metadata.deletionTimestamp;
}

function holder(node: WaltNode): string {
  const by = node.status?.claimedBy;
  return by ? `claimed by ${by.namespace}/${by.name}` : 'being deleted';
}

function byName(a: WaltNode, b: WaltNode): number {
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** Nodes claimed by `ref` that are not in `keep`. */
function oursExcept(nodes: readonly WaltNode[], ref: ExperimentRef, keep: readonly string[]): string[] {
  return nodes
    .filter((n) => isClaimedBy(n, ref) && !keep.includes(n.metadata.name))
    .map((n) => n.metadata.name)
    .sort();
}

function planNames(names: readonly string[], nodes: readonly WaltNode[], ref: ExperimentRef): ClaimPlan {
  const known = new Map(nodes.map((n) => [n.metadata.name, n]));
  const blocked: string[] = [];
  const toClaim: string[] = [];
  for (const name of names) {
    const node = known.get(name);
    if (!node) blocked.push(`${name} (no such WaltNode)`);
    else if (isFree(node)) toClaim.push(name);
    else if (!isClaimedBy(node, ref)) blocked.push(`${name} (${holder(node)})`);
  }
  if (blocked.length > 0) {
    return {
      kind: 'wait',
      message: `waiting for ${blocked.join(', ')}`,
      release: oursExcept(nodes, ref, []),
    };
  }
  return { kind: 'claim', nodes: [...names], toClaim, release: oursExcept(nodes, ref, names) };
}

function planSelector(
  spec: ExperimentSpec['nodes'],
  nodes: readonly WaltNode[],
  ref: ExperimentRef,
): ClaimPlan {
  const selector = spec.selector ?? {};
  const count = spec.count ?? 1;
  const matching = nodes.filter((n) => matchesSelector(n.metadata.labels, selector)).sort(byName);
  const mine = matching.filter((n) => isClaimedBy(n, ref));
  const free = matching.filter(isFree);
  const chosen = [...mine, ...free].slice(0, count).map((n) => n.metadata.name);
  if (chosen.length < count) {
    const message =
      `waiting for ${count} free nodes matching ${describeSelector(selector)} ` +
      `(${matching.length} match, ${mine.length + free.length} available)`;
    return { kind: 'wait', message, release: oursExcept(nodes, ref, []) };
  }
  const toClaim = chosen.filter((name) => !mine.some((n) => n.metadata.name === name));
  return { kind: 'claim', nodes: [...chosen].sort(), toClaim, release: oursExcept(nodes, ref, chosen) };
}

/** What to claim for `spec` given every WaltNode (the informer's cache). */
export function planClaims(
  spec: ExperimentSpec['nodes'],
  nodes: readonly WaltNode[],
  ref: ExperimentRef,
): ClaimPlan {
  return spec.names ? planNames(spec.names, nodes, ref) : planSelector(spec, nodes, ref);
}
