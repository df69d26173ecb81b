// Timestamps as the log APIs spell them: WalT's float epochs in seconds or milliseconds, RFC 3339 with
// milliseconds for our API, WalT's "YYYY-MM-DD HH:MM:SS" local time for image creation dates.

export type TsUnit = 's' | 'ms';

const MS_PER: Record<TsUnit, number> = { s: 1000, ms: 1 };

/** A float epoch in `unit` → Date (millisecond precision, as the store keeps). */
export function epochToDate(value: number, unit: TsUnit): Date {
  return new Date(Math.round(value * MS_PER[unit]));
}

/** Date → float epoch in `unit`. */
export function dateToEpoch(date: Date, unit: TsUnit): number {
  return date.getTime() / MS_PER[unit];
}

/** RFC 3339 with milliseconds, UTC (ApiLogLine.ts). */
export function rfc3339ms(date: Date): string {
  return date.toISOString();
}

const two = (n: number): string => String(n).padStart(2, '0');

/** "YYYY-MM-DD HH:MM:SS" in the agent's local time zone, as WalT's image list shows `created`. */
export function localDateTime(date: Date): string {
  const day = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
  return `${day} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

const EPOCH_MS = /^\d{1,16}$/;
const RFC3339 = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/;

/** RFC 3339 or epoch milliseconds (digits only) → Date; undefined when it is neither. */
export function parseTimeParam(value: string): Date | undefined {
  if (!EPOCH_MS.test(value) && !RFC3339.test(value)) return undefined;
  const date = new Date(EPOCH_MS.test(value) ? Number(value) : value);
  return Number.isNaN(date.getTime()) ? undefined : date; // beyond ±275 760 years: not a Date
}

/** A float in a text ("1717171717.25"); undefined unless the whole text is a finite number. */
export function parseFloatStrict(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
