// The boot-file cache budget: split between HTTP and TFTP, per-file limits, off at 0, flag checks.
import { DEFAULT_FILE_CACHE } from './http/file-cache.js';
import { bootCacheBudgets, DEFAULT_BOOT_CACHE_MIB, parseBootCacheMib } from './boot-memory-budget.js';
import { DEFAULT_PACKET_CACHE } from './tftp/packet-cache.js';

const MIB = 1 << 20;

describe('boot cache budgets', () => {
  it('gives the services their own defaults at the default budget', () => {
    expect(bootCacheBudgets(DEFAULT_BOOT_CACHE_MIB)).toEqual({
      http: DEFAULT_FILE_CACHE,
      tftp: DEFAULT_PACKET_CACHE,
    });
  });

  it('splits a budget two thirds to HTTP, one third to TFTP, and caps files at the budget', () => {
    const { http, tftp } = bootCacheBudgets(30);
    expect(http).toEqual({ maxBytes: 20 * MIB, maxFileBytes: 20 * MIB });
    expect(tftp).toEqual({ maxBytes: 10 * MIB, maxFileBytes: 10 * MIB });
    expect(bootCacheBudgets(3000).http.maxFileBytes).toBe(64 * MIB);
    expect(bootCacheBudgets(3000).tftp.maxFileBytes).toBe(32 * MIB);
  });

  it('turns both caches off at 0', () => {
    expect(bootCacheBudgets(0)).toEqual({
      http: { maxBytes: 0, maxFileBytes: 0 },
      tftp: { maxBytes: 0, maxFileBytes: 0 },
    });
  });

  it('accepts whole MiB only, saying what to give', () => {
    expect(parseBootCacheMib('0')).toBe(0);
    expect(parseBootCacheMib('512')).toBe(512);
    for (const bad of ['', '-1', '1.5', '64M', '9999999'])
      expect(() => parseBootCacheMib(bad)).toThrow(/give a whole number of MiB/);
  });
});
