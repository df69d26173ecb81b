// The application of the images: the production npm tree (npm ci --omit=dev from the repository's
// lock file, cached by the lock's hash) and the compiled code (tsc, into the build context).
// Install scripts are not run (no compiler in the build): better-sqlite3, the one production package
// with a native part, gets the module this checkout's `npm ci` built for Node 20 on linux-x64.
import { access, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImagesNativeModuleMissing } from './errors.js';
import { captureStep, progress, runStep } from './exec.js';
import { contentKey } from './keys.js';
import { checkNodeAbi, NODE_VERSION } from './node-runtime.js';

/** Native modules of production packages: package → its built file inside the package. */
export const NATIVE_MODULES: Readonly<Record<string, string>> = {
  'better-sqlite3': 'build/Release/better_sqlite3.node',
};
/** What production packages ship that nothing loads at run time (sources of native parts). */
const PRUNED = ['better-sqlite3/deps', 'better-sqlite3/src'];
/** Files of every package that nothing loads at run time: type declarations and source maps (40 %). */
const PRUNED_NAMES = ['*.d.ts', '*.d.mts', '*.d.cts', '*.map'];

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function packageVersion(dir: string): Promise<string> {
  return (JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Copies each native module from the checkout's node_modules, refusing one of another version. */
async function copyNativeModules(repoRoot: string, tree: string): Promise<void> {
  for (const [name, file] of Object.entries(NATIVE_MODULES)) {
    const from = path.join(repoRoot, 'node_modules', name);
    const to = path.join(tree, 'node_modules', name);
    if (!(await exists(path.join(from, file))))
      throw ImagesNativeModuleMissing(path.join(from, file), 'not built');
    const [have, want] = await Promise.all([packageVersion(from), packageVersion(to)]);
    if (have !== want)
      throw ImagesNativeModuleMissing(path.join(from, file), `${name} ${have} there, ${want} locked`);
    await mkdir(path.dirname(path.join(to, file)), { recursive: true });
    await copyFile(path.join(from, file), path.join(to, file));
  }
}

/** Key of the production tree: the lock file, package.json, the Node.js whose ABI it targets, the pruning. */
export async function productionKey(repoRoot: string): Promise<string> {
  const read = (name: string): Promise<Buffer> => readFile(path.join(repoRoot, name));
  return contentKey([
    { name: 'package-lock.json', content: await read('package-lock.json') },
    { name: 'package.json', content: await read('package.json') },
    { name: 'node', content: NODE_VERSION.split('.')[0] ?? '' },
    { name: 'pruned', content: JSON.stringify([PRUNED, PRUNED_NAMES]) },
  ]);
}

/** A directory holding package.json and node_modules (production only), made first if missing. */
export async function ensureProductionTree(repoRoot: string, cacheDir: string): Promise<string> {
  checkNodeAbi();
  const dir = path.join(cacheDir, `npm-production-${await productionKey(repoRoot)}`);
  if (await exists(path.join(dir, '.complete'))) return dir;
  progress('installing the production npm packages (npm ci --omit=dev)');
  await mkdir(cacheDir, { recursive: true });
  const tmp = await mkdtemp(path.join(cacheDir, '.npm-production-'));
  try {
    for (const name of ['package.json', 'package-lock.json'])
      await copyFile(path.join(repoRoot, name), path.join(tmp, name));
    await runStep(
      'npm ci --omit=dev',
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'],
      {
        cwd: tmp,
      },
    );
    await copyNativeModules(repoRoot, tmp);
    for (const pruned of PRUNED)
      await rm(path.join(tmp, 'node_modules', pruned), { recursive: true, force: true });
    const names = PRUNED_NAMES.flatMap((name, i) => (i === 0 ? ['-name', name] : ['-o', '-name', name]));
    await captureStep('prune node_modules', 'find', [
      path.join(tmp, 'node_modules'),
      '-type',
      'f',
      '(',
      ...names,
      ')',
      '-delete',
    ]);
    await writeFile(path.join(tmp, '.complete'), '');
    await rename(tmp, dir).catch(async (error: unknown) => {
      if (!(await exists(path.join(dir, '.complete')))) throw error;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Compiles the application into `outDir` (no declarations or source maps: nothing reads them there). */
export async function compileApp(repoRoot: string, outDir: string): Promise<void> {
  progress('compiling the application (tsc -p tsconfig.build.json)');
  await rm(outDir, { recursive: true, force: true });
  const tsc = path.join(repoRoot, 'node_modules', '.bin', 'tsc');
  await captureStep('tsc', tsc, [
    '-p',
    path.join(repoRoot, 'tsconfig.build.json'),
    '--outDir',
    outDir,
    '--declaration',
    'false',
    '--sourceMap',
    'false',
  ]);
}
