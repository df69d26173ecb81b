// The layering check on the real tree (it must pass) and on a small tree with a deliberately wrong
// import, through the command the test script runs (it must fail, naming the import).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { layerReport } from './main.js';
import { PICTURE_BEGIN, PICTURE_END } from './picture.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

async function layersCommand(root: string): Promise<{ code: number; stderr: string }> {
  const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
  return run(tsx, [path.join(ROOT, 'local/layers/main.ts'), '--root', root]).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

describe('the layering check', () => {
  it('passes on this tree, and the picture in docs/architecture.md is the current one', () => {
    const report = layerReport(ROOT);
    expect(report.violations).toEqual([]);
    expect(report.edges.length).toBeGreaterThan(1000);
    expect(report.expectedDoc).toBe(report.doc);
  });

  describe('on a tree with wrong imports', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'walt-layers-'));
      const files: Record<string, string> = {
        'docs/architecture.md': `# A\n\n${PICTURE_BEGIN}\n${PICTURE_END}\n`,
        'operator/main.ts': "import { boot } from '../agents/boot.js';\nexport const x = boot;\n",
        'agents/boot.ts': "import { s } from '../runtime/status.js';\nexport const boot = s;\n",
        'runtime/status.ts': 'export const s = 1;\n',
        'runtime/index.ts': "export * from './status.js';\n",
      };
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await writeFile(path.join(dir, file), text);
      }
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('fails, naming each wrong import and what to do', async () => {
      const { code, stderr } = await layersCommand(dir);
      expect(code).toBe(1);
      expect(stderr.split('\n').filter(Boolean)).toEqual([
        'agents/boot.ts imports runtime/status.ts: import runtime/ through runtime/index.ts, its one entry point',
        'operator/main.ts imports agents/boot.ts: operator/ and agents/ are siblings: move what both need a layer down',
        'docs/architecture.md: the layer picture differs from the code; run npm run layers -- --write',
      ]);
    });

    it('passes once the imports are fixed and the picture written', async () => {
      await writeFile(
        path.join(dir, 'operator/main.ts'),
        "import { s } from '../runtime/index.js';\nexport const x = s;\n",
      );
      await writeFile(
        path.join(dir, 'agents/boot.ts'),
        "import { s } from '../runtime/index.js';\nexport const boot = s;\n",
      );
      const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
      await run(tsx, [path.join(ROOT, 'local/layers/main.ts'), '--root', dir, '--write']);
      const { code, stderr } = await layersCommand(dir);
      expect({ code, stderr: stderr.trim() }).toEqual({
        code: 0,
        stderr: 'layers: 3 imports checked, none breaks the rule',
      });
    });
  });
});
