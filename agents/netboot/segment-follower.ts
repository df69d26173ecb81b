// Services of the agent that depend on its WaltSegment's spec (DHCP settings, the server address) apply
// it when the segment appears and again on each change, one change at a time and in order.
import type { WaltSegment } from '../../api/v1alpha1/index.js';
import type { Cache } from './informer-boot-view.js';

export interface SegmentFollower {
  /** Resolves once the segment's current spec (if it exists yet) has been applied. */
  started: Promise<void>;
  /** Resolves when every change seen so far has been applied. */
  settled(): Promise<void>;
}

export function followSegment(
  segments: Cache<WaltSegment>,
  name: string,
  apply: (segment: WaltSegment) => Promise<void>,
  onError: (error: unknown) => void,
): SegmentFollower {
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (segment: WaltSegment): Promise<void> => {
    chain = chain.then(() => apply(segment)).catch(onError);
    return chain;
  };
  const follow = (segment: WaltSegment): void => {
    if (segment.metadata.name === name) void enqueue(segment);
  };
  segments.on('add', follow);
  segments.on('update', follow);
  const current = segments.get(name);
  return { started: current ? enqueue(current) : Promise.resolve(), settled: () => chain };
}
