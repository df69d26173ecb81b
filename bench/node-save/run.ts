// bench/node-save: the agent's half of `walt node save` — the node's overlay tar streamed into a gzipped
// OCI layer (agents/save/layer.ts: parse, convert whiteouts, re-pack, sha256 of the tar, gzip, sha256
// of the blob, to disk) — against the shell doing the least of it on the same tar in the same run:
// `gzip -6 < tar | tee layer | sha256sum`. Prints both medians and their ratio; no threshold.
// Run: node_modules/.bin/tsx bench/node-save/run.ts [--size-mib 100] [--rounds 3]
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { buildLayer } from '../../agents/save/layer.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: { 'size-mib': { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' } },
});
const sizeMiB = Number(values['size-mib']);
const rounds = Number(values.rounds);

/** A change like a package install: many small files (a fifth of the bytes), a few large, half text. */
async function makeChange(root: string): Promise<void> {
  const text = Buffer.from(
    'walt node save bench line of text, compressible as logs and configs are\n'.repeat(256),
  );
  // Incompressible bytes (binaries, archives); the same amount of text.
  const noise = (size: number): Buffer => randomBytes(size);
  const smallBytes = (sizeMiB * 1048576) / 5;
  for (let i = 0, bytes = 0; bytes < smallBytes; i++) {
    const dir = path.join(root, 'usr', 'share', `d${Math.floor(i / 200)}`);
    if (i % 200 === 0) await mkdir(dir, { recursive: true });
    const size = 512 + ((i * 7919) % 7680);
    await writeFile(path.join(dir, `f${i}`), i % 2 ? text.subarray(0, size) : noise(size));
    bytes += size;
  }
  await mkdir(path.join(root, 'opt'), { recursive: true });
  for (let i = 0; i < 4; i++) {
    const size = Math.floor((sizeMiB * 1048576 * 4) / 5 / 4);
    await writeFile(
      path.join(root, 'opt', `big${i}`),
      i % 2 ? Buffer.concat(Array(Math.ceil(size / text.length)).fill(text)).subarray(0, size) : noise(size),
    );
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-bench-save-'));
try {
  const upper = path.join(dir, 'upper');
  await makeChange(upper);
  const tar = path.join(dir, 'upper.tar');
  await run('tar', ['-C', upper, '--numeric-owner', '-cf', tar, '.']);
  const ours: number[] = [];
  const reference: number[] = [];
  let layerBytes = 0;
  let referenceBytes = 0;
  for (let round = 0; round < rounds; round++) {
    ours.push(
      await timed(async () => {
        const layer = await buildLayer(createReadStream(tar), path.join(dir, 'ours.gz'), 8 * 1024 ** 3);
        layerBytes = layer.size;
      }),
    );
    reference.push(
      await timed(() => run('sh', ['-c', `gzip -6 < '${tar}' | tee '${dir}/ref.gz' | sha256sum >/dev/null`])),
    );
    referenceBytes = Number((await run('stat', ['-c', '%s', `${dir}/ref.gz`])).stdout.trim());
  }
  const [a, b] = [median(ours), median(reference)];
  process.stdout.write(
    `node save layer of a ${sizeMiB} MiB change (${rounds} rounds, medians):\n` +
      `  agents/save/layer.ts   ${a.toFixed(2)} s  → ${(layerBytes / 1048576).toFixed(1)} MiB\n` +
      `  gzip -6 | sha256sum    ${b.toFixed(2)} s  → ${(referenceBytes / 1048576).toFixed(1)} MiB\n` +
      `  ratio ours/reference   ${(a / b).toFixed(2)}\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
