// The status a node powered from outside gets from its agent's power controller (pure): status.reboot
// (escalation.ts) and two conditions, Reboot (how the last reboot goes) and Powered (what the agent
// knows of the node's power: a webhook or a PoE port cannot be asked, so it is what the agent last did
// or saw). One field manager writes them all, so every apply carries all three (an apply drops the
// fields its manager no longer sends).
import { POWERED_CONDITION, REBOOT_CONDITION, powerDriverOf } from '../../api/node/index.js';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { setCondition, type ConditionInput, type Status } from '../../runtime/index.js';
import { bootWatchSettings, type RebootState } from './escalation.js';

/** The Reboot condition for `state` (pure); `error` is the driver's failure of the last attempt. */
export function rebootCondition(node: WaltNode, state: RebootState, error?: string): ConditionInput {
  const type = REBOOT_CONDITION;
  const { timeoutMs, retries } = bootWatchSettings(node);
  const timeout = timeoutMs === undefined ? 'no boot timeout (bootTimeout 0)' : `${timeoutMs / 1000} s`;
  if (state.outcome === 'Booted')
    return {
      type,
      status: 'True',
      reason: 'BootedUp',
      message: `${state.cause}: booted after a ${state.method} reboot`,
    };
  if (state.outcome === 'Failed')
    return {
      type,
      status: 'False',
      reason: 'BootTimeout',
      message: `${state.cause}: no bootup within ${timeout} after ${state.hardReboots} power cycles (bootRetries ${retries}); check the node's console, then walt node reboot --hard`,
    };
  if (error !== undefined)
    return {
      type,
      status: 'Unknown',
      reason: 'PowerFailed',
      message: `${state.cause}: ${error}; retried after ${timeout}`,
    };
  const what =
    state.method === 'soft'
      ? 'soft reboot sent through the command channel'
      : `power-cycled (${state.hardReboots === 0 ? 'first' : `retry ${state.hardReboots} of ${retries}`})`;
  return {
    type,
    status: 'Unknown',
    reason: state.method === 'soft' ? 'SoftReboot' : 'HardReboot',
    message: `${state.cause}: ${what}; waiting for the bootup (power cycle after ${timeout})`,
  };
}

export type PowerFact = 'cycled' | 'failed' | 'booted' | 'unobserved';

/** The Powered condition for what the agent last did or saw (pure). */
export function poweredCondition(node: WaltNode, fact: PowerFact, error?: string): ConditionInput {
  const type = POWERED_CONDITION;
  const driver = powerDriverOf(node);
  switch (fact) {
    case 'cycled':
      return {
        type,
        status: 'True',
        reason: 'PowerCycled',
        message: `switched off and on by the ${driver} driver`,
      };
    case 'booted':
      return { type, status: 'True', reason: 'BootedUp', message: 'the node booted: it has power' };
    case 'failed':
      return {
        type,
        status: 'Unknown',
        reason: 'DriverFailed',
        message: error ?? `the ${driver} driver failed`,
      };
    default:
      return {
        type,
        status: 'Unknown',
        reason: 'NotObserved',
        message: `the ${driver} driver cannot read the power state; known after a power cycle or a bootup`,
      };
  }
}

/** The apply of the power controller's fields: `state` and the two conditions (unchanged ones kept). */
export function powerStatus(
  node: WaltNode,
  change: { state?: RebootState; reboot?: ConditionInput; powered?: ConditionInput },
  now: Date,
): Status {
  let conditions = node.status?.conditions;
  const generation = node.metadata.generation;
  for (const input of [change.reboot, change.powered])
    if (input) conditions = setCondition(conditions, input, generation, now);
  const mine = (conditions ?? []).filter((c) => c.type === REBOOT_CONDITION || c.type === POWERED_CONDITION);
  const state = change.state ?? node.status?.reboot;
  return { ...(state ? { reboot: state } : {}), conditions: mine };
}
