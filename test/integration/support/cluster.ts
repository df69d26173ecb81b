// Helpers for integration suites: API clients for the run's cluster, a namespace per suite, kubectl.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { loadKubeConfig } from '../../../common/kube-config.js';
import { asServiceAccount } from '../../../local/lab/identity.js';

export function kubeConfig(): k8s.KubeConfig {
  return loadKubeConfig();
}

export function binDir(): string {
  const dir = process.env.WALT_BIN_DIR;
  if (!dir) throw new Error('WALT_BIN_DIR is not set: run integration tests through jest (global setup)');
  return dir;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built kubectl; never throws on a non-zero exit (tests assert on it). */
export function kubectl(args: string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(binDir(), 'kubectl'), args, { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Creates a namespace for one suite; delete it in afterAll with the returned function. */
export async function testNamespace(prefix: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'walt.dev/test': 'true' } } } });
  // A namespace takes pods (and tokens) once the controller manager has made its "default"
  // ServiceAccount, a moment after the namespace: wait, so that no suite races it.
  const deadline = Date.now() + 30_000;
  while (
    !(await core.readNamespacedServiceAccount({ name: 'default', namespace: name }).catch(() => undefined))
  ) {
    if (Date.now() > deadline) throw new Error(`namespace ${name} got no default ServiceAccount in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name,
    remove: async () => {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** config/rbac of this checkout (applied by suites that run components as their service accounts). */
export const RBAC_DIR = path.resolve(import.meta.dirname, '..', '..', '..', 'config', 'rbac');

/** The run's kubeconfig acting as a service account of walt-system (the admin certificate may impersonate). */
export function impersonating(serviceAccount: string): k8s.KubeConfig {
  return asServiceAccount(kubeConfig(), serviceAccount);
}
