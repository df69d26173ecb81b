// `walt device tree`'s drawing (pure): the scanned tree of a segment (WaltSegment status.topology),
// from the switch next to the agent down, as WalT draws its L2 topology: one line per port with
// something plugged in ("<port>[ <name>]: <peer>[ (PoE)]"), switches expanded under the port of their
// parent, devices seen by LLDP only in parentheses. --all adds the empty ports.
import type { WaltSegment } from '../api/v1alpha1/index.js';

type Scanned = NonNullable<NonNullable<WaltSegment['status']>['topology']>;
type ScannedSwitch = Scanned['switches'][number];
type ScannedPort = ScannedSwitch['ports'][number];

function portLabel(port: ScannedPort): string {
  const name = port.name && port.name !== String(port.port) ? ` ${port.name}` : '';
  const poe = port.poe ? ' (PoE)' : '';
  return `${port.port}${name}: ${port.peer ?? '-'}${poe}`;
}

interface Drawing {
  all: readonly ScannedSwitch[];
  withEmpty: boolean;
  lines: string[];
  drawn: Set<string>;
}

function drawSwitch(sw: ScannedSwitch, prefix: string, d: Drawing): void {
  d.drawn.add(sw.name);
  const ports = sw.ports.filter((p) => d.withEmpty || p.peer !== undefined);
  ports.forEach((port, i) => {
    const last = i === ports.length - 1;
    d.lines.push(`${prefix}${last ? '└─ ' : '├─ '}${portLabel(port)}`);
    const child = d.all.find(
      (c) => c.parent?.name === sw.name && c.parent.port === port.port && !d.drawn.has(c.name),
    );
    if (child) drawSwitch(child, `${prefix}${last ? '   ' : '│  '}`, d);
  });
}

/** The tree of one segment's last scan, as lines. */
export function drawTopology(segment: string, scanned: Scanned, options: { all: boolean }): string[] {
  const lines = [`segment ${segment} (scanned ${scanned.scannedAt})`];
  const d: Drawing = { all: scanned.switches, withEmpty: options.all, lines, drawn: new Set() };
  for (const root of scanned.switches.filter((s) => !s.parent)) {
    lines.push(`${root.name} (${root.address})`);
    drawSwitch(root, '', d);
  }
  for (const error of scanned.errors ?? []) lines.push(`! ${error}`);
  return lines;
}
