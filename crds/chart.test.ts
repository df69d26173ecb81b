// The chart's generated files: RBAC templates follow config/rbac with the namespace templated, and
// the schema's list of node models is the API's.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultImagesConfig } from '../operator/controllers/default-images/config.js';
import { isWaltError } from '../common/errors.js';
import { argoHealthSnippet, chartCrdFiles, rbacTemplate, withHealthSection } from './chart.js';
import { ERR_CHART_DOC_MARKERS, ERR_CHART_RBAC_SOURCE } from './errors.js';
import { renderCrdFiles } from './render.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SOURCE = `# A comment naming walt-system
apiVersion: v1
kind: Namespace
metadata:
  name: walt-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: b
  namespace: walt-system
subjects: [{ kind: ServiceAccount, name: walt-operator, namespace: walt-system }]
---
kind: ValidatingAdmissionPolicy
metadata:
  name: p
spec:
  matchConditions:
    - expression: "request.userInfo.username.startsWith('system:serviceaccount:walt-system:walt-agent-')"
  variables:
    - expression: 'request.userInfo.username.substring(45)'
`;

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('rbacTemplate', () => {
  it('templates the namespace everywhere, the prefix length with it, and adds the chart labels', () => {
    const out = rbacTemplate('x.yaml', SOURCE)!;
    expect(out.file).toBe('charts/walt/templates/rbac-x.yaml');
    expect(out.text).not.toContain('kind: Namespace');
    expect(out.text).not.toMatch(/walt-system[^ ]/);
    expect(out.text).toContain('namespace: {{ .Release.Namespace }} }]');
    expect(out.text).toContain("startsWith('system:serviceaccount:{{ .Release.Namespace }}:walt-agent-')");
    expect(out.text).toContain('substring({{ add 34 (len .Release.Namespace) }})');
    expect(out.text.match(/include "walt.labels"/g)).toHaveLength(2);
    expect(out.text.split('\n---\n')).toHaveLength(2);
  });

  it('skips a file of Namespaces only', () => {
    expect(rbacTemplate('ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: walt-system\n')).toBe(
      undefined,
    );
  });

  it.each([
    ['template syntax', SOURCE.replace('name: b', 'name: "{{ b }}"')],
    ['a prefix length it cannot move', SOURCE.replace('substring(45)', 'substring(44)')],
    ['labels of its own', SOURCE.replace('  name: b\n', '  name: b\n  labels: { a: b }\n')],
  ])('refuses a source with %s', (_what, text) => {
    expect(
      isWaltError(
        thrown(() => rbacTemplate('x.yaml', text)),
        ERR_CHART_RBAC_SOURCE,
      ),
    ).toBe(true);
  });

  it('matches the committed templates of config/rbac (the generator --check does the same)', async () => {
    for (const name of ['operator.yaml', 'agent.yaml']) {
      const source = await readFile(path.join(root, 'config/rbac', name), 'utf8');
      const rendered = rbacTemplate(name, source)!;
      expect(await readFile(path.join(root, rendered.file), 'utf8')).toBe(rendered.text);
    }
  });
});

describe('the chart CRDs', () => {
  it('are the CRDs of crds/, byte for byte', () => {
    const chart = chartCrdFiles();
    expect(chart.map((f) => f.text)).toEqual(renderCrdFiles().map((f) => f.text));
    expect(chart.every((f) => f.file.startsWith('charts/walt/crds/'))).toBe(true);
  });
});

describe('the Argo CD health snippet', () => {
  it('keys each check by group_kind and indents the Lua under a literal block', () => {
    const snippet = argoHealthSnippet([{ kind: 'walt.dev/WaltNode', lua: 'local hs = {}\n\nreturn hs\n' }]);
    expect(snippet).toContain(
      '  resource.customizations.health.walt.dev_WaltNode: |\n    local hs = {}\n\n    return hs\n',
    );
  });

  it('goes between the markers of the doc, and needs them', () => {
    const doc =
      'a\n<!-- argocd-health:begin (generated from charts/walt/health by crds/generate.ts) -->\nold\n<!-- argocd-health:end -->\n';
    expect(withHealthSection(doc, 'data: {}\n')).toContain(
      '```yaml\ndata: {}\n```\n\n<!-- argocd-health:end -->',
    );
    expect(
      isWaltError(
        thrown(() => withHealthSection('no markers', '')),
        ERR_CHART_DOC_MARKERS,
      ),
    ).toBe(true);
  });
});

describe('values.schema.json', () => {
  it('admits only default-image registries and tags the operator accepts (WALT_DEFAULT_IMAGE_*)', async () => {
    const schema = JSON.parse(await readFile(path.join(root, 'charts/walt/values.schema.json'), 'utf8')) as {
      properties: {
        defaultImages: { properties: Record<'registry' | 'tag', { pattern: string; maxLength?: number }> };
      };
    };
    const { registry, tag } = schema.properties.defaultImages.properties;
    const longest = `${'r'.repeat(190)}.org:5000`.slice(0, registry.maxLength);
    const registries = ['127.0.0.1:5000', 'registry.example.org/lab/x', 'Reg-1.example:443', longest];
    for (const value of registries) {
      expect(new RegExp(registry.pattern).test(value)).toBe(true);
      const env = {
        WALT_DEFAULT_IMAGE_REPOSITORY: `${value}/walt`,
        WALT_DEFAULT_IMAGE_TAG: 'bookworm_1.2-x',
      };
      expect(new RegExp(tag.pattern).test(env.WALT_DEFAULT_IMAGE_TAG)).toBe(true);
      expect(defaultImagesConfig(env)?.repository).toBe(`${value}/walt`);
    }
  });
});
