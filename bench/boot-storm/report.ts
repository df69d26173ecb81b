// The boot-storm table: wall time, ok/total and per-client percentiles, ours against the reference.
import type { Step, StormResult } from './clients.js';

function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fmt = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(2));

function row(label: string, r: StormResult): string {
  const ok = r.results.filter((c) => c.ok);
  const times = ok.map((c) => c.seconds);
  return [
    label.padEnd(16),
    fmt(r.seconds).padStart(9),
    `${ok.length}/${r.results.length}`.padStart(9),
    fmt(percentile(times, 50)).padStart(9),
    fmt(percentile(times, 95)).padStart(9),
  ].join('  ');
}

/** Per-step p50/p95 of the clients that completed the step. */
function stepsLine(label: string, r: StormResult): string {
  const parts = (['dhcp', 'tftp', 'http'] as Step[]).map((step) => {
    const times = r.results.flatMap((c) => (c.steps[step] === undefined ? [] : [c.steps[step]]));
    return `${step} ${fmt(percentile(times, 50))}/${fmt(percentile(times, 95))}`;
  });
  return `  ${label.padEnd(14)} per step p50/p95 s: ${parts.join(', ')}`;
}

/** Failure reasons, counted (the first few kinds). */
export function failures(label: string, r: StormResult): string[] {
  const counts = new Map<string, number>();
  for (const c of r.results) if (!c.ok) counts.set(c.error ?? '?', (counts.get(c.error ?? '?') ?? 0) + 1);
  return [...counts].slice(0, 8).map(([error, n]) => `${label}: ${n} × ${error}`);
}

export function report(clients: number, ours: StormResult, reference: StormResult): string {
  const lines = [
    `boot storm: ${clients} clients at once, each DHCP (iPXE) + 1 MiB TFTP (blksize 1468) + 20 MiB HTTP; p50/p95 over the clients that succeeded`,
    `${'server'.padEnd(16)}  ${'total s'.padStart(9)}  ${'ok/total'.padStart(9)}  ${'p50 s'.padStart(9)}  ${'p95 s'.padStart(9)}`,
    row('ours (agent)', ours),
    row('dnsmasq+httpd', reference),
    stepsLine('ours', ours),
    stepsLine('dnsmasq+httpd', reference),
    ...failures('ours', ours),
    ...failures('reference', reference),
    `ratio ours/reference: ${(ours.seconds / reference.seconds).toFixed(2)} (total wall time; goal <= 1.0)`,
  ];
  return lines.join('\n');
}
