// The kustomize layout of examples/kustomize: the base holds exactly the objects of examples/*.yaml, the
// overlay builds with the real kubectl's kustomize, changes what it says, and every object of both
// passes the real apiserver's validation in a server-side dry run (as Flux and Argo CD apply them).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { kubectl, testNamespace } from './support/cluster.js';

const examples = path.resolve(import.meta.dirname, '..', '..', 'examples');
const base = path.join(examples, 'kustomize', 'base');
const overlay = path.join(examples, 'kustomize', 'overlays', 'team-a');

interface Obj {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown> & {
    ref?: string;
    insecureRegistry?: boolean;
    virtual?: { memory?: string };
    timeout?: string;
  };
}

async function build(dir: string): Promise<{ text: string; objects: Obj[] }> {
  const out = await kubectl(['kustomize', dir]);
  expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
  return { text: out.stdout, objects: parseAllDocuments(out.stdout).map((d) => d.toJS() as Obj) };
}

const byKind = (objects: Obj[]): Record<string, Obj> => Object.fromEntries(objects.map((o) => [o.kind, o]));

describe('examples/kustomize', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  beforeAll(async () => {
    ns = await testNamespace('kustomize');
  });
  afterAll(async () => {
    await ns.remove();
  });

  it('has a base equal to examples/{segment,image,vnode,experiment}.yaml', async () => {
    const { objects } = await build(base);
    const expected: Obj[] = [];
    for (const file of ['segment', 'image', 'vnode', 'experiment']) {
      expected.push(parse(await readFile(path.join(examples, `${file}.yaml`), 'utf8')) as Obj);
    }
    expect(byKind(objects)).toEqual(byKind(expected));
    expect(objects).toHaveLength(4);
  });

  it('has an overlay that relabels everything and patches the image, the node and the experiment', async () => {
    const { objects } = await build(overlay);
    const base4 = byKind((await build(base)).objects);
    const kinds = byKind(objects);
    for (const o of objects) expect(o.metadata.labels).toMatchObject({ 'walt.dev/team': 'team-a' });
    expect(kinds.WaltImage!.spec.ref).toBe('registry.team-a.example.org/walt/pc-x86-64-default:bookworm');
    expect(kinds.WaltImage!.spec.insecureRegistry).toBeUndefined();
    expect(kinds.WaltNode!.spec.virtual!.memory).toBe('2Gi');
    expect(kinds.Experiment!.spec.timeout).toBe('1h');
    // What the overlay does not name stays the base's.
    expect(kinds.WaltSegment!.spec).toEqual(base4.WaltSegment!.spec);
    expect(kinds.WaltNode!.spec.segment).toBe(base4.WaltNode!.spec.segment);
  });

  it.each([
    ['base', base],
    ['overlay team-a', overlay],
  ])('applies the %s to the apiserver (server-side, dry run)', async (_name, dir) => {
    const { text, objects } = await build(dir);
    const applied = await kubectl(
      [
        'apply',
        '--dry-run=server',
        '--server-side',
        '--field-manager=walt-kustomize-test',
        '-n',
        ns.name,
        '-f',
        '-',
      ],
      text,
    );
    expect({ code: applied.code, stderr: applied.stderr }).toEqual({ code: 0, stderr: '' });
    expect(applied.stdout.trim().split('\n')).toHaveLength(objects.length);
  });
});
