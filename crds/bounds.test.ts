// Lint of the generated CRDs: every value a user or a device can write has a bound. A string without
// maxLength, a number without minimum and maximum, a list without maxItems or a map without
// maxProperties fails here, before it reaches a lab (unbounded fields make the apiserver's CEL cost
// estimates explode, let one object fill etcd, and let durations overflow timers).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;

const dir = path.dirname(fileURLToPath(import.meta.url));

/**
 * Paths where a bound cannot apply, each with its reason. Keep this list short: a new entry needs a
 * reason a reviewer accepts.
 */
const ALLOWED: Record<string, string> = {
  // apiVersion and kind are matched by the apiserver against the CRD's group, version and kind before
  // the schema is consulted: any other value is refused whatever the schema says.
  apiVersion: 'checked by the apiserver against the CRD',
  kind: 'checked by the apiserver against the CRD',
};

/** The bounds each JSON type needs; a string bounded by an enum needs no maxLength. */
const NEEDED: Record<string, (node: Schema) => string[]> = {
  string: (node) => (node.enum !== undefined ? [] : ['maxLength']),
  integer: () => ['maximum', 'minimum'],
  number: () => ['maximum', 'minimum'],
  array: () => ['maxItems'],
  object: (node) =>
    node.additionalProperties !== undefined || node['x-kubernetes-preserve-unknown-fields'] === true
      ? ['maxProperties']
      : [],
};

/** What is unbounded about one schema node ([] when nothing). */
export function missingBounds(node: Schema): string[] {
  const needed = NEEDED[node.type as string]?.(node) ?? [];
  return needed.filter((key) => node[key] === undefined);
}

/** Visits every schema node with its path ("spec.dhcp.range.start", "spec.steps[]"). */
function walk(schema: Schema, at: string, visit: (node: Schema, at: string) => void): void {
  visit(schema, at);
  for (const [key, child] of Object.entries((schema.properties as Record<string, Schema>) ?? {})) {
    walk(child, at ? `${at}.${key}` : key, visit);
  }
  if (schema.items) walk(schema.items as Schema, `${at}[]`, visit);
  if (typeof schema.additionalProperties === 'object')
    walk(schema.additionalProperties as Schema, `${at}{}`, visit);
}

async function generatedSchemas(): Promise<Array<[string, Schema]>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.walt.dev.yaml')).sort();
  const schemas: Array<[string, Schema]> = [];
  for (const file of files) {
    const crd = parse(await readFile(path.join(dir, file), 'utf8')) as {
      spec: { versions: Array<{ schema: { openAPIV3Schema: Schema } }> };
    };
    for (const version of crd.spec.versions) schemas.push([file, version.schema.openAPIV3Schema]);
  }
  return schemas;
}

describe('missingBounds', () => {
  it.each([
    [{ type: 'string' }, ['maxLength']],
    [{ type: 'string', maxLength: 3 }, []],
    [{ type: 'string', enum: ['a'] }, []],
    [{ type: 'integer', minimum: 0 }, ['maximum']],
    [{ type: 'number', maximum: 1 }, ['minimum']],
    [{ type: 'array', items: { type: 'string' } }, ['maxItems']],
    [{ type: 'object', additionalProperties: { type: 'string' } }, ['maxProperties']],
    [{ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, ['maxProperties']],
    [{ type: 'object', properties: {} }, []],
    [{ type: 'boolean' }, []],
  ])('%j lacks %j', (node, missing) => {
    expect(missingBounds(node)).toEqual(missing);
  });
});

describe('generated CRDs bound every field', () => {
  it('finds the four CRDs', async () => {
    expect((await generatedSchemas()).map(([file]) => file)).toEqual([
      'experiments.walt.dev.yaml',
      'waltimages.walt.dev.yaml',
      'waltnodes.walt.dev.yaml',
      'waltsegments.walt.dev.yaml',
    ]);
  });

  it('has no string, number, list or map without a bound (outside the commented allow-list)', async () => {
    const unbounded: string[] = [];
    let visited = 0;
    for (const [file, schema] of await generatedSchemas()) {
      walk(schema, '', (node, at) => {
        visited++;
        if (at in ALLOWED) return;
        for (const bound of missingBounds(node)) unbounded.push(`${file}: ${at} has no ${bound}`);
      });
    }
    expect(visited).toBeGreaterThan(200);
    expect(unbounded).toEqual([]);
  });

  it('keeps every allow-list entry in use', async () => {
    const seen = new Set<string>();
    for (const [, schema] of await generatedSchemas()) {
      walk(schema, '', (node, at) => {
        if (at in ALLOWED && missingBounds(node).length > 0) seen.add(at);
      });
    }
    expect([...seen].sort()).toEqual(Object.keys(ALLOWED).sort());
  });
});
