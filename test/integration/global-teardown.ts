// Stops the control plane started by global-setup (its data is deleted: the instance is ephemeral).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');

export default async function globalTeardown(): Promise<void> {
  const name = process.env.WALT_TEST_INSTANCE;
  if (!name || process.env.WALT_KEEP_CLUSTER === 'true') return;
  await run(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    [path.join(root, 'local', 'controlplane', 'main.ts'), 'down', '--name', name],
    { cwd: root },
  );
}
