// Starts one real control plane for the whole integration run, through the same command a user runs
// (local/controlplane/main.ts), or uses the user's cluster when WALT_USE_EXISTING_CLUSTER=true.
// Suites get KUBECONFIG and WALT_BIN_DIR.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const main = path.join(root, 'local', 'controlplane', 'main.ts');

interface UpResult {
  name: string;
  kubeconfig: string;
  server: string;
  binDir: string;
}

export default async function globalSetup(): Promise<void> {
  // Operators and agents started by suites log warnings and errors only, unless asked otherwise.
  process.env.WALT_LOG_LEVEL ??= 'warn';
  const existing = process.env.WALT_USE_EXISTING_CLUSTER === 'true';
  if (existing && !process.env.KUBECONFIG) throw new Error('WALT_USE_EXISTING_CLUSTER=true needs KUBECONFIG');
  const name = `test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const args = existing
    ? [main, 'crds', '--json']
    : [main, 'up', '--name', name, '--ephemeral', '--owner-pid', String(process.pid), '--json'];
  const started = Date.now();
  const child = run(tsx, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  child.child.stderr?.pipe(process.stderr);
  const result = JSON.parse((await child).stdout.trim().split('\n').pop() ?? '{}') as UpResult;
  process.env.WALT_BIN_DIR = result.binDir;
  process.env.KUBECONFIG = result.kubeconfig;
  if (!existing) process.env.WALT_TEST_INSTANCE = name;
  process.stderr.write(`[integration] cluster ready in ${Date.now() - started} ms (${result.server})\n`);
}
