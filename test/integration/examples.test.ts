// Every manifest in examples/ applies to the real apiserver, and `kubectl get` prints our columns.
// The cluster-scoped objects (segment lab, nodes vn1, vn2, rpi-kitchen) get a suffix, references and
// pool labels included: test/e2e/examples.test.ts boots the examples under their own names on the same apiserver,
// possibly at the same time. test/e2e/examples.test.ts is also where each example reaches its end state.
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { kubeConfig, kubectl, testNamespace } from './support/cluster.js';

const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface ExampleObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    segment?: string;
    nodes?: { names?: string[]; selector?: { matchLabels?: Record<string, string> } };
  };
}

const SUFFIX = `-${randomBytes(3).toString('hex')}`;
const CLUSTER_SCOPED = ['WaltNode', 'WaltSegment'];
const POOL = 'walt.dev/pool';
const clusterName = (name: string): string => `${name}${SUFFIX}`;

/** The example with its cluster-scoped names (and the references to them) suffixed. */
function suffixed(o: ExampleObject): ExampleObject {
  const copy = structuredClone(o);
  if (CLUSTER_SCOPED.includes(o.kind)) copy.metadata.name = clusterName(o.metadata.name);
  if (copy.spec.segment) copy.spec.segment = clusterName(copy.spec.segment);
  if (copy.spec.nodes?.names) copy.spec.nodes.names = copy.spec.nodes.names.map(clusterName);
  for (const labels of [copy.metadata.labels, copy.spec.nodes?.selector?.matchLabels]) {
    if (labels?.[POOL]) labels[POOL] = clusterName(labels[POOL]);
  }
  return copy;
}

async function exampleFiles(): Promise<string[]> {
  return (await readdir(examplesDir)).filter((f) => f.endsWith('.yaml')).sort();
}

async function fileObjects(file: string): Promise<ExampleObject[]> {
  const text = await readFile(path.join(examplesDir, file), 'utf8');
  return parseAllDocuments(text).map((doc) => suffixed(doc.toJS() as ExampleObject));
}

async function exampleObjects(): Promise<ExampleObject[]> {
  const objects: ExampleObject[] = [];
  for (const file of await exampleFiles()) objects.push(...(await fileObjects(file)));
  return objects;
}

/** A file's objects (suffixed), as `kubectl apply -f -` reads them. */
async function manifestOf(files: string[]): Promise<string> {
  const docs: string[] = [];
  for (const file of files) for (const o of await fileObjects(file)) docs.push(stringify(o));
  return docs.join('---\n');
}

/** The header of the table kubectl printed for one resource type. */
function headerOf(stdout: string, resource: string): string[] {
  const blocks = stdout.trim().split(/\n\s*\n/);
  const block = blocks.find((b) => b.includes(`${resource}/`));
  if (!block) throw new Error(`no table for ${resource} in:\n${stdout}`);
  return block
    .split('\n')[0]!
    .trim()
    .split(/\s{2,}/);
}

describe('examples/', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  beforeAll(async () => {
    ns = await testNamespace('examples');
  });
  afterAll(async () => {
    // Cluster-scoped examples do not go away with the namespace.
    for (const o of await exampleObjects()) {
      if (o.kind === 'WaltNode' || o.kind === 'WaltSegment') {
        await kubectl(['delete', `${o.kind.toLowerCase()}.walt.dev`, o.metadata.name, '--ignore-not-found']);
      }
    }
    await ns.remove();
  });

  it('has an example of every kind', async () => {
    const kinds = new Set((await exampleObjects()).map((o) => o.kind));
    expect([...kinds].sort()).toEqual(['Experiment', 'WaltImage', 'WaltNode', 'WaltSegment']);
  });

  it('applies every manifest with kubectl apply', async () => {
    for (const file of await exampleFiles()) {
      const result = await kubectl(['apply', '-n', ns.name, '-f', '-'], await manifestOf([file]));
      expect({ file, ...result }).toMatchObject({ file, code: 0, stderr: '' });
    }
    // Applying again changes nothing: no object's spec generation moves. Cluster-scoped kinds list
    // every suite's objects (the apiserver is shared): only the examples' own are compared.
    const ours = new Set((await exampleObjects()).map((o) => `${o.kind}/${o.metadata.name}`));
    const generations = async (): Promise<Record<string, number>> => {
      const list = await kubectl(['get', 'walt', '-n', ns.name, '-o', 'json']);
      const items = (
        JSON.parse(list.stdout) as {
          items: Array<{ kind: string; metadata: { name: string; generation: number } }>;
        }
      ).items;
      return Object.fromEntries(
        items
          .map((i) => [`${i.kind}/${i.metadata.name}`, i.metadata.generation] as const)
          .filter(([key]) => ours.has(key)),
      );
    };
    const before = await generations();
    const again = await kubectl(['apply', '-n', ns.name, '-f', '-'], await manifestOf(await exampleFiles()));
    expect(again.code).toBe(0);
    expect(await generations()).toEqual(before);
    expect(Object.keys(before)).toHaveLength((await exampleObjects()).length);
  });

  it('prints the printer columns for wn, wi, exp and ws, with status values', async () => {
    // Given a node whose status was written by a controller
    const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    await api.patchClusterCustomObjectStatus(
      {
        group: 'walt.dev',
        version: 'v1alpha1',
        plural: 'waltnodes',
        name: clusterName('vn1'),
        body: { status: { phase: 'Ready', ip: '192.168.152.20' } },
      },
      mergePatch,
    );
    // When the user lists the four kinds with the built kubectl
    const result = await kubectl(['get', 'wn,wi,exp,ws', '-n', ns.name]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    // Then each table has our columns
    expect(headerOf(result.stdout, 'waltnode.walt.dev')).toEqual([
      'NAME',
      'MODEL',
      'MAC',
      'IP',
      'IMAGE',
      'PHASE',
      'AGE',
    ]);
    expect(headerOf(result.stdout, 'waltimage.walt.dev')).toEqual([
      'NAME',
      'REF',
      'MODELS',
      'SIZE',
      'READY',
      'AGE',
    ]);
    expect(headerOf(result.stdout, 'experiment.walt.dev')).toEqual([
      'NAME',
      'IMAGE',
      'PHASE',
      'STARTED',
      'AGE',
    ]);
    expect(headerOf(result.stdout, 'waltsegment.walt.dev')).toEqual([
      'NAME',
      'INTERFACE',
      'SUBNET',
      'SERVER',
      'DHCP',
      'READY',
      'AGE',
    ]);
    // And the rows show spec and status values
    expect(result.stdout).toMatch(
      new RegExp(
        `waltnode\\.walt\\.dev/${clusterName('vn1')}\\s+pc-x86-64\\s+52:54:00:a1:b2:c3\\s+192\\.168\\.152\\.20\\s+default\\s+Ready`,
      ),
    );
    expect(result.stdout).toMatch(
      new RegExp(
        `waltsegment\\.walt\\.dev/${clusterName('lab')}\\s+walt-net\\s+192\\.168\\.152\\.0/22\\s+192\\.168\\.152\\.1\\s+authoritative`,
      ),
    );
  });

  it('lists everything with the walt category', async () => {
    const result = await kubectl(['get', 'walt', '-n', ns.name, '-o', 'name']);
    expect(result.code).toBe(0);
    const names = result.stdout.trim().split('\n').sort();
    expect(names).toEqual(
      expect.arrayContaining([
        'experiment.walt.dev/hello',
        'waltimage.walt.dev/debian-pc',
        `waltnode.walt.dev/${clusterName('vn1')}`,
        `waltsegment.walt.dev/${clusterName('lab')}`,
      ]),
    );
  });
});
