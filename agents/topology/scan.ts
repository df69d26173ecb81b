// The topology scan of one segment (I/O): walks the LLDP, forwarding and PoE tables of every switch the
// segment lists (spec.topology.switches) over SNMP, builds the tree (tree.ts) and writes it into the
// segment's status (status.topology) and each placed node's status.topology, by server-side apply
// under the field manager walt-agent-<segment>-topology, so the power driver finds the PoE port
// without a hand-typed one. Bounded: switches (64, the schema's), rows per table, time per request.
// A switch that does not answer is reported in status.topology.errors; the others are still scanned.
import type * as k8s from '@kubernetes/client-node';
import {
  API_VERSION,
  MAX_SWITCH_PORTS,
  RESOURCES,
  type WaltNode,
  type WaltSegment,
} from '../../api/v1alpha1/index.js';
import { isWaltError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { createStatusWriter, rfc3339 } from '../../runtime/index.js';
import { credentialsOf, type SecretReader } from '../snmp/credentials.js';
import { openSnmp, type SnmpClient } from '../snmp/session.js';
import { OIDS, switchTables, type SwitchTables } from './tables.js';
import { buildTopology, type ScannedSwitchInput, type Topology } from './tree.js';

/** Rows read per table of one switch: a 48-port switch has a few hundred; a bigger one is refused. */
export const MAX_TABLE_ROWS = 8192;

type SwitchSpec = NonNullable<WaltSegment['spec']['topology']>['switches'][number];

async function walkAll(client: SnmpClient): Promise<SwitchTables> {
  const walk = (oid: string): ReturnType<SnmpClient['walk']> => client.walk(oid, MAX_TABLE_ROWS);
  const scalars = [
    ...(await client.get([OIDS.sysName])),
    ...(await walk(OIDS.lldpLocChassisId)),
    ...(await walk(OIDS.lldpLocSysName)),
  ];
  return switchTables({
    scalars,
    locPorts: await walk(OIDS.lldpLocPortEntry),
    rem: await walk(OIDS.lldpRemEntry),
    manAddr: await walk(OIDS.lldpRemManAddrEntry),
    dot1dFdb: await walk(OIDS.dot1dTpFdbPort),
    dot1qFdb: await walk(OIDS.dot1qTpFdbPort),
    poe: await walk(OIDS.pethPsePortAdminEnable),
  });
}

export async function scanSwitch(
  sw: SwitchSpec,
  secrets: SecretReader,
  options: { timeoutMs?: number; retries?: number } = {},
): Promise<SwitchTables> {
  const client = openSnmp({
    host: sw.address,
    ...(sw.agentPort !== undefined ? { port: sw.agentPort } : {}),
    credentials: await credentialsOf(sw, secrets),
    ...options,
  });
  try {
    return await walkAll(client);
  } finally {
    client.close();
  }
}

export interface SegmentScan {
  topology: Topology;
  errors: string[];
}

/** Scans the switches of `segment` one after the other and places `nodes` (its WaltNodes). */
export async function scanSegment(
  segment: WaltSegment,
  nodes: readonly WaltNode[],
  secrets: SecretReader,
  options: { timeoutMs?: number; retries?: number } = {},
): Promise<SegmentScan> {
  const inputs: ScannedSwitchInput[] = [];
  const errors: string[] = [];
  for (const sw of segment.spec.topology?.switches ?? []) {
    try {
      inputs.push({ name: sw.name, address: sw.address, tables: await scanSwitch(sw, secrets, options) });
    } catch (error) {
      inputs.push({ name: sw.name, address: sw.address });
      errors.push(
        `${sw.name}: ${isWaltError(error) ? error.code : 'error'}: ${(error as Error).message}`.slice(0, 512),
      );
    }
  }
  const own = nodes.filter((n) => n.spec.segment === segment.metadata?.name);
  const topology = buildTopology(
    inputs,
    own.map((n) => ({ name: n.metadata.name, mac: n.spec.mac })),
    MAX_SWITCH_PORTS,
  );
  return { topology, errors };
}

/** Writes the scan into the segment's status and the placed nodes' status. */
export async function writeSegmentScan(
  options: { kc: k8s.KubeConfig; segment: string; logger: Logger; now?: Date },
  scan: SegmentScan,
): Promise<void> {
  const { kc, segment, logger } = options;
  const now = options.now ?? new Date();
  const fieldManager = `walt-agent-${segment}-topology`;
  const seenAt = rfc3339(now);
  const segments = createStatusWriter<WaltSegment>({ kc, resource: RESOURCES.segment, fieldManager, logger });
  await segments.apply(
    { apiVersion: API_VERSION, kind: 'WaltSegment', metadata: { name: segment } } as WaltSegment,
    {
      topology: {
        scannedAt: seenAt,
        switches: scan.topology.switches,
        ...(scan.errors.length > 0 ? { errors: scan.errors } : {}),
      },
    },
  );
  const nodes = createStatusWriter<WaltNode>({ kc, resource: RESOURCES.node, fieldManager, logger });
  for (const [name, place] of scan.topology.nodes)
    await nodes.apply({ apiVersion: API_VERSION, kind: 'WaltNode', metadata: { name } } as WaltNode, {
      topology: { ...place, seenAt },
    });
}
