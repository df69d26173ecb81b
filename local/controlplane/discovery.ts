// What "the CRDs are usable by kubectl" means, as plain functions: every walt.dev kind listed by the API
// server's discovery with its category, and where kubectl keeps its discovery cache for a server.
//
// Why: `kubectl wait --for=condition=Established` returns before a user's `kubectl get walt` can work.
// kubectl expands a category (`walt`) from its discovery cache (~/.kube/cache/discovery/<host_port>, six
// hours) and, when a name matches nothing, refreshes the cache only to retry it as a resource name, not as
// a category; so a cache written before the CRDs existed (by the install's own `kubectl apply`, or any
// earlier call) made the first `kubectl get walt` fail with "the server doesn't have a resource type",
// and the second succeed. The install therefore waits for discovery, then drops that stale cache entry.
import path from 'node:path';
import { DiscoveryCacheOutside } from './errors.js';

export interface ExpectedResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  categories: string[];
}

interface CrdDocument {
  kind?: string;
  spec?: {
    group?: string;
    names?: { kind?: string; plural?: string; categories?: string[] };
    versions?: { name?: string; served?: boolean }[];
  };
}

function servedResources({ spec }: CrdDocument): ExpectedResource[] {
  const names = spec?.names ?? {};
  const base = {
    group: spec?.group ?? '',
    kind: names.kind ?? '',
    plural: names.plural ?? '',
    categories: names.categories ?? [],
  };
  return (spec?.versions ?? [])
    .filter((v) => v.served !== false)
    .map((v) => ({ ...base, version: v.name ?? '' }));
}

/** The served kinds of CustomResourceDefinition documents (other documents are ignored). */
export function expectedResources(documents: readonly unknown[]): ExpectedResource[] {
  return (documents as (CrdDocument | null)[])
    .filter((d): d is CrdDocument => d?.kind === 'CustomResourceDefinition')
    .flatMap(servedResources);
}

/** One `group/version`'s APIResourceList, as `GET /apis/<group>/<version>` answers it. */
export interface ApiResourceList {
  resources?: { name?: string; kind?: string; categories?: string[] }[];
}

/**
 * The expected resources discovery does not show yet, as "plural.group" names: absent from the
 * group-version's resource list (or without one of its categories), or absent from what kubectl's
 * aggregated discovery lists for `--categories` (`categoryListing`: "plural.group" lines of
 * `kubectl api-resources -o name`).
 */
export function missingFromDiscovery(
  expected: readonly ExpectedResource[],
  lists: Readonly<Record<string, ApiResourceList | undefined>>,
  categoryListing: readonly string[],
): string[] {
  const listed = new Set(categoryListing.map((line) => line.trim()));
  return expected
    .filter((e) => {
      const resource = lists[`${e.group}/${e.version}`]?.resources?.find((r) => r.name === e.plural);
      const categorised = e.categories.every((c) => resource?.categories?.includes(c));
      return !resource || resource.kind !== e.kind || !categorised || !listed.has(`${e.plural}.${e.group}`);
    })
    .map((e) => `${e.plural}.${e.group}`);
}

/**
 * kubectl's discovery cache directory for a server: `<cacheRoot>/discovery/<host>`, the scheme dropped
 * and every character other than a word character, "/", "." or a parenthesis replaced by "_" (as
 * k8s.io/cli-runtime's computeDiscoverCacheDir does). Refuses a server whose path would leave the cache.
 */
export function discoveryCacheDir(cacheRoot: string, server: string): string {
  const host = server.replace('https://', '').replace('http://', '');
  const safe = host.replace(/[^(\w/.)]/g, '_');
  const base = path.resolve(cacheRoot, 'discovery');
  const dir = path.resolve(base, safe);
  if (!dir.startsWith(base + path.sep) || safe.split('/').includes('..')) throw DiscoveryCacheOutside(server);
  return dir;
}

/** kubectl's cache root: $KUBECACHEDIR, else ~/.kube/cache. */
export function kubectlCacheRoot(env: NodeJS.ProcessEnv, home: string): string {
  return env.KUBECACHEDIR || path.join(home, '.kube', 'cache');
}
