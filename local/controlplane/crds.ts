// Installs the project's CRDs (crds/*.yaml) with kubectl server-side apply, waits until they are
// Established and until the API server's discovery lists every kind with its category, then drops this
// server's entry of the user's kubectl discovery cache (discovery.ts says why: a first `kubectl get walt`
// failed). The install's own kubectl calls use a private cache, so they write nothing stale there.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import {
  discoveryCacheDir,
  expectedResources,
  kubectlCacheRoot,
  missingFromDiscovery,
  type ApiResourceList,
  type ExpectedResource,
} from './discovery.js';
import { CrdDiscoveryTimeout } from './errors.js';
import { kubectl } from './kubectl.js';

export const CRD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'crds');

const DISCOVERY_TIMEOUT_S = 60;

async function crdResources(): Promise<ExpectedResource[]> {
  const files = (await readdir(CRD_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  const texts = await Promise.all(files.map((f) => readFile(path.join(CRD_DIR, f), 'utf8')));
  return expectedResources(texts.flatMap((t) => parseAllDocuments(t).map((d) => d.toJS() as unknown)));
}

/** What discovery still lacks, read with a fresh cache each time (so kubectl asks the server). */
async function missing(binDir: string, kubeconfig: string, expected: ExpectedResource[]): Promise<string[]> {
  const cache = await mkdtemp(path.join(os.tmpdir(), 'walt-discovery-'));
  try {
    const ask = (args: string[]): Promise<string> =>
      kubectl(binDir, kubeconfig, [...args, `--cache-dir=${cache}`]).then(
        (r) => r.stdout,
        () => '',
      );
    const groupVersions = [...new Set(expected.map((e) => `${e.group}/${e.version}`))];
    const lists: Record<string, ApiResourceList | undefined> = {};
    for (const gv of groupVersions) {
      const text = await ask(['get', '--raw', `/apis/${gv}`]);
      lists[gv] = text ? (JSON.parse(text) as ApiResourceList) : undefined;
    }
    const categories = [...new Set(expected.flatMap((e) => e.categories))];
    const listing = categories.length
      ? await ask(['api-resources', '-o', 'name', `--categories=${categories.join(',')}`])
      : expected.map((e) => `${e.plural}.${e.group}`).join('\n');
    return missingFromDiscovery(expected, lists, listing.split('\n'));
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

async function waitForDiscovery(binDir: string, kubeconfig: string): Promise<void> {
  const expected = await crdResources();
  const deadline = Date.now() + DISCOVERY_TIMEOUT_S * 1000;
  for (;;) {
    const lacking = await missing(binDir, kubeconfig, expected);
    if (lacking.length === 0) return;
    if (Date.now() > deadline) throw CrdDiscoveryTimeout(DISCOVERY_TIMEOUT_S, lacking.join(', '));
    await sleep(200);
  }
}

/** Removes the user's kubectl discovery cache of the kubeconfig's server: it may predate the CRDs. */
async function dropStaleDiscoveryCache(binDir: string, kubeconfig: string, cache: string): Promise<void> {
  const { stdout } = await kubectl(binDir, kubeconfig, [
    'config',
    'view',
    '--minify',
    '-o',
    'jsonpath={.clusters[0].cluster.server}',
    `--cache-dir=${cache}`,
  ]);
  const server = stdout.trim();
  if (server)
    await rm(discoveryCacheDir(kubectlCacheRoot(process.env, os.homedir()), server), {
      recursive: true,
      force: true,
    });
}

export async function installCrds(binDir: string, kubeconfig: string): Promise<void> {
  const cache = await mkdtemp(path.join(os.tmpdir(), 'walt-kubectl-cache-'));
  try {
    await kubectl(binDir, kubeconfig, [
      'apply',
      '--server-side',
      '--field-manager=walt-local',
      '--force-conflicts',
      `--cache-dir=${cache}`,
      '-f',
      CRD_DIR,
    ]);
    await kubectl(binDir, kubeconfig, [
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      `--cache-dir=${cache}`,
      '-f',
      CRD_DIR,
    ]);
    await waitForDiscovery(binDir, kubeconfig);
    await dropStaleDiscoveryCache(binDir, kubeconfig, cache);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}
