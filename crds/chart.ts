// The files of the Helm chart charts/walt that other sources own, rendered as text (pure, so the
// generator's --check and the tests share it):
// - charts/walt/crds/*.yaml: the CRDs of crds/, byte for byte (Helm installs crds/ before templates);
// - charts/walt/templates/rbac-<file>: config/rbac/<file> as a template, the namespace walt-system
//   becoming the release namespace (in metadata, subjects and the ValidatingAdmissionPolicies' user
//   names, whose prefix length moves with it) and the chart's labels added to every object;
// - charts/walt/docs/argocd-health.yaml: the Argo CD health checks (charts/walt/health/*.lua) as an
//   argocd-cm snippet, also embedded in charts/walt/docs/argocd-health.md between markers.
import { parseAllDocuments } from 'yaml';
import { ERR_CHART_DOC_MARKERS, ERR_CHART_RBAC_SOURCE } from './errors.js';
import { renderCrdFiles, type RenderedFile } from './render.js';

/** The namespace config/rbac is written for (api/system-namespace.ts). */
export const SOURCE_NAMESPACE = 'walt-system';
const NAMESPACE_EXPR = '{{ .Release.Namespace }}';
/** The user-name prefix of the segment agents, whose length the agent policy's CEL takes as a literal. */
const AGENT_USER_PREFIX = `system:serviceaccount:${SOURCE_NAMESPACE}:walt-agent-`;
const PREFIX_LENGTH_EXPR = `{{ add ${AGENT_USER_PREFIX.length - SOURCE_NAMESPACE.length} (len .Release.Namespace) }}`;

export const CHART_DIR = 'charts/walt';
export const HEALTH_BEGIN =
  '<!-- argocd-health:begin (generated from charts/walt/health by crds/generate.ts) -->';
export const HEALTH_END = '<!-- argocd-health:end -->';

/** charts/walt/crds/<file>: the CRDs as crds/ holds them. */
export function chartCrdFiles(): RenderedFile[] {
  return renderCrdFiles().map(({ file, text }) => ({ file: `${CHART_DIR}/crds/${file}`, text }));
}

function kindOf(doc: string): string | undefined {
  const parsed = parseAllDocuments(doc)[0]?.toJS() as { kind?: unknown } | null | undefined;
  return typeof parsed?.kind === 'string' ? parsed.kind : undefined;
}

/** The YAML documents of a file, each with the comments above it (split on `---` lines). */
function documents(text: string): string[] {
  return text.split(/^---[ \t]*$\n?/m).filter((doc) => doc.trim() !== '');
}

/** One object's text with the namespace templated and the chart's labels under metadata. */
function templated(file: string, doc: string): string {
  const metadata = doc.match(/^metadata:[ \t]*\n/m);
  if (!metadata || metadata.index === undefined)
    throw ERR_CHART_RBAC_SOURCE(file, 'an object has no block `metadata:`');
  if (/^ {2}labels:/m.test(doc)) throw ERR_CHART_RBAC_SOURCE(file, 'an object has labels of its own');
  const at = metadata.index + metadata[0].length;
  const labels = '  labels:\n    {{- include "walt.labels" . | nindent 4 }}\n';
  const labelled = doc.slice(0, at) + labels + doc.slice(at);
  return labelled
    .replaceAll(`substring(${AGENT_USER_PREFIX.length})`, `substring(${PREFIX_LENGTH_EXPR})`)
    .replaceAll(SOURCE_NAMESPACE, NAMESPACE_EXPR);
}

/** Checks what the textual templating relies on: no template syntax, every prefix length the known one. */
function checkSource(file: string, text: string): void {
  if (text.includes('{{') || text.includes('}}')) throw ERR_CHART_RBAC_SOURCE(file, 'it contains {{ or }}');
  for (const match of text.matchAll(/substring\((\d+)\)/g)) {
    if (Number(match[1]) !== AGENT_USER_PREFIX.length) {
      throw ERR_CHART_RBAC_SOURCE(
        file,
        `substring(${match[1]}) is not the length of "${AGENT_USER_PREFIX}" (${AGENT_USER_PREFIX.length})`,
      );
    }
  }
}

/**
 * config/rbac/<file> as charts/walt/templates/rbac-<file>, or undefined when the file holds only
 * Namespaces (the release namespace is Helm's: `helm install -n walt-system --create-namespace`).
 */
export function rbacTemplate(file: string, text: string): RenderedFile | undefined {
  checkSource(file, text);
  const docs = documents(text).filter((doc) => kindOf(doc) !== 'Namespace');
  if (docs.length === 0) return undefined;
  const header =
    `# Generated from config/rbac/${file} by crds/generate.ts (namespace ${SOURCE_NAMESPACE} → the release\n` +
    '# namespace). Edit the source, not this file.\n';
  const body = docs.map((doc) => templated(file, doc).replace(/\n*$/, '\n')).join('---\n');
  return { file: `${CHART_DIR}/templates/rbac-${file}`, text: header + body };
}

export interface HealthCheck {
  /** API group and kind, as Argo CD keys its customizations: walt.dev/WaltSegment. */
  kind: string;
  lua: string;
}

/** The argocd-cm data keys holding the health checks (Argo CD ≥ 2.x, one key per group_kind). */
export function argoHealthSnippet(checks: readonly HealthCheck[]): string {
  const lines = [
    '# Argo CD health checks of the walt.dev kinds: merge into the data of ConfigMap argocd-cm (namespace argocd).',
    '# Generated from charts/walt/health/*.lua by crds/generate.ts.',
    'data:',
  ];
  for (const check of [...checks].sort((a, b) => a.kind.localeCompare(b.kind))) {
    const key = `resource.customizations.health.${check.kind.replace('/', '_')}`;
    lines.push(`  ${key}: |`);
    for (const line of check.lua.replace(/\n+$/, '').split('\n'))
      lines.push(line === '' ? '' : `    ${line}`);
  }
  return lines.join('\n') + '\n';
}

/** The markdown with the snippet between its markers (they must be there once each). */
export function withHealthSection(markdown: string, snippet: string): string {
  const begin = markdown.indexOf(HEALTH_BEGIN);
  const end = markdown.indexOf(HEALTH_END);
  if (begin < 0 || end < begin) {
    throw ERR_CHART_DOC_MARKERS(`${CHART_DIR}/docs/argocd-health.md`, HEALTH_BEGIN, HEALTH_END);
  }
  const section = `${HEALTH_BEGIN}\n\n\`\`\`yaml\n${snippet}\`\`\`\n\n`;
  return markdown.slice(0, begin) + section + markdown.slice(end);
}
