// Test fixtures: layers built with tar-stream's packer (any header, hostile ones included), compressed
// with node:zlib or the zstd binary, and sandboxes whose surroundings can be checked for stray writes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { applyLayer } from './apply-layer.js';
import type { LayerStats } from './context.js';
import type { UnpackLimits } from './limits.js';

export type TestEntry = Partial<Header> & { name: string; content?: string | Buffer };

export const TAR = 'application/vnd.oci.image.layer.v1.tar';
export const TAR_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const TAR_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const DOCKER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

const EPOCH = new Date('2024-01-02T03:04:05Z');

/** A tar archive of `entries`, in order; files default to mode 0644, directories to 0755. */
export async function tarOf(entries: readonly TestEntry[]): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    packer.on('end', resolve);
    packer.on('error', reject);
  });
  for (const { content, ...header } of entries) {
    const body = content === undefined ? undefined : Buffer.from(content);
    const defaults = { mode: header.type === 'directory' ? 0o755 : 0o644, mtime: EPOCH };
    if (body === undefined) packer.entry({ ...defaults, ...header });
    else packer.entry({ ...defaults, ...header, size: body.length }, body);
  }
  packer.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const gzipOf = (tar: Buffer): Buffer => gzipSync(tar);

export function zstdOf(tar: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-c', '-3'], { input: tar, maxBuffer: 1024 ** 3 });
}

/** Feeds `data` in small chunks, so parsers see entries split across reads. */
export function streamOf(data: Buffer, chunkSize = 7919): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  return Readable.from(chunks, { objectMode: false });
}

export async function applyTar(
  root: string,
  entries: readonly TestEntry[],
  limits?: Partial<UnpackLimits>,
): Promise<LayerStats> {
  return applyLayer(root, streamOf(gzipOf(await tarOf(entries))), { mediaType: TAR_GZIP, limits });
}

/**
 * base/
 *   outside.txt
 *   deep/sentinel/keep.txt     sibling of the root: anything escaping by `..` lands around here
 *   deep/rootfs/               the root filesystem under test
 */
export interface Sandbox {
  base: string;
  root: string;
  /** Everything in the sandbox but the root filesystem, to compare before and after. */
  outside(): Map<string, string>;
  cleanup(): Promise<void>;
}

export async function makeSandbox(): Promise<Sandbox> {
  const base = await mkdtemp(join(tmpdir(), 'walt-unpack-'));
  const root = join(base, 'deep', 'rootfs');
  mkdirSync(join(base, 'deep', 'sentinel'), { recursive: true });
  mkdirSync(root);
  writeFileSync(join(base, 'outside.txt'), 'outside');
  writeFileSync(join(base, 'deep', 'sentinel', 'keep.txt'), 'keep');
  return {
    base,
    root,
    outside: () => treeOf(base, (rel) => rel === 'deep/rootfs' || rel.startsWith('deep/rootfs/')),
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}

/** path → "type mode uid:gid mtime detail" for every path under `dir` (not following symlinks). */
export function treeOf(dir: string, skip: (rel: string) => boolean = () => false): Map<string, string> {
  const tree = new Map<string, string>();
  const visit = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const child = rel === '' ? name : `${rel}/${name}`;
      if (skip(child)) continue;
      tree.set(child, describe(join(dir, child)));
      if (lstatSync(join(dir, child)).isDirectory()) visit(child);
    }
  };
  visit('');
  return tree;
}

export function describe(path: string, withTimes = true): string {
  const stats = lstatSync(path);
  const mode = (stats.mode & 0o7777).toString(8);
  const owner = `${stats.uid}:${stats.gid}`;
  const time = withTimes ? ` ${Math.floor(stats.mtimeMs / 1000)}` : '';
  if (stats.isSymbolicLink()) return `symlink ${owner}${time} -> ${readlinkSync(path)}`;
  if (stats.isDirectory()) return `dir ${mode} ${owner}${time}`;
  if (stats.isFIFO()) return `fifo ${mode} ${owner}${time}`;
  const digest = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
  return `file ${mode} ${owner}${time} ${stats.nlink > 1 ? 'linked ' : ''}${digest}`;
}
