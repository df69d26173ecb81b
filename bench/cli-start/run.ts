// bench/cli-start: the start-up cost of one `walt --help` call, the installed package's compiled JS
// (local/cli-package/pack.ts, installed into a scratch prefix with `npm install -g --offline`) beside the
// clone's `npx tsx cli/main.ts --help`, which was the only way to run the CLI before issue 14 (about 2 s a
// call). Both run alternately, --calls times each (default 10), after one warm-up call each; printed: the
// median and min wall time and the median CPU time (user + system, children included) per call of
// each, and the ratios tsx / package. The machine should be otherwise idle (CPU time suffers
// less). `--tarball FILE` reuses a packed tarball instead of packing (packing takes a minute).
// Run: npm run bench:cli-start [-- --calls 10] [--tarball dist/cli-package/walt-operator-cli-0.1.0.tgz]
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { packCli } from '../../local/cli-package/pack.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '10' }, tarball: { type: 'string' } },
});
const calls = Number(values.calls);
if (!Number.isInteger(calls) || calls < 1 || calls > 200) {
  console.error('cli-start: --calls must be an integer from 1 to 200');
  process.exit(2);
}

/**
 * CPU ms (user + system) of this process's waited-for children so far: /proc/self/stat's cutime and
 * cstime, in clock ticks (100 per second on Linux). Less sensitive to a busy machine than wall time.
 */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10; // fields 16 and 17 of proc(5), after pid and comm
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}

/** Wall and CPU time of one call (and its children); fails on a non-zero exit (a broken install must not look fast). */
function timed(command: string, args: string[], cwd: string): Timing {
  const started = process.hrtime.bigint();
  const cpu = childrenCpuMs();
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = { wallMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: childrenCpuMs() - cpu };
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${String(result.stderr)}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function main(): Promise<void> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'walt-cli-start-'));
  try {
    const tarball =
      values.tarball ??
      (
        await packCli({
          out: path.join(scratch, 'out'),
          krewManifestPath: path.join(scratch, 'out', 'walt.yaml'),
        })
      ).tarball;
    const prefix = path.join(scratch, 'prefix');
    await run(
      'npm',
      ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, path.resolve(tarball)],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const pkg = { command: path.join(prefix, 'bin', 'walt'), args: ['--help'], cwd: scratch };
    const tsx = { command: 'npx', args: ['tsx', 'cli/main.ts', '--help'], cwd: ROOT };
    for (const c of [pkg, tsx]) timed(c.command, c.args, c.cwd); // warm-up: file cache, npx resolution
    const times = { pkg: [] as Timing[], tsx: [] as Timing[] };
    for (let i = 0; i < calls; i++) {
      times.pkg.push(timed(pkg.command, pkg.args, pkg.cwd));
      times.tsx.push(timed(tsx.command, tsx.args, tsx.cwd));
    }
    const wall = (xs: Timing[]): number[] => xs.map((x) => x.wallMs);
    const cpu = (xs: Timing[]): number[] => xs.map((x) => x.cpuMs);
    const ms = (x: number): string => `${x.toFixed(0).padStart(6)} ms`;
    const row = (name: string, xs: Timing[]): string =>
      `${name.padEnd(34)} wall median ${ms(median(wall(xs)))}  min ${ms(Math.min(...wall(xs)))}   CPU median ${ms(median(cpu(xs)))}`;
    console.log(`walt --help, ${calls} calls each (node ${process.version}, ${os.cpus().length} cores)`);
    console.log(row('package (node dist/cli/main.js)', times.pkg));
    console.log(row('clone (npx tsx cli/main.ts)', times.tsx));
    console.log(
      `ratio tsx / package: wall ${(median(wall(times.tsx)) / median(wall(times.pkg))).toFixed(2)}, CPU ${(
        median(cpu(times.tsx)) / median(cpu(times.pkg))
      ).toFixed(2)} (medians)`,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
