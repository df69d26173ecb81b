import type { WaltNode } from '../../api/v1alpha1/index.js';
import { codeOf } from '../../test/support/error-code.js';
import { ERR_SNMP_NOT_CONFIGURED, ERR_SNMP_PORT_UNKNOWN } from '../snmp/errors.js';
import { poePortOf } from './snmp-poe.js';

function node(port: number | undefined, topology?: { address: string; port: number }): WaltNode {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: { name: 'pi1' },
    spec: {
      mac: 'dc:a6:32:00:00:01',
      model: 'rpi-4-b',
      segment: 'lab',
      image: 'default',
      power: {
        driver: 'snmp-poe',
        snmp: { switch: 'sw1.lab', version: '2c', group: 2, ...(port === undefined ? {} : { port }) },
      },
      settings: {},
    },
    ...(topology
      ? { status: { topology: { switch: 'sw1', seenAt: '2026-12-01T00:00:00Z', ...topology } } }
      : {}),
  } as WaltNode;
}

describe('poePortOf', () => {
  it("takes the spec's port first", () => {
    expect(poePortOf(node(7, { address: 'sw1.lab', port: 9 }))).toEqual({
      switch: 'sw1.lab',
      group: 2,
      port: 7,
      from: 'spec',
    });
  });

  it('takes the port the topology scan saw on the same switch when the spec has none', () => {
    expect(poePortOf(node(undefined, { address: 'sw1.lab', port: 9 }))).toMatchObject({
      port: 9,
      from: 'topology',
    });
  });

  it('refuses a port seen on another switch, or none at all', () => {
    expect(codeOf(() => poePortOf(node(undefined, { address: 'sw2.lab', port: 9 })))).toBe(
      ERR_SNMP_PORT_UNKNOWN.code,
    );
    expect(codeOf(() => poePortOf(node(undefined)))).toBe(ERR_SNMP_PORT_UNKNOWN.code);
    const bare = node(7);
    delete bare.spec.power.snmp;
    expect(codeOf(() => poePortOf(bare))).toBe(ERR_SNMP_NOT_CONFIGURED.code);
  });
});
