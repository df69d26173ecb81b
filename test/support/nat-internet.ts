// The "internet" of the NAT tests: a network namespace linked to an agent namespace by a veth pair
// (the agent's uplink, with the agent's default route through it), holding a far address that answers
// HTTP with the source address it sees. It has no route to the lab subnet: a node's packet can only be
// answered if the agent masqueraded it behind its uplink address.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { exec } from './netns.js';
import { startIn, stop, type RealProcess } from './fault-processes.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

export interface Internet {
  ns: string;
  /** The agent's side of the link (its uplink interface) and address. */
  uplink: string;
  uplinkIp: string;
  /** The far side's gateway address on the link. */
  gatewayIp: string;
  /** The address nodes try to reach (on the far side's loopback). */
  farIp: string;
  farPort: number;
  server: RealProcess;
}

const ECHO_SERVER = `
require('node:http').createServer((req, res) => res.end(req.socket.remoteAddress.replace(/^::ffff:/, '')))
  .listen(Number(process.argv[2]), process.argv[1], () => process.stdout.write('READY\\n'));
`;

/** Links `agentNs` to a new "internet" namespace; `withDefaultRoute` gives the agent its uplink. */
export async function createInternet(
  agentNs: string,
  addresses: { link: string; far: string },
  withDefaultRoute = true,
): Promise<Internet> {
  const tag = randomBytes(3).toString('hex');
  const ns = `wnat-i-${tag}`;
  const uplink = `up${tag}`.slice(0, 15);
  const peer = `ip${tag}`.slice(0, 15);
  const internet: Omit<Internet, 'server'> = {
    ns,
    uplink,
    uplinkIp: `${addresses.link}.2`,
    gatewayIp: `${addresses.link}.1`,
    farIp: addresses.far,
    farPort: 8080,
  };
  await run('ip', ['netns', 'add', ns]);
  await exec(ns, 'ip', ['link', 'set', 'lo', 'up']);
  await exec(ns, 'ip', ['addr', 'add', `${addresses.far}/32`, 'dev', 'lo']);
  await exec(ns, 'ip', ['link', 'add', peer, 'type', 'veth', 'peer', 'name', uplink]);
  await exec(ns, 'ip', ['link', 'set', uplink, 'netns', agentNs]);
  await exec(ns, 'ip', ['addr', 'add', `${internet.gatewayIp}/24`, 'dev', peer]);
  await exec(ns, 'ip', ['link', 'set', peer, 'up']);
  await exec(agentNs, 'ip', ['addr', 'add', `${internet.uplinkIp}/24`, 'dev', uplink]);
  await exec(agentNs, 'ip', ['link', 'set', uplink, 'up']);
  if (withDefaultRoute) await setDefaultRoute(agentNs, internet as Internet, true);
  const server = startIn('far echo server', {
    ns,
    command: process.execPath,
    args: ['-e', ECHO_SERVER, addresses.far, String(internet.farPort)],
  });
  await waitFor('the far echo server', () => Promise.resolve(server.log().includes('READY') || undefined));
  return { ...internet, server };
}

/** Adds or removes the agent namespace's default route through the internet link. */
export async function setDefaultRoute(agentNs: string, internet: Internet, present: boolean): Promise<void> {
  const args = ['route', present ? 'replace' : 'del', 'default', 'via', internet.gatewayIp];
  await exec(agentNs, 'ip', [...args, 'dev', internet.uplink]);
}

export async function destroyInternet(internet: Internet | undefined): Promise<void> {
  if (!internet) return;
  await stop(internet.server);
  await run('ip', ['netns', 'delete', internet.ns]).catch(() => undefined);
}
