// `walt device forget <name>`: delete a device's WaltNode (it comes back as a new discovered device if
// it asks for a network boot again). WalT asks first; here a terminal gets the question, a script
// passes --force. Virtual nodes are removed with `walt node remove` (their VM goes too), as in WalT.
// The device's log lines stay in the agents' log stores (WalT deletes them): say so.
import { ERR_CLI_CONFIRM, ERR_CLI_UNKNOWN_NODES, ERR_CLI_VIRTUAL_DEVICE } from '../../client/errors.js';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';

export interface DeviceForgetOptions {
  force?: boolean;
}

export async function deviceForget(
  ctx: CliContext,
  name: string,
  options: DeviceForgetOptions,
): Promise<void> {
  const node = await ctx.client.get<WaltNode>(RESOURCES.node, name);
  if (!node) throw ERR_CLI_UNKNOWN_NODES([name]);
  if (node.spec.virtual) throw ERR_CLI_VIRTUAL_DEVICE(name);
  if (!options.force) {
    const what = `forget device ${name} (${node.spec.mac}, segment ${node.spec.segment})`;
    const answer = await ctx.io.confirm(`${what}?`);
    if (answer !== true) throw ERR_CLI_CONFIRM(what);
  }
  await ctx.client.remove(RESOURCES.node, name);
  ctx.io.out(`${name}: forgotten\n`);
  ctx.io.err(
    `note: the log lines of ${name} stay in the log store (walt log show --issuers ${name} --history full shows them)\n`,
  );
}
