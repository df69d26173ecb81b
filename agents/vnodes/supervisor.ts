// One VM's life: runs the state machine of supervisor-state.ts against a real qemu — spawns it,
// captures its serial console, restarts it after guest reboots and crashes, and carries out power
// operations (QMP quit with a kill after a grace period; hard reset = kill and start again).
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { parseDurationMs } from '../../common/duration.js';
import type { Logger } from '../../common/logger.js';
import { clearLongTimeout, setLongTimeout, type LongTimeout } from '../../common/timers.js';
import { ConsoleLines, createConsoleFile, type ConsoleFile } from './console.js';
import type { VnodeMetrics } from './metrics.js';
import { killGroup, prepareStart, spawnQemu } from './qemu-process.js';
import { consoleLogPath, qemuArgs, qemuBinary, qmpSocketPath, type VmConfig } from './qemu-args.js';
import { qmpCommand } from './qmp.js';
import {
  DEFAULT_POLICY,
  initialState,
  noticeOf,
  transition,
  type RestartPolicy,
  type StartReason,
  type VmEffect,
  type VmEvent,
  type VmNotice,
  type VmState,
} from './supervisor-state.js';

export interface SupervisorOptions {
  config: VmConfig;
  logger: Logger;
  metrics: VnodeMetrics;
  /** Back-off settings (the boot delay comes from the config's virtual.bootDelay). */
  policy?: Partial<Omit<RestartPolicy, 'bootDelayMs'>>;
  qemu?: string;
  commandPrefix?: readonly string[];
  /** Time qemu gets to quit on a power-off before its group is killed (default 5 s). */
  quitGraceMs?: number;
  onConsoleLine?: (line: string) => void;
  /** Every state change, with what it means when it means something. */
  onChange?: (snapshot: VmSnapshot, notice: VmNotice | undefined) => void;
}

export interface VmSnapshot extends VmState {
  node: string;
  accel: VmConfig['accel'];
  pid?: number;
}

export interface Supervisor {
  readonly node: string;
  snapshot(): VmSnapshot;
  config(): VmConfig;
  /** Takes effect at the next start. */
  setConfig(config: VmConfig): void;
  powerOn(): void;
  /** Asks qemu to quit (killed after the grace period); resolves once it is gone. */
  powerOff(): Promise<void>;
  /** Kills qemu and starts it again at once (WalT's "vnode hard-reboot"). */
  hardReset(): void;
  /** Powers off for good: no restart afterwards, console file closed. */
  stop(): Promise<void>;
  /**
   * Attaches to the serial console (ADR 0019): `tap` gets qemu's output from now on,
   * across qemu restarts; `write` types into the running qemu's stdin (false when none runs).
   */
  openConsole(tap: (chunk: Buffer) => void): ConsoleAttachment;
}

/** An attachment to a VM's serial console. */
export interface ConsoleAttachment {
  write(data: Buffer): boolean;
  close(): void;
}

const STDERR_LINE_LIMIT = 500;

class VmSupervisor implements Supervisor {
  readonly node: string;
  private state: VmState = initialState();
  private current: VmConfig;
  private child: ChildProcessWithoutNullStreams | undefined;
  private waitTimer: LongTimeout | undefined;
  private quitTimer: NodeJS.Timeout | undefined;
  private readonly console: ConsoleFile;
  private readonly log: Logger;
  private stopWaiters: Array<() => void> = [];
  private disposed = false;
  private readonly consoleTaps = new Set<(chunk: Buffer) => void>();

  constructor(private readonly options: SupervisorOptions) {
    this.current = options.config;
    this.node = options.config.node;
    this.log = options.logger.child({ node: this.node });
    this.console = createConsoleFile(consoleLogPath(options.config.workDir), {
      onError: (error) => this.log.warn({ err: error }, 'could not write the console log'),
    });
  }

  snapshot(): VmSnapshot {
    const pid = this.child?.pid;
    return { ...this.state, node: this.node, accel: this.current.accel, ...(pid ? { pid } : {}) };
  }

  config(): VmConfig {
    return this.current;
  }

  setConfig(config: VmConfig): void {
    this.current = config;
  }

  powerOn(): void {
    this.dispatch({ type: 'powerOn', at: Date.now() });
  }

  powerOff(): Promise<void> {
    const stopped = this.whenStopped();
    this.dispatch({ type: 'powerOff', at: Date.now() });
    return stopped;
  }

  hardReset(): void {
    this.dispatch({ type: 'hardReset', at: Date.now() });
  }

  async stop(): Promise<void> {
    await this.powerOff();
    this.disposed = true;
    clearLongTimeout(this.waitTimer);
    await this.console.close();
  }

  private whenStopped(): Promise<void> {
    if (this.state.phase === 'stopped' && !this.child) return Promise.resolve();
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  private policy(): RestartPolicy {
    const delay = this.current.virtual.bootDelay;
    return {
      ...DEFAULT_POLICY,
      ...this.options.policy,
      bootDelayMs: delay ? (parseDurationMs(delay) ?? 0) : 0,
    };
  }

  private dispatch(event: VmEvent): void {
    if (this.disposed) return;
    const before = this.state;
    const { state, effects } = transition(before, event, this.policy());
    this.state = state;
    for (const effect of effects) this.execute(effect);
    const notice = noticeOf(before, event, state);
    if (notice) this.report(notice);
    this.options.onChange?.(this.snapshot(), notice);
    if (state.phase === 'stopped' && !this.child) {
      for (const resolve of this.stopWaiters.splice(0)) resolve();
    }
  }

  private execute(effect: VmEffect): void {
    switch (effect.type) {
      case 'wait':
        clearLongTimeout(this.waitTimer);
        this.waitTimer = setLongTimeout(() => this.dispatch({ type: 'timer', at: Date.now() }), effect.ms);
        return;
      case 'cancelWait':
        clearLongTimeout(this.waitTimer);
        return;
      case 'spawn':
        void this.start(effect.reason);
        return;
      case 'quit':
        void this.quit();
        return;
      case 'kill':
        if (this.child?.pid) killGroup(this.child.pid);
        return;
    }
  }

  private report(notice: VmNotice): void {
    const { metrics } = this.options;
    switch (notice.kind) {
      case 'started':
        metrics.running.set({ node: this.node }, 1);
        this.log.info(
          { pid: this.child?.pid, reason: notice.reason, accel: this.current.accel },
          'VM started',
        );
        return;
      case 'rebooted':
        metrics.running.set({ node: this.node }, 0);
        this.log.info({ uptimeMs: notice.exit.uptimeMs }, 'VM rebooted (qemu exited 0): starting it again');
        return;
      case 'crashed':
        metrics.running.set({ node: this.node }, 0);
        this.log.warn(
          { ...notice.exit, crashes: this.state.crashes, restartInMs: notice.restartInMs },
          'VM crashed: restarting after back-off',
        );
        return;
      case 'stopped':
        metrics.running.set({ node: this.node }, 0);
        this.log.info('VM stopped');
        return;
    }
  }

  private async start(reason: StartReason): Promise<void> {
    const config = this.current;
    const failed = (error: unknown): void =>
      this.dispatch({
        type: 'exited',
        at: Date.now(),
        code: null,
        signal: null,
        error: (error as Error).message,
      });
    let args: string[];
    try {
      await prepareStart(config);
      args = qemuArgs(config);
    } catch (error) {
      return failed(error);
    }
    this.options.metrics.starts.inc({ node: this.node, reason });
    this.console.write(`\n--- walt: qemu starting (${reason}) at ${new Date().toISOString()} ---\n`);
    const qemu = this.options.qemu ?? qemuBinary(config);
    try {
      this.attach(spawnQemu({ qemu, args, commandPrefix: this.options.commandPrefix ?? [] }));
    } catch (error) {
      failed(error); // spawn() throws only on bad arguments; failures to run come as 'error'
    }
  }

  openConsole(tap: (chunk: Buffer) => void): ConsoleAttachment {
    this.consoleTaps.add(tap);
    return {
      write: (data) => {
        const stdin = this.child?.stdin;
        if (!stdin || stdin.destroyed) return false;
        stdin.write(data);
        return true;
      },
      close: () => this.consoleTaps.delete(tap),
    };
  }

  private attach(child: ChildProcessWithoutNullStreams): void {
    this.child = child;
    const lines = new ConsoleLines((line) => this.options.onConsoleLine?.(line));
    let lastStderr = '';
    const stderr = new ConsoleLines((line) => {
      if (!line.trim()) return;
      lastStderr = line.slice(0, STDERR_LINE_LIMIT);
      this.log.warn({ qemu: lastStderr }, 'qemu says');
    });
    child.stdout.on('data', (chunk: Buffer) => {
      this.console.write(chunk);
      lines.push(chunk);
      for (const tap of this.consoleTaps) tap(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined); // qemu gone: nothing to type into
    let done = false;
    const exited = (code: number | null, signal: string | null, error?: string): void => {
      if (done) return;
      done = true;
      lines.flush();
      stderr.flush();
      clearTimeout(this.quitTimer);
      if (this.child === child) this.child = undefined;
      const detail = lastStderr ? { detail: lastStderr } : {};
      this.dispatch({ type: 'exited', at: Date.now(), code, signal, ...(error ? { error } : {}), ...detail });
    };
    child.once('spawn', () => this.dispatch({ type: 'spawned', at: Date.now() }));
    child.once('error', (error) => exited(null, null, error.message));
    // 'close' (not 'exit'): the console output is all read by then.
    child.once('close', (code, signal) => exited(code, signal));
  }

  private async quit(): Promise<void> {
    const pid = this.child?.pid;
    if (!pid) return;
    clearTimeout(this.quitTimer);
    this.quitTimer = setTimeout(() => killGroup(pid), this.options.quitGraceMs ?? 5000);
    try {
      await qmpCommand(qmpSocketPath(this.current.workDir, this.current.tap), 'quit');
    } catch (error) {
      this.log.debug({ err: error }, 'QMP quit failed: killing qemu');
      killGroup(pid);
    }
  }
}

export function createSupervisor(options: SupervisorOptions): Supervisor {
  return new VmSupervisor(options);
}
