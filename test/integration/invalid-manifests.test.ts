// A table of invalid manifests: the real apiserver rejects each one, naming the field and what to fix.
import { stringify } from 'yaml';
import { kubectl, testNamespace, uniqueName } from './support/cluster.js';

type Manifest = { kind: string; metadata?: Record<string, unknown>; spec: Record<string, unknown> };

const segment = (spec: Record<string, unknown>): Manifest => ({
  kind: 'WaltSegment',
  spec: { interface: 'walt-net', subnet: '192.168.152.0/22', serverAddress: '192.168.152.1', ...spec },
});
const node = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Manifest => ({
  kind: 'WaltNode',
  metadata,
  spec: { mac: '52:54:00:12:34:56', model: 'pc-x86-64', segment: 'lab', ...spec },
});
const image = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Manifest => ({
  kind: 'WaltImage',
  metadata,
  spec: { ref: 'registry.example.org/walt/debian:bookworm', ...spec },
});
const experiment = (spec: Record<string, unknown>): Manifest => ({
  kind: 'Experiment',
  spec: {
    nodes: { names: ['vn1'] },
    image: 'debian-pc',
    steps: [{ name: 'hello', run: { command: ['true'] } }],
    ...spec,
  },
});

// [description, manifest, field path in the error, words of the message]
const CASES: Array<[string, Manifest, string, string]> = [
  [
    'MAC with a non-hex byte',
    node({ mac: '52:54:00:zz:00:01' }),
    'spec.mac',
    'six colon-separated hex bytes',
  ],
  ['broadcast MAC', node({ mac: 'FF:FF:FF:FF:FF:FF' }), 'spec.mac', 'broadcast'],
  ['missing MAC', node({ mac: undefined }), 'spec.mac', 'Required value'],
  ['unknown node model', node({ model: 'rpi-9' }), 'spec.model', 'supported values'],
  ['unknown boot mode', node({ bootMode: 'hybrid' }), 'spec.bootMode', 'supported values'],
  ['node name with a dot', node({}, { name: 'vn1.lab' }), 'metadata.name', 'host names'],
  [
    'qemu power on a physical node',
    node({ power: { driver: 'qemu' } }),
    'spec.power.driver',
    'only for virtual nodes',
  ],
  [
    'snmp-poe without a switch port',
    node({ power: { driver: 'snmp-poe' } }),
    'spec.power',
    'needs power.snmp',
  ],
  [
    'virtual node with a non-qemu MAC',
    node({ mac: 'dc:a6:32:01:02:03', power: { driver: 'qemu' }, virtual: {} }),
    'spec.mac',
    '52:54:00',
  ],
  [
    'image reference with a capital namespace',
    node({ image: 'Lab/debian' }),
    'spec.image',
    '"<namespace>/<WaltImage name>"',
  ],
  [
    'boot timeout under a minute',
    node({ settings: { bootTimeout: 30 } }),
    'spec.settings.bootTimeout',
    'at least 60 seconds',
  ],
  [
    'fractional VM memory',
    node({ power: { driver: 'qemu' }, virtual: { memory: '1.5G' } }),
    'spec.virtual.memory',
    'Mi or Gi',
  ],
  [
    'subnet with host bits set',
    segment({ subnet: '192.168.152.1/22' }),
    'spec.subnet',
    'host bits must be zero',
  ],
  ['subnet that is not a CIDR', segment({ subnet: '192.168.152.0' }), 'spec.subnet', 'CIDR form'],
  [
    'server outside the subnet',
    segment({ serverAddress: '10.0.0.1' }),
    'spec.serverAddress',
    'inside subnet',
  ],
  [
    'DHCP range outside the subnet',
    segment({ dhcp: { range: { start: '192.168.152.10', end: '192.168.160.1' } } }),
    'spec.dhcp.range',
    'inside subnet',
  ],
  [
    'DHCP range start after end',
    segment({ dhcp: { range: { start: '192.168.153.10', end: '192.168.152.200' } } }),
    'spec.dhcp.range',
    'start must not be after range end',
  ],
  [
    'DHCP range containing the server',
    segment({ dhcp: { range: { start: '192.168.152.1', end: '192.168.152.100' } } }),
    'spec.dhcp.range',
    'must not contain serverAddress',
  ],
  ['unknown DHCP mode', segment({ dhcp: { mode: 'relay' } }), 'spec.dhcp.mode', 'supported values'],
  [
    'interface name too long',
    segment({ interface: 'a-very-long-interface-name' }),
    'spec.interface',
    'Too long',
  ],
  [
    'lease time in words',
    segment({ dhcp: { leaseTime: 'one day' } }),
    'spec.dhcp.leaseTime',
    'duration such as',
  ],
  ['malformed OCI reference', image({ ref: 'Registry/UPPER::tag' }), 'spec.ref', 'OCI image reference'],
  ['image named "default"', image({}, { name: 'default' }), 'metadata.name', 'reserved'],
  [
    'recheck interval below a minute',
    image({ recheck: { policy: 'Periodic', interval: '10s' } }),
    'spec.recheck.interval',
    'at least 1m',
  ],
  [
    'image model override with an unknown model',
    image({ models: ['pc-x86-128'] }),
    'spec.models[0]',
    'supported values',
  ],
  [
    'step with two kinds',
    experiment({ steps: [{ name: 'x', run: { command: ['true'] }, reboot: {} }] }),
    'spec.steps[0]',
    'exactly one of boot, wait, run, copy, checkpoint, reboot',
  ],
  [
    'step with an unknown kind',
    experiment({ steps: [{ name: 'x', explode: {} }] }),
    'spec.steps[0].explode',
    'unknown field',
  ],
  [
    'two steps with one name',
    experiment({
      steps: [
        { name: 'x', run: { command: ['true'] } },
        { name: 'x', wait: { duration: '1s' } },
      ],
    }),
    'spec.steps[1]',
    'Duplicate value',
  ],
  [
    'names and a selector',
    experiment({ nodes: { names: ['vn1'], selector: {} } }),
    'spec.nodes',
    'exactly one of nodes.names or nodes.selector',
  ],
  [
    'count without a selector',
    experiment({ nodes: { names: ['vn1'], count: 2 } }),
    'spec.nodes.count',
    'only applies with nodes.selector',
  ],
  ['experiment timeout in words', experiment({ timeout: '1 hour' }), 'spec.timeout', 'duration such as'],
  [
    'negative wait',
    experiment({ steps: [{ name: 'x', wait: { duration: '-5s' } }] }),
    'spec.steps[0].wait.duration',
    'duration such as',
  ],
  [
    'experiment in a hybrid boot mode (not implemented)',
    experiment({ bootMode: 'hybrid-volatile' }),
    'spec.bootMode',
    'only network is supported for now',
  ],
  [
    'experiment saving an image (not implemented)',
    experiment({ keep: { savedImage: 'after' } }),
    'spec.keep.savedImage',
    'keep.savedImage is not implemented yet',
  ],
];

function toYaml(manifest: Manifest, name: string): string {
  return stringify({
    apiVersion: 'walt.dev/v1alpha1',
    kind: manifest.kind,
    metadata: { name, ...manifest.metadata },
    spec: manifest.spec,
  });
}

describe('invalid manifests are rejected with the field path and a fix', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  beforeAll(async () => {
    ns = await testNamespace('invalid');
  });
  afterAll(async () => {
    await ns.remove();
  });

  it('has at least 15 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES)('%s', async (_, manifest, field, words) => {
    const result = await kubectl(['create', '-n', ns.name, '-f', '-'], toYaml(manifest, uniqueName('bad')));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(field);
    expect(result.stderr).toContain(words);
  });

  it('accepts the valid baseline of each kind (so the rejections above are about the broken field)', async () => {
    for (const manifest of [segment({}), node({}), image({}), experiment({})]) {
      const name = uniqueName('good');
      const created = await kubectl(['create', '-n', ns.name, '-f', '-'], toYaml(manifest, name));
      expect(created).toMatchObject({ code: 0 });
      await kubectl([
        'delete',
        '-n',
        ns.name,
        manifest.kind.toLowerCase() + '.walt.dev',
        name,
        '--wait=false',
      ]);
    }
  });
});
