// Images and experiments for scripts (WalT's api.images; Experiments have no WalT counterpart): the
// namespace's objects, read and created with the CLI's object client (coded errors, field manager
// walt-cli).
import { API_VERSION, RESOURCES, type Experiment, type WaltImage } from '../api/v1alpha1/index.js';
import type { ObjectClient } from './objects.js';

export interface ImagesApi {
  list(): Promise<WaltImage[]>;
  get(name: string): Promise<WaltImage | undefined>;
}

export interface ExperimentsApi {
  list(): Promise<Experiment[]>;
  get(name: string): Promise<Experiment | undefined>;
  /** Creates (or updates: server-side apply) an Experiment of the namespace. */
  create(experiment: Pick<Experiment, 'metadata' | 'spec'>): Promise<Experiment>;
}

export function createImagesApi(objects: ObjectClient, namespace: string): ImagesApi {
  return {
    list: async () => (await objects.list<WaltImage>(RESOURCES.image, { namespace })).items,
    get: (name) => objects.get<WaltImage>(RESOURCES.image, name, namespace),
  };
}

export function createExperimentsApi(objects: ObjectClient, namespace: string): ExperimentsApi {
  return {
    list: async () => (await objects.list<Experiment>(RESOURCES.experiment, { namespace })).items,
    get: (name) => objects.get<Experiment>(RESOURCES.experiment, name, namespace),
    create: (experiment) =>
      objects.apply<Experiment>(RESOURCES.experiment, {
        apiVersion: API_VERSION,
        kind: RESOURCES.experiment.kind,
        metadata: { ...experiment.metadata, namespace: experiment.metadata.namespace ?? namespace },
        spec: experiment.spec,
      }),
  };
}
