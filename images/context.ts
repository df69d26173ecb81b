// The build context of both Containerfiles, assembled from the caches by hard links (same file
// system: nothing large is copied, and unchanged inputs keep their inodes and times, so buildah's
// layer cache finds them unchanged):
//   node/node  app/package.json  app/node_modules  app/dist  app/node  agent/walt-agent-netsetup.sh
import { copyFile, link, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileApp } from './app-tree.js';
import { captureStep } from './exec.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const NETSETUP_SCRIPT = path.join(here, 'agent', 'walt-agent-netsetup.sh');

export interface ContextInputs {
  repoRoot: string;
  /** The cached node binary. */
  node: string;
  /** The cached production tree (package.json + node_modules). */
  productionTree: string;
}

/** A hard link; a copy when `dir` is on another file system than the cache (its times kept). */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await captureStep('copy times', 'touch', ['-r', from, to]);
  });
}

/** Writes the context into `dir` (empty or missing; best on the caches' file system: links, not copies). */
export async function writeContext(dir: string, inputs: ContextInputs): Promise<void> {
  const app = path.join(dir, 'app');
  await mkdir(path.join(dir, 'node'), { recursive: true });
  await mkdir(path.join(dir, 'agent'), { recursive: true });
  await mkdir(app, { recursive: true });
  await linkOrCopy(inputs.node, path.join(dir, 'node', 'node'));
  await linkOrCopy(path.join(inputs.productionTree, 'package.json'), path.join(app, 'package.json'));
  const modules = [path.join(inputs.productionTree, 'node_modules'), path.join(app, 'node_modules')];
  await captureStep('link node_modules', 'cp', ['-a', '-l', ...modules]).catch(async () => {
    await rm(modules[1]!, { recursive: true, force: true });
    await captureStep('copy node_modules', 'cp', ['-a', ...modules]);
  });
  // The node-side scripts the agent serves to nodes over NFS (agents/nfs/node-files.ts finds them).
  await captureStep('copy node scripts', 'cp', [
    '-a',
    path.join(inputs.repoRoot, 'node'),
    path.join(app, 'node'),
  ]);
  await captureStep('copy netsetup', 'cp', [
    '-a',
    NETSETUP_SCRIPT,
    path.join(dir, 'agent', 'walt-agent-netsetup.sh'),
  ]);
  await compileApp(inputs.repoRoot, path.join(app, 'dist'));
}
