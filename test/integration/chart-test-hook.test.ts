// The chart's `helm test` hook (templates/tests/test-operator.yaml) runs for real only in a cluster with
// a kubelet; its script is what matters, so it runs here as the pod would run it, with the pod's
// environment pointed at this run's apiserver (KUBERNETES_SERVICE_HOST/PORT), a real operator's
// /readyz and a directory holding a real ServiceAccount token and the cluster CA, as the kubelet mounts
// them. It passes against a ready operator, and fails on a stopped operator or a refused token.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { createOperator } from '../../operator/main.js';
import type { Manager } from '../../runtime/index.js';
import { waitFor } from '../support/wait.js';
import { binDir, kubeConfig, testNamespace } from './support/cluster.js';

const run = promisify(execFile);
const chart = path.resolve(import.meta.dirname, '..', '..', 'charts', 'walt');

interface TestPod {
  metadata: { annotations: Record<string, string> };
  spec: { containers: Array<{ command: string[]; env: Array<{ name: string; value: string }> }> };
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the chart test hook (helm test)', () => {
  const kc = kubeConfig();
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let operator: Manager | undefined;
  let work: string;
  let pod: TestPod;

  /** Runs the hook's script as its pod would, with `env` over the pod's. */
  async function hook(env: Record<string, string>): Promise<Outcome> {
    const container = pod.spec.containers[0]!;
    const podEnv = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    const [command, ...args] = container.command;
    try {
      const { stdout, stderr } = await run(command === 'node' ? process.execPath : command!, args, {
        env: { PATH: process.env.PATH, ...podEnv, ...env },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === 'number' ? e.code : -1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      };
    }
  }

  /** The kubelet's view: KUBERNETES_SERVICE_HOST/PORT and a mounted token directory. */
  function inCluster(readyz: string, tokenDir: string): Record<string, string> {
    const server = new URL(kc.getCurrentCluster()!.server);
    return {
      READYZ_URL: readyz,
      SERVICEACCOUNT_DIR: tokenDir,
      KUBERNETES_SERVICE_HOST: server.hostname,
      KUBERNETES_SERVICE_PORT: server.port,
    };
  }

  async function tokenDir(name: string, token: string): Promise<string> {
    const dir = path.join(work, name);
    const cluster = kc.getCurrentCluster()!;
    const ca = cluster.caData
      ? Buffer.from(cluster.caData, 'base64').toString()
      : await readFile(cluster.caFile!, 'utf8');
    await run('mkdir', ['-p', dir]);
    await writeFile(path.join(dir, 'ca.crt'), ca);
    await writeFile(path.join(dir, 'token'), token);
    return dir;
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'walt-chart-hook-'));
    ns = await testNamespace('chart-hook');
    const rendered = await run(path.join(binDir(), 'helm'), [
      'template',
      'walt',
      chart,
      '-n',
      ns.name,
      '--kube-version',
      '1.37.2',
      '--show-only',
      'templates/tests/test-operator.yaml',
    ]);
    pod = parse(rendered.stdout) as TestPod;
    operator = createOperator({
      kc,
      identity: 'chart-hook-operator',
      healthPort: 0,
      handleSignals: false,
      namespace: ns.name,
    });
    await operator.start();
    await waitFor('the operator ready', () => Promise.resolve(operator!.readiness().ready || undefined));
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
    await ns?.remove();
    await rm(work, { recursive: true, force: true });
  });

  it('is a test hook whose pod runs the check script', () => {
    expect(pod.metadata.annotations['helm.sh/hook']).toBe('test');
    expect(pod.spec.containers[0]!.command.slice(0, 2)).toEqual(['node', '-e']);
  });

  it('passes with a ready operator and a ServiceAccount token of the namespace', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const token = await core.createNamespacedServiceAccountToken({
      namespace: ns.name,
      name: 'default',
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const dir = await tokenDir('default', token.status!.token);
    const readyz = `http://127.0.0.1:${operator!.healthPort()}/readyz`;
    const outcome = await hook(inCluster(readyz, dir));
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(outcome.stdout).toContain('operator ready:');
    const served = outcome.stdout.split('\n').find((l) => l.startsWith('walt.dev/v1alpha1 serves '));
    expect(served?.split(/[ ,]+/)).toEqual(
      expect.arrayContaining(['waltsegments', 'waltnodes', 'waltimages', 'experiments']),
    );
  });

  it('fails, saying why, when the apiserver refuses its token', async () => {
    const dir = await tokenDir('forged', 'not-a-token');
    const readyz = `http://127.0.0.1:${operator!.healthPort()}/readyz`;
    const outcome = await hook(inCluster(readyz, dir));
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr).toContain('FAIL: walt.dev/v1alpha1 is not served (401)');
  });

  it('fails, saying why, when the operator does not answer', async () => {
    const dir = await tokenDir('any', 'unused');
    const port = operator!.healthPort();
    await operator!.stop();
    operator = undefined;
    const outcome = await hook(inCluster(`http://127.0.0.1:${port}/readyz`, dir));
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr).toContain('FAIL: operator:');
  });
});
