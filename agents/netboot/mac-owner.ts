// Which WaltNode a MAC address names when several claim it. A schema cannot say "unique per segment"
// (it sees one object), so the boot services decide the same way every time, on every agent replica:
// the oldest WaltNode of a MAC wins (creation time, then name); the others never netboot until it is
// deleted or changes its MAC. Pure.
import type { WaltNode } from '../../api/v1alpha1/index.js';

/** Creation time in ms; a node not created yet (no timestamp) counts as the newest. */
function createdAt(node: WaltNode): number {
  const at = node.metadata.creationTimestamp as Date | string | undefined;
  const ms = at === undefined ? NaN : new Date(at).getTime();
  return Number.isNaN(ms) ? Infinity : ms;
}

function older(a: WaltNode, b: WaltNode): boolean {
  const [ta, tb] = [createdAt(a), createdAt(b)];
  if (ta !== tb) return ta < tb;
  return a.metadata.name < b.metadata.name;
}

/** The node that owns a MAC among `candidates` (all holding that MAC), or undefined when none. */
export function macOwner(candidates: Iterable<WaltNode>): WaltNode | undefined {
  let owner: WaltNode | undefined;
  for (const node of candidates) if (!owner || older(node, owner)) owner = node;
  return owner;
}
