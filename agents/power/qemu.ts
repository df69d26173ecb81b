// The qemu power driver: power operations on the VMs this agent runs. The VM runner of the vnode
// service carries them out; this file only maps a node to its VM, so power/ never imports vnodes/.
import type { WaltNode } from '../../api/v1alpha1/index.js';
import type { PowerDriver } from './driver.js';

/** What the driver needs from whoever runs the VMs, by node name. */
export interface VmPower {
  hardReboot(name: string): Promise<void>;
  powerOn(name: string): Promise<void>;
  powerOff(name: string): Promise<void>;
}

export function qemuDriver(vms: VmPower): PowerDriver {
  const name = (node: WaltNode): string => node.metadata.name;
  return {
    hardReboot: (node) => vms.hardReboot(name(node)),
    powerOn: (node) => vms.powerOn(name(node)),
    powerOff: (node) => vms.powerOff(name(node)),
  };
}
