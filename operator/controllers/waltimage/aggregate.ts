// The WaltImage conditions the operator shows, derived from what each boot agent reported for its
// segment (status.segments[]) and from the operator's own resolution of the reference.

import type { ConditionInput } from '../../../runtime/index.js';

export type { ConditionInput };

export interface SegmentReport {
  segment: string;
  digest?: string;
  progress?: { bytesDone: number; bytesTotal: number; layersDone?: number; layersTotal?: number };
  conditions?: ConditionInput[];
}

export interface Aggregate {
  conditions: ConditionInput[];
  progress?: { bytesDone: number; bytesTotal: number };
}

function stage(type: 'Pulled' | 'Unpacked', digest: string, reports: SegmentReport[]): ConditionInput {
  if (reports.length === 0) {
    return {
      type,
      status: 'Unknown',
      reason: 'WaitingForAgent',
      message: 'no boot agent has reported this image yet',
    };
  }
  const states = reports.map((r) => ({
    segment: r.segment,
    condition: r.digest === digest ? r.conditions?.find((c) => c.type === type) : undefined,
  }));
  const failed = states.find((s) => s.condition?.status === 'False');
  if (failed) {
    return {
      type,
      status: 'False',
      reason: failed.condition!.reason,
      message: `segment ${failed.segment}: ${failed.condition!.message}`,
    };
  }
  const pending = states.filter((s) => s.condition?.status !== 'True').map((s) => s.segment);
  if (pending.length > 0) {
    return {
      type,
      status: 'Unknown',
      reason: 'InProgress',
      message: `in progress on segment(s) ${pending.join(', ')}`,
    };
  }
  return {
    type,
    status: 'True',
    reason: type,
    message: `${type.toLowerCase()} on segment(s) ${reports.map((r) => r.segment).join(', ')}`,
  };
}

export function aggregate(
  resolved: ConditionInput,
  digest: string | undefined,
  reports: SegmentReport[],
): Aggregate {
  if (resolved.status !== 'True' || !digest) {
    return { conditions: [resolved, { ...resolved, type: 'Ready' }] };
  }
  const pulled = stage('Pulled', digest, reports);
  const unpacked = stage('Unpacked', digest, reports);
  const ready: ConditionInput =
    unpacked.status === 'True'
      ? { type: 'Ready', status: 'True', reason: 'Ready', message: `image ${digest} is ready to boot` }
      : { ...(pulled.status === 'True' ? unpacked : pulled), type: 'Ready' };
  const current = reports.filter((r) => r.digest === digest && r.progress);
  const progress =
    current.length > 0
      ? {
          bytesDone: current.reduce((n, r) => n + r.progress!.bytesDone, 0),
          bytesTotal: current.reduce((n, r) => n + r.progress!.bytesTotal, 0),
        }
      : undefined;
  return { conditions: [resolved, pulled, unpacked, ready], ...(progress ? { progress } : {}) };
}
