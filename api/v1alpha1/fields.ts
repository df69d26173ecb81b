// Field schemas shared by several kinds. Each one rejects bad input with a message saying what to write.
import { Type, type SchemaOptions, type TInteger, type TString, type TUnsafe } from '@sinclair/typebox';
import { cel, celString, MatchingString, StringEnum } from './schema-helpers.js';
import { NODE_MODEL_NAMES, type NodeModelName } from './node-models.js';

export const BOOT_MODES = ['network', 'hybrid-volatile', 'hybrid-persistent'] as const;
export const DHCP_MODES = ['authoritative', 'proxy', 'off'] as const;
export const POWER_DRIVERS = ['none', 'qemu', 'snmp-poe', 'webhook'] as const;
export const NETSETUPS = ['LAN', 'NAT'] as const;

// RE2 (CEL) regular expressions. Each is bounded by the maxLength of the field it checks.
const HEX = '[0-9a-fA-F]';
/** Six colon-separated hex bytes, either case (the lowercase rule says which form is stored). */
export const MAC_FORM_REGEX = `^${HEX}{2}(:${HEX}{2}){5}$`;
/** The one accepted form: lowercase, with the I/G bit of the first octet clear (unicast). */
export const MAC_REGEX = '^[0-9a-f][02468ace](:[0-9a-f]{2}){5}$';
export const DNS_LABEL_REGEX = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS_SUBDOMAIN_REGEX = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A DNS name of labels of at most 63 characters (RFC 1123), e.g. walt or lab.example.org. */
export const DNS_NAME_REGEX = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$';
/**
 * A Go time.Duration as Kubernetes writes them: "90s", "5m", "1h30m". At most 5 digits per part and 4
 * parts, so the apiserver's duration() cannot overflow (4 × 99999h is far below 2^63 ns).
 */
export const DURATION_REGEX = '^([0-9]{1,5}(\\.[0-9]{1,9})?(ms|s|m|h)){1,4}$';
/** A TCP/UDP port number, 1 to 65535. */
export const PORT_REGEX =
  '(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
/** A label key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters. */
export const LABEL_KEY_REGEX =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
/** A label value: empty, or up to 63 letters, digits, "-", "_", "." starting and ending alphanumeric. */
export const LABEL_VALUE_REGEX = '^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$';
/** An absolute POSIX path without NUL characters. */
export const ABSOLUTE_PATH_REGEX = '^/[^\\x00]*$';

// OCI distribution reference grammar: [registry[:port]/]path[:tag][@digest].
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::${PORT_REGEX})?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})';
export const OCI_REFERENCE_REGEX = `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`;

/** The largest integer a JavaScript number holds exactly: the bound of counters and byte sizes. */
export const MAX_SAFE_COUNT = Number.MAX_SAFE_INTEGER;

/** A count or size written by controllers: 0 to `maximum`. */
export function Count(maximum: number = MAX_SAFE_COUNT, options: SchemaOptions = {}): TInteger {
  return Type.Integer({ minimum: 0, maximum, ...options });
}

export function MacAddress(options: SchemaOptions = {}): TString {
  const formed = `self.matches(${celString(MAC_FORM_REGEX)})`;
  return Type.String({
    maxLength: 17,
    ...options,
    ...cel(
      {
        rule: formed,
        message: 'must be a MAC address of six colon-separated hex bytes, e.g. 52:54:00:12:34:56',
      },
      {
        rule: `!${formed} || self == self.lowerAscii()`,
        message: 'write the MAC address in lowercase (the one form stored), e.g. 52:54:00:ab:cd:ef',
      },
      {
        rule: `!${formed} || self.lowerAscii().matches(${celString(MAC_REGEX)})`,
        message:
          'must be a unicast MAC address: the first byte must be even (its lowest bit set means multicast or broadcast)',
      },
      {
        rule: "self != '00:00:00:00:00:00'",
        message: 'the all-zero MAC address cannot identify a node',
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

/**
 * A duration between `minimum` and `maximum` (Go form). Every maximum is one the code honours: timers
 * go through common/timers.ts, which chains delays past setTimeout's 2^31-1 ms.
 */
export function Duration(minimum: string, maximum: string, options: SchemaOptions = {}): TString {
  const formed = `self.matches(${celString(DURATION_REGEX)})`;
  return Type.String({
    maxLength: 32,
    ...options,
    ...cel(
      {
        rule: formed,
        message: 'must be a duration such as 90s, 5m or 1h30m (units ms, s, m, h; at most 5 digits each)',
      },
      {
        rule: `!${formed} || duration(self) >= duration('${minimum}')`,
        message: `must be at least ${minimum}`,
      },
      {
        rule: `!${formed} || duration(self) <= duration('${maximum}')`,
        message: `must be at most ${maximum}`,
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

export function DnsName(what: string, options: SchemaOptions = {}): TString {
  return MatchingString(
    DNS_NAME_REGEX,
    `${what} must be a DNS name: lowercase labels of letters, digits and '-' (at most 63 each) joined by '.', e.g. walt or lab.example.org`,
    253,
    { minLength: 1, ...options },
  );
}

export function LabelKey(options: SchemaOptions = {}): TString {
  return MatchingString(
    LABEL_KEY_REGEX,
    'must be a label key: an optional DNS prefix and "/", then 1 to 63 letters, digits, "-", "_" or "." starting and ending with a letter or digit, e.g. walt.dev/model',
    317,
    { minLength: 1, ...options },
  );
}

export function LabelValue(options: SchemaOptions = {}): TString {
  return MatchingString(
    LABEL_VALUE_REGEX,
    'must be a label value: at most 63 letters, digits, "-", "_" or "." starting and ending with a letter or digit',
    63,
    options,
  );
}

export function AbsolutePath(what: string, options: SchemaOptions = {}): TString {
  return MatchingString(ABSOLUTE_PATH_REGEX, `${what} must be an absolute path, e.g. /tmp/results`, 4096, {
    minLength: 1,
    ...options,
  });
}

/**
 * Whether the schema accepts `mac` (any case) as a WaltNode MAC once lowercased: six hex bytes, unicast,
 * not all-zero. For code that creates WaltNodes from what devices send (auto-registration).
 */
export function isNodeMac(mac: string): boolean {
  const lower = mac.toLowerCase();
  return new RegExp(MAC_REGEX).test(lower) && lower !== '00:00:00:00:00:00';
}
