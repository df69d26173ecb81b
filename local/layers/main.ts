// The layering check, run by the test command (local/test.sh) and `npm run layers`: fails on an import
// that breaks the rule (check.ts) or on a picture in docs/architecture.md that no longer matches the
// code; `--write` rewrites the picture.
//   tsx local/layers/main.ts [--write] [--root <dir>]
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLayers, type Violation } from './check.js';
import { importGraph, type ImportEdge } from './graph.js';
import { renderPicture, withPicture } from './picture.js';
import { LAYERS } from './table.js';

const SKIPPED = new Set(['node_modules', 'dist', 'coverage']);

/** Every .ts file under the layers' folders, as repository paths. */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(path.join(root, dir))) {
      const rel = `${dir}/${name}`;
      if (SKIPPED.has(name)) continue;
      if (statSync(path.join(root, rel)).isDirectory()) walk(rel);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(rel);
    }
  };
  for (const folder of LAYERS.flatMap((layer) => layer.folders)) {
    if (statSync(path.join(root, folder), { throwIfNoEntry: false })?.isDirectory()) walk(folder);
  }
  return files.sort();
}

export interface LayerReport {
  edges: ImportEdge[];
  violations: Violation[];
  /** The document with the current picture (undefined: no markers in it). */
  expectedDoc: string | undefined;
  doc: string;
}

export function layerReport(root: string): LayerReport {
  const edges = importGraph(root, sourceFiles(root));
  const doc = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
  return { edges, violations: checkLayers(edges), expectedDoc: withPicture(doc, renderPicture(edges)), doc };
}

function main(argv: readonly string[]): number {
  const rootAt = argv.indexOf('--root');
  const root = rootAt >= 0 ? path.resolve(argv[rootAt + 1] ?? '.') : process.cwd();
  const report = layerReport(root);
  for (const v of report.violations) console.error(`${v.from} imports ${v.to}: ${v.reason}`);
  let failed = report.violations.length > 0;
  if (report.expectedDoc === undefined) {
    console.error('docs/architecture.md has no layer picture markers');
    failed = true;
  } else if (report.expectedDoc !== report.doc) {
    if (argv.includes('--write')) writeFileSync(path.join(root, 'docs/architecture.md'), report.expectedDoc);
    else {
      console.error(
        'docs/architecture.md: the layer picture differs from the code; run npm run layers -- --write',
      );
      failed = true;
    }
  }
  if (!failed) console.error(`layers: ${report.edges.length} imports checked, none breaks the rule`);
  return failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
