// A virtual node on this agent as a whole: its tap on the segment bridge, its supervised qemu and
// its work dir. start() plugs the tap and powers on; stop() powers off for good and unplugs the tap;
// destroy() also deletes the work dir (disks, console log).
import { rm } from 'node:fs/promises';
import { qmpSocketPath, type VmConfig } from './qemu-args.js';
import { createSupervisor, type Supervisor, type SupervisorOptions } from './supervisor.js';
import { commandRunner, deleteTap, ensureTap, type CommandRunner } from './tap.js';

export interface VmOptions extends SupervisorOptions {
  bridge: string;
  /** Runs `ip` (default: in this process's network namespace, prefixed like qemu otherwise). */
  run?: CommandRunner;
}

export interface Vm {
  readonly supervisor: Supervisor;
  /** Creates the tap (checking the bridge) and powers the VM on. */
  start(): Promise<void>;
  /** Powers off for good (no restart) and deletes the tap. */
  stop(): Promise<void>;
  /** stop(), then deletes the work dir. */
  destroy(): Promise<void>;
}

export function createVm(options: VmOptions): Vm {
  const supervisor = createSupervisor(options);
  const run = options.run ?? commandRunner(options.commandPrefix ?? []);
  const tap = (): string => supervisor.config().tap;
  const config = (): VmConfig => supervisor.config();
  const stop = async (): Promise<void> => {
    await supervisor.stop();
    await deleteTap(run, tap());
    await rm(qmpSocketPath(config().workDir, tap()), { force: true });
  };
  return {
    supervisor,
    async start(): Promise<void> {
      await ensureTap(run, { tap: tap(), bridge: options.bridge });
      supervisor.powerOn();
    },
    stop,
    async destroy(): Promise<void> {
      await stop();
      await rm(config().workDir, { recursive: true, force: true });
    },
  };
}
