import type { WaltSegment } from '../../api/v1alpha1/index.js';
import type { Cache } from './informer-boot-view.js';
import { followSegment } from './segment-follower.js';

const segment = (name: string, generation: number): WaltSegment =>
  ({ metadata: { name, generation }, spec: {} }) as WaltSegment;

function cache(
  initial: WaltSegment[],
): Cache<WaltSegment> & { emit(event: 'add' | 'update', s: WaltSegment): void } {
  const handlers: Array<[string, (s: WaltSegment) => void]> = [];
  return {
    get: (name) => initial.find((s) => s.metadata.name === name),
    list: () => initial,
    on: (event, cb) => handlers.push([event, cb]),
    emit: (event, s) => handlers.filter(([e]) => e === event).forEach(([, cb]) => cb(s)),
  };
}

describe('followSegment', () => {
  it('applies the current spec, then each change of its own segment, one at a time and in order', async () => {
    const segments = cache([segment('lab', 1)]);
    const applied: string[] = [];
    let running = 0;
    const follower = followSegment(
      segments,
      'lab',
      async (s) => {
        running++;
        expect(running).toBe(1);
        await new Promise((r) => setTimeout(r, 5));
        applied.push(`${s.metadata.name}@${s.metadata.generation}`);
        running--;
      },
      () => undefined,
    );
    await follower.started;
    segments.emit('update', segment('lab', 2));
    segments.emit('update', segment('other', 7));
    segments.emit('update', segment('lab', 3));
    await follower.settled();
    expect(applied).toEqual(['lab@1', 'lab@2', 'lab@3']);
  });

  it('reports a failed apply and keeps following', async () => {
    const segments = cache([]);
    const errors: unknown[] = [];
    const follower = followSegment(
      segments,
      'lab',
      async (s) => {
        await Promise.resolve();
        if (s.metadata.generation === 1) throw new Error('bad spec');
      },
      (error) => errors.push(error),
    );
    await follower.started;
    segments.emit('add', segment('lab', 1));
    segments.emit('update', segment('lab', 2));
    await follower.settled();
    expect(errors).toHaveLength(1);
  });
});
