import { node } from '../../test/support/fixtures/walt-objects.js';
import { withoutPowerDriver } from './nodes.js';

describe('withoutPowerDriver', () => {
  it('names physical nodes without a driver, never a virtual node (its agent runs the VM)', () => {
    const atNone = node('vn2', { virtual: true });
    atNone.spec.power = { driver: 'none' };
    const poe = node('rpi1', { model: 'rpi-4-b' });
    poe.spec.power = { driver: 'snmp-poe' };
    expect(withoutPowerDriver([node('pc1'), node('vn1', { virtual: true }), atNone, poe])).toEqual(['pc1']);
  });
});
