import { AGENT_PATHS } from '../../api/agent/v1.js';
import { buildOpenApi } from './openapi.js';

/** Every path of the contract, with OpenAPI {placeholders} for its parameters. */
function contractPaths(): string[] {
  const args: Record<string, string[]> = { checkpoint: ['{name}'] };
  return Object.entries(AGENT_PATHS).map(([key, p]) =>
    typeof p === 'string'
      ? p
      : decodeURIComponent(p(...((args[key] ?? ['{node}', '{id}']) as [string, string]))),
  );
}

describe('OpenAPI document', () => {
  const doc = JSON.parse(JSON.stringify(buildOpenApi('lab'))) as {
    openapi: string;
    paths: Record<string, Record<string, { responses: object; parameters?: { name: string; in: string }[] }>>;
  };

  it('is OpenAPI 3.0 and lists every path of AGENT_PATHS', () => {
    expect(doc.openapi).toMatch(/^3\.0\./);
    const paths = Object.keys(doc.paths);
    expect(contractPaths()).toHaveLength(Object.keys(AGENT_PATHS).length);
    for (const p of contractPaths()) expect(paths).toContain(p);
  });

  it('declares every path parameter and a response for every operation', () => {
    for (const [p, item] of Object.entries(doc.paths)) {
      const placeholders = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const operation of Object.values(item)) {
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
        const declared = (operation.parameters ?? []).filter((x) => x.in === 'path').map((x) => x.name);
        expect(declared.sort()).toEqual([...placeholders].sort());
      }
    }
  });

  it('describes the log query parameters from the route schema', () => {
    const params = doc.paths['/api/v1/logs/query']?.get?.parameters?.map((x) => x.name);
    expect(params).toEqual(
      expect.arrayContaining(['issuer', 'stream', 'line', 'since', 'until', 'fromCheckpoint', 'limit']),
    );
  });
});
