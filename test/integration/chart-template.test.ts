// The Helm chart charts/walt rendered by the real helm: `helm lint` is clean, `helm template` with the
// default and with non-default values matches the golden files (UPDATE_GOLDEN=1 rewrites them), the
// values schema refuses bad values naming the field, and every rendered object (CRDs and the test hook
// included) passes the real apiserver's validation in a server-side dry run.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { binDir, kubectl, testNamespace } from './support/cluster.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
const chart = path.join(root, 'charts', 'walt');
const golden = path.join(chart, 'tests', 'golden');
const customValues = path.join(chart, 'tests', 'values-custom.yaml');
/** The apiserver version of the suite (local/versions.env): helm's own default is older than kubeVersion. */
const KUBE_VERSION = '1.37.2';

interface Helm {
  code: number;
  stdout: string;
  stderr: string;
}

async function helm(args: string[]): Promise<Helm> {
  try {
    const { stdout, stderr } = await run(path.join(binDir(), 'helm'), args, { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function template(namespace: string, extra: string[] = []): Promise<Helm> {
  return helm(['template', 'walt', chart, '-n', namespace, '--kube-version', KUBE_VERSION, ...extra]);
}

async function matchesGolden(name: string, text: string): Promise<void> {
  const file = path.join(golden, name);
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, text);
  expect(text).toBe(await readFile(file, 'utf8'));
}

interface Rendered {
  kind: string;
  metadata: { name: string };
  spec?: { template?: { spec?: { containers?: Array<{ env?: Array<{ name: string; value?: string }> }> } } };
}

function objects(text: string): Rendered[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Rendered | null)
    .filter((o): o is Rendered => o !== null);
}

function operatorEnv(text: string): Record<string, string | undefined> {
  const deployment = objects(text).find((o) => o.kind === 'Deployment')!;
  const env = deployment.spec!.template!.spec!.containers![0]!.env!;
  return Object.fromEntries(env.map((e) => [e.name, e.value]));
}

describe('helm chart charts/walt', () => {
  it('passes helm lint --strict with default and non-default values', async () => {
    for (const extra of [[], ['-f', customValues]]) {
      const lint = await helm(['lint', chart, '--strict', '-n', 'walt-system', ...extra]);
      expect(lint).toMatchObject({ code: 0 });
      expect(lint.stdout).toContain('0 chart(s) failed');
    }
  });

  it('renders the default values as the golden file', async () => {
    const out = await template('walt-system');
    expect(out).toMatchObject({ code: 0, stderr: '' });
    await matchesGolden('default.yaml', out.stdout);
    // The contract with the operator (slice agents-ds): defaults of each env.
    expect(operatorEnv(out.stdout)).toMatchObject({
      WALT_SYSTEM_NAMESPACE: 'walt-system',
      WALT_AGENT_IMAGE: 'walt/agent:0.1.0',
      WALT_AGENT_IMAGE_PULL_POLICY: 'IfNotPresent',
      WALT_AGENT_CACHE_HOST_PATH: '/var/lib/walt/agent',
      WALT_AGENT_LOG_STORE: 'sqlite',
      WALT_AGENT_TOLERATIONS: '[]',
      WALT_AGENT_RESOURCES: '{}',
      WALT_AGENT_API_PORT: '8080',
    });
    expect(objects(out.stdout).filter((o) => o.kind === 'WaltImage')).toEqual([]);
    // No registry: the operator creates no default image
    expect(Object.keys(operatorEnv(out.stdout)).filter((k) => k.startsWith('WALT_DEFAULT_IMAGE'))).toEqual(
      [],
    );
  });

  it('renders non-default values (postgres, tolerations, resources, metrics) as the golden file', async () => {
    const out = await template('walt-system', ['-f', customValues]);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    await matchesGolden('custom.yaml', out.stdout);
    expect(operatorEnv(out.stdout)).toMatchObject({
      WALT_AGENT_IMAGE: '127.0.0.1:5000/walt/agent:2026.12.1',
      WALT_AGENT_IMAGE_PULL_POLICY: 'Never',
      WALT_AGENT_CACHE_HOST_PATH: '/srv/walt/cache',
      WALT_AGENT_LOG_STORE: 'secret:walt-logs/dsn',
      WALT_AGENT_API_PORT: '8090',
      WALT_CLUSTER_DOMAIN: 'lab.internal',
      WALT_LOG_LEVEL: 'debug',
    });
    const env = operatorEnv(out.stdout);
    expect(JSON.parse(env.WALT_AGENT_TOLERATIONS!)).toEqual([
      { key: 'lab.example.org/wired', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(JSON.parse(env.WALT_AGENT_RESOURCES!)).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { memory: '4Gi' },
    });
    // Default images: the operator creates them per model in use (operator/controllers/default-images)
    expect(env).toMatchObject({
      WALT_DEFAULT_IMAGE_REPOSITORY: '127.0.0.1:5000/walt',
      WALT_DEFAULT_IMAGE_TAG: 'bookworm',
      WALT_DEFAULT_IMAGE_INSECURE: 'true',
    });
    expect(objects(out.stdout).filter((o) => o.kind === 'WaltImage')).toEqual([]);
  });

  it.each([
    ['an unknown top-level key', ['--set', 'replicas=2'], "at '': additional properties 'replicas'"],
    ['a tag with a space', ['--set', 'image.agent.tag=v1 2'], "at '/image/agent/tag'"],
    [
      'an unknown pull policy',
      ['--set', 'image.operator.pullPolicy=Sometimes'],
      "at '/image/operator/pullPolicy'",
    ],
    [
      'an uppercase repository',
      ['--set', 'image.agent.repository=Walt/Agent'],
      "at '/image/agent/repository'",
    ],
    ['zero replicas', ['--set', 'operator.replicas=0'], "at '/operator/replicas'"],
    ['a log store kind', ['--set', 'logStore.kind=mysql'], "at '/logStore/kind'"],
    ['postgres without a Secret', ['--set', 'logStore.kind=postgres'], "at '/logStore/postgresSecret/name'"],
    ['a relative cache path', ['--set', 'agent.cacheHostPath=var/lib/walt'], "at '/agent/cacheHostPath'"],
    ['a cache path with ..', ['--set', 'agent.cacheHostPath=/var/../etc'], "at '/agent/cacheHostPath'"],
    ['an API port out of range', ['--set', 'agent.apiPort=70000'], "at '/agent/apiPort'"],
    [
      'a toleration effect',
      ['--set-json', 'agent.tolerations=[{"key":"a","effect":"Sometimes"}]'],
      "at '/agent/tolerations/0/effect'",
    ],
    ['a resource quantity', ['--set', 'resources.limits.memory=lots'], "at '/resources/limits/memory'"],
    [
      'a default-image registry with a scheme',
      ['--set', 'defaultImages.registry=http://127.0.0.1:5000'],
      "at '/defaultImages/registry'",
    ],
    [
      'a list of default-image models (made per model in use)',
      ['--set-json', 'defaultImages.models=["pc-x86-64"]'],
      "at '/defaultImages'",
    ],
    ['metrics as a string', ['--set-string', 'metrics.enabled=yes'], "at '/metrics/enabled'"],
  ])('refuses %s, naming the field', async (_what, args, where) => {
    const out = await template('walt-system', args);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain("values don't meet the specifications of the schema");
    expect(out.stderr).toContain(where);
  });

  describe('on the apiserver', () => {
    let ns: Awaited<ReturnType<typeof testNamespace>>;
    beforeAll(async () => {
      ns = await testNamespace('chart');
    });
    afterAll(async () => {
      await ns.remove();
    });

    it.each([
      ['default', []],
      ['non-default', ['-f', customValues]],
    ])('accepts every object of the %s rendering in a server-side dry run', async (_name, extra) => {
      const out = await template(ns.name, ['--include-crds', ...extra]);
      expect(out.code).toBe(0);
      const kinds = objects(out.stdout).map((o) => o.kind);
      expect(kinds).toEqual(expect.arrayContaining(['CustomResourceDefinition', 'Deployment', 'Pod']));
      const applied = await kubectl(
        [
          'apply',
          '--dry-run=server',
          '--server-side',
          '--force-conflicts',
          '--field-manager=walt-chart-test',
          '-f',
          '-',
        ],
        out.stdout,
      );
      expect({ code: applied.code, stderr: applied.stderr }).toEqual({ code: 0, stderr: '' });
      // One line per object: nothing was left out.
      expect(applied.stdout.trim().split('\n')).toHaveLength(kinds.length);
      expect(applied.stdout).toContain(`deployment.apps/walt-operator serverside-applied (server dry run)`);
    });
  });
});
