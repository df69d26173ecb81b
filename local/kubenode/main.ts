// Command line of the local kubelet node: status | down [--force]. The node is started by tests
// (test/support/kube-node.ts) and dies with them; `down` removes what a crashed run left (processes,
// mounts, the bridge and address interface, iptables chains, its control plane) without waiting for
// the next start to do it. --force also stops a node whose owner still runs.
import { rm } from 'node:fs/promises';
import { claimMachine } from './claim.js';
import { DEFAULT_NETWORK, removeLeftovers } from './cluster.js';
import { defaultWorkDir, nodeDirs } from './layout.js';
import { readNodeState } from './node.js';
import { processAlive } from '../process-group.js';

async function main(): Promise<number> {
  const [command] = process.argv.slice(2);
  const dirs = nodeDirs(defaultWorkDir());
  const state = await readNodeState(dirs);
  switch (command) {
    case 'status':
      if (!state) {
        console.log(`no kubelet node (${dirs.workDir})`);
        return 1;
      }
      console.log(
        `node ${state.nodeName} of process ${state.ownerPid} (${processAlive(state.ownerPid) ? 'running' : 'dead: run down'}), ` +
          `control plane ${state.controlPlane}, logs in ${dirs.logDir}`,
      );
      return 0;
    case 'down': {
      const force = process.argv.includes('--force');
      const claim = `${dirs.workDir}.claim`;
      if (force) await rm(claim, { recursive: true, force: true });
      const release = await claimMachine(claim, 0);
      await removeLeftovers(dirs, DEFAULT_NETWORK, { force });
      await release();
      console.log(state ? `removed node ${state.nodeName} and its control plane` : 'nothing to remove');
      return 0;
    }
    default:
      console.error('usage: kubenode status | down [--force]');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
