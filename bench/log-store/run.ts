// bench/log-store: the log store on SQLite (embedded, default) and PostgreSQL (a private server
// started for the run, durable settings), side by side on the same synthetic lines: insert rate in
// batches, then the time of typical `walt log show` queries over the whole set, and retention.
// SQLite line regexes run both ways (REGEXP function vs JavaScript filter) to justify the default.
// Run: npx tsx bench/log-store/run.ts [--lines 1000000] [--batch 1000]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openPostgresLogStore } from '../../log-store/postgres-store.js';
import { openSqliteLogStore } from '../../log-store/sqlite-store.js';
import type { LogStore } from '../../log-store/store.js';
import { findPostgresBin, startTestPostgres, type TestPostgres } from '../../test/support/postgres.js';
import type { LogQuery } from '../../log-store/types.js';
import { batches, timeOfLine } from './dataset.js';

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '1000' } },
});
const total = Number(values.lines);
const batchSize = Number(values.batch);

interface Measure {
  seconds: number;
  lines: number;
  peakRssMiB?: number;
}

type Backend = 'sqlite' | 'sqlite-js' | 'postgres';

const QUERIES: { name: string; query: LogQuery; backends?: Backend[] }[] = [
  { name: 'all lines (full scan)', query: {} },
  { name: 'by issuer (vn07)', query: { issuers: ['vn07'] } },
  { name: 'stream regex ^platform\\.', query: { streamRegex: '^platform\\.' } },
  {
    name: 'line regex ERROR|panic (REGEXP fn)',
    query: { lineRegex: 'ERROR|panic' },
    backends: ['sqlite', 'postgres'],
  },
  {
    name: 'line regex ERROR|panic (JS filter)',
    query: { lineRegex: 'ERROR|panic' },
    backends: ['sqlite-js'],
  },
  {
    name: 'line regex latency 9\\d\\.\\d+ ms (REGEXP fn)',
    query: { lineRegex: 'latency 9\\d\\.\\d+ ms' },
    backends: ['sqlite', 'postgres'],
  },
  {
    name: 'line regex latency 9\\d\\.\\d+ ms (JS filter)',
    query: { lineRegex: 'latency 9\\d\\.\\d+ ms' },
    backends: ['sqlite-js'],
  },
  {
    name: 'between two checkpoints (10%)',
    query: { fromCheckpoint: 'bench-start', toCheckpoint: 'bench-end' },
  },
  {
    name: 'issuer + line regex + checkpoints',
    query: {
      issuers: ['vn07', 'vn08'],
      lineRegex: 'jitter [0-3]\\.',
      fromCheckpoint: 'bench-start',
      toCheckpoint: 'bench-end',
    },
  },
  { name: 'first 100 lines (limit)', query: { limit: 100 } },
];

async function timeInsert(store: LogStore): Promise<Measure> {
  const started = performance.now();
  for (const batch of batches(total, batchSize)) await store.append(batch);
  return { seconds: (performance.now() - started) / 1000, lines: total };
}

async function timeQueryOnce(store: LogStore, query: LogQuery): Promise<Measure> {
  const started = performance.now();
  let lines = 0;
  let peak = 0;
  for await (const line of store.query(query)) {
    if (line.id > 0) lines++;
    if (lines % 50_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const peakRssMiB = Math.round(Math.max(peak, process.memoryUsage().rss) / 1048576);
  return { seconds: (performance.now() - started) / 1000, lines, peakRssMiB };
}

/** The median of three runs: the machine may be shared. */
async function timeQuery(store: LogStore, query: LogQuery): Promise<Measure> {
  const runs: Measure[] = [];
  for (let i = 0; i < 3; i++) runs.push(await timeQueryOnce(store, query));
  runs.sort((a, b) => a.seconds - b.seconds);
  return runs[1] as Measure;
}

async function fill(store: LogStore): Promise<Measure> {
  const insert = await timeInsert(store);
  await store.addCheckpoint({ name: 'bench-start', ts: timeOfLine(Math.floor(total * 0.4)) });
  await store.addCheckpoint({ name: 'bench-end', ts: timeOfLine(Math.floor(total * 0.5)) });
  return insert;
}

let baselineRssMiB = 0;

type Results = Map<string, Partial<Record<Backend, Measure>>>;

function record(results: Results, row: string, backend: Backend, measure: Measure): void {
  results.set(row, { ...results.get(row), [backend]: measure });
}

async function benchStore(
  results: Results,
  backend: Backend,
  stores: Partial<Record<Backend, LogStore>>,
): Promise<void> {
  const store = stores[backend] as LogStore;
  const insert = await fill(store);
  if (baselineRssMiB === 0) baselineRssMiB = Math.round(process.memoryUsage().rss / 1048576);
  record(results, `insert ${total} lines, batches of ${batchSize}`, backend, insert);
  for (const q of QUERIES) {
    // The 'sqlite-js' rows run on the same file as 'sqlite', right after it (before retention).
    const targets = q.backends ?? [backend];
    const run = targets.filter((b) => b === backend || (b === 'sqlite-js' && backend === 'sqlite'));
    for (const b of run) record(results, q.name, b, await timeQuery(stores[b] as LogStore, q.query));
  }
  const started = performance.now();
  const deleted = await store.applyRetention({ maxLines: Math.floor(total * 0.9) });
  record(results, 'retention: keep newest 90%', backend, {
    seconds: (performance.now() - started) / 1000,
    lines: deleted,
  });
}

function cell(m: Measure | undefined, rate: boolean): string {
  if (m === undefined) return '-';
  const ms = m.seconds * 1000;
  const value = rate
    ? `${Math.round(m.lines / m.seconds).toLocaleString('en-US')} lines/s`
    : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  return `${value} (${m.lines})`;
}

function print(results: Results): void {
  const header = [
    'operation (result lines)',
    'SQLite',
    'SQLite, JS regex',
    'PostgreSQL',
    'PG time / SQLite time',
  ];
  const rows = [...results].map(([name, r]) => {
    const rate = name.startsWith('insert');
    const sqlite = r.sqlite ?? r['sqlite-js'];
    const ratio = sqlite && r.postgres ? (r.postgres.seconds / sqlite.seconds).toFixed(2) : '-';
    return [name, cell(r.sqlite, rate), cell(r['sqlite-js'], rate), cell(r.postgres, rate), ratio];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  for (const row of [header, ...rows])
    console.log(row.map((c, i) => c.padEnd(widths[i] as number)).join('  '));
  const peak = Math.max(
    ...[...results.values()].flatMap((r) => Object.values(r).map((m) => m.peakRssMiB ?? 0)),
  );
  console.log(
    `\nRSS: ${baselineRssMiB} MiB after the first insert, peak ${peak} MiB while reading (reads are paged)`,
  );
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-bench-logs-'));
  let server: TestPostgres | undefined;
  const stores: Partial<Record<Backend, LogStore>> = {};
  const cleanup = async (): Promise<void> => {
    for (const store of Object.values(stores)) await store.close().catch(() => undefined);
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    const results: Results = new Map();
    const file = path.join(dir, 'logs.db');
    stores.sqlite = openSqliteLogStore({ file });
    stores['sqlite-js'] = openSqliteLogStore({ file, regexIn: 'js' });
    await benchStore(results, 'sqlite', stores);
    if (findPostgresBin() === undefined) console.log('PostgreSQL binaries not found: SQLite only');
    else {
      server = await startTestPostgres({ durable: true });
      stores.postgres = await openPostgresLogStore({ url: await server.createDatabase('walt_bench') });
      await benchStore(results, 'postgres', stores);
    }
    console.log(
      `${total} lines (50 nodes × 4 streams, server, agent), ${os.cpus().length} cores, node ${process.version}\n`,
    );
    print(results);
  } finally {
    await cleanup();
  }
}

await main();
