// What one switch's SNMP tables say (pure): the rows walked from LLDP-MIB (IEEE 802.1AB), BRIDGE-MIB
// (RFC 4188) / Q-BRIDGE-MIB (RFC 4363) and POWER-ETHERNET-MIB (RFC 3621) turned into plain data.
// Indexes are read from the OIDs (lldpRemManAddr carries the address in its index, the FDB the MAC).
import type { SnmpVarbind } from '../snmp/session.js';

export const OIDS = {
  lldpLocChassisId: '1.0.8802.1.1.2.1.3.2',
  lldpLocSysName: '1.0.8802.1.1.2.1.3.3',
  /** lldpLocPortTable: .3 lldpLocPortId, .4 lldpLocPortDesc, indexed by lldpLocPortNum. */
  lldpLocPortEntry: '1.0.8802.1.1.2.1.3.7.1',
  /** lldpRemTable: .5 chassis id, .7 port id, .9 system name; index timeMark.localPortNum.remIndex. */
  lldpRemEntry: '1.0.8802.1.1.2.1.4.1.1',
  /** lldpRemManAddrTable, index timeMark.localPortNum.remIndex.addrSubtype.addrLen.addr… */
  lldpRemManAddrEntry: '1.0.8802.1.1.2.1.4.2.1',
  /** dot1dTpFdbPort, index: the MAC's 6 bytes. */
  dot1dTpFdbPort: '1.3.6.1.2.1.17.4.3.1.2',
  /** dot1qTpFdbPort, index: fdbId (VLAN) and the MAC's 6 bytes. */
  dot1qTpFdbPort: '1.3.6.1.2.1.17.7.1.2.2.1.2',
  /** pethPsePortAdminEnable, index group.port. */
  pethPsePortAdminEnable: '1.3.6.1.2.1.105.1.1.1.3',
  sysName: '1.3.6.1.2.1.1.5.0',
} as const;

export interface LldpNeighbour {
  localPort: number;
  chassisId?: string;
  portId?: string;
  sysName?: string;
  manAddr?: string;
}

export interface SwitchTables {
  sysName?: string;
  chassisId?: string;
  /** lldpLocPortNum → its id or description (the port's name). */
  portNames: Map<number, string>;
  neighbours: LldpNeighbour[];
  /** MAC (lowercase, colons) → bridge port. */
  fdb: Map<string, number>;
  /** Ports with a PSE entry (any group) → admin enabled. */
  poe: Map<number, boolean>;
}

/** Port numbers the status can hold (the schema's bounds): anything else a switch says is dropped. */
export const isPortNumber = (n: unknown): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 4096;

/** The OID's parts after `prefix` (undefined when it is not under it). */
export function indexOf(oid: string, prefix: string): number[] | undefined {
  const clean = oid.replace(/^\./, '');
  if (!clean.startsWith(`${prefix}.`)) return undefined;
  const parts = clean
    .slice(prefix.length + 1)
    .split('.')
    .map(Number);
  return parts.every((n) => Number.isInteger(n) && n >= 0) ? parts : undefined;
}

export function macOf(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** An LLDP name or port id as text: printable bytes as they are, anything else in hex. */
export function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.slice(0, 253);
  if (!Buffer.isBuffer(value)) return typeof value === 'number' ? String(value) : undefined;
  const text = value.toString('utf8');
  return (/^[\x20-\x7e]*$/.test(text) ? text : value.toString('hex')).slice(0, 253);
}

/**
 * A chassis id as text: 6 raw bytes are a MAC (subtype macAddress, what switches send; a 6-letter
 * textual chassis id would be read as a MAC too), MAC text is normalised, anything else as idText.
 */
export function chassisText(value: unknown): string | undefined {
  if (Buffer.isBuffer(value) && value.length === 6) return macOf([...value]);
  const text = idText(value);
  return text === undefined ? undefined : (normalisedMac(text) ?? text);
}

/** "AA-BB-CC-DD-EE-FF" or "aa:bb:…" as lowercase colons; undefined when not a MAC. */
export function normalisedMac(text: string): string | undefined {
  const match =
    /^([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})$/i.exec(
      text.trim(),
    );
  return match ? match.slice(1).join(':').toLowerCase() : undefined;
}

/** The index of a row under `prefix` with `length` parts whose part `portAt` is a port number. */
function portIndex(oid: string, prefix: string, length: number, portAt: number): number[] | undefined {
  const index = indexOf(oid, prefix);
  return index?.length === length && isPortNumber(index[portAt]) ? index : undefined;
}

function portNames(rows: readonly SnmpVarbind[]): Map<number, string> {
  const ids = new Map<number, string>();
  const descs = new Map<number, string>();
  for (const row of rows) {
    const index = portIndex(row.oid, OIDS.lldpLocPortEntry, 2, 1);
    const text = idText(row.value);
    if (!index || !text) continue;
    (index[0] === 3 ? ids : index[0] === 4 ? descs : undefined)?.set(index[1]!, text.slice(0, 64));
  }
  for (const [port, desc] of descs) if (!ids.has(port)) ids.set(port, desc);
  return ids;
}

function remColumn(neighbour: LldpNeighbour, column: number, value: unknown): void {
  if (column === 5) {
    const chassis = chassisText(value);
    if (chassis !== undefined) neighbour.chassisId = chassis;
    return;
  }
  const text = idText(value);
  if (text === undefined) return;
  if (column === 7) neighbour.portId = text;
  if (column === 9) neighbour.sysName = text;
}

/** column.timeMark.localPort.remIndex.subtype(1 = IPv4).length(4).a.b.c.d, for IPv4 rows only. */
function ipv4ManAddrIndex(oid: string): number[] | undefined {
  const index = portIndex(oid, OIDS.lldpRemManAddrEntry, 10, 2);
  return index?.[4] === 1 && index[5] === 4 ? index : undefined;
}

function neighbours(rem: readonly SnmpVarbind[], manAddr: readonly SnmpVarbind[]): LldpNeighbour[] {
  const byKey = new Map<string, LldpNeighbour>();
  const entry = (localPort: number, remIndex: number): LldpNeighbour => {
    const key = `${localPort}.${remIndex}`;
    let found = byKey.get(key);
    if (!found) byKey.set(key, (found = { localPort }));
    return found;
  };
  for (const row of rem) {
    const index = portIndex(row.oid, OIDS.lldpRemEntry, 4, 2);
    if (!index) continue;
    const [column, , localPort, remIndex] = index as [number, number, number, number];
    if (column === 5 || column === 7 || column === 9)
      remColumn(entry(localPort, remIndex), column, row.value);
  }
  for (const row of manAddr) {
    const index = ipv4ManAddrIndex(row.oid);
    if (index) entry(index[2]!, index[3]!).manAddr = index.slice(6).join('.');
  }
  return [...byKey.values()];
}

function fdb(dot1d: readonly SnmpVarbind[], dot1q: readonly SnmpVarbind[]): Map<string, number> {
  const table = new Map<string, number>();
  const add = (macBytes: number[] | undefined, port: unknown): void => {
    if (!macBytes || macBytes.length !== 6 || macBytes.some((b) => b > 255)) return;
    if (!isPortNumber(port)) return;
    table.set(macOf(macBytes), port);
  };
  for (const row of dot1d) add(indexOf(row.oid, OIDS.dot1dTpFdbPort), row.value);
  for (const row of dot1q) add(indexOf(row.oid, OIDS.dot1qTpFdbPort)?.slice(1), row.value);
  return table;
}

function poe(rows: readonly SnmpVarbind[]): Map<number, boolean> {
  const ports = new Map<number, boolean>();
  for (const row of rows) {
    const index = indexOf(row.oid, OIDS.pethPsePortAdminEnable);
    if (index?.length !== 2 || !isPortNumber(index[1])) continue;
    ports.set(index[1], row.value === 1);
  }
  return ports;
}

export interface WalkedTables {
  scalars: readonly SnmpVarbind[];
  locPorts: readonly SnmpVarbind[];
  rem: readonly SnmpVarbind[];
  manAddr: readonly SnmpVarbind[];
  dot1dFdb: readonly SnmpVarbind[];
  dot1qFdb: readonly SnmpVarbind[];
  poe: readonly SnmpVarbind[];
}

/** One switch's tables from the rows walked (pure). */
export function switchTables(walked: WalkedTables): SwitchTables {
  const scalar = (oid: string): string | undefined =>
    idText(walked.scalars.find((v) => v.oid.replace(/^\./, '').startsWith(oid))?.value);
  const chassis = chassisText(
    walked.scalars.find((v) => v.oid.replace(/^\./, '').startsWith(OIDS.lldpLocChassisId))?.value,
  );
  return {
    sysName: scalar(OIDS.lldpLocSysName) || scalar(OIDS.sysName) || undefined,
    ...(chassis ? { chassisId: chassis } : {}),
    portNames: portNames(walked.locPorts),
    neighbours: neighbours(walked.rem, walked.manAddr),
    fdb: fdb(walked.dot1dFdb, walked.dot1qFdb),
    poe: poe(walked.poe),
  };
}
