// The four kinds of the walt.dev/v1alpha1 API: names, scope, schemas and printer columns.
// This is the single source of truth: crds/*.yaml are generated from it (npm run crds).
import type { TSchema } from '@sinclair/typebox';
import { ExperimentSpec, ExperimentStatus } from './experiment.js';
import { imageNameSchema, WaltImageSpec, WaltImageStatus } from './image.js';
import { nodeNameSchema, WaltNodeSpec, WaltNodeStatus } from './node.js';
import { WaltSegmentSpec, WaltSegmentStatus } from './segment.js';

export const GROUP = 'walt.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'walt';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Cluster' | 'Namespaced';
  description: string;
  spec: TSchema;
  status: TSchema;
  /** Extra rules on metadata.name (the only metadata field a CRD schema may restrict). */
  nameSchema?: TSchema;
  printerColumns: PrinterColumn[];
}

const readyColumn = (name = 'Ready'): PrinterColumn => ({
  name,
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
});
const ageColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const WALT_SEGMENT: KindDefinition = {
  kind: 'WaltSegment',
  plural: 'waltsegments',
  singular: 'waltsegment',
  shortNames: ['ws'],
  scope: 'Cluster',
  description: 'A lab L2 network segment served by one boot agent (DHCP, TFTP, HTTP, NFS).',
  spec: WaltSegmentSpec,
  status: WaltSegmentStatus,
  printerColumns: [
    { name: 'Interface', type: 'string', jsonPath: '.spec.interface' },
    { name: 'Subnet', type: 'string', jsonPath: '.spec.subnet' },
    { name: 'Server', type: 'string', jsonPath: '.spec.serverAddress' },
    { name: 'DHCP', type: 'string', jsonPath: '.spec.dhcp.mode' },
    { name: 'Leases', type: 'integer', jsonPath: '.status.leasesInUse', priority: 1 },
    readyColumn(),
    ageColumn,
  ],
};

export const WALT_NODE: KindDefinition = {
  kind: 'WaltNode',
  plural: 'waltnodes',
  singular: 'waltnode',
  shortNames: ['wn'],
  scope: 'Cluster',
  description: 'A physical or virtual node that network-boots a WaltImage on a segment.',
  spec: WaltNodeSpec,
  status: WaltNodeStatus,
  nameSchema: nodeNameSchema,
  printerColumns: [
    { name: 'Model', type: 'string', jsonPath: '.spec.model' },
    { name: 'MAC', type: 'string', jsonPath: '.spec.mac' },
    { name: 'IP', type: 'string', jsonPath: '.status.ip' },
    { name: 'Image', type: 'string', jsonPath: '.spec.image' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Segment', type: 'string', jsonPath: '.spec.segment', priority: 1 },
    { name: 'Claimed-By', type: 'string', jsonPath: '.status.claimedBy.name', priority: 1 },
    { name: 'Claim-Image', type: 'string', jsonPath: '.status.claimedBy.image', priority: 1 },
    ageColumn,
  ],
};

export const WALT_IMAGE: KindDefinition = {
  kind: 'WaltImage',
  plural: 'waltimages',
  singular: 'waltimage',
  shortNames: ['wi'],
  scope: 'Namespaced',
  description: 'An OS image for nodes: any OCI image, resolved, pulled and exported by the boot agents.',
  spec: WaltImageSpec,
  status: WaltImageStatus,
  nameSchema: imageNameSchema,
  printerColumns: [
    { name: 'Ref', type: 'string', jsonPath: '.spec.ref' },
    { name: 'Models', type: 'string', jsonPath: '.status.models' },
    { name: 'Size', type: 'integer', jsonPath: '.status.size' },
    readyColumn(),
    { name: 'Digest', type: 'string', jsonPath: '.status.digest', priority: 1 },
    ageColumn,
  ],
};

export const EXPERIMENT: KindDefinition = {
  kind: 'Experiment',
  plural: 'experiments',
  singular: 'experiment',
  shortNames: ['exp'],
  scope: 'Namespaced',
  description: 'Claims nodes, boots an image on them, runs steps and records the results.',
  spec: ExperimentSpec,
  status: ExperimentStatus,
  printerColumns: [
    { name: 'Image', type: 'string', jsonPath: '.spec.image' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Started', type: 'date', jsonPath: '.status.startTime' },
    { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
    ageColumn,
  ],
};

export const KINDS: readonly KindDefinition[] = [WALT_SEGMENT, WALT_NODE, WALT_IMAGE, EXPERIMENT];
