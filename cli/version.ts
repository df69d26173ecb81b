// The version `walt --version` prints: the one of the nearest package.json above the entry file, which is
// the project's own in a clone (cli/main.ts, dist/cli/main.js) and the CLI package's once installed
// (local/cli-package/pack.ts writes it). Read synchronously once at start (one small file).
import { readFileSync } from 'node:fs';
import path from 'node:path';

const MAX_LEVELS = 8;

/** Walks up from `dir` to the first readable package.json with a version (`read` returns undefined when absent). */
export function versionAbove(dir: string, read: (file: string) => string | undefined): string {
  let current = path.resolve(dir);
  for (let level = 0; level < MAX_LEVELS; level++) {
    const text = read(path.join(current, 'package.json'));
    const version = text === undefined ? undefined : (JSON.parse(text) as { version?: unknown }).version;
    if (typeof version === 'string') return version;
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return 'unknown';
}

export function readTextOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
