import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConsoleLines, createConsoleFile } from './console.js';

describe('ConsoleLines', () => {
  it('splits chunks into lines, dropping CR, across chunk boundaries', () => {
    const lines: string[] = [];
    const splitter = new ConsoleLines((l) => lines.push(l));
    splitter.push('SeaBIOS\r\niP');
    splitter.push(Buffer.from('XE 1.0\r\n\r\nNo more'));
    expect(lines).toEqual(['SeaBIOS', 'iPXE 1.0', '']);
    splitter.flush();
    expect(lines.at(-1)).toBe('No more');
  });

  it('cuts over-long lines', () => {
    const lines: string[] = [];
    const splitter = new ConsoleLines((l) => lines.push(l), 4);
    splitter.push('abcdefghij');
    expect(lines).toEqual(['abcd', 'efgh']);
  });
});

describe('createConsoleFile', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-console-test-'));
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('appends in order', async () => {
    const file = path.join(dir, 'console.log');
    const log = createConsoleFile(file);
    for (const part of ['a', 'b', 'c']) log.write(part);
    await log.close();
    expect(await readFile(file, 'utf8')).toBe('abc');
  });

  it('rotates past the bound, keeping one old file', async () => {
    const file = path.join(dir, 'console.log');
    const log = createConsoleFile(file, { maxBytes: 10 });
    log.write('0123456789'); // fills the first file
    log.write('abcdef'); // rotates
    log.write('ghijkl'); // rotates again: the first file is gone
    await log.close();
    expect(await readFile(file, 'utf8')).toBe('ghijkl');
    expect(await readFile(`${file}.1`, 'utf8')).toBe('abcdef');
    expect((await stat(file)).size).toBeLessThanOrEqual(10);
  });

  it('keeps counting from an existing file', async () => {
    const file = path.join(dir, 'console.log');
    const first = createConsoleFile(file, { maxBytes: 10 });
    first.write('01234567');
    await first.close();
    const second = createConsoleFile(file, { maxBytes: 10 });
    second.write('xyz');
    await second.close();
    expect(await readFile(file, 'utf8')).toBe('xyz');
    expect(await readFile(`${file}.1`, 'utf8')).toBe('01234567');
  });

  it('reports errors instead of throwing', async () => {
    const errors: unknown[] = [];
    const log = createConsoleFile(path.join(dir, 'missing', 'console.log'), {
      onError: (e) => errors.push(e),
    });
    log.write('x');
    await log.close();
    expect(errors).toHaveLength(1);
  });
});
