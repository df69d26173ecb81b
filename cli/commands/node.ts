// `walt node …`: WalT's node commands (walt-reference §2.1) on WaltNode resources.
import { Command } from 'commander';
import { nodeBoot, type NodeBootOptions } from '../actions/node-boot.js';
import { nodeAcquire, nodeRelease, type NodeAcquireOptions } from '../actions/node-acquire.js';
import { nodeConfig, type NodeConfigOptions } from '../actions/node-config.js';
import { nodeCp } from '../actions/node-cp.js';
import { nodeCreate, type NodeCreateOptions } from '../actions/node-create.js';
import { nodeReboot, type NodeRebootOptions } from '../actions/node-reboot.js';
import { nodeSave, type NodeSaveOptions } from '../actions/node-save.js';
import { nodeRemove, type NodeRemoveOptions } from '../actions/node-remove.js';
import { renameNode } from '../actions/node-rename.js';
import {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_RUN_TIMEOUT,
  nodeRun,
  type NodeRunOptions,
} from '../actions/node-run.js';
import { nodeConsole } from '../actions/node-console.js';
import { nodeSession } from '../actions/node-shell.js';
import { nodeShow, type NodeShowOptions } from '../actions/node-show.js';
import { DEFAULT_WAIT_TIMEOUT, nodeWait, type NodeWaitOptions } from '../actions/node-wait.js';
import type { ContextFactory } from '../context.js';
import { SETTING_KEYS } from '../node-config.js';
import { forceOption, outputOption } from './options.js';

export const NODE_SET_HELP = 'node names separated by commas, or my-nodes, free-nodes, all-nodes';

function showAndBoot(node: Command, context: ContextFactory): void {
  node
    .command('show')
    .description('list your nodes and the free ones (--all: every node)')
    .option('--all', 'also the nodes of other namespaces')
    .addOption(outputOption())
    .action((options: NodeShowOptions, cmd: Command) => nodeShow(context(cmd), options));
  node
    .command('boot')
    .alias('deploy')
    .description('boot nodes on an image: default, <image> of this namespace, or <namespace>/<image>')
    .argument('<node-set>', NODE_SET_HELP)
    .argument('<image>', 'default, <image> or <namespace>/<image>')
    .addOption(forceOption())
    .action((set: string, image: string, options: NodeBootOptions, cmd: Command) =>
      nodeBoot(context(cmd), { set, image }, options),
    );
  node
    .command('reboot')
    .description('reboot nodes: soft first, then a power cycle if they do not come back (VMs restart)')
    .argument('<node-set>', NODE_SET_HELP)
    .option('--hard', 'power-cycle at once, without the soft reboot first (WalT hard_only)')
    .addOption(forceOption())
    .action((set: string, options: NodeRebootOptions, cmd: Command) =>
      nodeReboot(context(cmd), set, options),
    );
  node
    .command('wait')
    .description('wait until nodes are booted (phase Ready)')
    .argument('<node-set>', NODE_SET_HELP)
    .option('--timeout <duration>', 'give up after this long (90s, 10m, or seconds)', DEFAULT_WAIT_TIMEOUT)
    .action((set: string, options: NodeWaitOptions, cmd: Command) => nodeWait(context(cmd), set, options));
}

function lifecycle(node: Command, context: ContextFactory): void {
  node
    .command('create')
    .description('create a virtual node (qemu, model pc-x86-64)')
    .argument('<name>', 'node name (a host name)')
    .option('--cpus <count>', 'virtual CPUs (default 2)')
    .option('--memory <size>', 'memory, e.g. 512M or 2G (default 1Gi)')
    .option('--segment <segment>', 'WaltSegment to plug it into (default: the only one)')
    .option('--image <image>', 'image to boot (default: the default image)')
    .action((name: string, options: NodeCreateOptions, cmd: Command) =>
      nodeCreate(context(cmd), name, options),
    );
  node
    .command('remove')
    .description('remove virtual nodes (their VM and disks go too)')
    .argument('<node-set>', NODE_SET_HELP)
    .addOption(forceOption())
    .action((set: string, options: NodeRemoveOptions, cmd: Command) =>
      nodeRemove(context(cmd), set, options),
    );
  node
    .command('rename')
    .description('rename a node')
    .argument('<old>', 'current name')
    .argument('<new>', 'new name')
    .action((from: string, to: string, _options: unknown, cmd: Command) =>
      renameNode(context(cmd), from, to),
    );
  node
    .command('config')
    .description(`show or set node settings (${SETTING_KEYS.join(', ')})`)
    .argument('<node-set>', NODE_SET_HELP)
    .argument('[settings...]', 'key=value pairs to set; none to show the settings')
    .addOption(forceOption())
    .addOption(outputOption())
    .action((set: string, settings: string[], options: NodeConfigOptions, cmd: Command) =>
      nodeConfig(context(cmd), { set, settings }, options),
    );
}

function ownership(node: Command, context: ContextFactory): void {
  node
    .command('acquire')
    .description('make nodes yours (a claim in their status); refused for nodes already yours')
    .argument('<node-set>', NODE_SET_HELP)
    .addOption(forceOption())
    .action((set: string, options: NodeAcquireOptions, cmd: Command) =>
      nodeAcquire(context(cmd), set, options),
    );
  node
    .command('release')
    .description('give your nodes back: drop the claim and boot the default image')
    .argument('<node-set>', NODE_SET_HELP)
    .action((set: string, _options: unknown, cmd: Command) => nodeRelease(context(cmd), set));
}

function commands(node: Command, context: ContextFactory): void {
  node
    .command('run')
    .description('run a command on nodes, one after the other (write -- before a command with options)')
    .argument('<node-set>', NODE_SET_HELP)
    .argument('<command...>', 'program and arguments, run by the node (not re-split by a shell)')
    .option('--timeout <duration>', 'time the command may run on each node', DEFAULT_RUN_TIMEOUT)
    .option(
      '--connect-timeout <duration>',
      'time to wait for a node that is not up yet',
      DEFAULT_CONNECT_TIMEOUT,
    )
    .option('--term', 'run on a terminal (PTY) of one node, interactively, as ssh -t')
    .allowUnknownOption()
    .action((set: string, command: string[], options: NodeRunOptions, cmd: Command) =>
      nodeRun(context(cmd), { set, command }, options),
    );
  sessions(node, context);
  node
    .command('cp')
    .description('copy files to or from a node: cp <local> <node>:<path>, cp <node>:<path> <local>')
    .argument('<src>', 'local path, or <node>:<path>')
    .argument('<dst>', 'local path, or <node>:<path> (relative paths on nodes start at /root)')
    .action((src: string, dst: string, _options: unknown, cmd: Command) => nodeCp(context(cmd), src, dst));
}

/** walt node save (ADR 0021): a running node's overlay as a new image. */
function save(node: Command, context: ContextFactory): void {
  node
    .command('save')
    .description("save a running node's changes (its RAM overlay) as a new image, without stopping it")
    .argument('<node>', 'the node to save')
    .argument('<image-name>', 'the WaltImage to create or update in the current namespace')
    .requiredOption('--ref <ref>', 'where to push: <registry>/<repository>:<tag>')
    .option('--insecure', 'plain http to the registry (a lab registry without TLS)')
    .action((name: string, image: string, options: NodeSaveOptions, cmd: Command) =>
      nodeSave(context(cmd), { node: name, image }, options),
    );
}

/** Interactive sessions (ADR 0019): interactive sessions through the agent. */
function sessions(node: Command, context: ContextFactory): void {
  node
    .command('shell')
    .description(
      'open an interactive shell on a node (a PTY through its agent, as ssh); exits with its status',
    )
    .argument('<node>', 'one node')
    .action((name: string, _options: unknown, cmd: Command) => nodeSession(context(cmd), name, []));
  node
    .command('console')
    .description("attach to a virtual node's serial console (Ctrl-] detaches; the VM runs on)")
    .argument('<vnode>', 'one virtual node')
    .action((name: string, _options: unknown, cmd: Command) => nodeConsole(context(cmd), name));
}

export function nodeCommand(context: ContextFactory): Command {
  const node = new Command('node').description(
    'manage nodes: show, boot, reboot, wait, create, remove, config, acquire, release, run, cp',
  );
  showAndBoot(node, context);
  lifecycle(node, context);
  ownership(node, context);
  commands(node, context);
  save(node, context);
  return node;
}
