import { jest } from '@jest/globals';
import { powerDriverOf } from '../../api/node/index.js';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { isWaltError } from '../../common/errors.js';
import type { PowerDriver } from './driver.js';
import { createPowerDrivers } from './drivers.js';
import { ERR_POWER_DRIVER_UNAVAILABLE, ERR_POWER_NO_DRIVER } from './errors.js';

function node(driver: string, virtual = false): WaltNode {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: { name: 'n1' },
    spec: {
      mac: '52:54:00:00:00:01',
      model: 'pc-x86-64',
      segment: 'lab',
      image: 'default',
      bootMode: 'network',
      power: { driver },
      ...(virtual ? { virtual: { cpus: 1, memory: '1Gi' } } : {}),
      settings: {},
    },
  } as WaltNode;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isWaltError(error) ? error.code : 'not coded';
  }
}

describe('powerDriverOf', () => {
  it('follows spec.power.driver; a virtual node at "none" is powered by qemu', () => {
    expect(powerDriverOf(node('snmp-poe'))).toBe('snmp-poe');
    expect(powerDriverOf(node('none'))).toBe('none');
    expect(powerDriverOf(node('none', true))).toBe('qemu');
    expect(powerDriverOf(node('qemu', true))).toBe('qemu');
  });
});

describe('createPowerDrivers', () => {
  const qemu = {
    hardReboot: jest.fn(() => Promise.resolve()),
    powerOn: jest.fn(() => Promise.resolve()),
    powerOff: jest.fn(() => Promise.resolve()),
  } satisfies PowerDriver;

  it('hands qemu nodes to the vnode driver', async () => {
    const drivers = createPowerDrivers({ qemu });
    const vnode = node('qemu', true);
    await drivers.hardReboot(vnode);
    await drivers.powerOff(vnode);
    await drivers.powerOn(vnode);
    expect(qemu.hardReboot).toHaveBeenCalledWith(vnode);
    expect(qemu.powerOff).toHaveBeenCalledWith(vnode);
    expect(qemu.powerOn).toHaveBeenCalledWith(vnode);
  });

  it('says a node without a driver must be rebooted by hand', async () => {
    expect(await codeOf(createPowerDrivers({ qemu }).hardReboot(node('none')))).toBe(
      ERR_POWER_NO_DRIVER.code,
    );
  });

  it('hands webhook nodes to the webhook driver, and says so when this process has none', async () => {
    const webhook = {
      hardReboot: jest.fn(() => Promise.resolve()),
      powerOn: jest.fn(() => Promise.resolve()),
      powerOff: jest.fn(() => Promise.resolve()),
    } satisfies PowerDriver;
    const physical = node('webhook');
    await createPowerDrivers({ qemu, webhook }).hardReboot(physical);
    expect(webhook.hardReboot).toHaveBeenCalledWith(physical);
    expect(await codeOf(createPowerDrivers({ qemu }).powerOn(physical))).toBe(
      ERR_POWER_DRIVER_UNAVAILABLE.code,
    );
  });

  it('hands snmp-poe nodes to the PoE driver, unavailable where none is given', async () => {
    const snmpPoe = { ...qemu, powerOff: jest.fn(() => Promise.resolve()) } satisfies PowerDriver;
    await createPowerDrivers({ qemu, snmpPoe }).powerOff(node('snmp-poe'));
    expect(snmpPoe.powerOff).toHaveBeenCalledTimes(1);
    expect(await codeOf(createPowerDrivers({ qemu }).hardReboot(node('snmp-poe')))).toBe(
      ERR_POWER_DRIVER_UNAVAILABLE.code,
    );
  });

  it('says so when this process has no vnode service', async () => {
    expect(await codeOf(createPowerDrivers().hardReboot(node('qemu', true)))).toBe(
      ERR_POWER_DRIVER_UNAVAILABLE.code,
    );
  });
});
