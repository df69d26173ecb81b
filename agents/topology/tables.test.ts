import { chassisText, idText, indexOf, normalisedMac, switchTables, type WalkedTables } from './tables.js';

const LLDP = '1.0.8802.1.1.2.1';
const empty: WalkedTables = {
  scalars: [],
  locPorts: [],
  rem: [],
  manAddr: [],
  dot1dFdb: [],
  dot1qFdb: [],
  poe: [],
};
const row = (oid: string, value: unknown): { oid: string; type: number; value: unknown } => ({
  oid,
  type: 4,
  value,
});

describe('LLDP and bridge tables', () => {
  it('reads ids: a chassis id of 6 raw bytes is a MAC, MAC text is normalised, names stay text', () => {
    expect(chassisText(Buffer.from([2, 0, 0, 0, 0, 0xab]))).toBe('02:00:00:00:00:ab');
    expect(chassisText(Buffer.from('AA-BB-CC-DD-EE-FF'))).toBe('aa:bb:cc:dd:ee:ff');
    expect(idText(Buffer.from('ge1/0/3'))).toBe('ge1/0/3');
    expect(idText(Buffer.from('uplink'))).toBe('uplink');
    expect(idText(Buffer.from([0, 1, 2]))).toBe('000102');
    expect(normalisedMac('nope')).toBeUndefined();
    expect(indexOf('.1.2.3.4', '1.2')).toEqual([3, 4]);
    expect(indexOf('1.20.3', '1.2')).toBeUndefined();
  });

  it('turns walked rows into ports, neighbours, forwarding entries and PoE ports', () => {
    const t = switchTables({
      ...empty,
      scalars: [
        row(`${LLDP}.3.2.0`, Buffer.from([2, 0, 0, 0, 0, 1])),
        row('1.3.6.1.2.1.1.5.0', Buffer.from('core')),
      ],
      locPorts: [
        row(`${LLDP}.3.7.1.3.1`, Buffer.from('ge1')),
        row(`${LLDP}.3.7.1.4.2`, Buffer.from('uplink')),
        // Port numbers the status cannot hold are dropped
        row(`${LLDP}.3.7.1.3.0`, Buffer.from('zero')),
        row(`${LLDP}.3.7.1.3.5000`, Buffer.from('huge')),
      ],
      rem: [
        row(`${LLDP}.4.1.1.5.0.2.1`, Buffer.from([2, 0, 0, 0, 0, 2])),
        row(`${LLDP}.4.1.1.7.0.2.1`, Buffer.from('ge24')),
        row(`${LLDP}.4.1.1.9.0.2.1`, Buffer.from('edge')),
        row(`${LLDP}.4.1.1.9.0.99999.1`, Buffer.from('beyond')),
      ],
      manAddr: [row(`${LLDP}.4.2.1.3.0.2.1.1.4.10.0.0.2`, 2), row(`${LLDP}.4.2.1.3.0.2.1.2.16.1`, 2)],
      dot1dFdb: [row('1.3.6.1.2.1.17.4.3.1.2.220.166.50.0.0.1', 5), row('1.3.6.1.2.1.17.4.3.1.2.1.2', 5)],
      dot1qFdb: [row('1.3.6.1.2.1.17.7.1.2.2.1.2.10.220.166.50.0.0.2', 6)],
      poe: [
        row('1.3.6.1.2.1.105.1.1.1.3.1.5', 1),
        row('1.3.6.1.2.1.105.1.1.1.3.1.6', 2),
        row('1.3.6.1.2.1.105.1.1.1.3.1.4097', 1),
      ],
    });
    expect(t.chassisId).toBe('02:00:00:00:00:01');
    expect(t.sysName).toBe('core');
    expect([...t.portNames]).toEqual([
      [1, 'ge1'],
      [2, 'uplink'],
    ]);
    expect(t.neighbours).toEqual([
      { localPort: 2, chassisId: '02:00:00:00:00:02', portId: 'ge24', sysName: 'edge', manAddr: '10.0.0.2' },
    ]);
    expect([...t.fdb]).toEqual([
      ['dc:a6:32:00:00:01', 5],
      ['dc:a6:32:00:00:02', 6],
    ]);
    expect([...t.poe]).toEqual([
      [5, true],
      [6, false],
    ]);
  });
});
