// Which NFS exports a segment needs, as a pure function of its nodes and the gate's decisions: one
// read-only view per image in use (by manifest, so nodes of several models or namespaces share it) open
// to the segment, and one read-write /persist directory per node and owner, open to that node only.
import path from 'node:path';
import type { BootDecision, BootTarget } from '../netboot/gate.js';
import type { ExportSpec } from './ganesha-config.js';

export interface PlanNode {
  name: string;
  decision: BootDecision;
  /** The node's address on the segment (its lease), when known: /persist is exported to it alone. */
  ip: string | undefined;
  mountPersist: boolean;
}

export interface PlanInput {
  subnet: string;
  viewsDir: string;
  persistDir: string;
  nodes: readonly PlanNode[];
  /** The stable export id of a directory (see export-ids.ts). */
  idOf: (exportPath: string) => number;
}

export interface ViewPlan {
  /** Directory name of the view: the manifest digest's hex. */
  key: string;
  dir: string;
  rootfs: string;
  image: { namespace: string; name: string; digest: string; manifestDigest: string };
}

export interface PersistPlan {
  node: string;
  dir: string;
}

export interface ExportPlan {
  views: ViewPlan[];
  persist: PersistPlan[];
  exports: ExportSpec[];
}

function hexOf(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/** The path a node mounts its root from (the kernel's `nfsroot=`). */
export function imagePseudoPath(manifestDigest: string): string {
  return `/images/${hexOf(manifestDigest).slice(0, 16)}`;
}

export function persistPseudoPath(node: string): string {
  return `/persist/${node}`;
}

/** WalT keeps /persist per node and per owner: the owner of an image is its namespace here. */
export function persistOwnerOf(target: BootTarget): string {
  return target.image.namespace;
}

function viewOf(target: BootTarget, viewsDir: string): ViewPlan {
  const key = hexOf(target.image.manifestDigest);
  return { key, dir: path.join(viewsDir, key), rootfs: target.rootfs, image: target.image };
}

export function planExports(input: PlanInput): ExportPlan {
  const views = new Map<string, ViewPlan>();
  const persist: PersistPlan[] = [];
  const exports: ExportSpec[] = [];
  for (const node of input.nodes) {
    if (!node.decision.allow) continue;
    const view = viewOf(node.decision, input.viewsDir);
    views.set(view.key, view);
    if (!node.mountPersist || node.ip === undefined) continue;
    const dir = path.join(input.persistDir, node.name, persistOwnerOf(node.decision));
    persist.push({ node: node.name, dir });
    const pseudo = persistPseudoPath(node.name);
    exports.push({ id: input.idOf(dir), path: dir, pseudo, access: 'RW', clients: [node.ip] });
  }
  for (const view of [...views.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    const pseudo = imagePseudoPath(view.image.manifestDigest);
    exports.push({ id: input.idOf(view.dir), path: view.dir, pseudo, access: 'RO', clients: [input.subnet] });
  }
  return { views: [...views.values()], persist, exports };
}
