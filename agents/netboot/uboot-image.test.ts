import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { codeOf } from '../../test/support/error-code.js';
import { decodeScriptImage, encodeScriptImage, HEADER_BYTES, MAX_SCRIPT_BYTES } from './uboot-image.js';

const run = promisify(execFile);
const SCRIPT = 'echo "hello ${board_name}"\nsetenv bootargs root=/dev/nfs\n';

describe('u-boot script images', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-uimg-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('are byte for byte what mkimage makes (time 0)', async () => {
    await writeFile(path.join(dir, 's.txt'), SCRIPT);
    await run(
      'mkimage',
      [
        '-A',
        'arm64',
        '-O',
        'linux',
        '-T',
        'script',
        '-C',
        'none',
        '-n',
        'walt node',
        '-d',
        path.join(dir, 's.txt'),
        path.join(dir, 's.img'),
      ],
      { env: { ...process.env, SOURCE_DATE_EPOCH: '0' } },
    );
    const made = await readFile(path.join(dir, 's.img'));
    expect(encodeScriptImage({ name: 'walt node', arch: 'arm64', script: SCRIPT }).equals(made)).toBe(true);
    expect(decodeScriptImage(made)).toEqual({ name: 'walt node', arch: 'arm64', script: SCRIPT });
  });

  it('are read by mkimage -l as a script of their architecture', async () => {
    await writeFile(
      path.join(dir, 'ours.img'),
      encodeScriptImage({ name: 'probe', arch: 'arm', script: SCRIPT }),
    );
    const { stdout } = await run('mkimage', ['-l', path.join(dir, 'ours.img')]);
    expect(stdout).toMatch(/Image Name:\s+probe/);
    expect(stdout).toMatch(/Image Type:\s+ARM Linux Script/);
  });

  it('refuse what u-boot would refuse, bounded before reading', () => {
    const good = encodeScriptImage({ name: 'x', arch: 'arm64', script: SCRIPT });
    const flip = (at: number): Buffer => {
      const copy = Buffer.from(good);
      copy[at] = copy[at]! ^ 0xff;
      return copy;
    };
    expect(codeOf(() => decodeScriptImage(good.subarray(0, 10)))).toBe('WALT_ERR_UBOOT_IMAGE_INVALID');
    expect(codeOf(() => decodeScriptImage(flip(0)))).toBe('WALT_ERR_UBOOT_IMAGE_INVALID'); // magic
    expect(codeOf(() => decodeScriptImage(flip(20)))).toBe('WALT_ERR_UBOOT_IMAGE_INVALID'); // header CRC
    expect(codeOf(() => decodeScriptImage(flip(HEADER_BYTES + 12)))).toBe('WALT_ERR_UBOOT_IMAGE_INVALID'); // data CRC
    const huge = Buffer.alloc(HEADER_BYTES + 16 + MAX_SCRIPT_BYTES);
    expect(codeOf(() => decodeScriptImage(huge))).toBe('WALT_ERR_UBOOT_IMAGE_INVALID');
    expect(codeOf(() => encodeScriptImage({ name: 'n'.repeat(32), arch: 'arm64', script: '' }))).toBe(
      'WALT_ERR_UBOOT_IMAGE_INVALID',
    );
  });
});
