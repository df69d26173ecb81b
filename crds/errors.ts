// Coded errors of the generators in crds/ (the CRDs and the Helm chart's generated files).
import { defineError } from '../common/errors.js';

export const ERR_CHART_RBAC_SOURCE = defineError(
  'WALT_ERR_CHART_RBAC_SOURCE',
  (file: string, detail: string) =>
    `${file} cannot be turned into a Helm template: ${detail}; write it so that crds/chart.ts can ` +
    `template the namespace (literal walt-system) or extend crds/chart.ts`,
);

export const ERR_CHART_DOC_MARKERS = defineError(
  'WALT_ERR_CHART_DOC_MARKERS',
  (file: string, begin: string, end: string) =>
    `${file} needs the lines ${begin} and ${end} (in that order) where the generated section goes`,
);
