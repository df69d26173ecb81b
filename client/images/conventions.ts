// WalT's image conventions (pure), checked before an image is published: the label walt.node.models
// names the models the image boots, and the image holds /boot/<model>/ for each (the TFTP root of a
// node is that directory: walt-reference §4). The file tree is computed from the layers' entry names
// as an OCI runtime would apply them, whiteouts included, so a later layer that deletes a boot
// directory is seen.
import { MODELS_LABEL, parseModelsLabel } from '../../oci/index.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** "./boot/pc/" → "boot/pc"; "" for the root. */
export function normalizeEntry(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

function parentOf(entry: string): string {
  const at = entry.lastIndexOf('/');
  return at === -1 ? '' : entry.slice(0, at);
}

function removeTree(tree: Set<string>, dir: string, keepDir: boolean): void {
  const prefix = dir === '' ? '' : `${dir}/`;
  for (const entry of tree) if (entry.startsWith(prefix) && entry !== dir) tree.delete(entry);
  if (!keepDir) tree.delete(dir);
}

/** The paths of the image once its layers (each a list of tar entry names, base first) are applied. */
export function applyLayers(layers: ReadonlyArray<readonly string[]>): Set<string> {
  const tree = new Set<string>();
  for (const layer of layers) {
    const entries = layer.map(normalizeEntry).filter((e) => e !== '');
    // Whiteouts hide what lower layers had; they apply before this layer's own files.
    for (const entry of entries) {
      const base = entry.slice(entry.lastIndexOf('/') + 1);
      if (base === OPAQUE) removeTree(tree, parentOf(entry), true);
      else if (base.startsWith(WHITEOUT))
        removeTree(
          tree,
          `${parentOf(entry) ? parentOf(entry) + '/' : ''}${base.slice(WHITEOUT.length)}`,
          false,
        );
    }
    for (const entry of entries) {
      if (entry.slice(entry.lastIndexOf('/') + 1).startsWith(WHITEOUT)) continue;
      tree.add(entry);
    }
  }
  return tree;
}

function hasDir(tree: ReadonlySet<string>, dir: string): boolean {
  if (tree.has(dir)) return true;
  const prefix = `${dir}/`;
  for (const entry of tree) if (entry.startsWith(prefix)) return true;
  return false;
}

/** What the image lacks to follow WalT's conventions (empty: it follows them). */
export function missingConventions(
  labels: Readonly<Record<string, string>> | undefined,
  tree: ReadonlySet<string>,
): string[] {
  const label = labels?.[MODELS_LABEL];
  const { models, unknown } = parseModelsLabel(label);
  const missing: string[] = [];
  if (models.length === 0 && unknown.length === 0) missing.push(`label ${MODELS_LABEL}`);
  for (const name of unknown) missing.push(`a known node model instead of "${name}" in ${MODELS_LABEL}`);
  for (const model of models) if (!hasDir(tree, `boot/${model}`)) missing.push(`/boot/${model}/`);
  return missing;
}
