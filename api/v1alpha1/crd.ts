// Turns a KindDefinition into an apiextensions.k8s.io/v1 CustomResourceDefinition object.
import { CATEGORY, GROUP, VERSION, type KindDefinition } from './kinds.js';

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

type JsonSchema = Record<string, unknown>;

/**
 * A plain-JSON copy of a TypeBox schema (drops TypeBox's symbol keys). A property with a default is
 * not listed as required: the apiserver fills it in, so users may leave it out.
 */
function plain(schema: unknown): JsonSchema {
  return withDefaultsOptional(JSON.parse(JSON.stringify(schema)) as JsonSchema);
}

/**
 * The default of an object property, filled with its own properties' defaults. The apiserver checks
 * CEL rules against defaults as written, so `power: {}` must be spelled `power: {driver: none}`.
 */
function filledDefault(schema: JsonSchema): unknown {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties || typeof schema.default !== 'object' || schema.default === null) return schema.default;
  const filled: Record<string, unknown> = { ...(schema.default as Record<string, unknown>) };
  for (const [key, child] of Object.entries(properties)) {
    const value = filledDefault(child);
    if (filled[key] === undefined && value !== undefined) filled[key] = value;
  }
  return filled;
}

function withDefaultsOptional(schema: JsonSchema): JsonSchema {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (properties) {
    for (const child of Object.values(properties)) withDefaultsOptional(child);
    if (schema.default !== undefined) schema.default = filledDefault(schema);
    const required = (schema.required as string[] | undefined)?.filter(
      (key) => properties[key]?.default === undefined,
    );
    if (required && required.length > 0) schema.required = required;
    else delete schema.required;
  }
  if (schema.items) withDefaultsOptional(schema.items as JsonSchema);
  return schema;
}

export function crdName(def: KindDefinition): string {
  return `${def.plural}.${GROUP}`;
}

export function buildCrd(def: KindDefinition): CustomResourceDefinition {
  const openAPIV3Schema = {
    type: 'object',
    description: def.description,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: def.nameSchema
        ? { type: 'object', properties: { name: plain(def.nameSchema) } }
        : { type: 'object' },
      spec: plain(def.spec),
      status: plain(def.status),
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(def), labels: { 'app.kubernetes.io/part-of': 'walt-operator' } },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: [CATEGORY],
      },
      scope: def.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema },
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns,
        },
      ],
    },
  };
}
