import type { WaltSegment } from '../v1alpha1/index.js';
import { experimentSummary } from './experiment.js';
import { imageSummary } from './image.js';
import { AGENT_HEARTBEAT_FRESH_MS, segmentHealth } from './segment.js';

const byType = (conditions: { type: string; status: string; reason: string }[]): Record<string, string> =>
  Object.fromEntries(conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));

const NOW = Date.parse('2026-12-05T10:00:00Z');
const segment = (lastHeartbeat?: string): WaltSegment =>
  ({
    metadata: { name: 'lab' },
    spec: {},
    status: lastHeartbeat ? { agent: { host: 'h1', lastHeartbeat } } : {},
  }) as WaltSegment;

describe('segmentHealth', () => {
  it('is Ready while the agent heartbeat is fresh, and says when to look again', () => {
    const health = segmentHealth(segment('2026-12-05T09:59:30Z'), NOW);
    expect(byType(health.conditions)).toEqual({
      Ready: 'True/AgentHeartbeat',
      Reconciling: 'False/Idle',
      Stalled: 'False/Idle',
    });
    expect(health.recheckInMs).toBe(AGENT_HEARTBEAT_FRESH_MS - 30_000 + 1000);
  });

  it('is Reconciling before any agent reported', () => {
    const health = segmentHealth(segment(), NOW);
    expect(byType(health.conditions)).toEqual({
      Ready: 'False/NoAgent',
      Reconciling: 'True/NoAgent',
      Stalled: 'False/Idle',
    });
    expect(health.recheckInMs).toBeUndefined();
  });

  it('is Stalled, not Ready, once the heartbeat is older than three periods', () => {
    const stale = new Date(NOW - AGENT_HEARTBEAT_FRESH_MS - 1).toISOString();
    const health = segmentHealth(segment(stale), NOW);
    expect(byType(health.conditions)).toEqual({
      Ready: 'False/AgentHeartbeatStale',
      Reconciling: 'False/Idle',
      Stalled: 'True/AgentHeartbeatStale',
    });
    expect(health.conditions[0]!.message).toContain('on h1');
    // At the edge of the window it is still fresh
    const edge = new Date(NOW - AGENT_HEARTBEAT_FRESH_MS).toISOString();
    expect(byType(segmentHealth(segment(edge), NOW).conditions).Ready).toBe('True/AgentHeartbeat');
  });
});

describe('experimentSummary', () => {
  it('is Reconciling until the outcome, Ready once Succeeded, Stalled once Failed', () => {
    expect(byType(experimentSummary('Running', 'step 1'))).toEqual({
      Ready: 'False/Progressing',
      Reconciling: 'True/Running',
      Stalled: 'False/Idle',
    });
    expect(byType(experimentSummary('Succeeded', 'done'))).toEqual({
      Ready: 'True/Succeeded',
      Reconciling: 'False/Idle',
      Stalled: 'False/Idle',
    });
    expect(byType(experimentSummary('Failed', 'boom'))).toEqual({
      Ready: 'False/Failed',
      Reconciling: 'False/Idle',
      Stalled: 'True/Failed',
    });
  });
});

describe('imageSummary', () => {
  const c = (type: string, status: 'True' | 'False', reason: string) => ({
    type,
    status,
    reason,
    message: reason,
  });

  it('is Reconciling while it resolves, pulls or unpacks, idle once Ready', () => {
    const pulling = { resolved: c('Resolved', 'True', 'Resolved'), ready: c('Ready', 'False', 'Pulling') };
    expect(byType(imageSummary({ ...pulling, transient: false }))).toEqual({
      Reconciling: 'True/Preparing',
      Stalled: 'False/Idle',
    });
    const ready = { resolved: c('Resolved', 'True', 'Resolved'), ready: c('Ready', 'True', 'Ready') };
    expect(byType(imageSummary({ ...ready, transient: false }))).toEqual({
      Reconciling: 'False/Idle',
      Stalled: 'False/Idle',
    });
  });

  it('is Stalled when it cannot resolve for a reason retrying will not fix, Reconciling when it will', () => {
    const failed = { resolved: c('Resolved', 'False', 'NoModels'), ready: c('Ready', 'False', 'NoModels') };
    expect(byType(imageSummary({ ...failed, transient: false }))).toEqual({
      Reconciling: 'False/Idle',
      Stalled: 'True/NoModels',
    });
    expect(byType(imageSummary({ ...failed, transient: true }))).toEqual({
      Reconciling: 'True/Preparing',
      Stalled: 'False/Idle',
    });
  });
});
