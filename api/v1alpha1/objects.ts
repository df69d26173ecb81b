// The four kinds as Kubernetes objects (what informers and clients hand around), and their resources.
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import type { ExperimentSpec, ExperimentStatus } from './experiment.js';
import type { WaltImageSpec, WaltImageStatus } from './image.js';
import {
  EXPERIMENT,
  GROUP,
  VERSION,
  WALT_IMAGE,
  WALT_NODE,
  WALT_SEGMENT,
  type KindDefinition,
} from './kinds.js';
import type { WaltNodeSpec, WaltNodeStatus } from './node.js';
import type { WaltSegmentSpec, WaltSegmentStatus } from './segment.js';

interface WaltObject<Spec, Status> extends KubernetesObject {
  metadata: V1ObjectMeta & { name: string };
  spec: Spec;
  status?: Status;
}

export type WaltSegment = WaltObject<WaltSegmentSpec, WaltSegmentStatus>;
export type WaltNode = WaltObject<WaltNodeSpec, WaltNodeStatus>;
export type WaltImage = WaltObject<WaltImageSpec, WaltImageStatus>;
export type Experiment = WaltObject<ExperimentSpec, ExperimentStatus>;

export interface Resource {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  kind: string;
}

function resourceOf(def: KindDefinition): Resource {
  return {
    group: GROUP,
    version: VERSION,
    plural: def.plural,
    namespaced: def.scope === 'Namespaced',
    kind: def.kind,
  };
}

export const RESOURCES = {
  segment: resourceOf(WALT_SEGMENT),
  node: resourceOf(WALT_NODE),
  image: resourceOf(WALT_IMAGE),
  experiment: resourceOf(EXPERIMENT),
} as const;
