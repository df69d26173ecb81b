import { checkLayers } from './check.js';
import { importsOf } from './graph.js';

const edge = (from: string, to: string) => ({ from, to });

describe('checkLayers', () => {
  it('lets a module import lower layers and its own folder', () => {
    expect(
      checkLayers([
        edge('agents/main.ts', 'runtime/index.ts'),
        edge('operator/main.ts', 'client/agent.ts'),
        edge('cli/main.ts', 'client/objects.ts'),
        edge('client/nodes.ts', 'api/node/index.ts'),
        edge('agents/dhcp/server.ts', 'agents/netboot/gate.ts'),
        edge('runtime/status.ts', 'runtime/conditions.ts'),
        edge('local/lab/lab.ts', 'operator/main.ts'),
      ]),
    ).toEqual([]);
  });

  it('refuses siblings: operator ⇄ agents, cli ⇄ operator, runtime ⇄ oci', () => {
    const reasons = checkLayers([
      edge('operator/controllers/x.ts', 'agents/power/image-reboot.ts'),
      edge('agents/main.ts', 'operator/main.ts'),
      edge('cli/main.ts', 'agents/main.ts'),
      edge('runtime/x.ts', 'oci/index.ts'),
    ]).map((v) => v.reason);
    expect(reasons).toEqual([
      'operator/ and agents/ are siblings: move what both need a layer down',
      'agents/ and operator/ are siblings: move what both need a layer down',
      'cli/ and agents/ are siblings: move what both need a layer down',
      'runtime/ and oci/ are siblings: move what both need a layer down',
    ]);
  });

  it('refuses an import up a layer', () => {
    expect(
      checkLayers([edge('client/index.ts', 'cli/main.ts'), edge('api/x.ts', 'runtime/index.ts')]),
    ).toEqual([
      expect.objectContaining({
        reason: 'cli/ is a higher layer than client/: move what client/ needs down',
      }),
      expect.objectContaining({ reason: 'runtime/ is a higher layer than api/: move what api/ needs down' }),
    ]);
  });

  it('refuses a module behind an entry point, from outside its folder only', () => {
    expect(
      checkLayers([
        edge('agents/main.ts', 'runtime/status.ts'),
        edge('runtime/status.ts', 'runtime/conditions.ts'),
      ]),
    ).toEqual([
      expect.objectContaining({ reason: 'import runtime/ through runtime/index.ts, its one entry point' }),
    ]);
  });

  it('refuses production imports of tests, and lets tests import anything', () => {
    expect(
      checkLayers([
        edge('local/lab/lab.ts', 'test/support/registry.ts'),
        edge('agents/http/server.test.ts', 'test/support/raw-http.ts'),
        edge('api/v1alpha1/crd.test.ts', 'crds/render.ts'),
        edge('test/e2e/x.test.ts', 'agents/main.ts'),
        edge('bench/tftp/run.ts', 'test/support/tftp-client.ts'),
      ]).map((v) => v.reason),
    ).toEqual(['production code imports test/: move what it needs out of the tests']);
  });

  it('names a folder that is in no layer', () => {
    expect(checkLayers([edge('tools/x.ts', 'common/errors.ts')])[0]?.reason).toBe(
      'tools/ is in no layer: add it to local/layers/table.ts',
    );
  });
});

describe('importsOf', () => {
  it('reads static, type-only, re-exported and dynamic imports, not comments or strings', () => {
    const text = [
      "import { a } from '../runtime/index.js';",
      "import type { B } from './b.js';",
      "export * from '../oci/index.js';",
      "const m = await import('../client/agent.js');",
      "// import { c } from '../operator/main.js';",
      'const s = "from \'../agents/main.js\'";',
      "import * as k8s from '@kubernetes/client-node';",
    ].join('\n');
    expect(importsOf('agents/x/y.ts', text).map((e) => e.to)).toEqual([
      'agents/runtime/index.ts',
      'agents/x/b.ts',
      'agents/oci/index.ts',
      'agents/client/agent.ts',
    ]);
  });
});
