// The layers of the code base, lowest first. A module may import its own folder and the folders of
// lower layers; folders of one layer are siblings and never import each other (operator ⇄ agents,
// runtime ⇄ oci). Some folders are libraries with one entry point: callers outside them import that
// file only, so what lies behind it can change freely. docs/architecture.md draws this table.

export interface Layer {
  name: string;
  /** Top-level folders of the layer (siblings). */
  folders: readonly string[];
  /** What the layer is, for the picture in docs/architecture.md. */
  what: string;
}

export const LAYERS: readonly Layer[] = [
  { name: 'common', folders: ['common'], what: 'errors, logger, metrics, durations, timers' },
  { name: 'contract', folders: ['api'], what: 'kinds, node contract, agent API, RBAC of agents' },
  {
    name: 'libraries',
    folders: ['runtime', 'oci', 'log-store', 'crds'],
    what: 'reconcile runtime, OCI client, log store, CRD rendering',
  },
  { name: 'client', folders: ['client'], what: 'the client library: objects, node sets, agents, logs' },
  {
    name: 'services',
    folders: ['operator', 'agents', 'cli'],
    what: 'the operator, the boot agent, the walt CLI',
  },
  { name: 'lab', folders: ['local'], what: 'install scripts, control plane, local testbed' },
  {
    name: 'packaging',
    folders: ['images'],
    what: 'container images of the operator and the agent (buildah)',
  },
  { name: 'tests', folders: ['test', 'bench'], what: 'integration and e2e tests, benchmarks' },
];

/** Folders whose modules outside callers reach through one file only. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  runtime: 'runtime/index.ts',
  oci: 'oci/index.ts',
};

/** Folders no production module may import (tests, co-located or not, may). */
export const TEST_ONLY_FOLDERS: readonly string[] = ['test', 'bench'];
