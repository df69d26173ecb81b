// WaltNode: a physical or virtual machine that network-boots on a segment (cluster-scoped).
import { Type, type Static, type TString } from '@sinclair/typebox';
import { StatusBase } from './conditions.js';
import {
  BootModeField,
  Count,
  DnsLabel,
  Duration,
  MacAddress,
  NETSETUPS,
  NodeModelField,
  ObjectName,
  POWER_DRIVERS,
  PORT_REGEX,
  Ipv4Address,
} from './fields.js';
import { cel, celString, MapList, MatchingString, StringEnum, Timestamp } from './schema-helpers.js';

export const NODE_PHASES = ['Pending', 'Booting', 'Ready', 'Down', 'Failed'] as const;

// "default" (the default image of the node's model) or "<namespace>/<WaltImage name>".
export const NODE_IMAGE_REGEX =
  '^(default|[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$';

const DISK_TEMPLATES = ['none', 'ext4', 'fat32', 'hybrid-boot-v', 'hybrid-boot-p'] as const;

const SecretKeyRef = Type.Object({
  name: ObjectName('secret name'),
  namespace: DnsLabel('secret namespace'),
  key: MatchingString(
    '^[-._a-zA-Z0-9]+$',
    'secret key must be letters, digits, "-", "_" or "." (a Secret data key)',
    253,
    { minLength: 1 },
  ),
});

// The placeholders a webhook's URL and body may hold; anything else between {{ }} is refused.
const WEBHOOK_TEMPLATE_RULE = {
  rule: "self.replace('{{node}}', '').replace('{{mac}}', '').replace('{{action}}', '').indexOf('{{') < 0",
  message: 'the only placeholders are {{node}}, {{mac}} and {{action}}',
};

const Webhook = Type.Object({
  url: Type.String({
    maxLength: 2048,
    description: 'Called once per power operation; may hold {{node}}, {{mac}}, {{action}} (on/off).',
    ...cel(
      {
        rule: `self.matches(${celString('^https?://[^\\s]+$')})`,
        message: 'must be an http:// or https:// URL',
      },
      WEBHOOK_TEMPLATE_RULE,
    ),
  }),
  method: StringEnum(['POST', 'PUT', 'GET'] as const, { default: 'POST' }),
  body: Type.Optional(
    Type.String({
      maxLength: 4096,
      description:
        'Request body template (not sent with GET); default {"node":"{{node}}","mac":"{{mac}}","action":"{{action}}"}.',
      ...cel(WEBHOOK_TEMPLATE_RULE),
    }),
  ),
  contentType: MatchingString(
    '^[a-zA-Z0-9!#$&^_.+-]+/[a-zA-Z0-9!#$&^_.+-]+(;[ -~]*)?$',
    'contentType must be a media type, e.g. application/json',
    128,
    { default: 'application/json' },
  ),
  timeout: Duration('1s', '60s', { default: '10s', description: 'Time allowed for one call.' }),
  authHeader: MatchingString(
    "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
    'authHeader must be an HTTP header name, e.g. Authorization',
    64,
    { default: 'Authorization', description: 'Header that carries the value of secretRef.' },
  ),
  secretRef: Type.Optional(SecretKeyRef),
});

// SNMP credentials: v1/v2c a community, v3 a user with authentication (and privacy) keys, each read
// from a Secret of the agent namespace when the driver acts (agents/snmp/credentials.ts).
export const SNMP_VERSIONS = ['1', '2c', '3'] as const;
export const SNMP_AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const SNMP_PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;

const SnmpV3 = Type.Object(
  {
    user: MatchingString(
      '^[!-~]+$',
      'v3.user must be printable ASCII without spaces (the USM user name)',
      32,
      { minLength: 1 },
    ),
    authProtocol: StringEnum(SNMP_AUTH_PROTOCOLS, { default: 'sha' }),
    authKeySecretRef: SecretKeyRef,
    privProtocol: Type.Optional(StringEnum(SNMP_PRIV_PROTOCOLS)),
    privKeySecretRef: Type.Optional(SecretKeyRef),
  },
  {
    description:
      'SNMPv3 user (security level authNoPriv, or authPriv with privProtocol and privKeySecretRef).',
    ...cel({
      rule: 'has(self.privProtocol) == has(self.privKeySecretRef)',
      message: 'v3 privacy needs both privProtocol and privKeySecretRef',
      fieldPath: '.privKeySecretRef',
    }),
  },
);

/** How the agent speaks SNMP to one switch (the PoE driver, the topology scan). */
export const SnmpAccess = {
  agentPort: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 65535, description: 'UDP port of the SNMP agent (161).' }),
  ),
  version: StringEnum(SNMP_VERSIONS, { default: '2c' }),
  communitySecretRef: Type.Optional(SecretKeyRef),
  v3: Type.Optional(SnmpV3),
};
export const SNMP_ACCESS_RULES = [
  {
    rule: "self.version != '3' || has(self.v3)",
    message: 'SNMP version 3 needs v3 (user and keys)',
    fieldPath: '.v3',
  },
  {
    rule: "self.version == '3' || has(self.communitySecretRef)",
    message: 'SNMP versions 1 and 2c need communitySecretRef (the Secret holding the community)',
    fieldPath: '.communitySecretRef',
  },
] as const;

/** A switch's management address: a host name or an IPv4 address. */
export const SwitchAddress = (field: string, description: string): TString =>
  MatchingString(
    '^[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?$',
    `${field} must be a host name or an IPv4 address, e.g. poe-switch.lab or 192.168.152.2`,
    253,
    { minLength: 1, description },
  );

const Snmp = Type.Object(
  {
    switch: SwitchAddress('switch', 'Host name or address of the PoE switch.'),
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 4096,
        description:
          'Switch port the node is plugged into; when absent, the port the topology scan found (status.topology).',
      }),
    ),
    group: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 1,
      description: 'PSE group of the port (pethPsePortGroupIndex; 1 on single-unit switches).',
    }),
    ...SnmpAccess,
  },
  { ...cel(...SNMP_ACCESS_RULES) },
);

const Power = Type.Object(
  {
    driver: StringEnum(POWER_DRIVERS, {
      default: 'none',
      description:
        'How the node is hard-rebooted: qemu (virtual nodes), snmp-poe (PoE switch port), webhook, none.',
    }),
    snmp: Type.Optional(Snmp),
    webhook: Type.Optional(Webhook),
  },
  {
    default: {},
    ...cel(
      {
        rule: "self.driver != 'snmp-poe' || has(self.snmp)",
        message: 'power.driver snmp-poe needs power.snmp (the switch and its credentials)',
      },
      {
        rule: "self.driver != 'webhook' || has(self.webhook)",
        message: 'power.driver webhook needs power.webhook.url',
      },
    ),
  },
);

/** CEL: the number before a two-letter unit suffix ("512Mi" → 512). */
const amount = (suffixLength: number): string => `int(self.substring(0, self.size() - ${suffixLength}))`;

const VirtualDisk = Type.Object({
  size: Type.String({
    maxLength: 8,
    ...cel(
      {
        rule: "self.matches('^[1-9][0-9]{0,4}(Gi|Ti)$')",
        message: 'disk size must be a whole number of Gi or Ti, e.g. 8Gi',
      },
      {
        rule: `!self.matches('^[1-9][0-9]{0,4}(Gi|Ti)$') || (self.endsWith('Ti') ? ${amount(2)} <= 64 : ${amount(2)} <= 65536)`,
        message: 'disk size must be at most 64Ti',
      },
    ),
  }),
  template: StringEnum(DISK_TEMPLATES, { default: 'none' }),
});

const VirtualNetwork = Type.Object({
  name: MatchingString('^[a-z][a-z-]*$', 'network name must be lowercase letters and "-"', 15),
  latency: Type.Optional(
    Duration('0s', '10s', { description: 'Added one-way latency (tc netem), e.g. 10ms.' }),
  ),
  bandwidth: Type.Optional(
    Type.String({
      maxLength: 10,
      ...cel(
        {
          rule: "self.matches('^[1-9][0-9]{0,5}(Mbps|Gbps)$')",
          message: 'bandwidth must look like 100Mbps or 1Gbps',
        },
        {
          rule: `!self.matches('^[1-9][0-9]{0,5}(Mbps|Gbps)$') || (self.endsWith('Gbps') ? ${amount(4)} <= 400 : ${amount(4)} <= 400000)`,
          message: 'bandwidth must be at most 400Gbps',
        },
      ),
    }),
  ),
});

const Virtual = Type.Object({
  cpus: Type.Integer({ minimum: 1, maximum: 64, default: 2, description: 'Virtual CPUs (qemu -smp).' }),
  memory: Type.String({
    maxLength: 9,
    default: '1Gi',
    ...cel(
      {
        rule: "self.matches('^[1-9][0-9]{0,6}(Mi|Gi)$')",
        message: 'memory must be a whole number of Mi or Gi, e.g. 512Mi',
      },
      {
        rule: `!self.matches('^[1-9][0-9]{0,6}(Mi|Gi)$') || (self.endsWith('Gi') ? ${amount(2)} * 1024 : ${amount(2)}) >= 64`,
        message: 'memory must be at least 64Mi',
      },
      {
        rule: `!self.matches('^[1-9][0-9]{0,6}(Mi|Gi)$') || (self.endsWith('Gi') ? ${amount(2)} * 1024 : ${amount(2)}) <= 1048576`,
        message: 'memory must be at most 1024Gi',
      },
    ),
  }),
  disks: Type.Optional(Type.Array(VirtualDisk, { maxItems: 8 })),
  networks: Type.Optional(MapList(VirtualNetwork, 'name', 8)),
  bootDelay: Type.Optional(Duration('0s', '1h', { description: 'Delay before each VM (re)start.' })),
});

const Settings = Type.Object(
  {
    netsetup: StringEnum(NETSETUPS, {
      default: 'LAN',
      description: 'LAN: segment only; NAT: routed out by the agent.',
    }),
    bootTimeout: Type.Integer({
      default: 180,
      minimum: 0,
      maximum: 86400,
      description: 'Seconds to wait for a bootup notification before a hard reboot (0: never).',
      ...cel({
        rule: 'self == 0 || self >= 60',
        message: 'bootTimeout must be 0 (no timeout) or at least 60 seconds',
      }),
    }),
    bootRetries: Type.Integer({
      default: 9,
      minimum: 0,
      maximum: 1000,
      description: 'Automatic hard reboots after timeouts.',
    }),
    kexecAllow: Type.Boolean({ default: true }),
    mountPersist: Type.Boolean({
      default: true,
      description: 'Mount the per-node, per-owner /persist directory.',
    }),
    expose: Type.Optional(
      Type.Array(
        MatchingString(
          `^${PORT_REGEX}:${PORT_REGEX}$`,
          'expose entries look like <node port>:<server port>, each 1 to 65535, e.g. 80:8080',
          11,
        ),
        { maxItems: 16 },
      ),
    ),
  },
  { default: {} },
);

export const WaltNodeSpec = Type.Object(
  {
    mac: MacAddress({ description: 'MAC address the node boots with.' }),
    model: NodeModelField({
      description: 'Board model; selects boot files under /boot/<model>/ of the image.',
    }),
    segment: ObjectName('segment', { description: 'The WaltSegment the node is plugged into.' }),
    image: MatchingString(
      NODE_IMAGE_REGEX,
      'image must be "default" or "<namespace>/<WaltImage name>", e.g. lab/debian-nfs',
      317,
      { default: 'default', description: 'Image the node boots.' },
    ),
    bootMode: BootModeField({ default: 'network' }),
    power: Power,
    virtual: Type.Optional(Virtual),
    settings: Settings,
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  {
    ...cel(
      {
        rule: "self.power.driver != 'qemu' || has(self.virtual)",
        message: 'power.driver qemu is only for virtual nodes (set spec.virtual)',
        fieldPath: '.power.driver',
      },
      {
        rule: `!has(self.virtual) || self.mac.lowerAscii().startsWith('52:54:00:')`,
        message: 'virtual nodes use the qemu MAC prefix 52:54:00:xx:xx:xx',
        fieldPath: '.mac',
      },
    ),
  },
);
export type WaltNodeSpec = Static<typeof WaltNodeSpec>;

// Where the last topology scan of the segment saw the node (agents/topology, ADR 0017).
const NodeTopology = Type.Object(
  {
    switch: Type.String({ maxLength: 253, description: 'Name of the switch (its LLDP system name).' }),
    address: Type.String({
      maxLength: 253,
      description: 'Management address of the switch, as the segment lists it.',
    }),
    port: Type.Integer({ minimum: 1, maximum: 4096, description: 'Switch port (bridge port number).' }),
    portName: Type.Optional(Type.String({ maxLength: 64 })),
    poe: Type.Optional(Type.Boolean({ description: 'Whether the switch offers PoE on that port.' })),
    seenAt: Timestamp(),
  },
  { description: 'Where the last topology scan saw the node: switch and port, matched by MAC.' },
);

export const WaltNodeStatus = Type.Object({
  ...StatusBase,
  phase: Type.Optional(StringEnum(NODE_PHASES)),
  ip: Type.Optional(Ipv4Address()),
  bootedImage: Type.Optional(
    Type.Object({
      name: Type.String({ maxLength: 317 }),
      digest: Type.Optional(Type.String({ maxLength: 140 })),
    }),
  ),
  lastBootup: Type.Optional(Timestamp()),
  lastBootStats: Type.Optional(
    Type.Object({
      nfsReadBytes: Type.Optional(
        Count(undefined, { description: 'Bytes the node read over NFS while booting (lazy transfer).' }),
      ),
    }),
  ),
  bootAttempts: Type.Optional(Count()),
  reboot: Type.Optional(
    Type.Object(
      {
        cause: Type.String({ maxLength: 400 }),
        method: StringEnum(['soft', 'hard'] as const),
        startedAt: Timestamp({ description: 'When the current attempt began: its bootup comes later.' }),
        hardReboots: Count(undefined, { description: 'Power cycles the boot watchdog did for it.' }),
        outcome: StringEnum(['Waiting', 'Booted', 'Failed'] as const),
      },
      {
        description:
          'The last reboot the agent started for a node powered from outside (agents/power/escalation.ts): ' +
          'while Waiting, it hard-reboots the node when no bootup comes within settings.bootTimeout, up to ' +
          'bootRetries times, then marks it Failed. cause names the request, so one is never carried out twice.',
      },
    ),
  ),
  claimedBy: Type.Optional(
    Type.Object(
      {
        namespace: Type.String({ maxLength: 63 }),
        name: Type.String({ maxLength: 253 }),
        image: Type.Optional(
          Type.String({
            maxLength: 317,
            description:
              'The image the node boots while claimed ("<namespace>/<WaltImage>"), over spec.image.',
          }),
        ),
        bootRequestedAt: Type.Optional(
          Timestamp({
            description: 'When the experiment last asked the node to boot (the boot it waits for).',
          }),
        ),
        rebootRequestedAt: Type.Optional(
          Timestamp({ description: 'A hard reboot the experiment asks the agent for, once per time.' }),
        ),
        rebootHard: Type.Optional(
          Type.Boolean({
            description:
              'The reboot of rebootRequestedAt skips the soft step (a boot step, a hard reboot step, a retry).',
          }),
        ),
      },
      {
        description:
          'The claim of an Experiment (written by the operator through the status subresource, field manager ' +
          'walt-experiments): who holds the node and what it asked for. Releasing the node clears it whole.',
      },
    ),
  ),
  topology: Type.Optional(NodeTopology),
  message: Type.Optional(Type.String({ maxLength: 4096 })),
});
export type WaltNodeStatus = Static<typeof WaltNodeStatus>;

/** Node names become host names (<name>.<domain>): a DNS label, checked on metadata.name. */
export const nodeNameSchema = Type.String({
  maxLength: 63,
  ...cel({
    rule: `self.matches(${celString('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')})`,
    message: 'WaltNode names are host names: at most 63 lowercase letters, digits and "-" (no dots)',
  }),
});
