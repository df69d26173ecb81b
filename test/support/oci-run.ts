// Runs a command in a container image for real, with no container engine: the image is pulled from
// a registry with skopeo into an OCI layout, unpacked by umoci into a runtime bundle, and run by runc
// (as root). What the tests of images/ use to prove an image starts, and what its config says.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Bundle {
  dir: string;
  reference: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The image's config (entrypoint, user, labels…) as the registry serves it. */
export async function imageConfig(reference: string): Promise<{ config: Record<string, unknown> }> {
  const { stdout } = await run('skopeo', [
    'inspect',
    '--config',
    '--tls-verify=false',
    `docker://${reference}`,
  ]);
  return JSON.parse(stdout) as { config: Record<string, unknown> };
}

/** The compressed size of the image: its layers and config as pushed. */
export async function compressedBytes(reference: string): Promise<number> {
  const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reference}`]);
  const manifest = JSON.parse(stdout) as { config: { size: number }; layers: { size: number }[] };
  return manifest.layers.reduce((sum, layer) => sum + layer.size, manifest.config.size);
}

/** Pulls `reference` (plain HTTP) and unpacks it into `<workDir>/<name>/bundle`. */
export async function pullBundle(reference: string, workDir: string, name: string): Promise<Bundle> {
  const layout = path.join(workDir, name, 'layout');
  const dir = path.join(workDir, name, 'bundle');
  await mkdir(path.join(workDir, name), { recursive: true });
  await run(
    'skopeo',
    ['copy', '--quiet', '--src-tls-verify=false', `docker://${reference}`, `oci:${layout}:image`],
    {
      maxBuffer: 4 * 1024 * 1024,
    },
  );
  await run('umoci', ['unpack', '--image', `${layout}:image`, dir], { maxBuffer: 16 * 1024 * 1024 });
  return { dir, reference };
}

/**
 * Runs `args` in the bundle with runc instead of the image's entrypoint (its user, working directory and
 * environment stay those of the image), bounded to `timeoutMs`.
 */
export async function runInBundle(bundle: Bundle, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  const configFile = path.join(bundle.dir, 'config.json');
  const config = JSON.parse(await readFile(configFile, 'utf8')) as { process: Record<string, unknown> };
  config.process.args = args;
  config.process.terminal = false;
  await writeFile(configFile, JSON.stringify(config));
  const id = `walt-test-${randomBytes(4).toString('hex')}`;
  try {
    const { stdout, stderr } = await run('runc', ['run', '--bundle', bundle.dir, id], {
      timeout: timeoutMs,
      maxBuffer: 4 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  } finally {
    await run('runc', ['delete', '--force', id]).catch(() => undefined);
  }
}
