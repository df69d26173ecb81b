// The DHCP service's settings, derived once from a WaltSegment (its spec is the one source of truth).
import type { WaltSegmentSpec } from '../../api/v1alpha1/index.js';
import { parseDurationMs } from '../../common/duration.js';
import { DhcpBadRange } from './errors.js';
import { inSubnet, ipToInt, parseCidr, type Subnet } from './ipv4.js';

export type DhcpMode = WaltSegmentSpec['dhcp']['mode'];

export interface DhcpConfig {
  segment: string;
  mode: DhcpMode;
  serverIp: string;
  subnet: Subnet;
  gateway?: string;
  nat: boolean;
  dnsServers: string[];
  domain?: string;
  range?: { start: number; end: number };
  leaseSeconds: number;
  /** How long an OFFERed address stays set aside for the client. */
  offerHoldSeconds: number;
  /** How long a DECLINEd address is not handed out. */
  declineHoldSeconds: number;
  /** The segment registers unknown nodes (spec.autoRegister): unknown x86 PCs get iPXE to say their model. */
  autoRegister?: boolean;
}

export const DEFAULT_LEASE_SECONDS = 24 * 3600;
/** A Kubernetes-style duration ("24h", "1h30m", "90s") in whole seconds; undefined when malformed. */
export function durationSeconds(text: string): number | undefined {
  const ms = parseDurationMs(text);
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

function rangeOf(spec: WaltSegmentSpec, subnet: Subnet): DhcpConfig['range'] {
  const range = spec.dhcp?.range;
  if (!range) return undefined;
  const start = ipToInt(range.start);
  const end = ipToInt(range.end);
  if (start > end) throw DhcpBadRange('start is after end');
  if (!inSubnet(subnet, start) || !inSubnet(subnet, end)) throw DhcpBadRange('it is not inside the subnet');
  const server = ipToInt(spec.serverAddress);
  if (server >= start && server <= end) throw DhcpBadRange('it contains the server address');
  return { start, end };
}

function optionalFields(spec: WaltSegmentSpec, range: DhcpConfig['range']): Partial<DhcpConfig> {
  return {
    ...(spec.gateway ? { gateway: spec.gateway } : {}),
    ...(spec.domain ? { domain: spec.domain } : {}),
    ...(range ? { range } : {}),
  };
}

export function dhcpConfigOf(name: string, spec: WaltSegmentSpec): DhcpConfig {
  const subnet = parseCidr(spec.subnet);
  const range = rangeOf(spec, subnet);
  return {
    segment: name,
    mode: spec.dhcp?.mode ?? 'authoritative',
    serverIp: spec.serverAddress,
    subnet,
    nat: spec.nat?.enabled ?? false,
    dnsServers: spec.dnsServers ?? [],
    ...optionalFields(spec, range),
    leaseSeconds: durationSeconds(spec.dhcp?.leaseTime ?? '') ?? DEFAULT_LEASE_SECONDS,
    offerHoldSeconds: 60,
    declineHoldSeconds: 600,
    autoRegister: spec.autoRegister ?? false,
  };
}
