import * as k8s from '@kubernetes/client-node';
import { silentLogger } from '../common/logger.js';
import { createManager } from './manager.js';

describe('manager without leader election', () => {
  it('is ready as "single", and stops gracefully on SIGTERM (server closed, not ready)', async () => {
    // Given a started manager that handles signals (no controllers, so no API calls)
    const manager = createManager({
      kc: new k8s.KubeConfig(),
      identity: 'solo',
      healthPort: 0,
      healthHost: '127.0.0.1',
      logger: silentLogger(),
    });
    const sigintListeners = process.listenerCount('SIGINT');
    const others = process.listeners('SIGTERM');
    await manager.start();
    const port = manager.healthPort();
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, role: 'single' });
    expect(manager.isLeader()).toBe(true);

    // When SIGTERM arrives (other listeners, e.g. the test runner's, are set aside meanwhile)
    others.forEach((l) => process.off('SIGTERM', l));
    try {
      process.emit('SIGTERM', 'SIGTERM');
      // The signal started the stop at once
      expect(manager.readiness()).toMatchObject({ ready: false, reason: 'not running' });
      await manager.stop(); // waits for the same stop
    } finally {
      others.forEach((l) => process.on('SIGTERM', l));
    }

    // Then it is stopped: not ready, its server closed, its signal handlers gone
    expect(manager.readiness()).toMatchObject({ ready: false, reason: 'not running' });
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
  });

  it('runs leader services while it leads (always, without election) and stops them on stop', async () => {
    const manager = createManager({
      kc: new k8s.KubeConfig(),
      identity: 'solo',
      healthPort: 0,
      healthHost: '127.0.0.1',
      logger: silentLogger(),
      handleSignals: false,
    });
    const events: string[] = [];
    const service = (name: string): { start(): Promise<void>; stop(): Promise<void> } => ({
      start: () => Promise.resolve(void events.push(`${name}+`)),
      stop: () => Promise.resolve(void events.push(`${name}-`)),
    });
    manager.addLeaderService('a', service('a'));
    manager.addLeaderService('b', service('b'));
    await manager.start();
    await manager.servicesStarted();
    expect(events).toEqual(['a+', 'b+']);
    await manager.stop();
    // Stopped in reverse order of start.
    expect(events).toEqual(['a+', 'b+', 'b-', 'a-']);
  });
});
