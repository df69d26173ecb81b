import type { WaltNode } from '../../../api/v1alpha1/index.js';
import { bootState, type BootWaitInput } from './boot-verdict.js';

const T0 = Date.parse('2026-01-01T10:00:00.500Z');
const node = (status: WaltNode['status']): WaltNode =>
  ({
    metadata: { name: 'vn1' },
    spec: { mac: '52:54:00:00:00:01', model: 'pc-x86-64', segment: 'lab', image: 'lab/img' },
    status,
  }) as WaltNode;
const ready = (bootup: string, image = 'lab/img'): WaltNode['status'] => ({
  phase: 'Ready',
  ip: '10.0.0.5',
  bootedImage: { name: image },
  lastBootup: bootup,
  conditions: [
    { type: 'Ready', status: 'True', reason: 'BootedUp', message: '', lastTransitionTime: bootup },
  ],
});
const input = (over: Partial<BootWaitInput>): BootWaitInput => ({
  node: node(undefined),
  name: 'vn1',
  wanted: 'lab/img',
  requestedAt: T0,
  attempts: 1,
  timeoutMs: 60_000,
  retries: 2,
  now: T0 + 1000,
  ...over,
});

describe('bootState', () => {
  it('is ready once the wanted image booted after the request', () => {
    expect(bootState(input({ node: node(ready('2026-01-01T10:00:30Z')) }))).toEqual({
      kind: 'ready',
      ip: '10.0.0.5',
    });
  });

  it('does not count a bootup from before the request, or of another image', () => {
    expect(bootState(input({ node: node(ready('2026-01-01T09:59:00Z')) })).kind).toBe('waiting');
    expect(bootState(input({ node: node(ready('2026-01-01T10:00:30Z', 'lab/other')) })).kind).toBe('waiting');
  });

  it('waits until the timeout, then asks for a hard reboot while retries are left', () => {
    expect(bootState(input({ now: T0 + 10_000 }))).toEqual({ kind: 'waiting', recheckInMs: 50_000 });
    const retry = bootState(input({ now: T0 + 60_000, attempts: 2 }));
    expect(retry).toEqual({
      kind: 'retry',
      message: 'vn1 did not boot lab/img within 60 s (attempt 2 of 3): hard-rebooting it',
    });
  });

  it('fails after the last attempt, and when the node is gone', () => {
    expect(bootState(input({ now: T0 + 60_000, attempts: 3 }))).toMatchObject({ kind: 'failed' });
    const gone = bootState(input({ node: undefined }));
    expect(gone.kind).toBe('failed');
    expect(gone.kind === 'failed' && gone.message).toContain('deleted');
  });

  it('waits while the request is not visible yet', () => {
    expect(bootState(input({ requestedAt: undefined }))).toEqual({ kind: 'waiting', recheckInMs: 1000 });
  });
});
