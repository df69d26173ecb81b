// Two test switches for the topology tests, as SNMP tables for test/support/snmpd.ts: sw-core (next to
// the agent) and sw-edge, linked twice (core ports 1 and 2 to edge ports 23 and 24: a loop that the tree
// must cut), a node pi1 on edge port 3, a node pc9 on core port 3, an LLDP-only phone on edge port 4.
// Every port has a PSE entry (PoE). Values are as switches send them: chassis ids as 6 raw bytes.
import type { SnmpValue } from './snmpd.js';

export const CORE_MAC = '02:00:00:00:00:01';
export const EDGE_MAC = '02:00:00:00:00:02';
export const PI1_MAC = 'dc:a6:32:00:00:01';
export const PC9_MAC = '00:16:3e:00:00:09';

const LLDP = '1.0.8802.1.1.2.1';
const octets = (mac: string): SnmpValue => ['octet', mac.split(':').join(' ')];
const macIndex = (mac: string): string =>
  mac
    .split(':')
    .map((b) => parseInt(b, 16))
    .join('.');

function switchTable(options: {
  mac: string;
  name: string;
  ports: number[];
  neighbours: { port: number; mac: string; portId: string; name: string; address?: string }[];
  fdb: Record<string, number>;
}): Record<string, SnmpValue> {
  const table: Record<string, SnmpValue> = {
    [`${LLDP}.3.2.0`]: octets(options.mac),
    [`${LLDP}.3.3.0`]: ['string', options.name],
  };
  for (const port of options.ports) {
    table[`${LLDP}.3.7.1.3.${port}`] = ['string', `ge${port}`];
    table[`${LLDP}.3.7.1.4.${port}`] = ['string', `gigabit ethernet ${port}`];
    table[`1.3.6.1.2.1.105.1.1.1.3.1.${port}`] = ['integer', 1];
  }
  options.neighbours.forEach((n, i) => {
    const index = `0.${n.port}.${i + 1}`;
    table[`${LLDP}.4.1.1.5.${index}`] = octets(n.mac);
    table[`${LLDP}.4.1.1.7.${index}`] = ['string', n.portId];
    table[`${LLDP}.4.1.1.9.${index}`] = ['string', n.name];
    if (n.address) table[`${LLDP}.4.2.1.3.${index}.1.4.${n.address}`] = ['integer', 2];
  });
  for (const [mac, port] of Object.entries(options.fdb))
    table[`1.3.6.1.2.1.17.7.1.2.2.1.2.1.${macIndex(mac)}`] = ['integer', port];
  return table;
}

export function coreTable(edgeAddress: string): Record<string, SnmpValue> {
  return switchTable({
    mac: CORE_MAC,
    name: 'sw-core',
    ports: [1, 2, 3, 4],
    neighbours: [
      { port: 1, mac: EDGE_MAC, portId: 'ge23', name: 'sw-edge', address: edgeAddress },
      { port: 2, mac: EDGE_MAC, portId: 'ge24', name: 'sw-edge', address: edgeAddress },
    ],
    fdb: { [PI1_MAC]: 1, [PC9_MAC]: 3, [EDGE_MAC]: 1 },
  });
}

export function edgeTable(coreAddress: string): Record<string, SnmpValue> {
  return switchTable({
    mac: EDGE_MAC,
    name: 'sw-edge',
    ports: [1, 2, 3, 4, 23, 24],
    neighbours: [
      { port: 4, mac: '00:04:0d:00:00:44', portId: 'lan', name: 'phone-1' },
      { port: 23, mac: CORE_MAC, portId: 'ge1', name: 'sw-core', address: coreAddress },
      { port: 24, mac: CORE_MAC, portId: 'ge2', name: 'sw-core', address: coreAddress },
    ],
    fdb: { [PI1_MAC]: 3, [PC9_MAC]: 23, [CORE_MAC]: 23 },
  });
}
