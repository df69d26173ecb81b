// The standard Kubernetes condition (metav1.Condition), written by controllers in status.
import { Type, type Static, type TArray } from '@sinclair/typebox';
import { MapList, StringEnum, Timestamp } from './schema-helpers.js';

export const Condition = Type.Object({
  type: Type.String({ maxLength: 316, minLength: 1 }),
  status: StringEnum(['True', 'False', 'Unknown'] as const),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  lastTransitionTime: Timestamp(),
  reason: Type.String({ maxLength: 1024, minLength: 1 }),
  message: Type.String({ maxLength: 32768 }),
});
export type Condition = Static<typeof Condition>;

export const Conditions = (): TArray<typeof Condition> => MapList(Condition, 'type', 32);

/** Fields every status in this API carries. */
export const StatusBase = {
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  conditions: Type.Optional(Conditions()),
};
