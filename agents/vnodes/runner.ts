// The virtual nodes this agent runs, by node name: each one a tap, a supervised qemu and a work dir
// (<cacheDir>/vnodes/<node>/). The controller makes the set follow the WaltNodes; power operations
// act on it directly.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import { ERR_VNODE_NO_INTERFACE, ERR_VNODE_NOT_RUNNING } from './errors.js';
import type { VnodeMetrics } from './metrics.js';
import { hardwareKey, type Accel, type VmConfig } from './qemu-args.js';
import { killLeftover } from './qemu-process.js';
import { eventOf, type VmEventInput } from './status.js';
import type { VmNotice } from './supervisor-state.js';
import type { ConsoleAttachment, SupervisorOptions, VmSnapshot } from './supervisor.js';
import { commandRunner, deleteTap, tapName, type CommandRunner } from './tap.js';
import { createVm, type Vm } from './vm.js';

export interface VnodeRunnerOptions {
  segment: string;
  cacheDir: string;
  /** The segment's interface (WaltSegment spec.interface): the bridge taps are plugged into. */
  bridgeOf: () => string | undefined;
  accel: () => Promise<Accel>;
  logger: Logger;
  metrics: VnodeMetrics;
  /** Called on every state change of a VM (the controller reconciles the node then). */
  onChange?: (node: string) => void;
  onConsoleLine?: (node: string, line: string) => void;
  /** Tests: run `ip` and qemu through a prefix such as ['ip', 'netns', 'exec', '<ns>']. */
  commandPrefix?: readonly string[];
  qemu?: string;
  policy?: SupervisorOptions['policy'];
}

interface Entry {
  vm: Vm;
  hardware: string;
  /** Events not recorded yet (a reconcile records them through its context). */
  events: VmEventInput[];
}

const MAX_PENDING_EVENTS = 20;

export type EnsureResult = 'started' | 'restarted' | 'unchanged';

export class VnodeRunner {
  private readonly vms = new Map<string, Entry>();
  private readonly run: CommandRunner;

  constructor(private readonly options: VnodeRunnerOptions) {
    this.run = commandRunner(options.commandPrefix ?? []);
  }

  /** Whether this agent runs `node`: virtual, on this segment, not being deleted. */
  owns(node: WaltNode): boolean {
    return (
      !node.metadata.deletionTimestamp && node.spec.segment === this.options.segment && !!node.spec.virtual
    );
  }

  has(name: string): boolean {
    return this.vms.has(name);
  }

  workDir(name: string): string {
    return path.join(this.options.cacheDir, 'vnodes', name);
  }

  /** Attaches to the serial console of `name`'s VM; undefined when this agent runs none. */
  openConsole(name: string, tap: (chunk: Buffer) => void): ConsoleAttachment | undefined {
    return this.vms.get(name)?.vm.supervisor.openConsole(tap);
  }

  snapshot(name: string): VmSnapshot | undefined {
    return this.vms.get(name)?.vm.supervisor.snapshot();
  }

  takeEvents(name: string): VmEventInput[] {
    return this.vms.get(name)?.events.splice(0) ?? [];
  }

  /** Runs the VM of `node`: starts it, or restarts it when its virtual hardware changed. */
  async ensure(node: WaltNode): Promise<EnsureResult> {
    const config = await this.configOf(node);
    const entry = this.vms.get(config.node);
    if (!entry) {
      await this.start(config);
      return 'started';
    }
    entry.vm.supervisor.setConfig(config); // boot delay: read at the next start
    if (hardwareKey(config) === entry.hardware) return 'unchanged';
    entry.hardware = hardwareKey(config);
    entry.vm.supervisor.hardReset();
    return 'restarted';
  }

  /**
   * Stops the VM for good and deletes its tap and work dir — also after an agent restart, when only
   * a leftover qemu, tap or directory may remain. Resolves whether a VM was running here.
   */
  async teardown(name: string): Promise<boolean> {
    const entry = this.vms.get(name);
    if (entry) {
      await entry.vm.destroy();
      this.vms.delete(name);
      return true;
    }
    await killLeftover(this.workDir(name)).catch(() => undefined);
    await deleteTap(this.run, tapName(name));
    await rm(this.workDir(name), { recursive: true, force: true });
    return false;
  }

  hardReboot(name: string): Promise<void> {
    this.entry(name).vm.supervisor.hardReset();
    return Promise.resolve();
  }

  powerOn(name: string): Promise<void> {
    this.entry(name).vm.supervisor.powerOn();
    return Promise.resolve();
  }

  powerOff(name: string): Promise<void> {
    return this.entry(name).vm.supervisor.powerOff();
  }

  /** Stops every VM (the agent stops or loses the segment): taps go, work dirs (disks) stay. */
  async stopAll(): Promise<void> {
    const entries = [...this.vms.entries()];
    this.vms.clear();
    await Promise.all(entries.map(([, entry]) => entry.vm.stop()));
  }

  private entry(name: string): Entry {
    const entry = this.vms.get(name);
    if (!entry) throw ERR_VNODE_NOT_RUNNING(name, this.options.segment);
    return entry;
  }

  private async configOf(node: WaltNode): Promise<VmConfig> {
    const name = node.metadata.name;
    return {
      node: name,
      mac: node.spec.mac,
      model: node.spec.model,
      virtual: node.spec.virtual!,
      accel: await this.options.accel(),
      tap: tapName(name),
      workDir: this.workDir(name),
    };
  }

  private async start(config: VmConfig): Promise<void> {
    const bridge = this.options.bridgeOf();
    if (!bridge) throw ERR_VNODE_NO_INTERFACE(this.options.segment);
    const name = config.node;
    const vm = createVm({
      config,
      bridge,
      run: this.run,
      logger: this.options.logger,
      metrics: this.options.metrics,
      ...(this.options.commandPrefix ? { commandPrefix: this.options.commandPrefix } : {}),
      ...(this.options.qemu ? { qemu: this.options.qemu } : {}),
      ...(this.options.policy ? { policy: this.options.policy } : {}),
      onConsoleLine: (line) => this.options.onConsoleLine?.(name, line),
      onChange: (snapshot, notice) => this.changed(name, snapshot, notice),
    });
    const entry: Entry = { vm, hardware: hardwareKey(config), events: [] };
    this.vms.set(name, entry);
    try {
      await vm.start();
    } catch (error) {
      this.vms.delete(name);
      await vm.stop().catch(() => undefined);
      throw error;
    }
  }

  private changed(name: string, snapshot: VmSnapshot, notice: VmNotice | undefined): void {
    const entry = this.vms.get(name);
    const event = notice && eventOf(notice, snapshot);
    if (entry && event) {
      entry.events.push(event);
      if (entry.events.length > MAX_PENDING_EVENTS) entry.events.shift();
    }
    this.options.onChange?.(name);
  }
}
