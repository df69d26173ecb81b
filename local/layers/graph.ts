// The import graph of the TypeScript sources: every relative import of every file, resolved to a
// repository path. TypeScript's own pre-processor reads the imports (static, dynamic, re-exports,
// type-only), so comments and strings never count.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Repository path of the importing file ("agents/main.ts"). */
  from: string;
  /** Repository path of the imported file ("runtime/index.ts"); a directory import stays as written. */
  to: string;
}

/** The relative imports of one file's text (pure). */
export function importsOf(file: string, text: string): ImportEdge[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((spec) => spec.startsWith('./') || spec.startsWith('../'))
    .map((spec) => ({
      from: file,
      to: path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)),
    }))
    .map((edge) => ({ ...edge, to: edge.to.replace(/\.js$/, '.ts') }));
}

/** The edges of `files` (repository paths) read under `root`. */
export function importGraph(root: string, files: readonly string[]): ImportEdge[] {
  return files.flatMap((file) => importsOf(file, readFileSync(path.join(root, file), 'utf8')));
}
