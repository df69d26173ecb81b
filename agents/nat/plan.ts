// What the NAT service does for a segment, as a pure decision: the ruleset to apply, or why NAT is off
// (the Nat condition of the WaltSegment carries the reason). Off by default where the agent's namespace
// has no uplink, as the issue asks: a host without a default route has nothing to masquerade to.
import { isWaltError } from '../../common/errors.js';
import { natRuleset, natSources } from './ruleset.js';
import { chooseUplink, type DefaultRoute } from './uplink.js';

export interface NatPlanInput {
  /** WaltSegment spec.nat.enabled. */
  enabled: boolean;
  bridge: string;
  routes: readonly DefaultRoute[];
  /** Leased addresses of the segment's nodes with netsetup NAT. */
  sources: readonly string[];
}

export type NatOffReason = 'Disabled' | 'NoUplink' | 'InvalidInput' | 'ApplyFailed';

export type NatPlan =
  | { kind: 'apply'; uplink: string; sources: string[]; script: string }
  | { kind: 'off'; reason: NatOffReason; message: string };

export function planNat(input: NatPlanInput): NatPlan {
  if (!input.enabled) return { kind: 'off', reason: 'Disabled', message: 'spec.nat.enabled is false' };
  const uplink = chooseUplink(input.routes, input.bridge);
  if (uplink === undefined)
    return {
      kind: 'off',
      reason: 'NoUplink',
      message: `the agent's network namespace has no default route other than through ${input.bridge}: nodes are not masqueraded; give the agent host an uplink (a default route)`,
    };
  try {
    const sources = natSources(input.sources);
    return { kind: 'apply', uplink, sources, script: natRuleset({ bridge: input.bridge, uplink, sources }) };
  } catch (error) {
    if (!isWaltError(error)) throw error;
    return { kind: 'off', reason: 'InvalidInput', message: `${error.code}: ${error.message}` };
  }
}
