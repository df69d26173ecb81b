// The segment's topology (pure): switch tables → a loop-free tree rooted at the first switch of the
// segment's list (the one next to the agent), and where each node is plugged in. Two switches are
// linked when one's LLDP neighbour is the other (same chassis id, management address or system name);
// a breadth-first walk keeps the first link found to each switch, so a redundant link (a loop, which
// spanning tree blocks on the wire) never makes a cycle. A node is on the port where a switch's
// forwarding table (or an LLDP neighbour with its MAC) sees it, leaving out the ports towards other
// switches (where every MAC behind them is seen too).
import type { SwitchTables } from './tables.js';

export interface ScannedSwitchInput {
  /** The name the segment gives the switch, its address, and what its tables said (none: unreachable). */
  name: string;
  address: string;
  tables?: SwitchTables;
}

export interface TreePort {
  port: number;
  name?: string;
  poe?: boolean;
  peer?: string;
}

export interface TreeSwitch {
  name: string;
  address: string;
  parent?: { name: string; port: number };
  ports: TreePort[];
}

export interface NodePlace {
  switch: string;
  address: string;
  port: number;
  portName?: string;
  poe?: boolean;
}

export interface Topology {
  /** Parents before children; unreachable or unlinked switches last, as roots. */
  switches: TreeSwitch[];
  /** Node name → where it is plugged in. */
  nodes: Map<string, NodePlace>;
}

interface Link {
  from: number;
  port: number;
  to: number;
}

function links(switches: readonly ScannedSwitchInput[]): Link[] {
  const found: Link[] = [];
  switches.forEach((sw, from) => {
    for (const n of sw.tables?.neighbours ?? []) {
      const other = (match: (sw: ScannedSwitchInput) => boolean): number =>
        switches.findIndex((sw, i) => i !== from && match(sw));
      // The chassis id says most; an address or a name is a fallback (several agents may share one).
      let to = n.chassisId === undefined ? -1 : other((sw) => sw.tables?.chassisId === n.chassisId);
      if (to < 0 && n.manAddr !== undefined) to = other((sw) => sw.address === n.manAddr);
      if (to < 0 && n.sysName !== undefined) to = other((sw) => sw.tables?.sysName === n.sysName);
      if (to >= 0) found.push({ from, port: n.localPort, to });
    }
  });
  return found;
}

/** Breadth-first from switch 0: each switch's parent link (pure). */
function parents(count: number, all: readonly Link[]): { order: number[]; parent: Map<number, Link> } {
  const parent = new Map<number, Link>();
  const order: number[] = [];
  const seen = new Set<number>();
  const visit = (start: number): void => {
    const queue = [start];
    seen.add(start);
    while (queue.length > 0) {
      const current = queue.shift()!;
      order.push(current);
      for (const link of all.filter((l) => l.from === current)) {
        if (seen.has(link.to)) continue;
        seen.add(link.to);
        parent.set(link.to, link);
        queue.push(link.to);
      }
    }
  };
  for (let i = 0; i < count; i += 1) if (!seen.has(i)) visit(i);
  return { order, parent };
}

interface Placing {
  switches: readonly ScannedSwitchInput[];
  interSwitch: Set<string>;
  nodeByMac: Map<string, string>;
  places: Map<string, NodePlace>;
  peers: Map<number, string>[];
}

/** Places the nodes `index`'s tables see on an access port, and names its LLDP-only neighbours. */
function placeOn(index: number, tables: SwitchTables, ctx: Placing): void {
  const sw = ctx.switches[index]!;
  const peers = ctx.peers[index]!;
  const place = (mac: string, port: number): void => {
    const name = ctx.nodeByMac.get(mac);
    if (!name || ctx.places.has(name) || ctx.interSwitch.has(`${index}/${port}`)) return;
    const portName = tables.portNames.get(port);
    ctx.places.set(name, {
      switch: sw.name,
      address: sw.address,
      port,
      ...(portName !== undefined ? { portName } : {}),
      poe: tables.poe.has(port),
    });
    peers.set(port, name);
  };
  for (const n of tables.neighbours) if (n.chassisId) place(n.chassisId, n.localPort);
  for (const [mac, port] of tables.fdb) place(mac, port);
  for (const n of tables.neighbours) {
    const seen = n.sysName ?? n.chassisId;
    if (!peers.has(n.localPort) && seen) peers.set(n.localPort, `(${seen.slice(0, 251)})`);
  }
}

function portsOf(tables: SwitchTables | undefined, peers: Map<number, string>, maxPorts: number): TreePort[] {
  const numbers = new Set<number>([
    ...(tables?.portNames.keys() ?? []),
    ...(tables?.poe.keys() ?? []),
    ...peers.keys(),
  ]);
  return [...numbers]
    .sort((a, b) => a - b)
    .slice(0, maxPorts)
    .map((port): TreePort => {
      const name = tables?.portNames.get(port);
      const peer = peers.get(port);
      return {
        port,
        ...(name !== undefined ? { name } : {}),
        ...(tables?.poe.has(port) ? { poe: true } : {}),
        ...(peer !== undefined ? { peer } : {}),
      };
    });
}

export function buildTopology(
  switches: readonly ScannedSwitchInput[],
  nodes: readonly { name: string; mac: string }[],
  maxPorts: number,
): Topology {
  const all = links(switches);
  const { order, parent } = parents(switches.length, all);
  const ctx: Placing = {
    switches,
    interSwitch: new Set(all.map((l) => `${l.from}/${l.port}`)),
    nodeByMac: new Map(nodes.map((n) => [n.mac.toLowerCase(), n.name])),
    places: new Map(),
    peers: switches.map(() => new Map<number, string>()),
  };
  for (const link of all) ctx.peers[link.from]!.set(link.port, switches[link.to]!.name);
  for (const index of order) {
    const tables = switches[index]!.tables;
    if (tables) placeOn(index, tables, ctx);
  }
  const tree = order.map((index): TreeSwitch => {
    const sw = switches[index]!;
    const up = parent.get(index);
    return {
      name: sw.name,
      address: sw.address,
      ...(up ? { parent: { name: switches[up.from]!.name, port: up.port } } : {}),
      ports: portsOf(sw.tables, ctx.peers[index]!, maxPorts),
    };
  });
  return { switches: tree, nodes: ctx.places };
}
