// `walt node …`: WalT's node commands (walt-reference §2.1) on WaltNode resources.
import { Command } from 'commander';
import { nodeBoot, type NodeBootOptions } from '../actions/node-boot.js';
import { nodeConfig, type NodeConfigOptions } from '../actions/node-config.js';
import { nodeCreate, type NodeCreateOptions } from '../actions/node-create.js';
import { nodeReboot, type NodeRebootOptions } from '../actions/node-reboot.js';
import { nodeRemove, type NodeRemoveOptions } from '../actions/node-remove.js';
import { renameNode } from '../actions/node-rename.js';
import { nodeShow, type NodeShowOptions } from '../actions/node-show.js';
import { DEFAULT_WAIT_TIMEOUT, nodeWait, type NodeWaitOptions } from '../actions/node-wait.js';
import type { ContextFactory } from '../context.js';
import { SETTING_KEYS } from '../node-config.js';
import { forceOption, outputOption } from './options.js';

const NODE_SET_HELP = 'node names separated by commas, or my-nodes, free-nodes, all-nodes';

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
    .description('reboot nodes (the agent power-cycles virtual nodes)')
    .argument('<node-set>', NODE_SET_HELP)
    .option('--hard', 'hard reboot only (today every reboot is hard)')
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

export function nodeCommand(context: ContextFactory): Command {
  const node = new Command('node').description(
    'manage nodes: show, boot, reboot, wait, create, remove, config',
  );
  showAndBoot(node, context);
  lifecycle(node, context);
  return node;
}
