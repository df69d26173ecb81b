// Field schemas shared by several kinds. Each one rejects bad input with a message saying what to write.
import { Type, type SchemaOptions, type TString, type TUnsafe } from '@sinclair/typebox';
import { cel, celString, MatchingString, StringEnum } from './schema-helpers.js';
import { NODE_MODEL_NAMES, type NodeModelName } from './node-models.js';

export const BOOT_MODES = ['network', 'hybrid-volatile', 'hybrid-persistent'] as const;
export const DHCP_MODES = ['authoritative', 'proxy', 'off'] as const;
export const POWER_DRIVERS = ['none', 'qemu', 'snmp-poe', 'webhook'] as const;
export const NETSETUPS = ['LAN', 'NAT'] as const;

// RE2 (CEL) regular expressions.
const HEX = '[0-9a-fA-F]';
export const MAC_REGEX = `^${HEX}{2}(:${HEX}{2}){5}$`;
export const DNS_LABEL_REGEX = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS_SUBDOMAIN_REGEX = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
// A Go time.Duration as Kubernetes writes them: "90s", "5m", "1h30m".
export const DURATION_REGEX = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

// OCI distribution reference grammar: [registry[:port]/]path[:tag][@digest].
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]{1,5})?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})';
export const OCI_REFERENCE_REGEX = `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`;

export function MacAddress(options: SchemaOptions = {}): TString {
  return Type.String({
    maxLength: 17,
    ...options,
    ...cel(
      {
        rule: `self.matches(${celString(MAC_REGEX)})`,
        message: 'must be a MAC address of six colon-separated hex bytes, e.g. 52:54:00:12:34:56',
      },
      {
        rule: "!(self.lowerAscii() in ['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff'])",
        message: 'the all-zero and broadcast MAC addresses cannot identify a node',
      },
    ),
  });
}

export function Ipv4Address(options: SchemaOptions = {}): TString {
  return Type.String({
    maxLength: 15,
    ...options,
    ...cel({
      rule: 'isIP(self) && ip(self).family() == 4',
      message: 'must be an IPv4 address such as 192.168.152.1',
    }),
  });
}

export function Ipv4Cidr(options: SchemaOptions = {}): TString {
  return Type.String({
    maxLength: 18,
    ...options,
    ...cel(
      {
        rule: 'isCIDR(self) && cidr(self).ip().family() == 4',
        message: 'must be an IPv4 network in CIDR form, e.g. 192.168.152.0/22',
      },
      {
        rule: '!isCIDR(self) || cidr(self) == cidr(self).masked()',
        message: 'host bits must be zero: write the network address, e.g. 192.168.152.0/22',
      },
      {
        rule: '!isCIDR(self) || (cidr(self).prefixLength() >= 8 && cidr(self).prefixLength() <= 30)',
        message: 'prefix length must be between /8 and /30 so the segment has room for nodes',
      },
    ),
  });
}

export function Duration(minimum: string, options: SchemaOptions = {}): TString {
  return Type.String({
    maxLength: 32,
    ...options,
    ...cel(
      {
        rule: `self.matches(${celString(DURATION_REGEX)})`,
        message: 'must be a duration such as 90s, 5m or 1h30m',
      },
      {
        rule: `!self.matches(${celString(DURATION_REGEX)}) || duration(self) >= duration('${minimum}')`,
        message: `must be at least ${minimum}`,
      },
    ),
  });
}

export function DnsLabel(what: string, options: SchemaOptions = {}): TString {
  return MatchingString(
    DNS_LABEL_REGEX,
    `${what} must be lowercase letters, digits and '-', starting and ending with a letter or digit`,
    63,
    { minLength: 1, ...options },
  );
}

export function ObjectName(what: string, options: SchemaOptions = {}): TString {
  return MatchingString(
    DNS_SUBDOMAIN_REGEX,
    `${what} must be a Kubernetes object name: lowercase letters, digits, '-' and '.'`,
    253,
    { minLength: 1, ...options },
  );
}

export function OciReference(options: SchemaOptions = {}): TString {
  return MatchingString(
    OCI_REFERENCE_REGEX,
    'must be an OCI image reference such as registry.example.org/team/image:tag or name@sha256:<64 hex>',
    512,
    { minLength: 1, ...options },
  );
}

export function NodeModelField(options: SchemaOptions = {}): TUnsafe<NodeModelName> {
  return StringEnum(NODE_MODEL_NAMES, options);
}

export function BootModeField(options: SchemaOptions = {}): TUnsafe<(typeof BOOT_MODES)[number]> {
  return StringEnum(BOOT_MODES, options);
}

export function InterfaceName(options: SchemaOptions = {}): TString {
  return MatchingString(
    '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$',
    'must be a Linux interface name: 1 to 15 letters, digits, "_", "." or "-"',
    15,
    { minLength: 1, ...options },
  );
}
