// The real agent in pod mode (ADR 0013), as the DaemonSet runs it: --bridge names the segment's bridge
// and --api-listen serves the agent API on a second network of the namespace (here a veth standing for
// the pod's eth0, its peer a "pod network" namespace). From the pod network: /readyz answers while the
// agent leads, every other route wants the bearer token of Secret walt-agent-<segment>, and with it the
// API answers; the lab side is unchanged.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { agentTokenSecretName } from '../../api/agent/v1.js';
import { RESOURCES } from '../../api/v1alpha1/index.js';
import { startLab, tailOf, type Lab } from '../../local/lab/lab.js';
import { applyAll, labSegment } from '../../local/lab/resources.js';
import type { LabNetwork } from '../../local/lab/netns.js';
import { exec } from '../support/netns.js';
import { waitFor } from '../support/wait.js';
import { kubeConfig, uniqueName } from './support/cluster.js';

const run = promisify(execFile);

describe('the agent API on the pod network (--api-listen), token first', () => {
  const kc = kubeConfig();
  const segment = uniqueName('podapi');
  const network: LabNetwork = { ns: `wpa-${process.pid}`, bridge: 'br0', address: '10.74.0.1/24' };
  const podNet = `wpn-${randomBytes(3).toString('hex')}`;
  const api = 'http://10.245.0.1:18080';
  let lab: Lab;
  let dir: string;

  const explain = (error: unknown): Error =>
    new Error(`${(error as Error).message}\n--- agent log ---\n${tailOf(lab.agentLogFile)}`);
  /** [status, body] of a GET from the pod network namespace. */
  const fromPods = async (url: string, token?: string): Promise<[number, string]> => {
    const header = token ? ['-H', `Authorization: Bearer ${token}`] : [];
    const { stdout } = await exec(podNet, 'curl', ['-s', '-m', '5', '-w', '\n%{http_code}', ...header, url]);
    const at = stdout.lastIndexOf('\n');
    return [Number(stdout.slice(at + 1)), stdout.slice(0, at)];
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-podapi-'));
    await run('ip', ['netns', 'add', podNet]);
    lab = await startLab({
      kc,
      workDir: dir,
      segment,
      network,
      agentArgs: ['--bridge', 'br0', '--api-listen', '10.245.0.1:18080'],
    });
    // The pod's eth0: a veth from the agent's namespace to the pod network's.
    await run('ip', [
      '-n',
      network.ns,
      'link',
      'add',
      'eth0',
      'type',
      'veth',
      'peer',
      'name',
      'pod0',
      'netns',
      podNet,
    ]);
    await run('ip', ['-n', network.ns, 'addr', 'add', '10.245.0.1/24', 'dev', 'eth0']);
    await run('ip', ['-n', network.ns, 'link', 'set', 'eth0', 'up']);
    await run('ip', ['-n', podNet, 'addr', 'add', '10.245.0.2/24', 'dev', 'pod0']);
    await run('ip', ['-n', podNet, 'link', 'set', 'pod0', 'up']);
    await applyAll(kc, [
      labSegment(segment, { bridge: 'br0', subnet: '10.74.0.0/24', serverAddress: '10.74.0.1' }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .deleteClusterCustomObject({ ...RESOURCES.segment, name: segment })
      .catch(() => undefined);
    await lab?.stop();
    await run('ip', ['netns', 'del', podNet]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('is ready on the pod network once the agent leads', async () => {
    const [code, body] = await waitFor(
      'the API listener',
      () =>
        fromPods(`${api}/readyz`).then(
          (r) => (r[0] === 200 ? r : undefined),
          () => undefined,
        ),
      60_000,
    ).catch((error: unknown) => {
      throw explain(error);
    });
    expect(code).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ role: 'leader', segment });
  });

  it('wants the token on every other route, and answers with it', async () => {
    const [refused, body] = await fromPods(`${api}/api/v1/nodes`);
    expect(refused).toBe(401);
    expect(body).toContain('WALT_ERR_HTTP_UNAUTHORIZED');
    expect((await fromPods(`${api}/ipxe/boot.ipxe?mac=02:00:00:00:00:01`))[0]).toBe(401);
    const secret = await waitFor('the token Secret', () =>
      kc
        .makeApiClient(k8s.CoreV1Api)
        .readNamespacedSecret({ name: agentTokenSecretName(segment), namespace: 'walt-system' })
        .catch(() => undefined),
    );
    const token = Buffer.from(secret.data!.token!, 'base64').toString();
    const [code, nodes] = await fromPods(`${api}/api/v1/nodes`, token);
    expect(code).toBe(200);
    expect(() => JSON.parse(nodes) as unknown).not.toThrow();
  });

  it('keeps the lab listener as it was: the public web API answers there without a token', async () => {
    const { stdout } = await exec(network.ns, 'curl', [
      '-s',
      '-m',
      '5',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      'http://10.74.0.1/api/v1/nodes',
    ]);
    expect(stdout).toBe('200');
  });
});
