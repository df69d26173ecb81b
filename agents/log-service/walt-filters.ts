// WalT's web API filters (walt-reference §2.8): exact matches on first-level fields; a value of a
// non-string field is read as JSON (`booted=true`) and cast as Python's bool() would; an empty value
// filters nothing; an unknown parameter is an error, in WalT's words.
import { WebApiBadFilter, WebApiBadValue } from './errors.js';

export type FieldType = 'str' | 'bool';
export type FieldTypes = Readonly<Record<string, FieldType>>;
export type QueryValues = Readonly<Record<string, string | string[] | undefined>>;

export interface Filter {
  field: string;
  value: string | boolean;
}

/** Python truthiness of a JSON value. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

function castBool(text: string): boolean {
  try {
    return truthy(JSON.parse(text));
  } catch {
    throw WebApiBadValue(text, 'bool');
  }
}

/** Filters in query order; throws for an unknown field or a value of the wrong type. */
export function parseFilters(query: QueryValues, types: FieldTypes): Filter[] {
  const filters: Filter[] = [];
  for (const [field, raw] of Object.entries(query)) {
    const type = Object.hasOwn(types, field) ? types[field] : undefined;
    if (type === undefined) throw WebApiBadFilter(field);
    // A repeated parameter counts once, with its last value (as bottle's query dict).
    const text = Array.isArray(raw) ? (raw.at(-1) ?? '') : (raw ?? '');
    if (text === '') continue;
    filters.push({ field, value: type === 'bool' ? castBool(text) : text });
  }
  return filters;
}

export function applyFilters<T extends object>(items: readonly T[], filters: readonly Filter[]): T[] {
  return items.filter((item) => filters.every((f) => (item as Record<string, unknown>)[f.field] === f.value));
}

export const NODE_FIELDS: FieldTypes = {
  name: 'str',
  model: 'str',
  virtual: 'bool',
  image: 'str',
  booted: 'bool',
  ip: 'str',
  mac: 'str',
};

export const IMAGE_FIELDS: FieldTypes = { fullname: 'str', user: 'str', id: 'str', in_use: 'bool' };
