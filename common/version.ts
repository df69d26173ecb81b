// The version of this software, as the CLI prints it (`walt --version`), the operator records in an
// Experiment's status and the agent publishes in its segment's status: the "version" of the nearest
// package.json above the running module. That is the project's own in a clone (common/version.ts,
// dist/common/version.js), /app/package.json in the container images (images/context.ts copies it) and
// the CLI package's once installed (local/cli-package/pack.ts writes it). Read synchronously once (one
// small file); "unknown" when none is found.
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

let cached: string | undefined;

/** This software's version (the package.json above this module), read once. */
export function softwareVersion(): string {
  cached ??= versionAbove(import.meta.dirname, readTextOrUndefined);
  return cached;
}
