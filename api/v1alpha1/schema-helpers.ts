// Building blocks for structural CRD schemas. TypeBox schemas are plain JSON Schema objects, so the same
// definition gives the TypeScript type (Static<>) and the CRD's openAPIV3Schema. Only constructs that a
// Kubernetes structural schema accepts are used here: no anyOf/oneOf, no $ref, no patternProperties.
import {
  Type,
  type SchemaOptions,
  type TArray,
  type TSchema,
  type TString,
  type TUnsafe,
} from '@sinclair/typebox';

/** A CEL rule evaluated by the apiserver (`x-kubernetes-validations`). */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export function cel(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}

/** A string restricted to a fixed set; the apiserver lists the allowed values when it rejects one. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * A string that must match `regex`, with a message that tells the user what to write instead.
 * A CEL rule carries the message (an OpenAPI `pattern` error only prints the regex).
 */
export function MatchingString(
  regex: string,
  message: string,
  maxLength: number,
  options: SchemaOptions = {},
): TString {
  return Type.String({
    maxLength,
    ...options,
    ...cel({ rule: `self.matches(${celString(regex)})`, message }),
  });
}

export function celString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** An RFC 3339 timestamp written by controllers (at most nanoseconds and a zone offset: 35 characters). */
export function Timestamp(options: SchemaOptions = {}): TString {
  return Type.String({ format: 'date-time', maxLength: 64, ...options });
}

/** A list whose items are merged by `key` in server-side apply (each controller owns its own items). */
export function MapList<T extends TSchema>(
  item: T,
  key: string,
  maxItems: number,
  options: SchemaOptions = {},
): TArray<T> {
  return Type.Array(item, {
    maxItems,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': [key],
    ...options,
  });
}

/** A list of unique scalars (a set in server-side apply). */
export function SetList<T extends TSchema>(
  item: T,
  maxItems: number,
  options: SchemaOptions = {},
): TArray<T> {
  return Type.Array(item, { maxItems, 'x-kubernetes-list-type': 'set', ...options });
}

/** An object whose content the apiserver keeps without validating it (opaque blobs). */
export function PreservedObject(options: SchemaOptions = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    ...options,
  });
}
