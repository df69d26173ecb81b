// `walt device …`: WalT's device commands (walt-reference §2.4): devices are the nodes the boot
// agents discovered on their segments.
import { Command } from 'commander';
import { deviceForget, type DeviceForgetOptions } from '../actions/device-forget.js';
import { deviceShow, type DeviceShowOptions } from '../actions/device-show.js';
import { deviceTree, type DeviceTreeOptions } from '../actions/device-tree.js';
import { nodeConfig, type NodeConfigOptions } from '../actions/node-config.js';
import { renameNode } from '../actions/node-rename.js';
import type { ContextFactory } from '../context.js';
import { SETTING_KEYS } from '../node-config.js';
import { forceOption, outputOption } from './options.js';

export function deviceCommand(context: ContextFactory): Command {
  const device = new Command('device').description('discovered devices: show, tree, rename, config, forget');
  device
    .command('show')
    .description('list discovered devices and the DHCP leases of each segment')
    .addOption(outputOption())
    .action((options: DeviceShowOptions, cmd: Command) => deviceShow(context(cmd), options));
  device
    .command('tree')
    .description("the segments' switches and what is plugged into each port (last topology scan)")
    .option('--all', 'also list empty ports')
    .action((options: DeviceTreeOptions, cmd: Command) => deviceTree(context(cmd), options));
  device
    .command('rename')
    .description('rename a device')
    .argument('<old>', 'current name')
    .argument('<new>', 'new name')
    .action((from: string, to: string, _options: unknown, cmd: Command) =>
      renameNode(context(cmd), from, to),
    );
  device
    .command('config')
    .description(`show or set device settings (${SETTING_KEYS.join(', ')})`)
    .argument('<device-set>', 'device names separated by commas, or my-nodes, free-nodes, all-nodes')
    .argument('[settings...]', 'key=value pairs to set; none to show the settings')
    .addOption(forceOption())
    .addOption(outputOption())
    .action((set: string, settings: string[], options: NodeConfigOptions, cmd: Command) =>
      nodeConfig(context(cmd), { set, settings }, options),
    );
  device
    .command('forget')
    .description('delete a device (asks first; its log lines are kept)')
    .argument('<name>', 'device name')
    .option('--force', 'do not ask')
    .action((name: string, options: DeviceForgetOptions, cmd: Command) =>
      deviceForget(context(cmd), name, options),
    );
  return device;
}
