// A machine powered by a PoE port of the test switch (test/support/snmpd.ts): a real qemu process
// (TCG, no disk, no network) that the switch's callback kills when the port goes off and starts
// again when it comes on. Tests observe power by the process: running or not, and how many starts.
import { spawn, type ChildProcess } from 'node:child_process';

export interface PoeMachine {
  /** The switch callback: on → a new qemu process, off → the process is killed and reaped. */
  setPower(on: boolean): Promise<void>;
  readonly running: boolean;
  /** qemu processes started so far (a power cycle starts a new one). */
  readonly starts: number;
  stop(): Promise<void>;
}

export function createPoeMachine(): PoeMachine {
  let child: ChildProcess | undefined;
  let starts = 0;
  const kill = async (): Promise<void> => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill('SIGKILL');
    await exited;
  };
  const start = async (): Promise<void> => {
    if (child) return;
    const next = spawn(
      'qemu-system-x86_64',
      ['-machine', 'q35', '-accel', 'tcg', '-m', '64', '-nodefaults', '-display', 'none', '-S'],
      { stdio: 'ignore' },
    );
    await new Promise<void>((resolve, reject) => {
      next.once('spawn', resolve);
      next.once('error', reject);
    });
    starts += 1;
    child = next;
  };
  return {
    setPower: (on) => (on ? start() : kill()),
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    get starts() {
      return starts;
    },
    stop: kill,
  };
}
