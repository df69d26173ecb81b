// The Range header (RFC 9110 §14), single ranges only: pure parsing against the file size.

export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' }
  | { kind: 'invalid' };

const SINGLE = /^bytes=(\d*)-(\d*)$/;

function suffix(length: number, size: number): RangeResult {
  if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 };
}

/**
 * `header` against a file of `size` bytes: no header → full; `bytes=a-b`, `bytes=a-`, `bytes=-n` →
 * the inclusive byte range (clamped to the file); a start beyond the end → unsatisfiable; anything
 * else (other units, several ranges, a > b) → invalid.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const match = SINGLE.exec(header.trim());
  const [, first = '', last = ''] = match ?? [];
  if (!match || (first === '' && last === '')) return { kind: 'invalid' };
  if (first === '') return suffix(Number(last), size);
  return fromStart(Number(first), last === '' ? Number.MAX_SAFE_INTEGER : Number(last), size);
}

function fromStart(start: number, end: number, size: number): RangeResult {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return { kind: 'invalid' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

/** `Content-Range` of a partial answer, or of a 416 (`bytes *\/size`). */
export function contentRange(range: { start: number; end: number } | undefined, size: number): string {
  return range ? `bytes ${range.start}-${range.end}/${size}` : `bytes */${size}`;
}
