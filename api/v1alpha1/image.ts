// WaltImage: an OS image for nodes, any OCI image reference (namespaced).
import { Type, type Static } from '@sinclair/typebox';
import { Conditions, StatusBase } from './conditions.js';
import { Count, Duration, NodeModelField, ObjectName, OciReference } from './fields.js';
import { cel, MapList, SetList, StringEnum, Timestamp } from './schema-helpers.js';

export const RECHECK_POLICIES = ['Never', 'Periodic'] as const;

const Progress = Type.Object({
  bytesDone: Count(),
  bytesTotal: Count(),
  layersDone: Type.Optional(Count(65_536)),
  layersTotal: Type.Optional(Count(65_536)),
});

export const WaltImageSpec = Type.Object({
  ref: OciReference({
    description: 'OCI image reference (tag or digest), e.g. registry.example.org/walt/debian:bookworm.',
  }),
  pullSecret: Type.Optional(
    Type.Object(
      { name: ObjectName('pull secret name') },
      {
        description:
          'A kubernetes.io/dockerconfigjson Secret in this namespace holding registry credentials.',
      },
    ),
  ),
  models: Type.Optional(
    SetList(NodeModelField(), 32, {
      minItems: 1,
      description: 'Node models this image supports; overrides the image label walt.node.models.',
    }),
  ),
  insecureRegistry: Type.Boolean({
    default: false,
    description: 'Talk plain HTTP to the registry (local test registries only).',
  }),
  recheck: Type.Object(
    {
      policy: StringEnum(RECHECK_POLICIES, {
        default: 'Never',
        description: 'Periodic: resolve the tag again every interval and follow it when it moves.',
      }),
      interval: Duration('1m', '720h', { default: '1h' }),
    },
    { default: {} },
  ),
});
export type WaltImageSpec = Static<typeof WaltImageSpec>;

const SegmentArtifact = Type.Object({
  segment: Type.String({ maxLength: 253 }),
  digest: Type.Optional(Type.String({ maxLength: 140 })),
  manifests: Type.Optional(
    SetList(Type.String({ maxLength: 140 }), 16, {
      description: 'Platform manifests unpacked for this segment.',
    }),
  ),
  progress: Type.Optional(Progress),
  conditions: Type.Optional(Conditions()),
});

export const WaltImageStatus = Type.Object({
  ...StatusBase,
  digest: Type.Optional(
    Type.String({ maxLength: 140, description: 'Manifest (or index) digest the reference resolved to.' }),
  ),
  resolvedAt: Type.Optional(Timestamp()),
  models: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 })),
  size: Type.Optional(Count(undefined, { description: 'Compressed size in bytes of the layers.' })),
  progress: Type.Optional(Progress),
  segments: Type.Optional(
    MapList(SegmentArtifact, 'segment', 64, {
      description: 'Per-segment artifacts (Pulled, Unpacked, Exported), written by each boot agent.',
    }),
  ),
});
export type WaltImageStatus = Static<typeof WaltImageStatus>;

/** "default" names the default image of a node model; a WaltImage cannot take it. */
export const imageNameSchema = Type.String({
  maxLength: 253,
  ...cel({
    rule: "self != 'default'",
    message: 'the name "default" is reserved for the default image of each node model',
  }),
});
