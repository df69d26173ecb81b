import type { WaltNode } from '../../api/v1alpha1/index.js';
import { powersFromOutside } from './physical-controller.js';

function node(spec: Partial<WaltNode['spec']>, deleting = false): WaltNode {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: { name: 'rpi1', ...(deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: { mac: 'dc:a6:32:00:00:01', model: 'rpi-4-b', segment: 'lab', image: 'default', ...spec },
  } as WaltNode;
}

describe('powersFromOutside', () => {
  it('takes the physical nodes of its segment that have a power driver', () => {
    expect(powersFromOutside(node({ power: { driver: 'snmp-poe' } }), 'lab')).toBe(true);
    expect(powersFromOutside(node({ power: { driver: 'webhook' } }), 'lab')).toBe(true);
  });

  it('leaves VMs to the vnode controller, other segments, deleted nodes and nodes without a driver', () => {
    expect(
      powersFromOutside(node({ power: { driver: 'qemu' }, virtual: { cpus: 1, memory: '1Gi' } }), 'lab'),
    ).toBe(false);
    expect(powersFromOutside(node({ power: { driver: 'webhook' } }), 'other')).toBe(false);
    expect(powersFromOutside(node({ power: { driver: 'webhook' } }, true), 'lab')).toBe(false);
    expect(powersFromOutside(node({ power: { driver: 'none' } }), 'lab')).toBe(false);
    expect(powersFromOutside(node({}), 'lab')).toBe(false);
  });
});
