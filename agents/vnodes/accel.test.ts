import { jest } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isWaltError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import { probeArgs, probeBootSector, probeSucceeded, PROBE_MARKER } from './accel-probe.js';
import { accelFromEnv, chooseAccel, decideAccel, forgetAccelChoice } from './accel.js';
import { ERR_VNODE_BAD_ACCEL } from './errors.js';

const logger = silentLogger();
let dir: string;
let device: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'walt-accel-test-'));
  device = path.join(dir, 'kvm');
  await writeFile(device, '');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

afterEach(() => forgetAccelChoice());

describe('accelFromEnv', () => {
  it('reads tcg and kvm, ignores an unset or empty value', () => {
    expect(accelFromEnv({ WALT_QEMU_ACCEL: 'tcg' })).toBe('tcg');
    expect(accelFromEnv({ WALT_QEMU_ACCEL: ' KVM ' })).toBe('kvm');
    expect(accelFromEnv({})).toBeUndefined();
    expect(accelFromEnv({ WALT_QEMU_ACCEL: '' })).toBeUndefined();
  });

  it('refuses other values with a coded error', () => {
    let caught: unknown;
    try {
      accelFromEnv({ WALT_QEMU_ACCEL: 'hvf' });
    } catch (error) {
      caught = error;
    }
    expect(isWaltError(caught, ERR_VNODE_BAD_ACCEL)).toBe(true);
  });
});

describe('decideAccel', () => {
  const passing = jest.fn(() => Promise.resolve({ ok: true, ms: 300, detail: 'ran' }));
  const failing = jest.fn(() => Promise.resolve({ ok: false, ms: 2000, detail: 'timed out' }));

  beforeEach(() => jest.clearAllMocks());

  it('follows the override without probing', async () => {
    const env = { WALT_QEMU_ACCEL: 'kvm' };
    await expect(decideAccel({ logger, env, kvmDevice: '/nonexistent', probe: failing })).resolves.toEqual(
      expect.objectContaining({ accel: 'kvm' }),
    );
    expect(failing).not.toHaveBeenCalled();
  });

  it('uses TCG when the KVM device is missing', async () => {
    const decision = await decideAccel({
      logger,
      env: {},
      kvmDevice: path.join(dir, 'none'),
      probe: passing,
    });
    expect(decision.accel).toBe('tcg');
    expect(passing).not.toHaveBeenCalled();
  });

  it('uses KVM only when the probe passes', async () => {
    await expect(decideAccel({ logger, env: {}, kvmDevice: device, probe: passing })).resolves.toEqual(
      expect.objectContaining({ accel: 'kvm' }),
    );
    await expect(decideAccel({ logger, env: {}, kvmDevice: device, probe: failing })).resolves.toEqual(
      expect.objectContaining({ accel: 'tcg' }),
    );
  });

  it('hands the caller kernel to the probe', async () => {
    await decideAccel({ logger, env: {}, kvmDevice: device, probe: passing, probeKernel: '/boot/vmlinuz' });
    expect(passing).toHaveBeenCalledWith({ kernel: '/boot/vmlinuz' });
  });
});

describe('chooseAccel', () => {
  it('probes once per process', async () => {
    const probe = jest.fn(() => Promise.resolve({ ok: false, ms: 1, detail: 'no' }));
    const options = { logger, env: {}, kvmDevice: device, probe };
    const results = await Promise.all([chooseAccel(options), chooseAccel(options)]);
    await chooseAccel(options);
    expect(results).toEqual(['tcg', 'tcg']);
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it('decides again after a bad override', async () => {
    const failure = await chooseAccel({ logger, env: { WALT_QEMU_ACCEL: 'x' } }).catch((e: unknown) => e);
    expect(isWaltError(failure, ERR_VNODE_BAD_ACCEL)).toBe(true);
    await expect(chooseAccel({ logger, env: { WALT_QEMU_ACCEL: 'tcg' } })).resolves.toBe('tcg');
  });
});

describe('the probe guest', () => {
  it('is a bootable sector that prints the marker', () => {
    const sector = probeBootSector();
    expect(sector).toHaveLength(512);
    expect(sector.readUInt16LE(510)).toBe(0xaa55);
    expect(sector.includes(Buffer.from(PROBE_MARKER))).toBe(true);
  });

  it('runs under KVM from a disk, or boots a given kernel', () => {
    const args = probeArgs({ image: '/tmp/p.img' });
    expect(args.slice(0, 2)).toEqual(['-accel', 'kvm']);
    expect(args).toContain('file=/tmp/p.img,format=raw,if=ide');
    expect(probeArgs({ kernel: '/k' })).toEqual(expect.arrayContaining(['-kernel', '/k', '-no-reboot']));
  });

  it('passes only on the marker, the exit status and in time', () => {
    const output = `SeaBIOS\r\n${PROBE_MARKER}\r\n`;
    expect(probeSucceeded({ code: 33, output, timedOut: false }, false)).toBe(true);
    expect(probeSucceeded({ code: 33, output, timedOut: true }, false)).toBe(false);
    expect(probeSucceeded({ code: 1, output, timedOut: false }, false)).toBe(false);
    expect(probeSucceeded({ code: 33, output: 'SeaBIOS', timedOut: false }, false)).toBe(false);
    expect(probeSucceeded({ code: 0, output: 'Linux version 6.1', timedOut: false }, true)).toBe(true);
    expect(probeSucceeded({ code: null, output: 'Probing EDD', timedOut: true }, true)).toBe(false);
  });
});
