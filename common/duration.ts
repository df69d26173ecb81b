// Durations as the walt.dev CRDs write them (Go style: "90s", "1h30m", "1.5h", "250ms"). The form is
// the CRDs' (api/v1alpha1/fields.ts DURATION_REGEX): at most 4 parts of at most 5 digits, so a hostile
// string is refused before any work and the result stays far below Number.MAX_SAFE_INTEGER.
const FORM = /^([0-9]{1,5}(\.[0-9]{1,9})?(ms|s|m|h)){1,4}$/;
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  if (!FORM.test(text)) return undefined;
  let total = 0;
  for (const [, value, unit] of text.matchAll(PART)) total += Number(value) * UNIT_MS[unit!]!;
  return total;
}
