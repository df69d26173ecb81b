// Names the Experiment controller writes: finalizer, field manager, conditions, streams.

/** Held while an experiment may hold nodes: removed once they are released. */
export const RELEASE_FINALIZER = 'experiment.walt.dev/release';
/**
 * Field manager of every write the controller makes: experiment status, and WaltNode claims
 * (status.claimedBy: who, the image, boot and reboot requests). It never writes a WaltNode's spec or
 * metadata.
 */
export const FIELD_MANAGER = 'walt-experiments';

export const CONDITION = {
  NodesClaimed: 'NodesClaimed',
  NodesReady: 'NodesReady',
  Completed: 'Completed',
  Released: 'Released',
  /** keep.savedImage: every node saved (True), or not (False, reason SaveFailed). */
  ImageSaved: 'ImageSaved',
} as const;

/** Platform log lines about experiments (WalT's "platform" streams). */
export const PLATFORM_ISSUER = 'walt-server';
export const PLATFORM_STREAM = 'platform.experiments';

/** How long `exec` waits for a node that is not connected to its agent yet. */
export const CONNECT_TIMEOUT_SECONDS = 120;
/** Time given to copy and checkpoint steps (they have no timeout field). */
export const TRANSFER_TIMEOUT_MS = 5 * 60_000;
/** Slack on top of a command's own timeout before the controller gives up on the agent's answer. */
export const STEP_GRACE_MS = 30_000;
/** Pause between attempts to re-attach to a command whose agent cannot be reached. */
export const AGENT_RETRY_MS = 2_000;
/** A step result keeps at most this many bytes of output (the tail; the status budget may keep less). */
export const OUTPUT_LIMIT_BYTES = 16 * 1024;
/** Files fetched from nodes are kept in a ConfigMap: at most this many bytes of tar. */
export const FETCHED_FILES_LIMIT_BYTES = 900 * 1024;
/** Key of the tar archive in the ConfigMap of a `copy fromNode` step. */
export const FETCHED_FILES_KEY = 'files.tar';
/** Re-check of an experiment waiting for nodes (node changes re-queue it sooner). */
export const ACQUIRE_RECHECK_MS = 30_000;
/** Re-check while nodes boot (node changes re-queue it sooner). */
export const BOOT_RECHECK_MS = 10_000;
/** Time given to save one node (keep.savedImage): its overlay streamed, gzipped and pushed. */
export const SAVE_TIMEOUT_MS = 30 * 60_000;
