// Writes crds/<plural>.walt.dev.yaml from the TypeScript API definition (api/v1alpha1).
// `--check` fails when a committed file differs from what the source generates.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { renderCrdFiles } from './render.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
for (const { file, text } of renderCrdFiles()) {
  const target = path.join(dir, file);
  if (check) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${file} is out of date: run npm run crds`);
      stale++;
    }
  } else {
    await writeFile(target, text);
    console.log(`wrote crds/${file}`);
  }
}
process.exit(stale === 0 ? 0 : 1);
