// Locates (building and caching on first use) the control-plane binaries; see local/build-binaries.sh.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'build-binaries.sh');

/** Directory holding kube-apiserver, kube-controller-manager, kubectl, etcd and helm. */
export async function ensureBinaries(): Promise<string> {
  // The build can take many minutes on a cold machine; its progress goes to our stderr.
  const child = run(script, [], { maxBuffer: 64 * 1024 * 1024 });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  const dir = stdout.trim().split('\n').pop();
  if (!dir) throw new Error(`${script} printed no directory`);
  return dir;
}
