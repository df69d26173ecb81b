// One reboot path for every node of a segment: the power drivers, and the two reasons the agent
// reboots a node (its image changed; a user asked, `walt node reboot`). Virtual nodes (the vnode
// controller) and nodes powered from outside (physical-controller.ts) both go through it, so a new
// driver is one file in this folder and a row in drivers.ts.
import type * as k8s from '@kubernetes/client-node';
import { systemNamespace } from '../../api/system-namespace.js';
import type { Logger } from '../../common/logger.js';
import { kubeSecretReader } from '../snmp/credentials.js';
import { createPowerDrivers, type PowerDrivers } from './drivers.js';
import type { PowerDriver } from './driver.js';
import { createImageRebooter, type ImageRebooter } from './image-reboot.js';
import { createRequestedRebooter, type RequestedRebooter } from './requested-reboot.js';
import { createSnmpPoeDriver } from './snmp-poe.js';

export interface RebootPath {
  readonly drivers: PowerDrivers;
  /** Reboots a node that runs another image than it should boot (bootImageOf), once per switch. */
  readonly image: ImageRebooter;
  /** Reboots a node once per `walt node reboot` request. */
  readonly request: RequestedRebooter;
}

export interface RebootPathOptions {
  kc: k8s.KubeConfig;
  segment: string;
  logger: Logger;
  /** Where the Secrets of the power drivers are read (walt-system). */
  namespace?: string;
  /** The qemu driver, where this agent runs VMs. */
  qemu?: PowerDriver;
}

export function createRebootPath(options: RebootPathOptions): RebootPath {
  const secrets = kubeSecretReader(options.kc, options.namespace ?? systemNamespace());
  const drivers = createPowerDrivers({
    ...(options.qemu ? { qemu: options.qemu } : {}),
    snmpPoe: createSnmpPoeDriver({ secrets }),
  });
  const common = { kc: options.kc, segment: options.segment, power: drivers, logger: options.logger };
  return { drivers, image: createImageRebooter(common), request: createRequestedRebooter(common) };
}
