// One qemu machine on a segment, as the boot-path tests start it: a tap plugged into the segment's
// bridge, qemu in the segment's namespace (its own process group, so that stop() kills qemu and not
// only `ip netns exec`), its serial console collected. Each firmware stand-in (OVMF, SeaBIOS + iPXE,
// u-boot) only says its command line.
import { spawn, type ChildProcess } from 'node:child_process';
import { exec } from './netns.js';

export interface TapMachine {
  child: ChildProcess;
  /** Everything the machine wrote on its serial port so far. */
  console(): string;
  stop(): Promise<void>;
}

export interface TapMachineOptions {
  /** The network namespace holding the segment's bridge. */
  ns: string;
  bridge: string;
  tap: string;
}

/** Plugs a tap into the bridge and starts `qemu args` in the namespace. */
export async function startTapMachine(
  options: TapMachineOptions,
  qemu: string,
  args: readonly string[],
): Promise<TapMachine> {
  await exec(options.ns, 'ip', ['tuntap', 'add', 'dev', options.tap, 'mode', 'tap']);
  await exec(options.ns, 'ip', ['link', 'set', options.tap, 'master', options.bridge, 'up']);
  const child = spawn('ip', ['netns', 'exec', options.ns, qemu, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    await exec(options.ns, 'ip', ['link', 'delete', options.tap]).catch(() => undefined);
  };
  return { child, console: () => output, stop };
}
