// Reference DHCP clients driven from client namespaces.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exec, type Client } from './netns.js';

/**
 * Runs udhcpc once in the client namespace; resolves with the environment its script saw on "bound".
 * With `configure`, the address is also set on the interface (to talk TFTP/HTTP afterwards).
 */
export async function udhcpc(
  dir: string,
  client: Client,
  args: string[],
  options: { configure?: boolean } = {},
): Promise<Record<string, string>> {
  const envFile = path.join(dir, `${client.ns}.env`);
  const script = path.join(dir, `${client.ns}.sh`);
  const configure = options.configure ? 'ip addr add "$ip/$mask" dev "$interface"\n' : '';
  await writeFile(script, `#!/bin/sh\n[ "$1" = bound ] || exit 0\nenv > ${envFile}\n${configure}exit 0\n`);
  await chmod(script, 0o755);
  await exec(
    client.ns,
    'busybox',
    ['udhcpc', '-i', client.ifname, '-f', '-q', '-n', '-t', '5', '-T', '2', '-s', script, ...args],
    60000,
  );
  const text = await readFile(envFile, 'utf8');
  return Object.fromEntries(
    text.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}
