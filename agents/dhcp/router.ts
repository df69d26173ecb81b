// The router (option 3) a node is given: the segment's gateway, else the agent itself for a node with
// netsetup NAT on a segment that masquerades (agents/nat). One rule for the DHCP reply and for the
// static `ip=` of a Raspberry Pi's generated cmdline.txt, which must say the same.
import type { WaltNode } from '../../api/v1alpha1/index.js';

export interface RouterSource {
  gateway?: string;
  nat: boolean;
  /** The agent's address on the segment. */
  serverIp: string;
}

export function nodeRouter(segment: RouterSource, node: WaltNode | undefined): string | undefined {
  if (segment.gateway) return segment.gateway;
  return segment.nat && node?.spec.settings?.netsetup === 'NAT' ? segment.serverIp : undefined;
}
