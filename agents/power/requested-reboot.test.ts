import { rebootNode } from '../../test/support/fixtures/reboot-node.js';
import { jest } from '@jest/globals';
import { REBOOT_REQUEST_CONDITION, decideRequestedReboot, handledRequest } from '../../api/node/index.js';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { silentLogger } from '../../common/logger.js';
import type { Status, StatusUpdate, StatusWriter } from '../../runtime/index.js';
import { ERR_POWER_NO_DRIVER } from './errors.js';
import { createRequestedRebooter, requestedRebootStatus } from './requested-reboot.js';

const T1 = '2026-11-27T10:00:00.123Z';
const T2 = '2026-11-27T10:05:00.000Z';

const node = rebootNode;

describe('requestedRebootStatus', () => {
  const now = new Date('2026-11-27T10:00:01Z');
  const decision = { reboot: true as const, requestedAt: T1, generation: 2 };

  it('records the request: phase Booting, and a condition that handledRequest reads back', () => {
    const status = requestedRebootStatus(node({ requested: T1 }), decision, { now });
    expect(status).toMatchObject({ phase: 'Booting', message: `rebooting as requested at ${T1}` });
    expect(status.conditions).toEqual([
      {
        type: REBOOT_REQUEST_CONDITION,
        status: 'True',
        reason: 'Rebooted',
        message: `requested at ${T1}; hard-rebooted`,
        observedGeneration: 2,
        lastTransitionTime: '2026-11-27T10:00:01Z',
      },
    ]);
    const after = node({ requested: T1 });
    after.status!.conditions = status.conditions as never;
    expect(handledRequest(after)).toBe(T1);
    expect(decideRequestedReboot(after)).toMatchObject({ why: 'AlreadyHandled' });
  });

  it('records a failure in the condition only, as handled', () => {
    const status = requestedRebootStatus(node({ requested: T1 }), decision, {
      now,
      error: ERR_POWER_NO_DRIVER('vn1'),
    });
    expect(Object.keys(status)).toEqual(['conditions']);
    const after = node({ requested: T1 });
    after.status!.conditions = status.conditions as never;
    expect(after.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'RebootFailed' });
    expect(handledRequest(after)).toBe(T1);
  });
});

describe('createRequestedRebooter', () => {
  function fakeWriter(): StatusWriter<WaltNode> & { applied: Status[] } {
    const applied: Status[] = [];
    return {
      fieldManager: 'test',
      applied,
      apply(obj: WaltNode, update: StatusUpdate<WaltNode>) {
        applied.push(typeof update === 'function' ? update(obj) : update);
        return Promise.resolve(obj);
      },
    };
  }

  it('reboots once per request, even before the status shows it', async () => {
    const writer = fakeWriter();
    const hardReboot = jest.fn<(node: WaltNode) => Promise<void>>(() => Promise.resolve());
    const rebooter = createRequestedRebooter({
      kc: undefined as never,
      segment: 'lab',
      power: { hardReboot },
      logger: silentLogger(),
      writer,
    });
    expect(await rebooter.check(node({ requested: T1 }))).toBe(true);
    expect(await rebooter.check(node({ requested: T1 }))).toBe(false);
    expect(hardReboot).toHaveBeenCalledTimes(1);
    expect(writer.applied).toEqual([expect.objectContaining({ phase: 'Booting' })]);
    // A new request reboots again
    expect(await rebooter.check(node({ requested: T2 }))).toBe(true);
    expect(hardReboot).toHaveBeenCalledTimes(2);
  });

  it('records a driver failure without retrying the same request', async () => {
    const writer = fakeWriter();
    const hardReboot = jest.fn((n: WaltNode) => Promise.reject(ERR_POWER_NO_DRIVER(n.metadata.name)));
    const rebooter = createRequestedRebooter({
      kc: undefined as never,
      segment: 'lab',
      power: { hardReboot },
      logger: silentLogger(),
      writer,
    });
    expect(await rebooter.check(node({ requested: T1 }))).toBe(false);
    expect(await rebooter.check(node({ requested: T1 }))).toBe(false);
    expect(hardReboot).toHaveBeenCalledTimes(1);
    expect(writer.applied).toEqual([{ conditions: [expect.objectContaining({ reason: 'RebootFailed' })] }]);
  });
});
