// Which power driver acts on a node: chosen by spec.power.driver: qemu (the vnode service of the
// agent), webhook (an HTTP call, webhook.ts) and snmp-poe (a PoE switch port, snmp-poe.ts), the last
// two given where this process may read Secrets.
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { powerDriverOf, type PowerDriverName } from '../../api/node/index.js';
import type { WaltError } from '../../common/errors.js';
import type { PowerDriver } from './driver.js';
import { ERR_POWER_DRIVER_UNAVAILABLE, ERR_POWER_NO_DRIVER } from './errors.js';

export interface PowerDrivers extends PowerDriver {
  /** The driver acting on `node` (a failing one when it has none). */
  driverFor(node: WaltNode): PowerDriver;
}

/** A driver whose every operation fails with `error(node)`. */
function failing(error: (node: WaltNode) => WaltError): PowerDriver {
  const fail = (node: WaltNode): Promise<void> => Promise.reject(error(node));
  return { hardReboot: fail, powerOn: fail, powerOff: fail };
}

export function createPowerDrivers(
  available: { qemu?: PowerDriver; webhook?: PowerDriver; snmpPoe?: PowerDriver } = {},
): PowerDrivers {
  const name = (node: WaltNode): string => node.metadata.name;
  const drivers: Record<PowerDriverName, PowerDriver> = {
    qemu: available.qemu ?? failing((node) => ERR_POWER_DRIVER_UNAVAILABLE('qemu', name(node))),
    none: failing((node) => ERR_POWER_NO_DRIVER(name(node))),
    'snmp-poe': available.snmpPoe ?? failing((node) => ERR_POWER_DRIVER_UNAVAILABLE('snmp-poe', name(node))),
    webhook: available.webhook ?? failing((node) => ERR_POWER_DRIVER_UNAVAILABLE('webhook', name(node))),
  };
  const driverFor = (node: WaltNode): PowerDriver => drivers[powerDriverOf(node)];
  return {
    driverFor,
    hardReboot: (node) => driverFor(node).hardReboot(node),
    powerOn: (node) => driverFor(node).powerOn(node),
    powerOff: (node) => driverFor(node).powerOff(node),
  };
}
