// How a node is powered: one driver per way (qemu for virtual nodes, a PoE switch port, a webhook).
// Operations resolve once the request is carried out (the node's boot is followed elsewhere).
import type { WaltNode } from '../../api/v1alpha1/index.js';

export interface PowerDriver {
  /** Cuts the power and restores it (a VM: kill and start again). */
  hardReboot(node: WaltNode): Promise<void>;
  powerOn(node: WaltNode): Promise<void>;
  powerOff(node: WaltNode): Promise<void>;
}
