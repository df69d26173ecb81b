// The built JavaScript (dist/) that tests spawn as users would (`walt` is dist/cli/main.js): local/test.sh
// builds it before jest; a test run alone builds it when it is missing, one process at a time (flock).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** Absolute path of `relPath` (e.g. "dist/cli/main.js"), building dist/ first if it is missing. */
export async function buildOnce(relPath: string): Promise<string> {
  const file = path.join(ROOT, relPath);
  if (existsSync(file)) return file;
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  await run('flock', [path.join(ROOT, '.dist.lock'), tsc, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    timeout: 10 * 60_000,
  });
  if (!existsSync(file)) throw new Error(`${relPath} is not produced by tsconfig.build.json`);
  return file;
}
