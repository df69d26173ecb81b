// Points in time on the command line (pure), as WalT writes them: relative to now (-30s, -5m, -2h,
// -1d), a local date "YYYY-MM-DD HH:MM:SS" (WalT's), or an RFC 3339 / ISO 8601 date.
const RELATIVE = /^-([0-9]+)([smhd])$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const LOCAL = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,3})\d*)?)?)?$/;
const ZONED = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i;

export function isRelative(text: string): boolean {
  return RELATIVE.test(text);
}

function zoned(text: string): Date | undefined {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  if (m < 1 || m > 12 || d < 1 || d > new Date(Date.UTC(y, m, 0)).getUTCDate()) return undefined;
  const date = new Date(text.replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A local date (what `new Date(y, m, d, …)` reads), checked for overflow (no February 30th). */
function local(m: RegExpExecArray): Date | undefined {
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m.slice(1, 7).map((v) => Number(v ?? 0));
  const date = new Date(y, mo - 1, d, h, mi, s, Number((m[7] ?? '0').padEnd(3, '0')));
  return date.getMonth() === mo - 1 && date.getDate() === d ? date : undefined;
}

/** A date with a time zone, or a local one. */
function absolute(text: string): Date | undefined {
  if (ZONED.test(text)) return zoned(text);
  const m = LOCAL.exec(text);
  return m ? local(m) : undefined;
}

/** The time `text` means, or undefined when it is not a date. */
export function parsePointInTime(text: string, now: Date): Date | undefined {
  const relative = RELATIVE.exec(text);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]!]!);
  return absolute(text);
}

/** Whether `text` is a date (not a relative time). */
export function isDate(text: string): boolean {
  return absolute(text) !== undefined;
}
