// The layering rule (pure): which imports of the graph break it, each with the reason, so the
// checker's message says what to do.
import type { ImportEdge } from './graph.js';
import { ENTRY_POINTS, LAYERS, TEST_ONLY_FOLDERS, type Layer } from './table.js';

export interface Violation extends ImportEdge {
  reason: string;
}

export const topFolder = (file: string): string => file.split('/')[0] ?? file;
export const isTestFile = (file: string): boolean =>
  file.endsWith('.test.ts') || TEST_ONLY_FOLDERS.includes(topFolder(file));

function rankOf(folder: string, layers: readonly Layer[]): number | undefined {
  const index = layers.findIndex((layer) => layer.folders.includes(folder));
  return index < 0 ? undefined : index;
}

function layerRule(edge: ImportEdge, layers: readonly Layer[]): string | undefined {
  const from = topFolder(edge.from);
  const to = topFolder(edge.to);
  if (from === to) return undefined;
  const fromRank = rankOf(from, layers);
  const toRank = rankOf(to, layers);
  if (fromRank === undefined) return `${from}/ is in no layer: add it to local/layers/table.ts`;
  if (toRank === undefined) return `${to}/ is in no layer: add it to local/layers/table.ts`;
  if (toRank === fromRank) return `${from}/ and ${to}/ are siblings: move what both need a layer down`;
  if (toRank > fromRank) return `${to}/ is a higher layer than ${from}/: move what ${from}/ needs down`;
  return undefined;
}

function entryRule(edge: ImportEdge, entryPoints: Readonly<Record<string, string>>): string | undefined {
  const to = topFolder(edge.to);
  const entry = entryPoints[to];
  if (entry === undefined || topFolder(edge.from) === to || edge.to === entry) return undefined;
  return `import ${to}/ through ${entry}, its one entry point`;
}

/**
 * The imports that break the rule. Production files keep to their layer; test files (co-located
 * *.test.ts, test/, bench/) may import anything, but nothing else may import test/ or bench/.
 */
export function checkLayers(
  edges: readonly ImportEdge[],
  layers: readonly Layer[] = LAYERS,
  entryPoints: Readonly<Record<string, string>> = ENTRY_POINTS,
): Violation[] {
  const violations: Violation[] = [];
  for (const edge of edges) {
    if (isTestFile(edge.from)) continue;
    const reason = TEST_ONLY_FOLDERS.includes(topFolder(edge.to))
      ? `production code imports ${topFolder(edge.to)}/: move what it needs out of the tests`
      : (layerRule(edge, layers) ?? entryRule(edge, entryPoints));
    if (reason) violations.push({ ...edge, reason });
  }
  return violations;
}
