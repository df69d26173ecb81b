// Experiment: claim nodes, boot an image on them, run steps, collect results (namespaced).
import { Type, type Static } from '@sinclair/typebox';
import { StatusBase } from './conditions.js';
import { BootModeField, DnsLabel, Duration, ObjectName } from './fields.js';
import { cel, MapList, PreservedObject, SetList, StringEnum, Timestamp } from './schema-helpers.js';

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
export const STEP_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped'] as const;

const NodeNames = SetList(DnsLabel('node name'), 256, { minItems: 1 });

const LabelSelector = Type.Object({
  matchLabels: Type.Optional(
    Type.Unsafe<Record<string, string>>({
      type: 'object',
      additionalProperties: { type: 'string', maxLength: 63 },
      maxProperties: 32,
    }),
  ),
  matchExpressions: Type.Optional(
    Type.Array(
      Type.Object({
        key: Type.String({ minLength: 1, maxLength: 317 }),
        operator: StringEnum(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const),
        values: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: 64 })),
      }),
      { maxItems: 16 },
    ),
  ),
});

const NodeClaim = Type.Object(
  {
    names: Type.Optional(NodeNames),
    selector: Type.Optional(LabelSelector),
    count: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 256, description: 'How many matching nodes to claim.' }),
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

const StepTargets = { nodes: Type.Optional(NodeNames) };

const RunStep = Type.Object({
  ...StepTargets,
  command: Type.Array(Type.String({ maxLength: 16384 }), {
    minItems: 1,
    maxItems: 256,
    description: 'Program and arguments, e.g. ["sh", "-c", "uname -a"].',
  }),
  expectExitCode: Type.Integer({ minimum: 0, maximum: 255, default: 0 }),
  timeout: Duration('1s', { default: '5m' }),
});

const CopyStep = Type.Object(
  {
    ...StepTargets,
    direction: StringEnum(['toNode', 'fromNode'] as const),
    source: Type.String({ minLength: 1, maxLength: 4096 }),
    destination: Type.String({ minLength: 1, maxLength: 4096 }),
  },
  {
    ...cel({
      rule: "self.direction != 'toNode' || self.destination.startsWith('/')",
      message: 'copy toNode needs an absolute destination path on the node',
      fieldPath: '.destination',
    }),
  },
);

const Step = Type.Object(
  {
    name: DnsLabel('step name'),
    boot: Type.Optional(Type.Object({ ...StepTargets })),
    wait: Type.Optional(Type.Object({ duration: Duration('0s') })),
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

export const ExperimentSpec = Type.Object({
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
      timeout: Duration('10s', { default: '5m', description: 'Time for every node to reach Ready.' }),
      retries: Type.Integer({
        minimum: 0,
        maximum: 100,
        default: 2,
        description: 'Hard reboots after a timeout.',
      }),
    },
    { default: {} },
  ),
  steps: MapList(Step, 'name', 128, { description: 'Run in order after the nodes are Ready.' }),
  timeout: Duration('1s', { default: '1h', description: 'Limit for the whole experiment.' }),
  keep: Type.Object(
    {
      logs: Type.Boolean({
        default: true,
        description:
          'false: deleting the Experiment deletes its step output (log streams experiment.<namespace>.<name>.*) from the agents.',
      }),
      savedImage: Type.Optional(
        ObjectName('saved image', {
          description: 'Not implemented yet (saving the nodes as a new image, like walt node save).',
        }),
      ),
    },
    {
      default: {},
      ...cel({
        rule: '!has(self.savedImage)',
        message:
          'keep.savedImage is not implemented yet (saving the nodes as a new image, like walt node save): remove it',
        fieldPath: '.savedImage',
      }),
    },
  ),
});
export type ExperimentSpec = Static<typeof ExperimentSpec>;

const StepNodeResult = Type.Object({
  node: Type.String({ maxLength: 63 }),
  exitCode: Type.Optional(Type.Integer()),
  output: Type.Optional(Type.String({ maxLength: 65536 })),
  message: Type.Optional(Type.String({ maxLength: 4096 })),
});

export const ExperimentStatus = Type.Object({
  ...StatusBase,
  phase: Type.Optional(StringEnum(EXPERIMENT_PHASES)),
  startTime: Type.Optional(Timestamp()),
  completionTime: Type.Optional(Timestamp()),
  message: Type.Optional(Type.String({ maxLength: 4096 })),
  nodes: Type.Optional(
    MapList(
      Type.Object({
        name: Type.String({ maxLength: 63 }),
        phase: Type.Optional(Type.String({ maxLength: 32 })),
        ip: Type.Optional(Type.String({ maxLength: 15 })),
        readyTime: Type.Optional(Timestamp()),
        bootAttempts: Type.Optional(Type.Integer({ minimum: 0 })),
      }),
      'name',
      256,
    ),
  ),
  steps: Type.Optional(
    MapList(
      Type.Object({
        name: Type.String({ maxLength: 63 }),
        phase: StringEnum(STEP_PHASES),
        startTime: Type.Optional(Timestamp()),
        completionTime: Type.Optional(Timestamp()),
        results: Type.Optional(MapList(StepNodeResult, 'node', 256)),
        details: Type.Optional(PreservedObject()),
        // A run step's command id on each target node (the agents' idempotency key), written before the
        // commands are sent, so that an operator that restarts re-attaches to them (ADR 0008).
        commandId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9a-zA-Z_-]+$' })),
      }),
      'name',
      128,
    ),
  ),
});
export type ExperimentStatus = Static<typeof ExperimentStatus>;
