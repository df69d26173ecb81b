// Command line of the local control plane: up | down | status | env  [--name <instance>].
import { ensureBinaries } from './binaries.js';
import { componentStatus, readState, startControlPlane, stopControlPlane } from './controlplane.js';
import { installCrds } from './crds.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

// WALT_AGENT_URL_ALLOW_LOOPBACK: the lab relays its agent's API to a loopback port, and the CLI sends
// the agent's token to a loopback URL only when told to (api/agent/api-url.ts).
function envLines(kubeconfig: string, binDir: string): string {
  return `export KUBECONFIG=${kubeconfig}\nexport PATH=${binDir}:$PATH\nexport WALT_AGENT_URL_ALLOW_LOOPBACK=1\n`;
}

async function up(name: string): Promise<void> {
  const started = Date.now();
  const binDir = await ensureBinaries();
  // --ephemeral: a throwaway instance (tests) that dies with --owner-pid and is deleted when stopped.
  const ephemeral = process.argv.includes('--ephemeral');
  const ownerPid = Number(option('owner-pid', '0')) || undefined;
  // --address: bind and advertise the apiserver there (a private address of this machine) instead of loopback.
  const address = option('address', '') || undefined;
  const state = await startControlPlane({
    name,
    binDir,
    ephemeral,
    ...(ownerPid ? { ownerPid } : {}),
    ...(address ? { address } : {}),
  });
  await installCrds(binDir, state.kubeconfig);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`control plane "${name}" ready in ${seconds} s at ${state.server}; CRDs installed\n`);
  if (process.argv.includes('--json')) {
    const { kubeconfig, server, dir } = state;
    process.stdout.write(JSON.stringify({ name, kubeconfig, server, dir, binDir }) + '\n');
    return;
  }
  process.stderr.write(`logs: ${state.dir}/logs\nto use it:\n`);
  process.stdout.write(envLines(state.kubeconfig, binDir));
}

/** Installs the CRDs into the cluster of the current KUBECONFIG (a user's own cluster). */
async function crdsOnly(): Promise<void> {
  const kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig) throw new Error('set KUBECONFIG to the cluster to install the walt.dev CRDs into');
  const binDir = await ensureBinaries();
  await installCrds(binDir, kubeconfig);
  process.stderr.write(`walt.dev CRDs installed into the cluster of ${kubeconfig}\n`);
  if (process.argv.includes('--json'))
    process.stdout.write(JSON.stringify({ kubeconfig, server: 'existing', binDir }) + '\n');
}

async function status(name: string): Promise<number> {
  const state = await readState(name);
  if (!state) {
    console.log(`control plane "${name}": not created`);
    return 1;
  }
  const components = componentStatus(state);
  console.log(`control plane "${name}" at ${state.server} (${state.dir})`);
  for (const [component, s] of Object.entries(components)) console.log(`  ${component.padEnd(24)} ${s}`);
  return Object.values(components).every((s) => s === 'running') ? 0 : 1;
}

async function down(name: string): Promise<void> {
  const purge = process.argv.includes('--purge');
  const stopped = await stopControlPlane(name, { purge });
  console.log(
    stopped ? `stopped "${name}"${purge ? ' and deleted its data' : ''}` : `"${name}" was not created`,
  );
}

async function main(): Promise<number> {
  const [command] = process.argv.slice(2);
  const name = option('name', 'testbed');
  switch (command) {
    case 'up':
      await up(name);
      return 0;
    case 'down':
      await down(name);
      return 0;
    case 'status':
      return status(name);
    case 'crds':
      await crdsOnly();
      return 0;
    case 'env': {
      const state = await readState(name);
      if (!state) throw new Error(`control plane "${name}" is not created: run local/testbed.sh up`);
      process.stdout.write(envLines(state.kubeconfig, state.binDir));
      return 0;
    }
    default:
      console.error(
        'usage: controlplane up|down|status|env|crds [--name <instance>] [--purge] [--address <ip>] [--ephemeral --owner-pid <pid> --json]',
      );
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
