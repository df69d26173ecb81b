// The default node image `pc-x86-64-default`: a small Debian image built by build.sh (debootstrap,
// minutes, root) and cached under a key that hashes the build inputs, so editing them rebuilds and
// anything else reuses. pushImage() sends it (or a derivative with extra files) to a registry.
//
// CLI:  npx tsx local/default-image/image.ts build
//       npx tsx local/default-image/image.ts push <host:port/name:tag> [--file /etc/x=content]...
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { cacheRoot } from '../cache-dir.js';
import { DefaultImageBuildFailed, DefaultImagePushFailed } from './errors.js';
import { deriveLayout, type ExtraFiles } from './oci-layout.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const BUILD_SCRIPT = path.join(here, 'build.sh');
/** Every file build.sh reads: the cache key covers them all. */
const BUILD_INPUTS = ['build.sh', 'walt-default-init.sh', '../debian-trim.sh'];
const IMAGE_NAME = 'pc-x86-64-default';
const TAG = 'latest';

export interface DefaultImage {
  /** OCI image layout (skopeo `oci:<layoutDir>:<tag>`). */
  layoutDir: string;
  tag: string;
  /** The unpacked root filesystem the layout was made from. */
  rootfsDir: string;
  kernel: string;
  initrd: string;
}

export interface PushOptions {
  /** Absolute path in the image → content, added as one more layer (a derived image). */
  extraFiles?: ExtraFiles;
}

/** The project's cache directory: where local/build-binaries.sh caches the control plane too. */
export { cacheRoot };

/** Short hash of the build inputs' names and contents. */
export async function buildKey(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of BUILD_INPUTS) {
    hash
      .update(`${name}\0`)
      .update(await readFile(path.join(here, name)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

function imageOf(dir: string): DefaultImage {
  const rootfsDir = path.join(dir, 'rootfs');
  const bootDir = path.join(rootfsDir, 'boot', 'pc-x86-64');
  return {
    layoutDir: path.join(dir, 'layout'),
    tag: TAG,
    rootfsDir,
    kernel: path.join(bootDir, 'vmlinuz'),
    initrd: path.join(bootDir, 'initrd.img'),
  };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Runs build.sh (which locks, builds in a temp dir and renames); its progress goes to our stderr. */
function runBuild(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(BUILD_SCRIPT, [dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', (err) => reject(DefaultImageBuildFailed(BUILD_SCRIPT, err.message)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(DefaultImageBuildFailed(BUILD_SCRIPT, signal ? `killed by ${signal}` : `exit status ${code}`));
    });
  });
}

/** The default image, built first if the cache has none for the current build inputs. */
export async function ensureDefaultImage(): Promise<DefaultImage> {
  const dir = path.join(cacheRoot(), 'images', `${IMAGE_NAME}-${await buildKey()}`);
  if (!(await exists(path.join(dir, '.complete')))) await runBuild(dir);
  return imageOf(dir);
}

async function skopeoCopy(layoutDir: string, tag: string, destRef: string): Promise<void> {
  // --preserve-digests: the registry then serves the very manifest of the layout (tests compare).
  const args = ['copy', '--quiet', '--insecure-policy', '--dest-tls-verify=false', '--preserve-digests'];
  try {
    await run('skopeo', [...args, `oci:${layoutDir}:${tag}`, `docker://${destRef}`], {
      maxBuffer: 4 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw DefaultImagePushFailed(destRef, stderr || (err as Error).message);
  }
}

/**
 * Pushes `oci:<layoutDir>:<tag>` to `destRef` (e.g. 127.0.0.1:5000/walt/pc-x86-64-default:latest, plain
 * HTTP allowed). With `extraFiles`, pushes a derived image instead: the same base layer plus a layer
 * holding those files; the layout itself is left unchanged.
 */
export async function pushImage(
  layoutDir: string,
  tag: string,
  destRef: string,
  options: PushOptions = {},
): Promise<void> {
  const files = options.extraFiles ?? {};
  if (Object.keys(files).length === 0) return skopeoCopy(layoutDir, tag, destRef);
  // Beside the layout, so that its blobs can be hard-linked rather than copied.
  const derived = await mkdtemp(path.join(path.dirname(layoutDir), '.derived-'));
  try {
    await deriveLayout({ layoutDir, tag }, derived, files);
    await skopeoCopy(derived, tag, destRef);
  } finally {
    await rm(derived, { recursive: true, force: true });
  }
}

/** "--file /etc/x=content" values → extra files (the first "=" separates path and content). */
export function parseFileArgs(values: readonly string[]): ExtraFiles {
  const files: ExtraFiles = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new Error(`--file wants /path/in/image=content, got "${value}"`);
    files[value.slice(0, at)] = value.slice(at + 1);
  }
  return files;
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { file: { type: 'string', multiple: true, default: [] } },
  });
  const [command, destRef] = positionals;
  const image = await ensureDefaultImage();
  if (command === 'build') {
    process.stdout.write(`${JSON.stringify(image, null, 2)}\n`);
  } else if (command === 'push' && destRef) {
    await pushImage(image.layoutDir, image.tag, destRef, { extraFiles: parseFileArgs(values.file) });
    process.stdout.write(`${destRef}\n`);
  } else {
    throw new Error('usage: image.ts build | image.ts push <host:port/name:tag> [--file /path=content]...');
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
