// The virtual-node service of a boot agent (with --boot, in the segment's network namespace): the
// vnode controller, the VMs it runs, the power drivers and image-change reboots. A leader service: only
// the leading agent of a segment runs VMs (two would boot the same MAC twice); stopping it — agent
// shutdown or lost leadership — stops every VM and unplugs its tap, keeping its disks.
import type * as k8s from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import type { Controller, LeaderService, Manager } from '../../runtime/index.js';
import type { PowerDrivers } from '../power/drivers.js';
import { qemuDriver } from '../power/qemu.js';
import { createRebootPath } from '../power/reboot-path.js';
import { chooseAccel } from './accel.js';
import { vnodeController } from './controller.js';
import { vnodeMetrics } from './metrics.js';
import { VnodeRunner } from './runner.js';
import type { ConsoleAttachment, SupervisorOptions } from './supervisor.js';

export interface VnodeServiceOptions {
  kc: k8s.KubeConfig;
  segment: string;
  /** The agent's cache dir: VMs keep their disks and console logs in <cacheDir>/vnodes/<node>/. */
  cacheDir: string;
  manager: Manager;
  logger: Logger;
  metrics: Registry;
  /** The segment's interface (WaltSegment spec.interface), a bridge, read at each VM start. */
  bridgeOf: () => string | undefined;
  /** Every serial console line of every VM (for the node log stream, later). */
  onConsoleLine?: (node: string, line: string) => void;
  /** A kernel for the KVM probe to boot (default: its built-in boot sector). */
  probeKernel?: string;
  qemu?: string;
  /** Tests: run `ip` and qemu through a prefix such as ['ip', 'netns', 'exec', '<ns>']. */
  commandPrefix?: readonly string[];
  policy?: SupervisorOptions['policy'];
}

export interface VnodeService extends LeaderService {
  readonly controller: Controller<WaltNode>;
  /** Power drivers by spec.power.driver, qemu being this service. */
  readonly power: PowerDrivers;
  /** Kills the node's VM and starts it again at once (WalT's "vnode hard-reboot"). */
  hardReboot(nodeName: string): Promise<void>;
  /** Attaches to the VM's serial console (`walt node console`, ADR 0019); undefined without a VM here. */
  openConsole(nodeName: string, tap: (chunk: Buffer) => void): ConsoleAttachment | undefined;
}

export function createVnodeService(options: VnodeServiceOptions): VnodeService {
  const logger = options.logger.child({ service: 'vnodes' });
  // Set once the controller exists (the runner is made first, the controller needs it).
  const wake: { controller?: Controller<WaltNode> } = {};
  const runner = new VnodeRunner({
    segment: options.segment,
    cacheDir: options.cacheDir,
    bridgeOf: options.bridgeOf,
    accel: () =>
      chooseAccel({
        logger,
        ...(options.probeKernel ? { probeKernel: options.probeKernel } : {}),
        ...(options.qemu ? { qemu: options.qemu } : {}),
      }),
    logger,
    metrics: vnodeMetrics(options.metrics),
    // A VM changed state: reconcile its node (status, events) — a no-op while not leading.
    onChange: (node) => wake.controller?.enqueue(node),
    ...(options.onConsoleLine ? { onConsoleLine: options.onConsoleLine } : {}),
    ...(options.commandPrefix ? { commandPrefix: options.commandPrefix } : {}),
    ...(options.qemu ? { qemu: options.qemu } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
  });
  const reboots = createRebootPath({
    kc: options.kc,
    segment: options.segment,
    logger,
    qemu: qemuDriver(runner),
  });
  const added = options.manager.addController(
    vnodeController({
      segment: options.segment,
      runner,
      rebooter: reboots.image,
      requestRebooter: reboots.request,
    }),
  );
  wake.controller = added;
  // A node gone without our finalizer (removed by hand): its VM must not outlive it.
  added.informer.on('delete', (node) => {
    if (!runner.has(node.metadata.name)) return;
    runner.teardown(node.metadata.name).catch((error: unknown) => {
      logger.error({ err: error, node: node.metadata.name }, 'could not tear down the VM of a deleted node');
    });
  });
  return {
    controller: added,
    power: reboots.drivers,
    hardReboot: (nodeName) => runner.hardReboot(nodeName),
    openConsole: (nodeName, tap) => runner.openConsole(nodeName, tap),
    // VMs start as the controller reconciles their nodes.
    start: () => Promise.resolve(),
    stop: () => runner.stopAll(),
  };
}

export { vnodeFieldManager, vnodeFinalizer } from './controller.js';
export { tapName } from './tap.js';
