// Memory for hot boot files (`--boot-cache-mib`), split between the HTTP file cache (kernels, initrds:
// two thirds) and the TFTP packet cache (loaders, Raspberry Pi firmware and kernels: one third). The
// default, 192 MiB, holds the kernels and initrds of a few images; 0 turns both caches off (files are
// then streamed from disk, at a higher CPU cost per client in a boot storm: docs/boot.md).
import { DEFAULT_FILE_CACHE, type FileCacheOptions } from './http/file-cache.js';
import { DEFAULT_PACKET_CACHE, type PacketCacheOptions } from './tftp/packet-cache.js';

const MIB = 1 << 20;
export const DEFAULT_BOOT_CACHE_MIB = 192;
/** Larger files are streamed whatever the budget: the services' own per-file limits. */
const MAX_HTTP_FILE = DEFAULT_FILE_CACHE.maxFileBytes;
const MAX_TFTP_FILE = DEFAULT_PACKET_CACHE.maxFileBytes;

export interface BootCacheBudgets {
  http: FileCacheOptions;
  tftp: PacketCacheOptions;
}

export function bootCacheBudgets(mib: number): BootCacheBudgets {
  const total = Math.max(0, Math.floor(mib * MIB));
  const http = Math.floor((total * 2) / 3);
  const tftp = total - http;
  return {
    http: { maxBytes: http, maxFileBytes: Math.min(MAX_HTTP_FILE, http) },
    tftp: { maxBytes: tftp, maxFileBytes: Math.min(MAX_TFTP_FILE, tftp) },
  };
}

/** The value of `--boot-cache-mib`: a whole number of MiB, 0 or more. */
export function parseBootCacheMib(value: string): number {
  if (!/^\d{1,6}$/.test(value))
    throw new Error(`--boot-cache-mib ${value}: give a whole number of MiB (0 turns the caches off)`);
  return Number(value);
}
