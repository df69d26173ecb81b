// The build context of both Containerfiles, assembled from the caches by hard links (same file
// system: nothing large is copied, and unchanged inputs keep their inodes and times, so buildah's
// layer cache finds them unchanged):
//   node/node  app/package.json  app/node_modules  app/dist  app/node  agent/walt-agent-netsetup.sh
import { link, mkdir } from 'node:fs/promises';
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

/** Writes the context into `dir` (which must be empty or missing, on the caches' file system). */
export async function writeContext(dir: string, inputs: ContextInputs): Promise<void> {
  const app = path.join(dir, 'app');
  await mkdir(path.join(dir, 'node'), { recursive: true });
  await mkdir(path.join(dir, 'agent'), { recursive: true });
  await mkdir(app, { recursive: true });
  await link(inputs.node, path.join(dir, 'node', 'node'));
  await link(path.join(inputs.productionTree, 'package.json'), path.join(app, 'package.json'));
  await captureStep('link node_modules', 'cp', [
    '-a',
    '-l',
    path.join(inputs.productionTree, 'node_modules'),
    path.join(app, 'node_modules'),
  ]);
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
