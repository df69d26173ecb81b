// Builds the CLI package, which runs without a clone nor tsx: `tsx local/cli-package/pack.ts [--out DIR]
// [--base-uri URL] [--krew-manifest FILE] [--no-build]` (npm run pack:cli). Compiles dist/, stages the
// files the CLI imports with a package.json and an npm-shrinkwrap.json made from the project's lock
// (manifest.ts), installs that exact tree there with `npm ci` (from the npm registry, production only) and
// runs `npm pack`: walt-operator-cli-<v>.tgz bundles its dependencies, so `npm install -g` of it needs no
// registry and gets the tested versions (npm does not follow a shrinkwrap inside a local tarball: it
// resolved newer ones, one needing Node 22). The same tarball is the krew archive: the krew manifest
// (default plugins/krew/walt.yaml) names it with its sha256; its uri is --base-uri + the tarball's name,
// by default the file:// URL of --out. Prints a JSON summary on stdout.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { importClosure } from './closure.js';
import { CliPackageCommandFailed } from './errors.js';
import { krewManifest } from './krew.js';
import { CLI_BINS, cliPackageJson, cliShrinkwrap, type Lockfile, type RootPackage } from './manifest.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface PackOptions {
  out: string;
  krewManifestPath: string;
  /** Where the tarball will be downloaded from by krew, ending in "/". */
  baseUri?: string;
  build?: boolean;
}

export interface PackResult {
  tarball: string;
  sha256: string;
  krewManifest: string;
  files: string[];
  dependencies: Record<string, string>;
}

async function exec(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw CliPackageCommandFailed(`${command} ${args.join(' ')}`, (e.stderr || e.message).slice(-2000));
  }
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

async function stage(dir: string): Promise<{ files: string[]; pkg: Record<string, unknown> }> {
  const entries = Object.values(CLI_BINS);
  const { files, packages } = importClosure(entries, (file) => {
    const full = path.join(ROOT, file);
    return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
  });
  const lock = await readJson<Lockfile>(path.join(ROOT, 'package-lock.json'));
  const pkg = cliPackageJson(await readJson<RootPackage>(path.join(ROOT, 'package.json')), lock, packages);
  await rm(dir, { recursive: true, force: true });
  for (const file of files) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await copyFile(path.join(ROOT, file), path.join(dir, file));
  }
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  await writeFile(
    path.join(dir, 'npm-shrinkwrap.json'),
    JSON.stringify(cliShrinkwrap(pkg, lock, packages), null, 2) + '\n',
  );
  await copyFile(path.join(ROOT, 'cli', 'README.md'), path.join(dir, 'README.md'));
  // Executable in the tarball itself: npm sets the bins' mode on install, krew does not.
  for (const bin of Object.values(CLI_BINS)) await chmod(path.join(dir, bin), 0o755);
  return { files, pkg };
}

/** Installs the shrinkwrapped tree into the staged package (bundled by `npm pack`), production only. */
async function installTree(dir: string): Promise<void> {
  await exec('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
}

export async function packCli(options: PackOptions): Promise<PackResult> {
  const out = path.resolve(options.out);
  await mkdir(out, { recursive: true });
  if (options.build !== false)
    await exec(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      ROOT,
    );
  const stageDir = path.join(out, 'stage');
  const { files, pkg } = await stage(stageDir);
  await installTree(stageDir);
  const packed = JSON.parse(
    await exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], stageDir),
  ) as {
    filename: string;
  }[];
  const tarball = path.join(out, packed[0]?.filename ?? '');
  const version = pkg.version as string;
  const sha256 = createHash('sha256')
    .update(await readFile(tarball))
    .digest('hex');
  const baseUri = options.baseUri ?? pathToFileURL(out + path.sep).href;
  const manifest = krewManifest({
    version,
    uri: new URL(path.basename(tarball), baseUri).href,
    sha256,
    folder: 'package',
    bin: CLI_BINS['kubectl-walt'] as string,
  });
  await mkdir(path.dirname(options.krewManifestPath), { recursive: true });
  await writeFile(options.krewManifestPath, manifest);
  return {
    tarball,
    sha256,
    krewManifest: options.krewManifestPath,
    files,
    dependencies: pkg.dependencies as Record<string, string>,
  };
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.filename === path.resolve(process.argv[1] ?? '')) {
  packCli({
    out: option('out') ?? path.join(ROOT, 'dist', 'cli-package'),
    krewManifestPath: path.resolve(
      option('krew-manifest') ?? path.join(ROOT, 'plugins', 'krew', 'walt.yaml'),
    ),
    ...(option('base-uri') ? { baseUri: option('base-uri') } : {}),
    build: !process.argv.includes('--no-build'),
  }).then(
    (result) => process.stdout.write(JSON.stringify(result, null, 2) + '\n'),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
