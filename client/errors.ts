// The one catalogue of coded errors of the client library and the CLI standing on it. Each carries an
// HTTP-like status (the web API's vocabulary) from which the CLI derives its exit code
// (cli/exit-codes.ts). The agent's own errors keep the agent's code and status (agent-response.ts).
import { defineError } from '../common/errors.js';

export const ERR_AGENT_UNREACHABLE = defineError(
  'WALT_ERR_AGENT_UNREACHABLE',
  (segment: string, url: string, detail: string) =>
    `cannot reach the boot agent of segment ${segment} at ${url} (${detail}): is it running, and is status.agent.apiUrl reachable from here?`,
  503,
);

export const ERR_AGENT_NOT_PUBLISHED = defineError(
  'WALT_ERR_AGENT_NOT_PUBLISHED',
  (segment: string) =>
    `the agent of segment ${segment} has not published its API yet (status.agent.apiUrl): is it running?`,
  503,
);

export const ERR_AGENT_SEGMENT_NOT_FOUND = defineError(
  'WALT_ERR_AGENT_SEGMENT_NOT_FOUND',
  (segment: string) => `segment ${segment} does not exist (kubectl get waltsegments lists them)`,
  404,
);

export const ERR_AGENT_NO_SEGMENT = defineError(
  'WALT_ERR_AGENT_NO_SEGMENT',
  () => 'there is no WaltSegment, so no boot agent to ask (create one: examples/segment.yaml)',
  404,
);

export const ERR_AGENT_TOKEN = defineError(
  'WALT_ERR_AGENT_TOKEN',
  (segment: string, secret: string, detail: string) =>
    `cannot read the token of the agent of segment ${segment} (Secret ${secret}, key "token"): ${detail}`,
  403,
);

export const ERR_AGENT_PROTOCOL = defineError(
  'WALT_ERR_AGENT_PROTOCOL',
  (url: string, detail: string) => `unexpected answer from the boot agent at ${url}: ${detail}`,
  502,
);

export const ERR_AGENT_FAILED = defineError(
  'WALT_ERR_AGENT_FAILED',
  (url: string, status: number, detail: string) =>
    `the boot agent at ${url} answered HTTP ${status}: ${detail}`,
  502,
);

export const ERR_LOCAL_TAR = defineError(
  'WALT_ERR_LOCAL_TAR',
  (command: string, detail: string) => `tar ${command} failed: ${detail}`,
  500,
);

export const ERR_AGENT_ANSWER_TRUNCATED = defineError(
  'WALT_ERR_AGENT_ANSWER_TRUNCATED',
  (url: string, reason: string) =>
    `the boot agent at ${url} cut its answer short (${reason}): narrow the query (issuers, streams, ` +
    'a time range) so that it reads fewer lines',
  503,
);

// Errors of the CLI's checks (node sets, image names, settings, waits); WALT_ERR_CLI_* for history.
const list = (names: readonly string[]): string => names.join(', ');

// Usage (2): the command line asks for something that cannot be right.
export const ERR_CLI_USAGE = defineError('WALT_ERR_CLI_USAGE', (message: string) => message, 400);

export const ERR_CLI_BAD_NODE_SET = defineError(
  'WALT_ERR_CLI_BAD_NODE_SET',
  (set: string) =>
    `"${set}" is not a node set: write node names separated by commas, or my-nodes, free-nodes, all-nodes`,
  400,
);

export const ERR_CLI_BAD_IMAGE_NAME = defineError(
  'WALT_ERR_CLI_BAD_IMAGE_NAME',
  (name: string) =>
    `"${name}" is not an image name: write default, <image> (a WaltImage of this namespace) or <namespace>/<image>`,
  400,
);

export const ERR_CLI_BAD_NODE_NAME = defineError(
  'WALT_ERR_CLI_BAD_NODE_NAME',
  (name: string) =>
    `"${name}" cannot name a node: node names are host names, at most 63 lowercase letters, digits and "-"`,
  400,
);

export const ERR_CLI_BAD_OUTPUT = defineError(
  'WALT_ERR_CLI_BAD_OUTPUT',
  (format: string, valid: readonly string[]) =>
    `unknown output format "${format}": use one of ${list(valid)}`,
  400,
);

export const ERR_CLI_UNKNOWN_CONFIG_KEY = defineError(
  'WALT_ERR_CLI_UNKNOWN_CONFIG_KEY',
  (keys: readonly string[], valid: readonly string[]) =>
    `unknown setting(s) ${list(keys)}: valid settings are ${list(valid)}`,
  400,
);

export const ERR_CLI_BAD_CONFIG_VALUE = defineError(
  'WALT_ERR_CLI_BAD_CONFIG_VALUE',
  (key: string, value: string, expected: string) =>
    `${key}=${value} is not valid: ${key} must be ${expected}`,
  400,
);

export const ERR_CLI_KUBECONFIG = defineError(
  'WALT_ERR_CLI_KUBECONFIG',
  (detail: string) => `cannot load the kubeconfig: ${detail} (give one with --kubeconfig or KUBECONFIG)`,
  400,
);

export const ERR_CLI_INVALID = defineError(
  'WALT_ERR_CLI_INVALID',
  (what: string, detail: string) => `the API server refused ${what}: ${detail}`,
  422,
);

export const ERR_CLI_VIRTUAL_ONLY_SETTING = defineError(
  'WALT_ERR_CLI_VIRTUAL_ONLY_SETTING',
  (keys: readonly string[], nodes: readonly string[]) =>
    `setting(s) ${list(keys)} apply only to virtual nodes, not to the physical node(s) ${list(nodes)}`,
  400,
);

export const ERR_CLI_SEVERAL_SEGMENTS = defineError(
  'WALT_ERR_CLI_SEVERAL_SEGMENTS',
  (segments: readonly string[]) =>
    `there are several segments (${list(segments)}): choose one with --segment`,
  400,
);

export const ERR_CLI_BAD_HISTORY = defineError(
  'WALT_ERR_CLI_BAD_HISTORY',
  (range: string, detail: string) =>
    `--history ${range}: ${detail}; write full, none, or [start]:[end] where a bound is -<n>[smhd] (e.g. -5m), a checkpoint name or a date (2026-01-31T10:00:00Z, "2026-01-31 10:00:00")`,
  400,
);

export const ERR_CLI_BAD_LOG_FORMAT = defineError(
  'WALT_ERR_CLI_BAD_LOG_FORMAT',
  (format: string, detail: string) =>
    `--format ${format}: ${detail}; fields are {timestamp[:strftime]}, {issuer}, {stream}, {line} (write {{ and }} for braces)`,
  400,
);

export const ERR_CLI_BAD_REGEX = defineError(
  'WALT_ERR_CLI_BAD_REGEX',
  (what: string, regex: string, detail: string) =>
    `${what} ${regex} is not a valid regular expression: ${detail}; write JavaScript syntax (Unicode mode), as the agents read it: \\d, not [[:digit:]]`,
  400,
);

export const ERR_CLI_BAD_CHECKPOINT = defineError(
  'WALT_ERR_CLI_BAD_CHECKPOINT',
  (name: string) =>
    `"${name}" cannot name a checkpoint: letters, digits and "-", at least 2 characters, not starting with "-"`,
  400,
);

export const ERR_CLI_BAD_DATE = defineError(
  'WALT_ERR_CLI_BAD_DATE',
  (date: string) =>
    `--date ${date}: write "YYYY-MM-DD HH:MM:SS" (local time), an RFC 3339 date, or -<n>[smhd] (e.g. -10m)`,
  400,
);

export const ERR_CLI_BAD_COPY = defineError(
  'WALT_ERR_CLI_BAD_COPY',
  (detail: string) =>
    `${detail}: write walt node cp <local path> <node>:<path>, or walt node cp <node>:<path> <local path>`,
  400,
);

export const ERR_CLI_BAD_MANIFEST = defineError(
  'WALT_ERR_CLI_BAD_MANIFEST',
  (file: string, detail: string) => `${file}: ${detail} (an Experiment of walt.dev/v1alpha1 is expected)`,
  400,
);

export const ERR_CLI_CONFIRM = defineError(
  'WALT_ERR_CLI_CONFIRM',
  (what: string) => `${what}: not confirmed (add --force to do it without asking)`,
  400,
);

// Not found (3).
export const ERR_CLI_UNKNOWN_NODES = defineError(
  'WALT_ERR_CLI_UNKNOWN_NODES',
  (names: readonly string[]) =>
    `no such node(s): ${list(names)} (see walt node show --all, or walt device show)`,
  404,
);

export const ERR_CLI_EMPTY_NODE_SET = defineError(
  'WALT_ERR_CLI_EMPTY_NODE_SET',
  (set: string) => `node set "${set}" matches no node (see walt node show --all)`,
  404,
);

export const ERR_CLI_IMAGE_NOT_FOUND = defineError(
  'WALT_ERR_CLI_IMAGE_NOT_FOUND',
  (image: string) => `image ${image} does not exist (see walt image show, or walt image pull <ref>)`,
  404,
);

export const ERR_CLI_SEGMENT_NOT_FOUND = defineError(
  'WALT_ERR_CLI_SEGMENT_NOT_FOUND',
  (segment: string) => `segment ${segment} does not exist (kubectl get waltsegments lists them)`,
  404,
);

export const ERR_CLI_NO_SEGMENT = defineError(
  'WALT_ERR_CLI_NO_SEGMENT',
  () => 'there is no WaltSegment yet: create one (examples/segment.yaml) before creating nodes',
  404,
);

export const ERR_CLI_NOT_FOUND = defineError(
  'WALT_ERR_CLI_NOT_FOUND',
  (what: string) => `${what} does not exist`,
  404,
);

// Conflict (4): the request is well formed but the objects are not in a state that allows it.
export const ERR_CLI_ALREADY_EXISTS = defineError(
  'WALT_ERR_CLI_ALREADY_EXISTS',
  (what: string) => `${what} already exists: choose another name or remove it first`,
  409,
);

export const ERR_CLI_NOT_OWNED = defineError(
  'WALT_ERR_CLI_NOT_OWNED',
  (details: readonly string[]) => `not your node(s): ${list(details)}; add --force to act on them anyway`,
  409,
);

export const ERR_CLI_MODEL_UNSUPPORTED = defineError(
  'WALT_ERR_CLI_MODEL_UNSUPPORTED',
  (image: string, nodes: readonly string[], models: readonly string[]) =>
    `image ${image} does not support the model of ${list(nodes)} (it supports: ${list(models) || 'none'})`,
  409,
);

export const ERR_CLI_IMAGE_NOT_RESOLVED = defineError(
  'WALT_ERR_CLI_IMAGE_NOT_RESOLVED',
  (image: string) =>
    `image ${image} is not resolved yet, so its node models are unknown: wait for it (walt image show) or set spec.models`,
  409,
);

export const ERR_CLI_PHYSICAL_NODE = defineError(
  'WALT_ERR_CLI_PHYSICAL_NODE',
  (names: readonly string[]) =>
    `${list(names)}: physical node(s), only virtual nodes can be removed with walt node remove (unplug the device, then kubectl delete waltnode <name>)`,
  409,
);

export const ERR_CLI_IMAGE_REF_DIFFERS = defineError(
  'WALT_ERR_CLI_IMAGE_REF_DIFFERS',
  (name: string, ref: string) =>
    `image ${name} already exists with ref ${ref}: choose another name with --name, or walt image remove ${name} first`,
  409,
);

export const ERR_CLI_IMAGE_IN_USE = defineError(
  'WALT_ERR_CLI_IMAGE_IN_USE',
  (image: string, nodes: readonly string[]) =>
    `image ${image} is in use by ${list(nodes)}: boot them on another image first (walt node boot <node-set> default)`,
  409,
);

export const ERR_CLI_CHANGED = defineError(
  'WALT_ERR_CLI_CHANGED',
  (what: string, detail: string) => `${what} changed meanwhile (${detail}): run the command again`,
  409,
);

export const ERR_CLI_ALREADY_YOURS = defineError(
  'WALT_ERR_CLI_ALREADY_YOURS',
  (nodes: readonly string[]) => `${list(nodes)}: already yours (walt node release gives them back)`,
  409,
);

export const ERR_CLI_NOT_YOURS = defineError(
  'WALT_ERR_CLI_NOT_YOURS',
  (details: readonly string[]) => `not your node(s), nothing to release: ${list(details)}`,
  409,
);

export const ERR_CLI_VIRTUAL_DEVICE = defineError(
  'WALT_ERR_CLI_VIRTUAL_DEVICE',
  (name: string) => `${name} is a virtual node: remove it with walt node remove ${name}`,
  409,
);

// Timeout (5).
export const ERR_CLI_TIMEOUT = defineError(
  'WALT_ERR_CLI_TIMEOUT',
  (what: string, after: string) => `timed out after ${after} ${what}`,
  504,
);

// API unreachable (6) and forbidden (7).
export const ERR_CLI_UNREACHABLE = defineError(
  'WALT_ERR_CLI_UNREACHABLE',
  (server: string, detail: string) =>
    `cannot reach the Kubernetes API at ${server} (${detail}): check KUBECONFIG or --kubeconfig, and that the cluster runs`,
  503,
);

export const ERR_CLI_FORBIDDEN = defineError(
  'WALT_ERR_CLI_FORBIDDEN',
  (what: string, detail: string) => `not allowed to ${what}: ${detail}`,
  403,
);

export const ERR_CLI_COMMAND_TIMEOUT = defineError(
  'WALT_ERR_CLI_COMMAND_TIMEOUT',
  (node: string, after: string) => `the command did not finish on ${node} within ${after} (see --timeout)`,
  504,
);

// Failed (8): the cluster carried the request out and it failed.
export const ERR_CLI_EXPERIMENT_FAILED = defineError(
  'WALT_ERR_CLI_EXPERIMENT_FAILED',
  (name: string, message: string) => `experiment ${name} failed: ${message}`,
  502,
);

export const ERR_CLI_PULL_FAILED = defineError(
  'WALT_ERR_CLI_PULL_FAILED',
  (name: string, message: string) => `image ${name} failed: ${message}`,
  502,
);
