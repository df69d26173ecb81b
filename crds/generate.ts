// Writes crds/<plural>.walt.dev.yaml from the TypeScript API definition (api/v1alpha1), and the Helm
// chart's files that other sources own (crds/chart.ts): its copy of the CRDs, its RBAC templates from
// config/rbac and its Argo CD health snippet from charts/walt/health/*.lua.
// `--check` fails when a committed file differs from what the sources generate.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { renderCrdFiles, type RenderedFile } from './render.js';
import {
  argoHealthSnippet,
  CHART_DIR,
  chartCrdFiles,
  rbacTemplate,
  withHealthSection,
  type HealthCheck,
} from './chart.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

async function chartFiles(): Promise<RenderedFile[]> {
  const files = chartCrdFiles();
  const rbacDir = path.join(root, 'config', 'rbac');
  for (const name of (await readdir(rbacDir)).filter((f) => f.endsWith('.yaml')).sort()) {
    const template = rbacTemplate(name, await readFile(path.join(rbacDir, name), 'utf8'));
    if (template) files.push(template);
  }
  const healthDir = path.join(root, CHART_DIR, 'health');
  const checks: HealthCheck[] = [];
  for (const name of (await readdir(healthDir)).filter((f) => f.endsWith('.lua')).sort()) {
    checks.push({
      kind: `walt.dev/${name.slice(0, -4)}`,
      lua: await readFile(path.join(healthDir, name), 'utf8'),
    });
  }
  const snippet = argoHealthSnippet(checks);
  files.push({ file: `${CHART_DIR}/docs/argocd-health.yaml`, text: snippet });
  const doc = `${CHART_DIR}/docs/argocd-health.md`;
  files.push({ file: doc, text: withHealthSection(await readFile(path.join(root, doc), 'utf8'), snippet) });
  return files;
}

const files = [
  ...renderCrdFiles().map(({ file, text }) => ({ file: `crds/${file}`, text })),
  ...(await chartFiles()),
];
let stale = 0;
for (const { file, text } of files) {
  const target = path.join(root, file);
  if (check) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${file} is out of date: run npm run crds`);
      stale++;
    }
  } else {
    await writeFile(target, text);
    console.log(`wrote ${file}`);
  }
}
process.exit(stale === 0 ? 0 : 1);
