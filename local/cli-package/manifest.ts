// The CLI package's package.json and npm-shrinkwrap.json, from the project's package.json and lock file
// (pure). Dependencies: only the packages the compiled CLI imports (closure.ts), at the exact versions of
// package-lock.json; the shrinkwrap pins their whole tree as the lock has it, so `npm ci` in the package's
// stage gets the versions the project was tested with, which the tarball then bundles.
import { CliPackageUnlockedDependency } from './errors.js';

export const CLI_PACKAGE_NAME = 'walt-operator-cli';

/** The executables of the package (paths inside it). */
export const CLI_BINS: Readonly<Record<string, string>> = {
  walt: 'dist/cli/main.js',
  'kubectl-walt': 'dist/cli/kubectl-main.js',
};

export interface RootPackage {
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
}

export interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
  [field: string]: unknown;
}

export interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/** Where a package at `from` ("" = the root) finds `dep`, as Node resolves it: the nearest node_modules up. */
export function resolveInLock(packages: Lockfile['packages'], from: string, dep: string): string | undefined {
  let base = from;
  for (;;) {
    const key = base ? `${base}/node_modules/${dep}` : `node_modules/${dep}`;
    if (packages[key]) return key;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

function pinned(lock: Lockfile, names: readonly string[]): Record<string, string> {
  const root = lock.packages['']?.dependencies ?? {};
  return Object.fromEntries(
    names.map((name) => {
      const version = lock.packages[`node_modules/${name}`]?.version;
      if (!(name in root) || !version) throw CliPackageUnlockedDependency(name);
      return [name, version];
    }),
  );
}

export function cliPackageJson(
  root: RootPackage,
  lock: Lockfile,
  names: readonly string[],
): Record<string, unknown> {
  return {
    name: CLI_PACKAGE_NAME,
    version: root.version,
    description:
      `walt, the WalT testbed's command line, and the kubectl plugin kubectl-walt. ${root.description ?? ''}`.trim(),
    license: root.license,
    type: 'module',
    bin: CLI_BINS,
    engines: root.engines,
    dependencies: pinned(lock, names),
    // npm pack puts node_modules (installed from the shrinkwrap) into the tarball: exact versions, no
    // registry at install time, and a krew archive that runs as unpacked.
    bundleDependencies: true,
  };
}

/** Lock keys reachable from the root's `names` through dependencies, optional and peer ones. */
function reachable(lock: Lockfile, names: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = names.map((name) => ({ from: '', dep: name }));
  for (let next = queue.pop(); next; next = queue.pop()) {
    const key = resolveInLock(lock.packages, next.from, next.dep);
    if (!key || seen.has(key)) continue; // an optional or peer dependency the lock left out
    seen.add(key);
    const entry = lock.packages[key] as LockEntry;
    const deps = { ...entry.peerDependencies, ...entry.optionalDependencies, ...entry.dependencies };
    for (const dep of Object.keys(deps)) queue.push({ from: key, dep });
  }
  return [...seen].sort();
}

/** npm-shrinkwrap.json for the package: its tree exactly as the project's lock resolves it. */
export function cliShrinkwrap(
  pkg: Record<string, unknown>,
  lock: Lockfile,
  names: readonly string[],
): Record<string, unknown> {
  const packages: Record<string, unknown> = {
    '': {
      name: pkg.name,
      version: pkg.version,
      license: pkg.license,
      bin: pkg.bin,
      engines: pkg.engines,
      dependencies: pkg.dependencies,
    },
  };
  for (const key of reachable(lock, names)) {
    const entry = { ...(lock.packages[key] as LockEntry) };
    delete entry.dev; // every entry is a production one in the CLI's tree
    delete entry.devOptional;
    packages[key] = entry;
  }
  return { name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages };
}
