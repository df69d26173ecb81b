// The command channel's coded errors (ADR 0008). Every answer is `{ error: <code>, message }`; the
// message says what to do. Tests assert on codes only.
import { defineError } from '../../common/errors.js';

export const NodeNotConnected = defineError(
  'WALT_ERR_NODE_NOT_CONNECTED',
  (node: string) =>
    `node ${node}'s command channel is not up: the node must be booted (with the project's /walt/init, which starts walt-command-loop) and reach the agent; retry when it is, or pass connectTimeoutSeconds to wait for it`,
  409,
);

export const NodeChannelLost = defineError(
  'WALT_ERR_NODE_NOT_CONNECTED',
  (node: string) =>
    `node ${node} stopped polling the agent while the command was queued or running (rebooted, powered off or cut off): run it again once the node is up`,
  409,
);

export const CommandTimeout = defineError(
  'WALT_ERR_COMMAND_TIMEOUT',
  (node: string, what: string, seconds: number) =>
    `${what} on node ${node} did not finish within ${seconds} s: give a larger timeoutSeconds, or check the node`,
  504,
);

export const CommandUnknown = defineError(
  'WALT_ERR_COMMAND_UNKNOWN',
  (node: string, id: string) =>
    `node ${node} has no command ${id} in flight (it finished, timed out, or the agent restarted): drop the result`,
  404,
);

export const TransferUnknown = defineError(
  'WALT_ERR_TRANSFER_UNKNOWN',
  (node: string, id: string) =>
    `node ${node} has no transfer ${id} (it was used already or expired): the command that asked for it is over`,
  404,
);

export const TransferTooLarge = defineError(
  'WALT_ERR_TRANSFER_TOO_LARGE',
  (limit: number) => `the request body is larger than ${limit} bytes: send less (split the archive)`,
  413,
);

export const NodeFilesFailed = defineError(
  'WALT_ERR_NODE_FILES_FAILED',
  (node: string, what: string, exitCode: number | null, output: string) =>
    `${what} failed on node ${node} (exit ${exitCode ?? 'none'}): ${output.trim().slice(-500) || 'no output'}; check the path on the node`,
  422,
);

export const BadFilesPath = defineError(
  'WALT_ERR_FILES_BAD_PATH',
  (pathGiven: string, hint: string) => `path ${JSON.stringify(pathGiven)} is not usable: ${hint}`,
  400,
);

export const BadCommand = defineError(
  'WALT_ERR_COMMAND_INVALID',
  (what: string) => `invalid command: ${what}`,
  400,
);

export const ChannelStopped = defineError(
  'WALT_ERR_COMMAND_CHANNEL_STOPPED',
  () => 'the agent is shutting down its command channel: retry against the new agent',
  503,
);

export const CommandLost = defineError(
  'WALT_ERR_COMMAND_LOST',
  (node: string, id: string) =>
    `the agent has no record of command ${id} on node ${node}: it restarted since the command was sent ` +
    '(it keeps commands in memory), the result expired (kept 15 min), or the command never reached it; ' +
    'its outcome is unknown: check the node, then run it again under a new id if it is safe',
  404,
);

export const CommandCancelled = defineError(
  'WALT_ERR_COMMAND_CANCELLED',
  (node: string, id: string) =>
    `command ${id} on node ${node} was cancelled (DELETE .../exec/${id}): the node was told to kill it`,
  409,
);
