// Public surface of the walt.dev/v1alpha1 API for the operator, agents and CLI.
export * from './kinds.js';
export * from './crd.js';
export * from './node-models.js';
export * from './conditions.js';
export type { WaltSegmentSpec, WaltSegmentStatus } from './segment.js';
export { AUTO_REGISTER_LIMITS, MAX_SWITCH_PORTS, MAX_TOPOLOGY_SWITCHES } from './segment.js';
export type { WaltNodeSpec, WaltNodeStatus } from './node.js';
export type { WaltImageSpec, WaltImageStatus } from './image.js';
export type { ExperimentSpec, ExperimentStatus } from './experiment.js';
export { NODE_PHASES } from './node.js';
export {
  EXPERIMENT_PHASES,
  MAX_CLAIMED_NAMES,
  MAX_RESULT_OUTPUT,
  MAX_STATUS_MESSAGE,
  MAX_STEP_RESULTS,
  STEP_KINDS,
  STEP_PHASES,
} from './experiment.js';
export { BOOT_MODES, DHCP_MODES, POWER_DRIVERS, NETSETUPS } from './fields.js';
export * from './objects.js';
export * from './experiment-streams.js';
