// Renders each CRD as YAML text; pure, so tests and the generator share it.
import { stringify } from 'yaml';
import { buildCrd, crdName, KINDS } from '../api/v1alpha1/index.js';

export interface RenderedFile {
  file: string;
  text: string;
}

const HEADER = '# Generated from api/v1alpha1 by `npm run crds`. Do not edit.\n';

export function renderCrdFiles(): RenderedFile[] {
  return KINDS.map((def) => ({
    file: `${crdName(def)}.yaml`,
    text: HEADER + stringify(buildCrd(def), { lineWidth: 0 }),
  }));
}
