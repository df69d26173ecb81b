// Size and count limits, enforced while streaming: a hostile layer is refused before it fills the disk.
import { UnpackBadArchive, UnpackEntryTooLarge, UnpackTooLarge, UnpackTooManyEntries } from './errors.js';

export interface UnpackLimits {
  /** Largest content of one entry, in bytes. */
  maxEntrySize: number;
  /** Largest content of the whole layer, in bytes. */
  maxTotalSize: number;
  /** Most entries (headers) in one layer, whiteouts included. */
  maxEntries: number;
  /** Longest entry name or link target, in characters. */
  maxPathLength: number;
}

const GiB = 1024 ** 3;

export const DEFAULT_LIMITS: Readonly<UnpackLimits> = Object.freeze({
  maxEntrySize: 8 * GiB,
  maxTotalSize: 64 * GiB,
  maxEntries: 2_000_000,
  maxPathLength: 4096,
});

/** Tar framing allowed per entry on top of its content: header, padding, PAX records (long names). */
const FRAMING_PER_ENTRY = 16 * 1024;
/** Slack for end-of-archive blocks, record padding and read-ahead between the stages of the pipeline. */
const FRAMING_SLACK = 8 * 1024 * 1024;

export function resolveLimits(limits: Partial<UnpackLimits> = {}): UnpackLimits {
  return { ...DEFAULT_LIMITS, ...limits };
}

/** Counts what one layer has delivered so far and throws the matching refusal when a limit is crossed. */
export class LimitTracker {
  entries = 0;
  contentBytes = 0;
  private streamBytes = 0;

  constructor(readonly limits: UnpackLimits) {}

  countEntry(name: string): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) throw UnpackTooManyEntries(name, this.limits.maxEntries);
    if (name.length > this.limits.maxPathLength) {
      throw UnpackBadArchive(name.slice(0, 256), `name longer than ${this.limits.maxPathLength} characters`);
    }
  }

  checkLinkName(name: string, linkname: string): void {
    if (linkname.length > this.limits.maxPathLength) {
      throw UnpackBadArchive(name, `link target longer than ${this.limits.maxPathLength} characters`);
    }
  }

  /** Refuses from the header alone, before anything is written. */
  checkDeclaredSize(name: string, size: number): void {
    if (size > this.limits.maxEntrySize) throw UnpackEntryTooLarge(name, this.limits.maxEntrySize);
    if (this.contentBytes + size > this.limits.maxTotalSize)
      throw UnpackTooLarge(name, this.limits.maxTotalSize);
  }

  /** Counts content actually received; `entrySoFar` includes `n`. */
  addContent(name: string, n: number, entrySoFar: number): void {
    this.contentBytes += n;
    if (entrySoFar > this.limits.maxEntrySize) throw UnpackEntryTooLarge(name, this.limits.maxEntrySize);
    if (this.contentBytes > this.limits.maxTotalSize) throw UnpackTooLarge(name, this.limits.maxTotalSize);
  }

  /**
   * Counts decompressed tar bytes. Without this, a gzip stream of zeros after the end-of-archive
   * blocks (a few MB compressed, unbounded uncompressed) would keep the unpacker busy forever.
   */
  addStream(n: number): void {
    this.streamBytes += n;
    const allowed = this.contentBytes + (this.entries + 1) * FRAMING_PER_ENTRY + FRAMING_SLACK;
    if (this.streamBytes > allowed) {
      throw UnpackBadArchive('(end of archive)', 'far more data than its entries need (padding bomb?)');
    }
  }
}
