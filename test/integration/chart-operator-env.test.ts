// The chart's operator Deployment, run as its two replicas would run: the container's command (the
// built entry point's source, operator/main.ts, through tsx) with the rendered env, the downward-API
// values (POD_NAME, POD_NAMESPACE) filled in as the kubelet does. Proves that the env the chart sets
// is the env the operator reads: one replica leads on the Lease walt-operator of the release namespace
// under its pod name, and both answer the probes' paths on WALT_HEALTH_PORT (a standby is ready, so a
// two-replica rollout completes). Differences from a pod, each for the shared test machine: a free
// port per replica instead of the rendered one, `--namespace` so the replicas reconcile only this
// suite's namespace, and no WALT_AGENT_* (they would make DaemonSets for other suites' segments).
import { createServer } from 'node:net';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { startIn, stop, TSX, type RealProcess } from '../support/fault-processes.js';
import { waitFor } from '../support/wait.js';
import { binDir, kubeConfig, testNamespace } from './support/cluster.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef: { fieldPath: string } };
}
interface Deployment {
  spec: {
    replicas: number;
    template: {
      spec: {
        containers: Array<{
          command: string[];
          env: EnvVar[];
          livenessProbe: { httpGet: { path: string } };
          readinessProbe: { httpGet: { path: string } };
        }>;
      };
    };
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the chart operator Deployment, run with its rendered env', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let deployment: Deployment;
  const replicas: Array<{ name: string; port: number; proc: RealProcess }> = [];

  beforeAll(async () => {
    ns = await testNamespace('chart-env');
    const rendered = await run(path.join(binDir(), 'helm'), [
      'template',
      'walt',
      path.join(root, 'charts', 'walt'),
      '-n',
      ns.name,
      '--kube-version',
      '1.37.2',
      '--show-only',
      'templates/operator-deployment.yaml',
    ]);
    deployment = parse(rendered.stdout) as Deployment;
  });

  afterAll(async () => {
    for (const r of replicas) await stop(r.proc);
    await ns?.remove();
  });

  it('starts the operator entry point of the images contract', () => {
    expect(deployment.spec.template.spec.containers[0]!.command).toEqual([
      'node',
      '/app/dist/operator/main.js',
    ]);
  });

  it('runs two replicas: one leads on the Lease walt-operator under its pod name, both are ready', async () => {
    const container = deployment.spec.template.spec.containers[0]!;
    expect(deployment.spec.replicas).toBe(2);
    for (let i = 0; i < deployment.spec.replicas; i++) {
      const name = `walt-operator-${i}`;
      const port = await freePort();
      // The downward API as the kubelet fills it; the rendered values otherwise.
      const field: Record<string, string> = { 'metadata.name': name, 'metadata.namespace': ns.name };
      const env: NodeJS.ProcessEnv = {};
      for (const e of container.env) {
        if (e.name.startsWith('WALT_AGENT_')) continue;
        env[e.name] = e.valueFrom ? field[e.valueFrom.fieldRef.fieldPath] : e.value;
      }
      env.WALT_HEALTH_PORT = String(port);
      env.WALT_LOG_LEVEL = 'warn';
      const args = [path.join(root, 'operator', 'main.ts'), '--namespace', ns.name];
      replicas.push({ name, port, proc: startIn(name, { command: TSX, args, env }) });
    }
    expect(container.env.find((e) => e.name === 'WALT_SYSTEM_NAMESPACE')?.value).toBe(ns.name);

    const leases = kubeConfig().makeApiClient(k8s.CoordinationV1Api);
    const holder = await waitFor(
      'the Lease walt-operator held by a replica',
      async () => {
        const lease = await leases
          .readNamespacedLease({ namespace: ns.name, name: 'walt-operator' })
          .catch(() => undefined);
        return lease?.spec?.holderIdentity || undefined;
      },
      90_000,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${replicas.map((r) => r.proc.log()).join('\n')}`);
    });
    expect(replicas.map((r) => r.name)).toContain(holder);

    const readinessPath = container.readinessProbe.httpGet.path;
    const livenessPath = container.livenessProbe.httpGet.path;
    const roles: Record<string, string> = {};
    for (const r of replicas) {
      const ready = await waitFor(`${r.name} ready on ${readinessPath}`, async () => {
        const answer = await fetch(`http://127.0.0.1:${r.port}${readinessPath}`).catch(() => undefined);
        return answer?.status === 200 ? ((await answer.json()) as { role: string }) : undefined;
      });
      roles[r.name] = ready.role;
      expect((await fetch(`http://127.0.0.1:${r.port}${livenessPath}`)).status).toBe(200);
    }
    // The holder of the Lease is the replica that says it leads; the other stands by, ready.
    expect(Object.values(roles).sort()).toEqual(['leader', 'standby']);
    expect(roles[holder]).toBe('leader');
  });
});
