import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extract } from 'tar-stream';
import { buildTar } from './ustar.js';

async function entries(
  tar: Buffer,
): Promise<Array<{ name: string; size: number; mode: number; body: string }>> {
  const out: Array<{ name: string; size: number; mode: number; body: string }> = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      out.push({
        name: header.name,
        size: header.size ?? 0,
        mode: header.mode ?? 0,
        body: Buffer.concat(chunks).toString(),
      });
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', () => resolve());
    ex.on('error', (e: unknown) => reject(e as Error));
  });
  ex.end(tar);
  await done;
  return out;
}

describe('buildTar', () => {
  it('writes block-aligned archives a tar reader accepts', async () => {
    const tar = buildTar([
      { name: 'config.json', content: Buffer.from('{"a":1}\n'), mode: 0o600, mtime: 1700000000 },
      { name: 'empty', content: Buffer.alloc(0) },
    ]);
    expect(tar.length % 512).toBe(0);
    expect(await entries(tar)).toEqual([
      { name: 'config.json', size: 8, mode: 0o600, body: '{"a":1}\n' },
      { name: 'empty', size: 0, mode: 0o644, body: '' },
    ]);
  });

  it('is extracted by the system tar with the right content', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ustar-'));
    try {
      const content = Buffer.from('x'.repeat(1500));
      writeFileSync(path.join(dir, 'a.tar'), buildTar([{ name: 'data.txt', content }]));
      execFileSync('tar', ['-xf', 'a.tar'], { cwd: dir });
      expect(readFileSync(path.join(dir, 'data.txt'))).toEqual(content);
      expect(statSync(path.join(dir, 'data.txt')).size).toBe(1500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses names longer than the header holds', () => {
    expect(() => buildTar([{ name: 'n'.repeat(101), content: Buffer.alloc(0) }])).toThrow(RangeError);
  });
});
