// Runs the locally built kubectl against a kubeconfig.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KubectlResult {
  stdout: string;
  stderr: string;
}

export async function kubectl(
  binDir: string,
  kubeconfig: string,
  args: string[],
  input?: string,
): Promise<KubectlResult> {
  const promise = run(path.join(binDir, 'kubectl'), args, {
    env: { ...process.env, KUBECONFIG: kubeconfig },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (input !== undefined) promise.child.stdin?.end(input);
  return promise;
}
