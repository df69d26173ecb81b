// `walt device …`: WalT's device commands (walt-reference §2.4): devices are the nodes the boot
// agents discovered on their segments.
import { Command } from 'commander';
import { deviceShow, type DeviceShowOptions } from '../actions/device-show.js';
import { renameNode } from '../actions/node-rename.js';
import type { ContextFactory } from '../context.js';
import { outputOption } from './options.js';

export function deviceCommand(context: ContextFactory): Command {
  const device = new Command('device').description('discovered devices: show, rename');
  device
    .command('show')
    .description('list discovered devices and the DHCP leases of each segment')
    .addOption(outputOption())
    .action((options: DeviceShowOptions, cmd: Command) => deviceShow(context(cmd), options));
  device
    .command('rename')
    .description('rename a device')
    .argument('<old>', 'current name')
    .argument('<new>', 'new name')
    .action((from: string, to: string, _options: unknown, cmd: Command) =>
      renameNode(context(cmd), from, to),
    );
  return device;
}
