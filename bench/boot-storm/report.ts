// The boot-storm table: wall time, ok/total and per-client percentiles, ours against the reference.
import { STEPS, type Step, type StormResult } from './clients.js';
import type { CpuUsage } from './cpu.js';

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

/** Per-step p50/p95 of the clients that completed the step, and the step's span (first start, last end). */
function stepsLine(label: string, r: StormResult): string {
  const parts = STEPS.map((step) => {
    const times = r.results.flatMap((c) => (c.steps[step] === undefined ? [] : [c.steps[step]]));
    return `${step} ${fmt(percentile(times, 50))}/${fmt(percentile(times, 95))}`;
  });
  return `  ${label.padEnd(14)} per step p50/p95 s: ${parts.join(', ')}`;
}

/** When a step ran across the clients: from its first start to its last end (steps overlap unphased). */
function spanOf(r: StormResult, step: Step): string {
  const spans = r.results.flatMap((c) => (c.spans[step] ? [c.spans[step]] : []));
  if (spans.length === 0) return '-';
  const first = Math.min(...spans.map((s) => s[0]));
  const last = Math.max(...spans.map((s) => s[1]));
  return `${fmt(first)}→${fmt(last)}`;
}

function spansLine(label: string, r: StormResult): string {
  return `  ${label.padEnd(14)} step spans s: ${STEPS.map((step) => `${step} ${spanOf(r, step)}`).join(', ')}`;
}

const CPU_HEADER = [
  ['wall s', 8],
  ['server usr+sys', 16],
  ['clients usr+sys', 16],
  ['others', 8],
  ['machine usr', 12],
  ['sys', 8],
  ['softirq', 8],
  ['idle', 8],
].map(([h, width]) => String(h).padStart(Number(width)));

/** Busy seconds of the machine that neither group used: the control plane, the bench, other tenants. */
function others(cpu: CpuUsage): number | undefined {
  const { server, clients } = cpu.groups;
  if (!server || !clients) return undefined;
  const { user, system, softirq } = cpu.machine;
  return user + system + softirq - (server.user + server.system + clients.user + clients.system);
}

function cpuCells(seconds: number, cpu: CpuUsage | undefined): string {
  const group = (name: 'server' | 'clients'): string => {
    const g = cpu?.groups[name];
    return (g ? `${fmt(g.user)}+${fmt(g.system)}` : '-').padStart(16);
  };
  const m = cpu?.machine;
  const machine = [m?.user, m?.system, m?.softirq, m?.idle].map((v, i) => fmt(v).padStart(i ? 8 : 12));
  const rest = fmt(cpu && others(cpu)).padStart(8);
  return [fmt(seconds).padStart(8), group('server'), group('clients'), rest, ...machine].join('  ');
}

/** CPU seconds of the storm, and per phase when phased (all clients in one phase at a time). */
function cpuLines(label: string, r: StormResult): string[] {
  const lines = [`  ${label.padEnd(14)} ${'all'.padEnd(5)} ${cpuCells(r.seconds, r.cpu)}`];
  for (const step of STEPS) {
    const phase = r.phases?.[step];
    if (phase) lines.push(`  ${label.padEnd(14)} ${step.padEnd(5)} ${cpuCells(phase.seconds, phase.cpu)}`);
  }
  return lines;
}

/** The processes that used the most CPU (alive at the end of the storm or phase). */
function topLines(label: string, r: StormResult): string[] {
  const phases = [['all', r.cpu] as const, ...STEPS.map((step) => [step, r.phases?.[step]?.cpu] as const)];
  return phases.flatMap(([phase, cpu]) =>
    cpu
      ? [
          `  ${label.padEnd(14)} ${phase.padEnd(5)} ${cpu.top.map((p) => `${p.name} ${fmt(p.seconds)}`).join(', ')}`,
        ]
      : [],
  );
}

/** Failure reasons, counted (the first few kinds). */
export function failures(label: string, r: StormResult): string[] {
  const counts = new Map<string, number>();
  for (const c of r.results) if (!c.ok) counts.set(c.error ?? '?', (counts.get(c.error ?? '?') ?? 0) + 1);
  return [...counts].slice(0, 8).map(([error, n]) => `${label}: ${n} × ${error}`);
}

const failed = (r: StormResult): number => r.results.filter((c) => !c.ok).length;

/** A side with failed clients waited for timeouts: its wall time says little about the other's. */
function comparable(ours: StormResult, reference: StormResult): string[] {
  if (failed(ours) + failed(reference) === 0) return [];
  return [
    `warning: not comparable: ${failed(ours)} of ours and ${failed(reference)} of the reference failed (see "others" for a busy machine)`,
  ];
}

export function report(clients: number, ours: StormResult, reference: StormResult): string {
  const lines = [
    `boot storm: ${clients} clients at once, each DHCP (iPXE) + 1 MiB TFTP (blksize 1468) + 20 MiB HTTP; p50/p95 over the clients that succeeded`,
    `${'server'.padEnd(16)}  ${'total s'.padStart(9)}  ${'ok/total'.padStart(9)}  ${'p50 s'.padStart(9)}  ${'p95 s'.padStart(9)}`,
    row('ours (agent)', ours),
    row('dnsmasq+httpd', reference),
    stepsLine('ours', ours),
    stepsLine('dnsmasq+httpd', reference),
    spansLine('ours', ours),
    spansLine('dnsmasq+httpd', reference),
    `cpu seconds${ours.phases ? ' (phased: each phase for all clients, then the next)' : ''}:`,
    `  ${''.padEnd(14)} ${'phase'.padEnd(5)} ${CPU_HEADER.join('  ')}`,
    ...cpuLines('ours', ours),
    ...cpuLines('dnsmasq+httpd', reference),
    'top processes, cpu s:',
    ...topLines('ours', ours),
    ...topLines('dnsmasq+httpd', reference),
    ...failures('ours', ours),
    ...failures('reference', reference),
    `ratio ours/reference: ${(ours.seconds / reference.seconds).toFixed(2)} (total wall time; goal <= 1.0)`,
    ...comparable(ours, reference),
  ];
  return lines.join('\n');
}

function medianOf(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface Round {
  ours: StormResult;
  reference: StormResult;
}

/** Each round's ratio, and the median of those where every client succeeded on both sides. */
export function summary(rounds: Round[]): string {
  const ratios = rounds.map((r) => ({
    ratio: r.ours.seconds / r.reference.seconds,
    clean: failed(r.ours) + failed(r.reference) === 0,
  }));
  const listed = ratios.map((r) => `${r.ratio.toFixed(2)}${r.clean ? '' : ' (failures: left out)'}`);
  const median = medianOf(ratios.filter((r) => r.clean).map((r) => r.ratio));
  return `ratios by round: ${listed.join(', ')}; median ${fmt(median)} (goal <= 1.0)`;
}
