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
type Case = [string, Manifest, string, string];

// The first table, kept as written when the schemas first got their rules.
const FIRST_CASES: Case[] = [
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
    'experiment saving an image under a name longer than a tag allows (with -<node>)',
    experiment({ keep: { savedImage: 'a'.repeat(65) } }),
    'spec.keep.savedImage',
    'Too long',
  ],
];

const names = (n: number, prefix = 'vn'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const label63 = 'a'.repeat(63);
const run = (command: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'x',
  run: { command, ...extra },
});
const selectorOf = (selector: Record<string, unknown>): Manifest =>
  experiment({ nodes: { selector, count: 1 } });
const vm = (virtual: Record<string, unknown>): Manifest => node({ power: { driver: 'qemu' }, virtual });
const community = { name: 'snmp', namespace: 'walt-system', key: 'community' };
const snmp = (extra: Record<string, unknown>): Manifest =>
  node({
    power: {
      driver: 'snmp-poe',
      snmp: { switch: 'poe-1', port: 7, communitySecretRef: community, ...extra },
    },
  });
const v3 = { user: 'walt', authKeySecretRef: community };
const switches = (list: Record<string, unknown>[]): Manifest =>
  segment({ topology: { switches: list.map((sw) => ({ communitySecretRef: community, ...sw })) } });

// Cases of issue 12 ("schemas that say no"): bounds, syntaxes and references inside one object.
const BOUNDS_CASES: Case[] = [
  // WaltNode: MACs (one lowercase unicast form)
  ['uppercase MAC', node({ mac: 'DC:A6:32:01:02:03' }), 'spec.mac', 'lowercase'],
  ['IPv4 multicast MAC', node({ mac: '01:00:5e:00:00:01' }), 'spec.mac', 'unicast'],
  ['IPv6 multicast MAC', node({ mac: '33:33:00:00:00:01' }), 'spec.mac', 'unicast'],
  ['all-zero MAC', node({ mac: '00:00:00:00:00:00' }), 'spec.mac', 'all-zero'],
  ['MAC with dashes', node({ mac: '52-54-00-12-34-56' }), 'spec.mac', 'six colon-separated hex bytes'],
  ['MAC of seven bytes', node({ mac: '52:54:00:12:34:56:78' }), 'spec.mac', 'Too long'],
  // WaltNode: references, numbers and strings
  ['segment name with capitals', node({ segment: 'Lab' }), 'spec.segment', 'Kubernetes object name'],
  ['image name with capitals', node({ image: 'lab/Debian' }), 'spec.image', '"<namespace>/<WaltImage name>"'],
  [
    'boot timeout above a day',
    node({ settings: { bootTimeout: 86401 } }),
    'spec.settings.bootTimeout',
    'less than or equal to 86400',
  ],
  [
    'boot retries above 1000',
    node({ settings: { bootRetries: 1001 } }),
    'spec.settings.bootRetries',
    'less than or equal to 1000',
  ],
  [
    'negative boot retries',
    node({ settings: { bootRetries: -1 } }),
    'spec.settings.bootRetries',
    'greater than or equal to 0',
  ],
  [
    'exposed port past 65535',
    node({ settings: { expose: ['80:70000'] } }),
    'spec.settings.expose[0]',
    'each 1 to 65535',
  ],
  [
    'exposed port 0',
    node({ settings: { expose: ['0:8080'] } }),
    'spec.settings.expose[0]',
    'each 1 to 65535',
  ],
  [
    'seventeen exposed ports',
    node({ settings: { expose: names(17).map((_, i) => `${i + 1}:${i + 1}`) } }),
    'spec.settings.expose',
    'must have at most 16 items',
  ],
  ['switch port 0', snmp({ port: 0 }), 'spec.power.snmp.port', 'greater than or equal to 1'],
  ['switch port 4097', snmp({ port: 4097 }), 'spec.power.snmp.port', 'less than or equal to 4096'],
  ['switch name with a space', snmp({ switch: 'poe switch' }), 'spec.power.snmp.switch', 'host name'],
  [
    'community secret key with a slash',
    snmp({ communitySecretRef: { name: 'snmp', namespace: 'walt-system', key: 'a/b' } }),
    'spec.power.snmp.communitySecretRef.key',
    'Secret data key',
  ],
  [
    'SNMP v1/v2c without a community',
    snmp({ communitySecretRef: undefined }),
    'spec.power.snmp.communitySecretRef',
    'need communitySecretRef',
  ],
  ['SNMP v3 without its user', snmp({ version: '3' }), 'spec.power.snmp.v3', 'version 3 needs v3'],
  [
    'SNMP v3 privacy without a key',
    snmp({ version: '3', v3: { ...v3, privProtocol: 'aes' } }),
    'spec.power.snmp.v3.privKeySecretRef',
    'both privProtocol and privKeySecretRef',
  ],
  [
    'SNMP v3 user of 33 characters',
    snmp({ version: '3', v3: { ...v3, user: 'u'.repeat(33) } }),
    'spec.power.snmp.v3.user',
    'may not be more than 32',
  ],
  [
    'unknown SNMP auth protocol',
    snmp({ version: '3', v3: { ...v3, authProtocol: 'sha1' } }),
    'spec.power.snmp.v3.authProtocol',
    'supported values',
  ],
  ['PSE group 65', snmp({ group: 65 }), 'spec.power.snmp.group', 'less than or equal to 64'],
  ['SNMP agent port 0', snmp({ agentPort: 0 }), 'spec.power.snmp.agentPort', 'greater than or equal to 1'],
  [
    'a topology switch address with a space',
    switches([{ name: 'sw1', address: 'sw 1' }]),
    'spec.topology.switches[0].address',
    'host name',
  ],
  [
    'a topology switch without credentials',
    switches([{ name: 'sw1', address: 'sw1', communitySecretRef: undefined }]),
    'spec.topology.switches[0].communitySecretRef',
    'need communitySecretRef',
  ],
  [
    'two topology switches of one name',
    switches([
      { name: 'sw1', address: 'a' },
      { name: 'sw1', address: 'b' },
    ]),
    'spec.topology.switches[1]',
    'Duplicate value',
  ],
  [
    '65 topology switches',
    switches(names(65).map((name) => ({ name, address: name }))),
    'spec.topology.switches',
    'must have at most 64 items',
  ],
  [
    'webhook over ftp',
    node({ power: { driver: 'webhook', webhook: { url: 'ftp://power.lab/vn1' } } }),
    'spec.power.webhook.url',
    'http:// or https://',
  ],
  [
    'webhook URL with an unknown placeholder',
    node({ power: { driver: 'webhook', webhook: { url: 'http://pdu.lab/{{port}}' } } }),
    'spec.power.webhook.url',
    '{{node}}, {{mac}} and {{action}}',
  ],
  [
    'webhook body with an unknown placeholder',
    node({ power: { driver: 'webhook', webhook: { url: 'http://pdu.lab/', body: '{"p":"{{ port }}"}' } } }),
    'spec.power.webhook.body',
    '{{node}}, {{mac}} and {{action}}',
  ],
  [
    'webhook body over 4 KiB',
    node({ power: { driver: 'webhook', webhook: { url: 'http://pdu.lab/', body: 'x'.repeat(4097) } } }),
    'spec.power.webhook.body',
    'may not be more than 4096',
  ],
  [
    'webhook auth header that is not a header name',
    node({ power: { driver: 'webhook', webhook: { url: 'http://pdu.lab/', authHeader: 'X-Key: 1' } } }),
    'spec.power.webhook.authHeader',
    'HTTP header name',
  ],
  [
    'webhook timeout over a minute',
    node({ power: { driver: 'webhook', webhook: { url: 'http://pdu.lab/', timeout: '2m' } } }),
    'spec.power.webhook.timeout',
    '60s',
  ],
  ['65 virtual CPUs', vm({ cpus: 65 }), 'spec.virtual.cpus', 'less than or equal to 64'],
  ['VM memory above 1024Gi', vm({ memory: '2048Gi' }), 'spec.virtual.memory', 'at most 1024Gi'],
  ['VM memory below 64Mi', vm({ memory: '32Mi' }), 'spec.virtual.memory', 'at least 64Mi'],
  ['VM disk above 64Ti', vm({ disks: [{ size: '65Ti' }] }), 'spec.virtual.disks[0].size', 'at most 64Ti'],
  [
    'nine VM disks',
    vm({ disks: names(9).map(() => ({ size: '1Gi' })) }),
    'spec.virtual.disks',
    'must have at most 8 items',
  ],
  [
    'unknown disk template',
    vm({ disks: [{ size: '1Gi', template: 'ntfs' }] }),
    'spec.virtual.disks[0].template',
    'supported values',
  ],
  [
    'bandwidth above 400Gbps',
    vm({ networks: [{ name: 'lab', bandwidth: '401Gbps' }] }),
    'spec.virtual.networks[0].bandwidth',
    'at most 400Gbps',
  ],
  [
    'latency above 10s',
    vm({ networks: [{ name: 'lab', latency: '11s' }] }),
    'spec.virtual.networks[0].latency',
    'at most 10s',
  ],
  ['boot delay above an hour', vm({ bootDelay: '2h' }), 'spec.virtual.bootDelay', 'at most 1h'],
  ['boot delay of 597 h', vm({ bootDelay: '597h' }), 'spec.virtual.bootDelay', 'at most 1h'],
  ['duration with 6 digits', vm({ bootDelay: '999999s' }), 'spec.virtual.bootDelay', 'duration such as'],
  [
    'description past 1024 characters',
    node({ description: 'd'.repeat(1025) }),
    'spec.description',
    'Too long',
  ],
  ['node name of 64 characters', node({}, { name: 'n'.repeat(64) }), 'metadata.name', 'Too long'],
  // WaltSegment
  ['domain with an underscore', segment({ domain: 'lab_net' }), 'spec.domain', 'must be a DNS name'],
  [
    'domain with a 64-character label',
    segment({ domain: `${'a'.repeat(64)}.org` }),
    'spec.domain',
    'DNS name',
  ],
  ['domain with capitals', segment({ domain: 'Lab.Example.org' }), 'spec.domain', 'DNS name'],
  ['domain ending in a dot', segment({ domain: 'lab.' }), 'spec.domain', 'DNS name'],
  [
    'lease time above a week',
    segment({ dhcp: { leaseTime: '169h' } }),
    'spec.dhcp.leaseTime',
    'at most 168h',
  ],
  ['lease time of 597 h', segment({ dhcp: { leaseTime: '597h' } }), 'spec.dhcp.leaseTime', 'at most 168h'],
  [
    'lease time under a minute',
    segment({ dhcp: { leaseTime: '30s' } }),
    'spec.dhcp.leaseTime',
    'at least 1m',
  ],
  [
    'five DNS servers',
    segment({ dnsServers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4', '1.1.1.5'] }),
    'spec.dnsServers',
    'must have at most 4 items',
  ],
  [
    'a DNS server twice',
    segment({ dnsServers: ['1.1.1.1', '1.1.1.1'] }),
    'spec.dnsServers[1]',
    'Duplicate value',
  ],
  ['a DNS server that is a name', segment({ dnsServers: ['dns.lab'] }), 'spec.dnsServers[0]', 'IPv4 address'],
  ['gateway outside the subnet', segment({ gateway: '10.0.0.1' }), 'spec.gateway', 'inside subnet'],
  [
    'server on the network address',
    segment({ serverAddress: '192.168.152.0' }),
    'spec.serverAddress',
    'not the network address',
  ],
  ['subnet of /31', segment({ subnet: '192.168.152.0/31' }), 'spec.subnet', 'between /8 and /30'],
  ['IPv6 subnet', segment({ subnet: 'fd00::/64' }), 'spec.subnet', 'IPv4 network'],
  ['IPv6 server address', segment({ serverAddress: 'fd00::1' }), 'spec.serverAddress', 'IPv4 address'],
  ['interface name with a slash', segment({ interface: 'eth/0' }), 'spec.interface', 'Linux interface name'],
  [
    'DHCP range start that is no address',
    segment({ dhcp: { range: { start: 'first', end: '192.168.152.200' } } }),
    'spec.dhcp.range.start',
    'IPv4 address',
  ],
  [
    'DHCP range end past 255',
    segment({ dhcp: { range: { start: '192.168.152.10', end: '192.168.152.300' } } }),
    'spec.dhcp.range.end',
    'IPv4 address',
  ],
  ['NAT switch as a string', segment({ nat: { enabled: 'sometimes' } }), 'spec.nat.enabled', 'boolean'],
  ['unknown segment field', segment({ vlan: 12 }), 'spec.vlan', 'unknown field'],
  // WaltImage
  [
    'registry port 99999',
    image({ ref: 'registry.example.org:99999/walt/debian:bookworm' }),
    'spec.ref',
    'OCI image reference',
  ],
  [
    'registry port 0',
    image({ ref: 'registry.example.org:0/walt/debian' }),
    'spec.ref',
    'OCI image reference',
  ],
  [
    'reference past 512 characters',
    image({ ref: `r.example.org/${'a'.repeat(500)}` }),
    'spec.ref',
    'Too long',
  ],
  [
    'digest of 63 hex digits',
    image({ ref: `walt/debian@sha256:${'a'.repeat(63)}` }),
    'spec.ref',
    'OCI image',
  ],
  [
    'recheck interval above 30 days',
    image({ recheck: { policy: 'Periodic', interval: '721h' } }),
    'spec.recheck.interval',
    'at most 720h',
  ],
  [
    'recheck policy Always',
    image({ recheck: { policy: 'Always' } }),
    'spec.recheck.policy',
    'supported values',
  ],
  [
    'pull secret name with an underscore',
    image({ pullSecret: { name: 'my_secret' } }),
    'spec.pullSecret.name',
    'Kubernetes object name',
  ],
  ['empty model override', image({ models: [] }), 'spec.models', 'should have at least 1 items'],
  ['a model twice', image({ models: ['rpi-4-b', 'rpi-4-b'] }), 'spec.models[1]', 'Duplicate value'],
  [
    'insecureRegistry as a string',
    image({ insecureRegistry: 'sometimes' }),
    'spec.insecureRegistry',
    'boolean',
  ],
  // Experiment: step targets (CEL over the whole spec)
  [
    'run step on an unclaimed node',
    experiment({ steps: [run(['true'], { nodes: ['vn2'] })] }),
    'spec.steps',
    'a run step names a node that nodes.names does not claim',
  ],
  [
    'reboot step on an unclaimed node',
    experiment({ steps: [{ name: 'r', reboot: { nodes: ['vn1', 'vn9'] } }] }),
    'spec.steps',
    'a reboot step names a node that nodes.names does not claim',
  ],
  [
    'boot step on an unclaimed node',
    experiment({ steps: [{ name: 'b', boot: { nodes: ['other'] } }] }),
    'spec.steps',
    'a boot step names a node',
  ],
  [
    'copy step on an unclaimed node',
    experiment({
      steps: [
        {
          name: 'c',
          copy: { nodes: ['vn3'], direction: 'fromNode', source: '/etc/hostname', destination: 'h' },
        },
      ],
    }),
    'spec.steps',
    'a copy step names a node',
  ],
  // Experiment: commands, durations and counts
  ['empty program', experiment({ steps: [run([''])] }), 'spec.steps[0].run.command', 'must not be empty'],
  ['blank program', experiment({ steps: [run(['  '])] }), 'spec.steps[0].run.command', 'must not be empty'],
  ['no command at all', experiment({ steps: [run([])] }), 'spec.steps[0].run.command', 'at least 1 items'],
  [
    '129 command arguments',
    experiment({ steps: [run(names(129, 'arg'))] }),
    'spec.steps[0].run.command',
    'must have at most 128 items',
  ],
  [
    'command timeout above a day (the agent’s maximum)',
    experiment({ steps: [run(['true'], { timeout: '25h' })] }),
    'spec.steps[0].run.timeout',
    'at most 24h',
  ],
  [
    'expected exit code 256',
    experiment({ steps: [run(['true'], { expectExitCode: 256 })] }),
    'spec.steps[0].run.expectExitCode',
    'less than or equal to 255',
  ],
  ['experiment timeout above 30 days', experiment({ timeout: '721h' }), 'spec.timeout', 'at most 720h'],
  [
    'experiment timeout of 5 digits too many',
    experiment({ timeout: '1000000h' }),
    'spec.timeout',
    'duration such as',
  ],
  ['boot timeout under 10 s', experiment({ boot: { timeout: '5s' } }), 'spec.boot.timeout', 'at least 10s'],
  ['boot timeout above a day', experiment({ boot: { timeout: '25h' } }), 'spec.boot.timeout', 'at most 24h'],
  [
    '101 boot retries',
    experiment({ boot: { retries: 101 } }),
    'spec.boot.retries',
    'less than or equal to 100',
  ],
  [
    'wait above a week',
    experiment({ steps: [{ name: 'w', wait: { duration: '169h' } }] }),
    'spec.steps[0].wait.duration',
    'at most 168h',
  ],
  [
    '65 steps',
    experiment({ steps: names(65, 's').map((name) => ({ name, wait: { duration: '1s' } })) }),
    'spec.steps',
    'must have at most 64 items',
  ],
  [
    'step name with capitals',
    experiment({ steps: [{ ...run(['true']), name: 'Hello' }] }),
    'spec.steps[0].name',
    'step name must',
  ],
  [
    'checkpoint name starting with "-"',
    experiment({ steps: [{ name: 'c', checkpoint: { name: '-x' } }] }),
    'spec.steps[0].checkpoint.name',
    'checkpoint names',
  ],
  ['image name with capitals', experiment({ image: 'Debian' }), 'spec.image', 'Kubernetes object name'],
  // Experiment: copy paths
  [
    'copy toNode from a file path',
    experiment({
      steps: [{ name: 'c', copy: { direction: 'toNode', source: '/etc/passwd', destination: '/tmp/p' } }],
    }),
    'spec.steps[0].copy.source',
    'configmap:<ConfigMap name>/<key>',
  ],
  [
    'copy toNode to a relative path',
    experiment({
      steps: [
        {
          name: 'c',
          copy: { direction: 'toNode', source: 'configmap:app/app.json', destination: 'app.json' },
        },
      ],
    }),
    'spec.steps[0].copy.destination',
    'absolute destination path',
  ],
  [
    'copy fromNode of a relative path',
    experiment({
      steps: [{ name: 'c', copy: { direction: 'fromNode', source: 'var/log', destination: 'logs' } }],
    }),
    'spec.steps[0].copy.source',
    'absolute source path',
  ],
  // Experiment: node claims and label selectors
  [
    '129 claimed names',
    experiment({ nodes: { names: names(129) } }),
    'spec.nodes.names',
    'must have at most 128 items',
  ],
  [
    'a claimed name twice',
    experiment({ nodes: { names: ['vn1', 'vn1'] } }),
    'spec.nodes.names[1]',
    'Duplicate value',
  ],
  [
    'claimed name with capitals',
    experiment({ nodes: { names: ['VN1'] } }),
    'spec.nodes.names[0]',
    'node name must',
  ],
  [
    'selector count 257',
    experiment({ nodes: { selector: {}, count: 257 } }),
    'spec.nodes.count',
    'less than or equal to 256',
  ],
  [
    'selector count 0',
    experiment({ nodes: { selector: {}, count: 0 } }),
    'spec.nodes.count',
    'greater than or equal to 1',
  ],
  [
    'selector key with a space',
    selectorOf({ matchExpressions: [{ key: 'walt pool', operator: 'Exists' }] }),
    'spec.nodes.selector.matchExpressions[0].key',
    'must be a label key',
  ],
  [
    'selector In without values',
    selectorOf({ matchExpressions: [{ key: 'pool', operator: 'In' }] }),
    'spec.nodes.selector.matchExpressions[0].values',
    'In and NotIn need a non-empty values list',
  ],
  [
    'selector NotIn with an empty list',
    selectorOf({ matchExpressions: [{ key: 'pool', operator: 'NotIn', values: [] }] }),
    'spec.nodes.selector.matchExpressions[0].values',
    'need a non-empty values list',
  ],
  [
    'selector Exists with values',
    selectorOf({ matchExpressions: [{ key: 'pool', operator: 'Exists', values: ['a'] }] }),
    'spec.nodes.selector.matchExpressions[0].values',
    'take no values',
  ],
  [
    'selector operator Gt',
    selectorOf({ matchExpressions: [{ key: 'cpus', operator: 'Gt', values: ['2'] }] }),
    'spec.nodes.selector.matchExpressions[0].operator',
    'supported values',
  ],
  [
    'selector value with a space',
    selectorOf({ matchExpressions: [{ key: 'pool', operator: 'In', values: ['a b'] }] }),
    'spec.nodes.selector.matchExpressions[0].values[0]',
    'must be a label value',
  ],
  [
    'matchLabels value of 64 characters',
    selectorOf({ matchLabels: { pool: 'v'.repeat(64) } }),
    'spec.nodes.selector.matchLabels',
    'Too long',
  ],
  [
    'matchLabels value with a slash',
    selectorOf({ matchLabels: { pool: 'a/b' } }),
    'spec.nodes.selector.matchLabels',
    'must be a label value',
  ],
  [
    'matchLabels key with a space',
    selectorOf({ matchLabels: { 'walt pool': 'a' } }),
    'spec.nodes.selector.matchLabels',
    'matchLabels keys must be label keys',
  ],
  [
    'matchLabels key of an empty name after the prefix',
    selectorOf({ matchLabels: { 'walt.dev/': 'a' } }),
    'spec.nodes.selector.matchLabels',
    'matchLabels keys must be label keys',
  ],
  [
    '33 matchLabels',
    selectorOf({ matchLabels: Object.fromEntries(names(33, 'k').map((k) => [k, 'v'])) }),
    'spec.nodes.selector.matchLabels',
    'must have at most 32 items',
  ],
  [
    '17 selector expressions',
    selectorOf({ matchExpressions: names(17, 'k').map((key) => ({ key, operator: 'Exists' })) }),
    'spec.nodes.selector.matchExpressions',
    'must have at most 16 items',
  ],
];

const CASES: Case[] = [...FIRST_CASES, ...BOUNDS_CASES];

// [description, manifest]: each bound itself is accepted (the maxima are ones the code honours).
const BOUNDARY_CASES: Array<[string, Manifest]> = [
  [
    'a webhook with every placeholder and field at its maximum',
    node({
      mac: 'dc:a6:32:00:00:42',
      power: {
        driver: 'webhook',
        webhook: {
          url: `https://pdu.lab/${'p'.repeat(2004)}/{{node}}/{{mac}}/{{action}}`,
          method: 'PUT',
          body: `{"n":"{{node}}","m":"{{mac}}","a":"{{action}}","pad":"${'x'.repeat(4096 - 56)}"}`,
          contentType: 'application/x-www-form-urlencoded; charset=utf-8',
          timeout: '60s',
          authHeader: 'X-Api-Key',
          secretRef: { name: 'walt-power-lab', namespace: 'walt-system', key: 'pdu' },
        },
      },
    }),
  ],
  [
    'a node at every maximum',
    node(
      {
        mac: '52:54:00:ff:ff:ff',
        description: 'd'.repeat(1024),
        power: { driver: 'qemu' },
        settings: {
          bootTimeout: 86400,
          bootRetries: 1000,
          expose: names(16).map((_, i) => `${65535 - i}:${i + 1}`),
        },
        virtual: {
          cpus: 64,
          memory: '1024Gi',
          disks: names(8).map(() => ({ size: '64Ti' })),
          networks: [{ name: 'lab', latency: '10s', bandwidth: '400Gbps' }],
          bootDelay: '1h',
        },
      },
      { name: 'n'.repeat(63) },
    ),
  ],
  [
    'a node at every minimum',
    node({ mac: '02:00:00:00:00:01', settings: { bootTimeout: 0, bootRetries: 0 } }),
  ],
  ['a locally administered unicast MAC', node({ mac: 'fe:ff:ff:ff:ff:ff' })],
  ['a VM at its smallest', vm({ cpus: 1, memory: '64Mi', disks: [{ size: '1Gi' }], bootDelay: '0s' })],
  [
    'a switch port at both ends',
    node({
      power: {
        driver: 'snmp-poe',
        snmp: {
          switch: '192.168.152.2',
          port: 4096,
          group: 64,
          agentPort: 65535,
          communitySecretRef: community,
        },
      },
    }),
  ],
  [
    'a PoE node over SNMP v3 with privacy and no port (the topology finds it)',
    node({
      power: {
        driver: 'snmp-poe',
        snmp: {
          switch: 'poe-1',
          version: '3',
          v3: {
            ...v3,
            user: 'u'.repeat(32),
            authProtocol: 'sha512',
            privProtocol: 'aes256r',
            privKeySecretRef: community,
          },
        },
      },
    }),
  ],
  ['a segment with 64 topology switches', switches(names(64).map((name) => ({ name, address: name })))],
  [
    'a segment at every maximum',
    segment({
      domain: [label63, label63, label63, 'a'.repeat(61)].join('.'),
      dnsServers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'],
      dhcp: { leaseTime: '168h', range: { start: '192.168.152.2', end: '192.168.155.254' } },
    }),
  ],
  [
    'a segment with the shortest lease and a /8',
    segment({ subnet: '10.0.0.0/8', serverAddress: '10.0.0.1', dhcp: { leaseTime: '1m' } }),
  ],
  ['a segment on a /30', segment({ subnet: '192.168.152.0/30', serverAddress: '192.168.152.1' })],
  [
    'an image rechecked every 720 h from a registry on port 65535',
    image({
      ref: 'registry.example.org:65535/walt/debian:bookworm',
      recheck: { policy: 'Periodic', interval: '720h' },
    }),
  ],
  [
    'an image rechecked every 597 h (past setTimeout’s range)',
    image({ recheck: { policy: 'Periodic', interval: '597h' } }),
  ],
  ['an image by digest', image({ ref: `walt/debian@sha256:${'a'.repeat(64)}` })],
  [
    'an experiment at every maximum, claiming by names',
    experiment({
      nodes: { names: names(128) },
      boot: { timeout: '24h', retries: 100 },
      timeout: '720h',
      steps: [
        ...names(60, 's').map((name) => ({
          name,
          run: { nodes: names(64), command: ['true'], timeout: '24h' },
        })),
        { name: 'reboot', reboot: { nodes: names(64) } },
        { name: 'boot', boot: { nodes: ['vn127'] } },
        { name: 'wait', wait: { duration: '168h' } },
        {
          name: 'copy',
          copy: {
            nodes: ['vn0'],
            direction: 'toNode',
            source: 'configmap:app.conf/app.json',
            destination: '/etc/app/app.json',
          },
        },
      ],
    }),
  ],
  [
    'an experiment with every selector form at its maximum',
    experiment({
      nodes: {
        count: 256,
        selector: {
          matchLabels: {
            ...Object.fromEntries(names(31, 'k').map((k) => [`walt.dev/${k}`, 'v'.repeat(63)])),
            // The longest key: a 253-character prefix and a 63-character name (317 in all).
            [`${'p'.repeat(253 - 9)}.walt.dev/${label63}`]: '',
          },
          matchExpressions: [
            { key: 'walt.dev/pool', operator: 'In', values: names(64, 'v') },
            { key: 'walt.dev/state', operator: 'NotIn', values: ['broken'] },
            { key: 'gpu', operator: 'Exists' },
            { key: 'walt.dev/retired', operator: 'DoesNotExist' },
          ],
        },
      },
      steps: [{ name: 'hello', run: { command: ['sh', '-c', ''], expectExitCode: 255 } }],
    }),
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

  it('has at least 60 cases of issue 12 on all four kinds', () => {
    expect(BOUNDS_CASES.length).toBeGreaterThanOrEqual(60);
    const kinds = new Set(BOUNDS_CASES.map(([, manifest]) => manifest.kind));
    expect([...kinds].sort()).toEqual(['Experiment', 'WaltImage', 'WaltNode', 'WaltSegment']);
  });

  it.each(CASES)('%s', async (_, manifest, field, words) => {
    const result = await kubectl(['create', '-n', ns.name, '-f', '-'], toYaml(manifest, uniqueName('bad')));
    // kubectl's exit status for a request the apiserver refused
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(field);
    expect(result.stderr).toContain(words);
  });

  it.each(BOUNDARY_CASES)('accepts %s', async (_, manifest) => {
    const name = (manifest.metadata?.name as string | undefined) ?? uniqueName('edge');
    const created = await kubectl(['create', '-n', ns.name, '-f', '-'], toYaml(manifest, name));
    expect(created).toMatchObject({ code: 0, stderr: '' });
    await kubectl(['delete', '-n', ns.name, `${manifest.kind.toLowerCase()}.walt.dev`, name, '--wait=false']);
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
