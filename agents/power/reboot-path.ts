// One reboot path for every node of a segment: the power drivers, and the two reasons the agent
// reboots a node (its image changed; a user or an experiment asked, `walt node reboot`). Virtual nodes
// (the vnode controller) are hard-rebooted through qemu; nodes powered from outside
// (physical-controller.ts) go through WalT's escalation (escalation.ts: soft through the command
// channel, then power cycles under the boot watchdog). A new driver is one file in this folder and a
// row in drivers.ts.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.js';
import { kubeSecretReader } from '../snmp/credentials.js';
import { createPowerDrivers, type PowerDrivers } from './drivers.js';
import type { PowerDriver } from './driver.js';
import { createEscalator, type Escalator, type SoftRebootChannel } from './escalator.js';
import { createImageRebooter, type ImageRebooter } from './image-reboot.js';
import { createRequestedRebooter, type RequestedRebooter, type Reboots } from './requested-reboot.js';
import { webhookDriver, type SecretReader } from './webhook.js';
import { createSnmpPoeDriver } from './snmp-poe.js';

export interface RebootPath {
  readonly drivers: PowerDrivers;
  /** Reboots a node that runs another image than it should boot (bootImageOf), once per switch. */
  readonly image: ImageRebooter;
  /** Reboots a node once per `walt node reboot` request. */
  readonly request: RequestedRebooter;
  /** The escalation and boot watchdog, when this path reboots nodes powered from outside. */
  readonly escalator?: Escalator;
}

export interface RebootPathOptions {
  kc: k8s.KubeConfig;
  segment: string;
  logger: Logger;
  /** The qemu driver, where this agent runs VMs. */
  qemu?: PowerDriver;
  /** Nodes powered from outside: their soft reboots, and where their power Secrets are read. */
  outside?: { channel: SoftRebootChannel; namespace: string; readSecret: SecretReader };
}

export function createRebootPath(options: RebootPathOptions): RebootPath {
  const { outside } = options;
  const drivers = createPowerDrivers({
    ...(options.qemu ? { qemu: options.qemu } : {}),
    ...(outside
      ? {
          webhook: webhookDriver({ namespace: outside.namespace, readSecret: outside.readSecret }),
          snmpPoe: createSnmpPoeDriver({
            secrets: kubeSecretReader(options.kc, outside.namespace),
          }),
        }
      : {}),
  });
  const escalator = outside
    ? createEscalator({
        kc: options.kc,
        segment: options.segment,
        power: drivers,
        channel: outside.channel,
        logger: options.logger,
      })
    : undefined;
  const power: Reboots = escalator
    ? { hardReboot: (node) => drivers.hardReboot(node), reboot: (node, ask) => escalator.start(node, ask) }
    : drivers;
  const common = { kc: options.kc, segment: options.segment, power, logger: options.logger };
  return {
    drivers,
    image: createImageRebooter(common),
    request: createRequestedRebooter(common),
    ...(escalator ? { escalator } : {}),
  };
}
