// The pod sandbox ("pause") image, built without any registry: pause.c from the k8s.io/kubernetes
// module (the one local/build-binaries.sh builds from) compiled with `gcc -static`, made into a
// one-layer OCI image with umoci and written as a docker-archive tarball that `ctr images import`
// loads. Cached in ~/.cache/walt-operator/kubenode by the hash of pause.c.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { KubeNodeMissingTool, KubeNodePauseBuildFailed } from './errors.js';

const run = promisify(execFile);

export interface PauseImage {
  /** The reference containerd knows it by (its CRI `sandbox_image`). */
  ref: string;
  /** docker-archive tarball for `ctr images import`. */
  archive: string;
}

export function cacheDir(): string {
  const base =
    process.env.WALT_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'walt-operator');
  return path.join(base, 'kubenode');
}

/** build/pause/linux/pause.c of the pinned k8s.io/kubernetes in the Go module cache. */
export async function pauseSource(kubernetesVersion: string): Promise<string> {
  let modCache: string;
  try {
    modCache = (await run('go', ['env', 'GOMODCACHE'])).stdout.trim();
  } catch (error) {
    throw KubeNodeMissingTool('go', `install Go (${(error as Error).message.split('\n')[0]})`);
  }
  const file = path.join(modCache, `k8s.io/kubernetes@${kubernetesVersion}`, 'build/pause/linux/pause.c');
  if (!existsSync(file))
    throw KubeNodeMissingTool(
      `${file}`,
      'run local/build-binaries.sh (it downloads the k8s.io/kubernetes module)',
    );
  return file;
}

async function step(name: string, command: string, args: string[], cwd: string): Promise<void> {
  try {
    await run(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const e = error as Error & { stderr?: string; code?: string };
    if (e.code === 'ENOENT') throw KubeNodeMissingTool(command, 'run local/install-deps.sh');
    throw KubeNodePauseBuildFailed(name, (e.stderr || e.message).trim().slice(-2000));
  }
}

/** Builds (or finds in the cache) the pause image of `kubernetesVersion`. */
export async function ensurePauseImage(kubernetesVersion: string): Promise<PauseImage> {
  const source = await pauseSource(kubernetesVersion);
  const hash = createHash('sha256')
    .update(await readFile(source))
    .digest('hex')
    .slice(0, 12);
  const ref = `walt.local/pause:${kubernetesVersion}-${hash}`;
  const dir = cacheDir();
  const archive = path.join(dir, `pause-${kubernetesVersion}-${hash}.tar`);
  if (existsSync(archive)) return { ref, archive };
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(path.join(dir, 'pause-build-'));
  try {
    await copyFile(source, path.join(work, 'pause.c'));
    await step(
      'gcc',
      'gcc',
      ['-Os', '-Wall', '-static', `-DVERSION=${kubernetesVersion}-walt`, '-o', 'pause', 'pause.c'],
      work,
    );
    await step('umoci init', 'umoci', ['init', '--layout', 'oci'], work);
    await step('umoci new', 'umoci', ['new', '--image', 'oci:pause'], work);
    await step('umoci unpack', 'umoci', ['unpack', '--image', 'oci:pause', 'bundle'], work);
    await copyFile(path.join(work, 'pause'), path.join(work, 'bundle/rootfs/pause'));
    await step('umoci repack', 'umoci', ['repack', '--image', 'oci:pause', 'bundle'], work);
    await step(
      'umoci config',
      'umoci',
      ['config', '--image', 'oci:pause', '--config.entrypoint', '/pause', '--config.user', '65535:65535'],
      work,
    );
    await step(
      'skopeo copy',
      'skopeo',
      ['copy', '--quiet', 'oci:oci:pause', `docker-archive:${archive}.tmp:${ref}`],
      work,
    );
    await rename(`${archive}.tmp`, archive);
    return { ref, archive };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
