// The reconcile runtime's one entry point: the operator, the agents and the CLI import it from here,
// never from the modules behind it (the layering rule checks it).
export { createApplier, ownerReference, withOwner, type Applier } from './apply.js';
export { backoffDelay, QUEUE_BACKOFF, type BackoffPolicy } from './backoff.js';
export {
  createController,
  errorCode,
  type Controller,
  type ControllerOptions,
  type FinalizerSpec,
  type Reconcile,
  type ReconcileContext,
  type ReconcileOutcome,
} from './controller.js';
export {
  createEventRecorder,
  eventsFor,
  type EventInput,
  type EventRecorder,
  type ObjectEvents,
} from './events.js';
export { createFinalizers, finalizersPatch, hasFinalizer, type Finalizers } from './finalizers.js';
export { createHealthServer, type HealthServer, type Readiness } from './health.js';
export { createInformer, type Informer, type InformerEvent, type InformerOptions } from './informer.js';
export {
  canAcquire,
  createLeaderElector,
  leaseExpiry,
  type LeaderElectionOptions,
  type LeaderElector,
} from './leader-election.js';
export {
  createManager,
  type ManagedControllerOptions,
  type Manager,
  type LeaderService,
  type ManagerOptions,
} from './manager.js';
export { createMetrics, type RuntimeMetrics } from './metrics.js';
export { messageOf, reasonOf } from './reasons.js';
export {
  createResourceClient,
  describeError,
  statusCodeOf,
  type ListSelection,
  type ResourceClient,
  type ObjectRef,
  type ResourceType,
} from './resource.js';
export {
  createStatusWriter,
  getCondition,
  isConditionTrue,
  removeCondition,
  rfc3339,
  setCondition,
  type Condition,
  type ConditionInput,
  type Status,
  type StatusUpdate,
  type StatusWriter,
} from './status.js';
export { createWorkQueue, keyOf, splitKey, type WorkQueue } from './workqueue.js';
