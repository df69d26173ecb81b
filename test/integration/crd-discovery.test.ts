// The first `kubectl get walt` after an install works (issue 14: right after `local/testbed.sh up` it
// answered "the server doesn't have a resource type walt" once). On a control plane of its own, each
// round leaves kubectl a discovery cache written while the CRDs did not exist, installs them as
// `local/controlplane/main.ts up` does, and runs `kubectl get walt` once, at once, with that cache and
// with a fresh one. Several rounds: the failure depended on timing as well as on the cache.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startControlPlane, stopControlPlane } from '../../local/controlplane/controlplane.js';
import { CRD_DIR, installCrds } from '../../local/controlplane/crds.js';
import type { InstanceState } from '../../local/controlplane/instance.js';
import { binDir } from './support/cluster.js';

const run = promisify(execFile);
const ROUNDS = 3;

describe('kubectl get walt right after the CRDs are installed', () => {
  const name = `disc-${randomBytes(3).toString('hex')}`;
  const savedCacheDir = process.env.KUBECACHEDIR;
  let state: InstanceState;
  let scratch: string;

  const kubectl = (...args: string[]): Promise<{ code: number; stderr: string }> =>
    run(path.join(binDir(), 'kubectl'), args, { env: { ...process.env, KUBECONFIG: state.kubeconfig } }).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code ?? -1, stderr: e.stderr ?? '' }),
    );

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'walt-discovery-test-'));
    // kubectl's default cache (and the one installCrds cleans) is this scratch one, not the machine's.
    process.env.KUBECACHEDIR = path.join(scratch, 'user-cache');
    state = await startControlPlane({ name, binDir: binDir(), ephemeral: true, ownerPid: process.pid });
  }, 120000);
  afterAll(async () => {
    if (savedCacheDir === undefined) delete process.env.KUBECACHEDIR;
    else process.env.KUBECACHEDIR = savedCacheDir;
    await stopControlPlane(name);
    await rm(scratch, { recursive: true, force: true });
  });

  it(`lists the category on the first call, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // Given a user's discovery cache written while no walt.dev kind existed
      await rm(process.env.KUBECACHEDIR!, { recursive: true, force: true });
      expect((await kubectl('get', 'namespaces')).code).toBe(0);
      expect((await kubectl('get', 'walt')).stderr).toContain('resource type "walt"');
      // When the CRDs are installed
      await installCrds(binDir(), state.kubeconfig);
      // Then the first call with that cache, and one with an empty cache, succeed
      const fresh = path.join(scratch, `fresh-${round}`);
      const [withCache, withFreshCache] = [
        await kubectl('get', 'walt'),
        await kubectl('get', 'walt', `--cache-dir=${fresh}`),
      ];
      expect({ round, withCache, withFreshCache }).toEqual({
        round,
        withCache: { code: 0, stderr: expect.stringContaining('No resources found') as unknown },
        withFreshCache: { code: 0, stderr: expect.stringContaining('No resources found') as unknown },
      });
      await run(path.join(binDir(), 'kubectl'), ['delete', '--wait', '-f', CRD_DIR], {
        env: { ...process.env, KUBECONFIG: state.kubeconfig },
      });
    }
  }, 300000);
});
