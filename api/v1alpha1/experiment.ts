// Experiment: claim nodes, boot an image on them, run steps, collect results (namespaced).
import { Type, type Static, type TArray, type TString } from '@sinclair/typebox';
import { StatusBase } from './conditions.js';
import {
  ABSOLUTE_PATH_REGEX,
  BootModeField,
  Count,
  DnsLabel,
  Duration,
  LABEL_KEY_REGEX,
  LabelKey,
  LabelValue,
  ObjectName,
} from './fields.js';
import { cel, celString, MapList, SetList, StringEnum, Timestamp } from './schema-helpers.js';

export const EXPERIMENT_PHASES = [
  'Pending',
  'Acquiring',
  'Booting',
  'Running',
  'Succeeded',
  'Failed',
  'Releasing',
] as const;
export const STEP_KINDS = ['boot', 'wait', 'run', 'copy', 'checkpoint', 'reboot'] as const;
/** The source of a copy toNode step (the operator parses it with the same expression). */
export const COPY_CONFIGMAP_SOURCE_REGEX = '^configmap:[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[-._a-zA-Z0-9]+$';
export const STEP_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped'] as const;

// Bounds that keep the CEL rule "step targets are claimed nodes" (steps × targets × names) within the
// apiserver's cost budget; claim more nodes than MAX_CLAIMED_NAMES with a selector and a count.
export const MAX_CLAIMED_NAMES = 128;
export const MAX_STEP_TARGETS = 64;
export const MAX_STEPS = 64;
export const MAX_SELECTED_NODES = 256;
/** keep.savedImage: with "-<node>" (63) it stays a 128-character OCI tag. */
export const MAX_SAVED_IMAGE_NAME = 64;

const NodeNames = (maxItems: number): TArray<TString> =>
  SetList(DnsLabel('node name'), maxItems, { minItems: 1 });

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

const MatchExpression = Type.Object(
  {
    key: LabelKey(),
    operator: StringEnum(SELECTOR_OPERATORS),
    values: Type.Optional(Type.Array(LabelValue(), { maxItems: 64 })),
  },
  {
    ...cel(
      {
        rule: "!(self.operator in ['In', 'NotIn']) || (has(self.values) && size(self.values) > 0)",
        message: 'operators In and NotIn need a non-empty values list',
        fieldPath: '.values',
      },
      {
        rule: "!(self.operator in ['Exists', 'DoesNotExist']) || !has(self.values) || size(self.values) == 0",
        message: 'operators Exists and DoesNotExist take no values: remove values',
        fieldPath: '.values',
      },
    ),
  },
);

const LabelSelector = Type.Object({
  matchLabels: Type.Optional(
    Type.Unsafe<Record<string, string>>({
      type: 'object',
      additionalProperties: LabelValue(),
      maxProperties: 32,
      ...cel({
        rule: `self.all(k, k.size() <= 317 && k.matches(${celString(LABEL_KEY_REGEX)}))`,
        message:
          'matchLabels keys must be label keys: an optional DNS prefix and "/", then 1 to 63 letters, digits, "-", "_" or "." starting and ending with a letter or digit',
      }),
    }),
  ),
  matchExpressions: Type.Optional(Type.Array(MatchExpression, { maxItems: 16 })),
});

const NodeClaim = Type.Object(
  {
    names: Type.Optional(NodeNames(MAX_CLAIMED_NAMES)),
    selector: Type.Optional(LabelSelector),
    count: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_SELECTED_NODES,
        description: 'How many matching nodes to claim.',
      }),
    ),
  },
  {
    description: 'Which nodes to claim: a list of names, or a label selector with a count.',
    ...cel(
      {
        rule: 'has(self.names) != has(self.selector)',
        message: 'set exactly one of nodes.names or nodes.selector',
      },
      {
        rule: '!has(self.count) || has(self.selector)',
        message: 'nodes.count only applies with nodes.selector (names already say how many)',
        fieldPath: '.count',
      },
    ),
  },
);

const StepTargets = { nodes: Type.Optional(NodeNames(MAX_STEP_TARGETS)) };

const RunStep = Type.Object({
  ...StepTargets,
  command: Type.Array(Type.String({ maxLength: 8192 }), {
    minItems: 1,
    maxItems: 128,
    description: 'Program and arguments, e.g. ["sh", "-c", "uname -a"].',
    ...cel({
      rule: "size(self) == 0 || !self[0].matches('^\\\\s*$')",
      message: 'command[0], the program to run, must not be empty or blank',
    }),
  }),
  expectExitCode: Type.Integer({ minimum: 0, maximum: 255, default: 0 }),
  // The agent runs a command for at most 86400 s (api/agent/v1.ts ExecRequest.timeoutSeconds).
  timeout: Duration('1s', '24h', { default: '5m' }),
});

const CopyStep = Type.Object(
  {
    ...StepTargets,
    direction: StringEnum(['toNode', 'fromNode'] as const),
    source: Type.String({
      minLength: 1,
      maxLength: 4096,
      description:
        'toNode: configmap:<name>/<key> in this namespace; fromNode: an absolute path on the node.',
    }),
    destination: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'toNode: the absolute file path on the node; fromNode: a name for the fetched files.',
    }),
  },
  {
    ...cel(
      {
        rule: `self.direction != 'toNode' || self.destination.matches(${celString(ABSOLUTE_PATH_REGEX)})`,
        message: 'copy toNode needs an absolute destination path on the node, e.g. /etc/app/app.json',
        fieldPath: '.destination',
      },
      {
        rule: `self.direction != 'toNode' || self.source.matches(${celString(COPY_CONFIGMAP_SOURCE_REGEX)})`,
        message: 'copy toNode reads configmap:<ConfigMap name>/<key>, e.g. configmap:app-config/app.json',
        fieldPath: '.source',
      },
      {
        rule: `self.direction != 'fromNode' || self.source.matches(${celString(ABSOLUTE_PATH_REGEX)})`,
        message: 'copy fromNode needs an absolute source path on the node, e.g. /var/log/app.log',
        fieldPath: '.source',
      },
    ),
  },
);

const Step = Type.Object(
  {
    name: DnsLabel('step name'),
    boot: Type.Optional(Type.Object({ ...StepTargets })),
    wait: Type.Optional(Type.Object({ duration: Duration('0s', '168h') })),
    run: Type.Optional(RunStep),
    copy: Type.Optional(CopyStep),
    checkpoint: Type.Optional(
      Type.Object({
        name: Type.String({
          maxLength: 64,
          ...cel({
            rule: "self.matches('^[a-zA-Z0-9]+[a-zA-Z0-9-]+$')",
            message:
              'checkpoint names are letters, digits and "-" (at least 2 characters, not starting with "-")',
          }),
        }),
      }),
    ),
    reboot: Type.Optional(Type.Object({ ...StepTargets, hard: Type.Boolean({ default: false }) })),
  },
  {
    ...cel({
      rule: `[${STEP_KINDS.map((kind) => `has(self.${kind})`).join(', ')}].filter(x, x).size() == 1`,
      message: `each step sets exactly one of ${STEP_KINDS.join(', ')}`,
    }),
  },
);

/** Step kinds that may name their own target nodes (a subset of the claimed ones). */
const TARGETED_KINDS = ['boot', 'run', 'copy', 'reboot'] as const;

/**
 * One rule per step kind (each within the per-rule cost limit): with nodes claimed by name, every node
 * a step names must be one of them. With a selector the names are only known once nodes are claimed;
 * the controller then fails the step (WALT_ERR_EXPERIMENT_UNKNOWN_TARGET).
 */
const targetRules = TARGETED_KINDS.map((kind) => ({
  rule: `!has(self.nodes.names) || self.steps.all(s, !has(s.${kind}) || !has(s.${kind}.nodes) || s.${kind}.nodes.all(n, n in self.nodes.names))`,
  message: `a ${kind} step names a node that nodes.names does not claim: list it in nodes.names or remove it from steps[].${kind}.nodes`,
  fieldPath: '.steps',
}));

export const ExperimentSpec = Type.Object(
  {
    nodes: NodeClaim,
    image: ObjectName('image', { description: 'WaltImage (in this namespace) the nodes boot.' }),
    bootMode: BootModeField({
      default: 'network',
      description: 'How the nodes boot the image; network only for now.',
      maxLength: 32,
      ...cel({
        rule: "self == 'network'",
        message:
          'bootMode: only network is supported for now (the hybrid modes, the image copied to a local disk, are not implemented): remove it or set network',
      }),
    }),
    boot: Type.Object(
      {
        timeout: Duration('10s', '24h', {
          default: '5m',
          description: 'Time for every node to reach Ready.',
        }),
        retries: Type.Integer({
          minimum: 0,
          maximum: 100,
          default: 2,
          description: 'Hard reboots after a timeout.',
        }),
      },
      { default: {} },
    ),
    steps: MapList(Step, 'name', MAX_STEPS, { description: 'Run in order after the nodes are Ready.' }),
    timeout: Duration('1s', '720h', { default: '1h', description: 'Limit for the whole experiment.' }),
    keep: Type.Object(
      {
        logs: Type.Boolean({
          default: true,
          description:
            'false: deleting the Experiment deletes its step output (log streams experiment.<namespace>.<name>.*) from the agents.',
        }),
        savedImage: Type.Optional(
          ObjectName('saved image', {
            maxLength: MAX_SAVED_IMAGE_NAME,
            description:
              "Save the nodes at the end (as walt node save): each node's changes become a WaltImage of " +
              'this name (one node) or <name>-<node> (several), pushed to the repository of spec.image under ' +
              'that tag (docs/experiments.md, ADR 0022).',
          }),
        ),
      },
      { default: {} },
    ),
  },
  { ...cel(...targetRules) },
);
export type ExperimentSpec = Static<typeof ExperimentSpec>;

/** Per-node results a step keeps in status; the others are counted in resultsOmitted. */
export const MAX_STEP_RESULTS = 64;
/** Characters of output a result keeps in status (the tail; the whole output is in the log store). */
export const MAX_RESULT_OUTPUT = 16_384;
/** Characters of the messages the controller writes in status. */
export const MAX_STATUS_MESSAGE = 4096;

const StepNodeResult = Type.Object({
  node: Type.String({ maxLength: 63 }),
  exitCode: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  output: Type.Optional(Type.String({ maxLength: MAX_RESULT_OUTPUT })),
  message: Type.Optional(Type.String({ maxLength: MAX_STATUS_MESSAGE })),
});

// What a node ran, recorded when it was last Ready (the record of a reproducible run; walt experiment
// rerun pins these). Written by the operator from the WaltNode (its booted image, as its agent reports
// it, its model and settings) and from the segment's status (the agent's version).
const NodeRecord = {
  image: Type.Optional(
    Type.Object(
      {
        name: Type.String({ maxLength: 317, description: '"<namespace>/<WaltImage>" the node booted.' }),
        ref: Type.Optional(
          Type.String({ maxLength: 512, description: "The WaltImage's OCI reference at the time." }),
        ),
        digest: Type.Optional(
          Type.String({ maxLength: 140, description: 'Manifest digest the agent served the node.' }),
        ),
      },
      { description: 'The image the node booted, as its agent recorded it.' },
    ),
  ),
  model: Type.Optional(Type.String({ maxLength: 64 })),
  settings: Type.Optional(
    Type.Object(
      {
        netsetup: Type.Optional(Type.String({ maxLength: 16 })),
        bootTimeout: Type.Optional(Count(86_400)),
        bootRetries: Type.Optional(Count(1000)),
        kexecAllow: Type.Optional(Type.Boolean()),
        mountPersist: Type.Optional(Type.Boolean()),
        expose: Type.Optional(Type.Array(Type.String({ maxLength: 11 }), { maxItems: 16 })),
      },
      { description: "The node's spec.settings when it booted." },
    ),
  ),
  agentVersion: Type.Optional(
    Type.String({ maxLength: 64, description: "Version of the segment's boot agent that served the node." }),
  ),
};

const SavedImage = Type.Object({
  node: Type.String({ maxLength: 63 }),
  image: Type.String({ maxLength: 253, description: 'The WaltImage created (this namespace).' }),
  ref: Type.Optional(Type.String({ maxLength: 512 })),
  digest: Type.Optional(Type.String({ maxLength: 140 })),
  layerBytes: Type.Optional(Count()),
  changeBytes: Type.Optional(Count()),
  message: Type.Optional(
    Type.String({ maxLength: MAX_STATUS_MESSAGE, description: 'Why the node was not saved.' }),
  ),
});

export const ExperimentStatus = Type.Object({
  ...StatusBase,
  operatorVersion: Type.Optional(
    Type.String({ maxLength: 64, description: 'Version of the operator that ran the experiment.' }),
  ),
  savedImages: Type.Optional(
    MapList(SavedImage, 'node', MAX_SELECTED_NODES, {
      description: 'keep.savedImage: each node saved at the end (or why not).',
    }),
  ),
  phase: Type.Optional(StringEnum(EXPERIMENT_PHASES)),
  startTime: Type.Optional(Timestamp()),
  completionTime: Type.Optional(Timestamp()),
  message: Type.Optional(Type.String({ maxLength: MAX_STATUS_MESSAGE })),
  nodes: Type.Optional(
    MapList(
      Type.Object({
        name: Type.String({ maxLength: 63 }),
        phase: Type.Optional(Type.String({ maxLength: 32 })),
        ip: Type.Optional(Type.String({ maxLength: 15 })),
        readyTime: Type.Optional(Timestamp()),
        bootAttempts: Type.Optional(Count(1000)),
        ...NodeRecord,
      }),
      'name',
      MAX_SELECTED_NODES,
    ),
  ),
  steps: Type.Optional(
    MapList(
      Type.Object({
        name: Type.String({ maxLength: 63 }),
        phase: StringEnum(STEP_PHASES),
        startTime: Type.Optional(Timestamp()),
        completionTime: Type.Optional(Timestamp()),
        results: Type.Optional(MapList(StepNodeResult, 'node', MAX_STEP_RESULTS)),
        resultsOmitted: Type.Optional(
          Count(MAX_SELECTED_NODES, {
            description: 'Per-node results left out of status to keep it small (failures are kept first).',
          }),
        ),
        outputStream: Type.Optional(
          Type.String({
            maxLength: 512,
            description:
              'Log stream holding the whole output of this step, when status keeps only part of it (walt log show).',
          }),
        ),
        details: Type.Optional(
          Type.Object({ message: Type.Optional(Type.String({ maxLength: MAX_STATUS_MESSAGE })) }),
        ),
        // A run step's command id on each target node (the agents' idempotency key), written before the
        // commands are sent, so that an operator that restarts re-attaches to them (ADR 0008).
        commandId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9a-zA-Z_-]+$' })),
      }),
      'name',
      MAX_STEPS,
    ),
  ),
});
export type ExperimentStatus = Static<typeof ExperimentStatus>;
