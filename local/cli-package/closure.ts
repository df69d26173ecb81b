// Which compiled files and which npm packages the CLI needs: the closure of the relative imports of its
// entry files in dist/, and the bare specifiers met on the way (type-only imports are gone from the
// emitted JS, so they never count). TypeScript's pre-processor reads the imports (static, dynamic,
// re-exports), so comments and strings never count.
import path from 'node:path';
import ts from 'typescript';
import { CliPackageMissingFile } from './errors.js';

export interface Closure {
  /** Paths relative to the root of the read files ("dist/cli/main.js"), sorted. */
  files: string[];
  /** npm package names ("@kubernetes/client-node", "yaml"), sorted; node: built-ins are left out. */
  packages: string[];
}

/** The package a bare specifier names: "@scope/name" or "name", without a subpath. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:');
}

/** `read(file)` gives a file's text by its root-relative path, or undefined when absent. */
export function importClosure(
  entries: readonly string[],
  read: (file: string) => string | undefined,
): Closure {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = entries.map((file) => ({ file, from: '(entry)' }));
  for (let next = queue.pop(); next; next = queue.pop()) {
    if (files.has(next.file)) continue;
    const text = read(next.file);
    if (text === undefined) throw CliPackageMissingFile(next.file, next.from);
    files.add(next.file);
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (fileName.startsWith('./') || fileName.startsWith('../'))
        queue.push({ file: path.posix.join(path.posix.dirname(next.file), fileName), from: next.file });
      else if (!isBuiltin(fileName)) packages.add(packageOf(fileName));
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}
