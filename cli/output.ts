// Printing objects the way kubectl does (pure): a table of padded columns without borders (`-o wide`
// adds columns), or the objects as a v1 List in JSON or YAML, or kind.group/name lines (`-o name`).
import { ERR_CLI_BAD_OUTPUT } from '../client/errors.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { GROUP } from '../api/v1alpha1/index.js';

/** What -o accepts; "table" is the default (no -o). */
export const OUTPUT_FORMATS = ['json', 'yaml', 'wide', 'name'] as const;
export type OutputFormat = 'table' | (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return 'table';
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw ERR_CLI_BAD_OUTPUT(value, OUTPUT_FORMATS);
}

export interface Column<T> {
  header: string;
  value: (item: T) => string | number | undefined;
  /** Shown with -o wide only. */
  wide?: boolean;
}

/** What kubectl prints for a missing value. */
export const NONE = '<none>';

const GAP = '   ';

/** Rows of cells as left-aligned columns three spaces apart, like kubectl (no trailing spaces). */
export function renderColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join(GAP)
      .trimEnd(),
  );
  return lines.map((l) => `${l}\n`).join('');
}

function cell(value: string | number | undefined): string {
  return value === undefined || value === '' ? NONE : String(value);
}

/** A table with a header row; `wide` includes the wide-only columns. */
export function renderTable<T>(items: readonly T[], columns: readonly Column<T>[], wide: boolean): string {
  const shown = columns.filter((c) => wide || !c.wide);
  const header = shown.map((c) => c.header);
  return renderColumns([header, ...items.map((item) => shown.map((c) => cell(c.value(item))))]);
}

/** A copy without metadata.managedFields (kubectl hides them too). */
function withoutManagedFields<T extends KubernetesObject>(obj: T): T {
  if (!obj.metadata?.managedFields) return obj;
  const metadata = { ...obj.metadata };
  delete metadata.managedFields;
  return { ...obj, metadata };
}

export function asList(items: readonly KubernetesObject[]): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: items.map(withoutManagedFields),
    metadata: { resourceVersion: '' },
  };
}

/** "waltnode.walt.dev/vn1", as kubectl -o name prints it. */
export function nameOf(obj: KubernetesObject): string {
  return `${(obj.kind ?? '').toLowerCase()}.${GROUP}/${obj.metadata?.name ?? ''}`;
}

/** JSON and YAML end with a newline, like kubectl. */
export function renderData(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(data, null, 4)}\n` : stringify(data);
}

/** Objects in any format (empty string for an empty table: the caller says so on stderr). */
export function renderObjects<T extends KubernetesObject>(
  items: readonly T[],
  format: OutputFormat,
  columns: readonly Column<T>[],
): string {
  switch (format) {
    case 'json':
    case 'yaml':
      return renderData(asList(items), format);
    case 'name':
      return items.map((o) => `${nameOf(o)}\n`).join('');
    default:
      return items.length === 0 ? '' : renderTable(items, columns, format === 'wide');
  }
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** "512B", "1.5MiB", "114MiB": one decimal below 10 units. */
export function formatSize(bytes: number | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1);
  return `${text}${UNITS[unit]}`;
}

/** "sha256:0123456789ab": the algorithm and the first 12 hex digits, like docker's short ids. */
export function shortDigest(digest: string | undefined): string | undefined {
  if (!digest) return undefined;
  const [algorithm, hex] = digest.split(':');
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
}
