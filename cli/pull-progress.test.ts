import type { Condition } from '../api/v1alpha1/index.js';
import { pullView } from './pull-progress.js';
import { image } from '../test/support/fixtures/walt-objects.js';

const at = '2026-01-01T00:00:00Z';
const cond = (type: string, status: Condition['status'], reason: string, message = ''): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: at,
});
const digest = `sha256:abcdef012345${'0'.repeat(52)}`;

describe('pullView', () => {
  it('follows resolution, then each segment pull with the overall progress', () => {
    expect(pullView(image('debian'))).toEqual({
      state: 'pending',
      line: 'debian: resolving registry.example.org/walt/debian:latest',
    });
    expect(pullView(image('debian', { digest, models: ['pc-x86-64'] })).line).toBe(
      'debian: resolved to sha256:abcdef012345, waiting for a boot agent',
    );
    const pulling = image('debian', {
      digest,
      progress: { bytesDone: 50 * 1048576, bytesTotal: 200 * 1048576 },
      segments: [
        { segment: 'lab', digest, progress: { bytesDone: 50 * 1048576, bytesTotal: 100 * 1048576 } },
        { segment: 'lab2', digest, conditions: [cond('Pulled', 'True', 'Pulled')] },
        { segment: 'old', digest: 'sha256:other' },
      ],
    });
    expect(pullView(pulling)).toEqual({
      state: 'pending',
      line: 'debian: pulling 25% (50MiB of 200MiB) [lab 50%, lab2 unpacking, old waiting]',
    });
  });

  it('is ready once the Ready condition is True', () => {
    const ready = image('debian', {
      digest,
      models: ['pc-x86-64'],
      size: 119_537_664,
      conditions: [cond('Ready', 'True', 'Ready')],
    });
    expect(pullView(ready)).toEqual({
      state: 'ready',
      line: 'debian: Ready (sha256:abcdef012345, pc-x86-64, 114MiB)',
    });
  });

  it('fails on a final Ready=False, and keeps waiting through registry trouble', () => {
    const failed = image('debian', {
      conditions: [cond('Ready', 'False', 'ManifestUnknown', 'the registry has no such tag')],
    });
    expect(pullView(failed)).toMatchObject({
      state: 'failed',
      message: 'ManifestUnknown: the registry has no such tag',
    });
    const retrying = image('debian', {
      conditions: [cond('Ready', 'False', 'RegistryUnreachable', 'connection refused')],
    });
    expect(pullView(retrying)).toEqual({ state: 'pending', line: 'debian: connection refused (retrying)' });
    const inProgress = image('debian', { digest, conditions: [cond('Ready', 'Unknown', 'InProgress')] });
    expect(pullView(inProgress).state).toBe('pending');
  });
});
