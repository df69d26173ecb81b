import { jest } from '@jest/globals';
import { IMAGE_REBOOT_CONDITION } from '../../api/node/index.js';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { silentLogger } from '../../common/logger.js';
import type { Status, StatusUpdate, StatusWriter } from '../../runtime/index.js';
import { ERR_POWER_NO_DRIVER } from './errors.js';
import { createImageRebooter, decideImageReboot, imageRebootStatus, wantedImage } from './image-reboot.js';

function node(
  options: { image?: string; booted?: string; phase?: string; generation?: number; claim?: string } = {},
): WaltNode {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: { name: 'vn1', uid: 'u1', generation: options.generation ?? 3 },
    spec: {
      mac: '52:54:00:00:00:01',
      model: 'pc-x86-64',
      segment: 'lab',
      image: options.image ?? 'lab/new',
      power: { driver: 'qemu' },
      virtual: { cpus: 1, memory: '1Gi' },
      settings: {},
    },
    status: {
      phase: options.phase ?? 'Ready',
      ...(options.booted === undefined ? {} : { bootedImage: { name: options.booted } }),
      ...(options.claim === undefined
        ? {}
        : { claimedBy: { namespace: 'lab', name: 'exp1', image: options.claim } }),
    },
  } as WaltNode;
}

describe('wantedImage', () => {
  it('names the WaltImage as bootedImage does; default maps to the model default', () => {
    expect(wantedImage(node({ image: 'lab/new' }))).toBe('lab/new');
    expect(wantedImage(node({ image: 'default' }))).toBe('walt-system/pc-x86-64-default');
  });

  it("is the claim's image while an experiment holds the node", () => {
    expect(wantedImage(node({ image: 'default', claim: 'lab/exp' }))).toBe('lab/exp');
  });
});

describe('decideImageReboot', () => {
  it('reboots a booted node that runs another image', () => {
    expect(decideImageReboot(node({ booted: 'lab/old' }))).toEqual({
      reboot: true,
      wanted: 'lab/new',
      booted: 'lab/old',
      generation: 3,
    });
  });

  it('leaves alone nodes that are not booted, run the right image, or were rebooted for this generation', () => {
    expect(decideImageReboot(node({ booted: 'lab/old', phase: 'Booting' }))).toMatchObject({
      why: 'NotReady',
    });
    expect(decideImageReboot(node({}))).toMatchObject({ why: 'NothingBooted' });
    expect(decideImageReboot(node({ booted: 'lab/new' }))).toMatchObject({ why: 'SameImage' });
    expect(
      decideImageReboot(node({ booted: 'walt-system/pc-x86-64-default', image: 'default' })),
    ).toMatchObject({
      why: 'SameImage',
    });
    expect(decideImageReboot(node({ booted: 'lab/old' }), '3 lab/new')).toMatchObject({
      why: 'AlreadyRebooted',
    });
    const recorded = node({ booted: 'lab/old' });
    recorded.status!.conditions = [
      {
        type: IMAGE_REBOOT_CONDITION,
        status: 'True',
        reason: 'ImageChanged',
        message: 'hard-rebooted to boot lab/new instead of lab/old',
        observedGeneration: 3,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ];
    expect(decideImageReboot(recorded)).toMatchObject({ why: 'AlreadyRebooted' });
    recorded.metadata.generation = 4;
    expect(decideImageReboot(recorded)).toMatchObject({ reboot: true, generation: 4 });
  });

  it('reboots for a claim, then again when the claim goes away, with no spec change in between', () => {
    // Given a node rebooted into the claim's image at generation 3
    const claimed = node({ image: 'lab/base', booted: 'lab/base', claim: 'lab/exp' });
    expect(decideImageReboot(claimed)).toEqual({
      reboot: true,
      wanted: 'lab/exp',
      booted: 'lab/base',
      generation: 3,
    });
    const record = (message: string): WaltNode['status'] => ({
      phase: 'Ready',
      bootedImage: { name: 'lab/exp' },
      conditions: [
        {
          type: IMAGE_REBOOT_CONDITION,
          status: 'True',
          reason: 'ImageChanged',
          message,
          observedGeneration: 3,
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    });
    // When the experiment releases it (the claim goes away; generation unchanged)
    const released = { ...claimed, status: record('hard-rebooted to boot lab/exp instead of lab/base') };
    // Then the agent switches it back to its spec's image once
    expect(decideImageReboot(released)).toMatchObject({
      reboot: true,
      wanted: 'lab/base',
      booted: 'lab/exp',
    });
    expect(decideImageReboot(released, '3 lab/base')).toMatchObject({ why: 'AlreadyRebooted' });
  });
});

describe('imageRebootStatus', () => {
  const decision = { reboot: true as const, wanted: 'lab/new', booted: 'lab/old', generation: 3 };
  const now = new Date('2026-11-27T10:00:00Z');

  it('records the reboot: phase Booting, a message and the condition for the generation', () => {
    const status = imageRebootStatus(node({ booted: 'lab/old' }), decision, { now });
    expect(status).toEqual({
      phase: 'Booting',
      message: 'rebooting into lab/new (image changed from lab/old)',
      conditions: [
        {
          type: IMAGE_REBOOT_CONDITION,
          status: 'True',
          reason: 'ImageChanged',
          message: 'hard-rebooted to boot lab/new instead of lab/old',
          observedGeneration: 3,
          lastTransitionTime: '2026-11-27T10:00:00Z',
        },
      ],
    });
  });

  it('records a failure in the condition only', () => {
    const status = imageRebootStatus(node({ booted: 'lab/old' }), decision, {
      now,
      error: ERR_POWER_NO_DRIVER('vn1'),
    });
    expect(Object.keys(status)).toEqual(['conditions']);
    expect(status.conditions).toEqual([expect.objectContaining({ status: 'False', reason: 'RebootFailed' })]);
  });
});

describe('createImageRebooter', () => {
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

  it('reboots once per switch (generation and image), even before the status shows it', async () => {
    const writer = fakeWriter();
    const hardReboot = jest.fn<(node: WaltNode) => Promise<void>>(() => Promise.resolve());
    const rebooter = createImageRebooter({
      kc: undefined as never,
      segment: 'lab',
      power: { hardReboot },
      logger: silentLogger(),
      writer,
    });
    const changed = node({ booted: 'lab/old' });
    expect(await rebooter.check(changed)).toBe(true);
    expect(await rebooter.check(changed)).toBe(false);
    expect(hardReboot).toHaveBeenCalledTimes(1);
    expect(writer.applied).toHaveLength(1);
    expect(writer.applied[0]).toMatchObject({ phase: 'Booting' });
    expect(await rebooter.check({ ...changed, metadata: { ...changed.metadata, generation: 4 } })).toBe(true);
    expect(hardReboot).toHaveBeenCalledTimes(2);
    // A claim switches the image at the same generation: one more reboot, once
    const claimed = node({ booted: 'lab/old', claim: 'lab/exp', generation: 4 });
    expect(await rebooter.check(claimed)).toBe(true);
    expect(await rebooter.check(claimed)).toBe(false);
    expect(hardReboot).toHaveBeenCalledTimes(3);
  });

  it('records a driver failure without retrying it', async () => {
    const writer = fakeWriter();
    const hardReboot = jest.fn((n: WaltNode) => Promise.reject(ERR_POWER_NO_DRIVER(n.metadata.name)));
    const rebooter = createImageRebooter({
      kc: undefined as never,
      segment: 'lab',
      power: { hardReboot },
      logger: silentLogger(),
      writer,
    });
    expect(await rebooter.check(node({ booted: 'lab/old' }))).toBe(false);
    expect(await rebooter.check(node({ booted: 'lab/old' }))).toBe(false);
    expect(hardReboot).toHaveBeenCalledTimes(1);
    expect(writer.applied).toEqual([{ conditions: [expect.objectContaining({ reason: 'RebootFailed' })] }]);
  });
});
