// The default node images: small Debian images built by build.sh (debootstrap, minutes, root), one per
// architecture — amd64 (`pc-x86-64-default`, booted by iPXE) and arm64 (qemu-arm-64 and the 64-bit
// Raspberry Pis, booted by u-boot; its second stage runs under qemu-user, so it takes longer) — each
// cached under a key that hashes the build inputs and the architecture, so editing them rebuilds and
// anything else reuses. pushImage() sends one (or a derivative with extra files) to a registry.
//
// CLI:  npx tsx local/default-image/image.ts build [--arch arm64]
//       npx tsx local/default-image/image.ts push <host:port/name:tag> [--arch arm64] [--file /etc/x=content]...
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
const BUILD_INPUTS = ['build.sh', 'walt-default-init.sh', '../debian-trim.sh', 'start-qemu-arm-64.uboot'];
const TAG = 'latest';

export type ImageArch = 'amd64' | 'arm64';

/** Per architecture: the cache name and the model whose /boot/<model>/ names the kernel and initrd. */
// The models each image is for are its label walt.node.models, set by build.sh (MODELS).
const ARCHES: Record<ImageArch, { name: string; bootModel: string }> = {
  amd64: { name: 'pc-x86-64-default', bootModel: 'pc-x86-64' },
  arm64: { name: 'arm64-default', bootModel: 'qemu-arm-64' },
};

export function isImageArch(value: string): value is ImageArch {
  return value === 'amd64' || value === 'arm64';
}

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

/** Short hash of the architecture and of the build inputs' names and contents. */
export async function buildKey(arch: ImageArch = 'amd64'): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`arch=${arch}\0`);
  for (const name of BUILD_INPUTS) {
    hash
      .update(`${name}\0`)
      .update(await readFile(path.join(here, name)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

function imageOf(dir: string, arch: ImageArch): DefaultImage {
  const rootfsDir = path.join(dir, 'rootfs');
  const bootDir = path.join(rootfsDir, 'boot', ARCHES[arch].bootModel);
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
function runBuild(dir: string, arch: ImageArch): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(BUILD_SCRIPT, [dir, arch], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', (err) => reject(DefaultImageBuildFailed(BUILD_SCRIPT, err.message)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(DefaultImageBuildFailed(BUILD_SCRIPT, signal ? `killed by ${signal}` : `exit status ${code}`));
    });
  });
}

/** The default image of `arch`, built first if the cache has none for the current build inputs. */
export async function ensureDefaultImage(arch: ImageArch = 'amd64'): Promise<DefaultImage> {
  const dir = path.join(cacheRoot(), 'images', `${ARCHES[arch].name}-${await buildKey(arch)}`);
  if (!(await exists(path.join(dir, '.complete')))) await runBuild(dir, arch);
  return imageOf(dir, arch);
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
    options: {
      file: { type: 'string', multiple: true, default: [] },
      arch: { type: 'string', default: 'amd64' },
    },
  });
  const [command, destRef] = positionals;
  if (!isImageArch(values.arch)) throw new Error(`--arch wants amd64 or arm64, got "${values.arch}"`);
  const image = await ensureDefaultImage(values.arch);
  if (command === 'build') {
    process.stdout.write(`${JSON.stringify(image, null, 2)}\n`);
  } else if (command === 'push' && destRef) {
    await pushImage(image.layoutDir, image.tag, destRef, { extraFiles: parseFileArgs(values.file) });
    process.stdout.write(`${destRef}\n`);
  } else {
    throw new Error(
      'usage: image.ts build [--arch arm64] | image.ts push <host:port/name:tag> [--arch arm64] [--file /path=content]...',
    );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
