// WaltSegment: one lab L2 network served by one boot agent (cluster-scoped).
import { Type, type Static } from '@sinclair/typebox';
import { StatusBase } from './conditions.js';
import {
  Count,
  DHCP_MODES,
  DnsLabel,
  DnsName,
  Duration,
  InterfaceName,
  Ipv4Address,
  Ipv4Cidr,
} from './fields.js';
import { cel, MapList, SetList, StringEnum, Timestamp } from './schema-helpers.js';
import { ipv4ToInt } from './cel-ipv4.js';
import { SNMP_ACCESS_RULES, SnmpAccess, SwitchAddress } from './node.js';

const DhcpRange = Type.Object(
  {
    start: Ipv4Address({ description: 'First address handed out to devices without a reservation.' }),
    end: Ipv4Address({ description: 'Last address of the dynamic range (inclusive).' }),
  },
  {
    description: 'Dynamic addresses for devices that are not WaltNodes.',
    ...cel({
      rule: `!isIP(self.start) || !isIP(self.end) || ${ipv4ToInt('self.start')} <= ${ipv4ToInt('self.end')}`,
      message: 'range start must not be after range end',
    }),
  },
);

const Dhcp = Type.Object({
  mode: StringEnum(DHCP_MODES, {
    default: 'authoritative',
    description:
      'authoritative: the agent is the DHCP server of the segment; proxy: another server gives addresses and the agent only adds PXE options (ports 67 and 4011); off: no DHCP.',
  }),
  range: Type.Optional(DhcpRange),
  leaseTime: Duration('1m', '168h', { default: '24h', description: 'Lease time of dynamic addresses.' }),
});

// autoRegisterLimits: how many WaltNodes sprayed DHCP packets can make the agent create
// (agents/dhcp/auto-register.ts). Every field has a maximum.
export const AUTO_REGISTER_LIMITS = {
  maxPending: { default: 32, maximum: 4096 },
  perHour: { default: 60, maximum: 3600 },
  burst: { default: 16, maximum: 256 },
  forgetAfter: { default: '24h', minimum: '1m', maximum: '720h' },
} as const;
const AutoRegisterLimits = Type.Object(
  {
    maxPending: Type.Integer({
      minimum: 0,
      maximum: AUTO_REGISTER_LIMITS.maxPending.maximum,
      default: AUTO_REGISTER_LIMITS.maxPending.default,
      description:
        'Most discovered WaltNodes of this segment that have not booted yet; past it, new devices are not registered until some boot or are collected.',
    }),
    perHour: Type.Integer({
      minimum: 1,
      maximum: AUTO_REGISTER_LIMITS.perHour.maximum,
      default: AUTO_REGISTER_LIMITS.perHour.default,
      description: 'Registrations per hour, past the burst (a token bucket).',
    }),
    burst: Type.Integer({
      minimum: 1,
      maximum: AUTO_REGISTER_LIMITS.burst.maximum,
      default: AUTO_REGISTER_LIMITS.burst.default,
      description: 'Registrations at once (a rack of new nodes powered on together).',
    }),
    forgetAfter: Duration(
      AUTO_REGISTER_LIMITS.forgetAfter.minimum,
      AUTO_REGISTER_LIMITS.forgetAfter.maximum,
      {
        default: AUTO_REGISTER_LIMITS.forgetAfter.default,
        description:
          'A discovered WaltNode that has not booted within this time is deleted (remove its walt.dev/discovered label to keep it).',
      },
    ),
  },
  { default: {}, description: 'Bounds of auto-registration (autoRegister).' },
);

// Topology (ADR 0017): the switches of the segment the agent may scan over SNMP (LLDP-MIB neighbours,
// BRIDGE-MIB forwarding tables, POWER-ETHERNET-MIB ports), as WalT's switches with lldp.explore=true.
export const MAX_TOPOLOGY_SWITCHES = 64;
export const MAX_SWITCH_PORTS = 512;
const TopologySwitch = Type.Object(
  {
    name: DnsLabel('switch name', { description: 'Name of the switch in `walt device tree`.' }),
    address: SwitchAddress('address', 'Management address of the switch (SNMP).'),
    ...SnmpAccess,
  },
  { ...cel(...SNMP_ACCESS_RULES) },
);

const ScannedPort = Type.Object({
  port: Type.Integer({ minimum: 1, maximum: 4096 }),
  name: Type.Optional(Type.String({ maxLength: 64 })),
  poe: Type.Optional(Type.Boolean()),
  peer: Type.Optional(
    Type.String({ maxLength: 253, description: 'What is plugged in: a switch, a node, or a MAC.' }),
  ),
});
const ScannedSwitch = Type.Object({
  name: Type.String({ maxLength: 253 }),
  address: Type.String({ maxLength: 253 }),
  parent: Type.Optional(
    Type.Object({
      name: Type.String({ maxLength: 253 }),
      port: Type.Integer({ minimum: 1, maximum: 4096, description: "The parent's port to this switch." }),
    }),
  ),
  ports: Type.Array(ScannedPort, { maxItems: MAX_SWITCH_PORTS }),
});
const ScannedTopology = Type.Object(
  {
    scannedAt: Timestamp(),
    switches: Type.Array(ScannedSwitch, {
      maxItems: MAX_TOPOLOGY_SWITCHES,
      description: 'The switches reached, parents before children (a loop-free tree).',
    }),
    errors: Type.Optional(Type.Array(Type.String({ maxLength: 512 }), { maxItems: MAX_TOPOLOGY_SWITCHES })),
  },
  { description: 'The last topology scan of the segment (written by its agent).' },
);

export const WaltSegmentSpec = Type.Object(
  {
    interface: InterfaceName({ description: 'The L2 interface the boot agent owns on its host.' }),
    subnet: Ipv4Cidr({ description: 'IPv4 network of the segment, e.g. 192.168.152.0/22.' }),
    serverAddress: Ipv4Address({
      description: 'Address of the boot agent on the segment (DHCP/TFTP/HTTP/NFS).',
    }),
    gateway: Type.Optional(
      Ipv4Address({
        description: 'Default route handed to nodes (defaults to none, or the server with NAT).',
      }),
    ),
    dnsServers: Type.Optional(SetList(Ipv4Address(), 4, { description: 'DNS servers handed to nodes.' })),
    domain: DnsName('domain', {
      default: 'walt',
      description: 'DNS domain of the segment: nodes are <name>.<domain>.',
    }),
    dhcp: Type.Object(Dhcp.properties, { default: {} }),
    autoRegister: Type.Boolean({
      default: true,
      description:
        'Create a WaltNode for an unknown device that announces itself as a WalT node (model from DHCP).',
    }),
    autoRegisterLimits: Type.Optional(AutoRegisterLimits),
    topology: Type.Optional(
      Type.Object(
        {
          switches: MapList(TopologySwitch, 'name', MAX_TOPOLOGY_SWITCHES, {
            description: 'Switches the agent scans; the first is the one next to the agent (the root).',
          }),
        },
        { description: 'Switch discovery (`walt device tree`); none when absent.' },
      ),
    ),
    nat: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: 'Masquerade nodes with netsetup NAT behind the agent host.',
        }),
      },
      { default: {} },
    ),
  },
  {
    ...cel(
      {
        rule: '!isCIDR(self.subnet) || !isIP(self.serverAddress) || cidr(self.subnet).containsIP(self.serverAddress)',
        message: 'serverAddress must be inside subnet',
        fieldPath: '.serverAddress',
      },
      {
        rule: `!isCIDR(self.subnet) || !isIP(self.serverAddress) || self.subnet.split('/')[0] != self.serverAddress`,
        message: 'serverAddress must be a host address, not the network address of subnet',
        fieldPath: '.serverAddress',
      },
      {
        rule: '!has(self.gateway) || !isCIDR(self.subnet) || !isIP(self.gateway) || cidr(self.subnet).containsIP(self.gateway)',
        message: 'gateway must be inside subnet',
        fieldPath: '.gateway',
      },
      {
        rule: '!has(self.dhcp.range) || !isCIDR(self.subnet) || !isIP(self.dhcp.range.start) || !isIP(self.dhcp.range.end) || (cidr(self.subnet).containsIP(self.dhcp.range.start) && cidr(self.subnet).containsIP(self.dhcp.range.end))',
        message: 'dhcp.range must lie inside subnet',
        fieldPath: '.dhcp.range',
      },
      {
        rule: `!has(self.dhcp.range) || !isIP(self.serverAddress) || !isIP(self.dhcp.range.start) || !isIP(self.dhcp.range.end) || ${ipv4ToInt('self.serverAddress')} < ${ipv4ToInt('self.dhcp.range.start')} || ${ipv4ToInt('self.serverAddress')} > ${ipv4ToInt('self.dhcp.range.end')}`,
        message: 'dhcp.range must not contain serverAddress',
        fieldPath: '.dhcp.range',
      },
    ),
  },
);
export type WaltSegmentSpec = Static<typeof WaltSegmentSpec>;

export const WaltSegmentStatus = Type.Object({
  ...StatusBase,
  agent: Type.Optional(
    Type.Object({
      host: Type.Optional(Type.String({ maxLength: 253 })),
      version: Type.Optional(Type.String({ maxLength: 64 })),
      lastHeartbeat: Type.Optional(Timestamp()),
      apiUrl: Type.Optional(
        Type.String({
          maxLength: 2048,
          description: "Where the operator and users reach the agent's HTTP API (ADR 0008).",
        }),
      ),
      tokenSecret: Type.Optional(
        Type.Object(
          { namespace: Type.String({ maxLength: 63 }), name: Type.String({ maxLength: 253 }) },
          { description: 'Secret holding the bearer token of the agent API (key "token").' },
        ),
      ),
    }),
  ),
  // A /8 holds 2^24 addresses; an agent caches far fewer images than 2^16.
  leasesInUse: Type.Optional(Count(16_777_216)),
  cachedImages: Type.Optional(Count(65_536)),
  topology: Type.Optional(ScannedTopology),
});
export type WaltSegmentStatus = Static<typeof WaltSegmentStatus>;
