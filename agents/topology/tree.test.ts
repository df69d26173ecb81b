import { buildTopology, type ScannedSwitchInput } from './tree.js';
import type { SwitchTables } from './tables.js';

function tables(partial: Partial<SwitchTables>): SwitchTables {
  return { portNames: new Map(), neighbours: [], fdb: new Map(), poe: new Map(), ...partial };
}

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const C = '02:00:00:00:00:0c';
const NODE = 'dc:a6:32:00:00:01';

describe('buildTopology', () => {
  it('roots the tree at the first switch and cuts loops (a ring of three switches)', () => {
    // Given a ring a–b–c–a, each switch seeing both neighbours by LLDP
    const switches: ScannedSwitchInput[] = [
      {
        name: 'a',
        address: '10.0.0.1',
        tables: tables({
          chassisId: A,
          neighbours: [
            { localPort: 1, chassisId: B },
            { localPort: 2, chassisId: C },
          ],
        }),
      },
      {
        name: 'b',
        address: '10.0.0.2',
        tables: tables({
          chassisId: B,
          neighbours: [
            { localPort: 1, chassisId: A },
            { localPort: 2, chassisId: C },
          ],
        }),
      },
      {
        name: 'c',
        address: '10.0.0.3',
        tables: tables({
          chassisId: C,
          neighbours: [
            { localPort: 1, chassisId: A },
            { localPort: 2, chassisId: B },
          ],
        }),
      },
    ];
    // When the tree is built
    const { switches: tree } = buildTopology(switches, [], 512);
    // Then b and c hang from a, each once, and nothing hangs from both
    expect(tree.map((s) => [s.name, s.parent])).toEqual([
      ['a', undefined],
      ['b', { name: 'a', port: 1 }],
      ['c', { name: 'a', port: 2 }],
    ]);
  });

  it('places a node on the access port of the switch that sees its MAC, not on uplinks', () => {
    const switches: ScannedSwitchInput[] = [
      {
        name: 'core',
        address: '10.0.0.1',
        tables: tables({
          chassisId: A,
          neighbours: [{ localPort: 24, chassisId: B }],
          fdb: new Map([[NODE, 24]]),
        }),
      },
      {
        name: 'edge',
        address: '10.0.0.2',
        tables: tables({
          chassisId: B,
          neighbours: [{ localPort: 1, chassisId: A }],
          fdb: new Map([[NODE, 5]]),
          portNames: new Map([[5, 'ge5']]),
          poe: new Map([[5, true]]),
        }),
      },
    ];
    const { nodes, switches: tree } = buildTopology(
      switches,
      [{ name: 'pi1', mac: NODE.toUpperCase() }],
      512,
    );
    expect(nodes.get('pi1')).toEqual({
      switch: 'edge',
      address: '10.0.0.2',
      port: 5,
      portName: 'ge5',
      poe: true,
    });
    expect(tree[1]!.ports).toContainEqual({ port: 5, name: 'ge5', poe: true, peer: 'pi1' });
  });

  it('falls back to the management address, then the name; lists an unreachable switch as a root', () => {
    const switches: ScannedSwitchInput[] = [
      {
        name: 'core',
        address: '10.0.0.1',
        tables: tables({
          neighbours: [
            { localPort: 1, chassisId: 'not-a-mac', manAddr: '10.0.0.2' },
            { localPort: 2, sysName: 'edge-2' },
            { localPort: 3, sysName: 'printer' },
            { localPort: 4, sysName: 'p'.repeat(253) },
          ],
        }),
      },
      { name: 'edge', address: '10.0.0.2', tables: tables({}) },
      { name: 'edge2', address: '10.0.0.3', tables: tables({ sysName: 'edge-2' }) },
      { name: 'dead', address: '10.0.0.4' },
    ];
    const { switches: tree } = buildTopology(switches, [], 512);
    expect(tree.map((s) => [s.name, s.parent?.port])).toEqual([
      ['core', undefined],
      ['edge', 1],
      ['edge2', 2],
      ['dead', undefined],
    ]);
    expect(tree[0]!.ports).toContainEqual({ port: 3, peer: '(printer)' });
    // A peer fits the status's 253 characters
    expect(tree[0]!.ports.find((p) => p.port === 4)?.peer).toHaveLength(253);
  });

  it('keeps at most maxPorts ports per switch', () => {
    const many = new Map(Array.from({ length: 600 }, (_, i) => [i + 1, `p${i + 1}`] as const));
    const { switches: tree } = buildTopology(
      [{ name: 'big', address: '10.0.0.1', tables: tables({ portNames: many }) }],
      [],
      512,
    );
    expect(tree[0]!.ports).toHaveLength(512);
  });
});
