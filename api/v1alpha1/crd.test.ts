import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles } from '../../crds/render.js';
import { buildCrd, KINDS, WALT_NODE } from './index.js';

type Schema = Record<string, unknown>;

/** Visits every schema node with its path in the openAPIV3Schema. */
function walk(schema: Schema, at: string, visit: (node: Schema, at: string) => void): void {
  visit(schema, at);
  for (const [key, child] of Object.entries((schema.properties as Record<string, Schema>) ?? {})) {
    walk(child, `${at}.${key}`, visit);
  }
  if (schema.items) walk(schema.items as Schema, `${at}[]`, visit);
  if (typeof schema.additionalProperties === 'object')
    walk(schema.additionalProperties as Schema, `${at}{}`, visit);
}

function schemaOf(kind: (typeof KINDS)[number]): Schema {
  const version = (buildCrd(kind).spec.versions as Array<{ schema: { openAPIV3Schema: Schema } }>)[0];
  return version!.schema.openAPIV3Schema;
}

describe('CRDs generated from the TypeScript API', () => {
  it.each(KINDS.map((k) => [k.kind, k] as const))('%s has a structural schema', (_, kind) => {
    walk(schemaOf(kind), kind.kind, (node, at) => {
      // Given any schema node, then it declares its type and uses no construct a structural schema forbids.
      const typed = 'type' in node || node['x-kubernetes-int-or-string'] === true;
      expect({ at, typed }).toEqual({ at, typed: true });
      for (const forbidden of ['anyOf', 'oneOf', 'allOf', '$ref', 'patternProperties', 'const']) {
        expect({ at, forbidden, present: forbidden in node }).toEqual({ at, forbidden, present: false });
      }
    });
  });

  it.each(KINDS.map((k) => [k.kind, k] as const))(
    '%s bounds every string and list that a CEL rule reads',
    (_, kind) => {
      walk(schemaOf(kind), kind.kind, (node, at) => {
        if (!node['x-kubernetes-validations']) return;
        if (node.type === 'string')
          expect({ at, maxLength: typeof node.maxLength }).toEqual({ at, maxLength: 'number' });
        if (node.type === 'array')
          expect({ at, maxItems: typeof node.maxItems }).toEqual({ at, maxItems: 'number' });
      });
    },
  );

  it('does not list a defaulted property as required', () => {
    // Given WaltNode.spec, where image and bootMode have defaults
    const spec = (schemaOf(WALT_NODE).properties as Record<string, Schema>).spec!;
    // Then only the fields a user must give are required
    expect(spec.required).toEqual(['mac', 'model', 'segment']);
    expect((spec.properties as Record<string, Schema>).image!.default).toBe('default');
  });

  it('gives every kind short names, the walt category, a status subresource and printer columns', () => {
    for (const kind of KINDS) {
      const crd = buildCrd(kind);
      const names = crd.spec.names as { shortNames: string[]; categories: string[] };
      const version = (crd.spec.versions as Array<Record<string, unknown>>)[0]!;
      expect(names.shortNames.length).toBeGreaterThan(0);
      expect(names.categories).toEqual(['walt']);
      expect(version.subresources).toEqual({ status: {} });
      expect((version.additionalPrinterColumns as unknown[]).length).toBeGreaterThanOrEqual(4);
    }
  });

  it('matches the committed crds/*.yaml (run npm run crds after changing api/)', async () => {
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'crds');
    for (const { file, text } of renderCrdFiles()) {
      expect(await readFile(path.join(dir, file), 'utf8')).toBe(text);
    }
  });
});
