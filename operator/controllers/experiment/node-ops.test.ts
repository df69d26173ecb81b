import { IMAGE_REBOOT_CONDITION } from '../../../api/node/index.js';
import type { WaltNode } from '../../../api/v1alpha1/index.js';
import { agentSwitchesTo, bootPatch, bootRequestedAt } from './node-ops.js';

const now = new Date('2026-01-01T10:00:00.123Z');
const AT = '2026-01-01T10:00:00.123Z';
const claimedBy = { namespace: 'lab', name: 'exp1' };
const node = (image: string, status: WaltNode['status'] = { claimedBy }): WaltNode =>
  ({
    metadata: { name: 'vn1', resourceVersion: '42', generation: 5 },
    spec: { mac: '52:54:00:00:00:01', model: 'pc-x86-64', segment: 'lab', image },
    status,
  }) as WaltNode;

type Patch = {
  metadata: Record<string, unknown>;
  status: { claimedBy: Record<string, string | boolean | null> };
};
const patchOf = (n: WaltNode, reboot: 'auto' | 'hard' | 'none'): Patch =>
  bootPatch(n, { image: 'lab/exp', reboot }, now) as Patch;

describe('bootPatch', () => {
  it("writes the image and the request time into the claim only, guarded by resourceVersion: never the node's spec", () => {
    // Given a node whose spec boots lab/base, claimed by exp1
    // When the experiment asks it to boot lab/exp
    const patch = patchOf(node('lab/base'), 'auto');
    // Then only status.claimedBy changes (the agent reboots it by itself: no reboot request)
    expect(patch).toEqual({
      metadata: { resourceVersion: '42' },
      status: { claimedBy: { image: 'lab/exp', bootRequestedAt: AT } },
    });
    expect(Object.keys(patch)).not.toContain('spec');
  });

  it('asks for a reboot when the boot image already is the wanted one, or a hard reboot is wanted', () => {
    expect(patchOf(node('lab/exp'), 'auto').status.claimedBy.rebootRequestedAt).toBe(AT);
    expect(patchOf(node('lab/base'), 'hard').status.claimedBy.rebootRequestedAt).toBe(AT);
    // Only a hard request skips the agent's soft step
    expect(patchOf(node('lab/base'), 'hard').status.claimedBy.rebootHard).toBe(true);
    // (null: the merge patch removes the mark of an earlier hard request)
    expect(patchOf(node('lab/exp'), 'auto').status.claimedBy.rebootHard).toBeNull();
    expect(patchOf(node('lab/exp'), 'none').status.claimedBy.rebootRequestedAt).toBeUndefined();
  });

  it('asks a reboot when the node still runs the image (released and claimed again before its agent rebooted it)', () => {
    const running = node('default', { claimedBy, phase: 'Ready', bootedImage: { name: 'lab/exp' } });
    expect(patchOf(running, 'auto').status.claimedBy.rebootRequestedAt).toBe(AT);
    const other = node('default', { claimedBy, phase: 'Ready', bootedImage: { name: 'lab/base' } });
    expect(patchOf(other, 'auto').status.claimedBy.rebootRequestedAt).toBeUndefined();
  });

  it('asks a reboot when the agent already rebooted the node once for this image at this generation', () => {
    // The agent reboots once per switch (generation, image): it would not do it again by itself.
    const switched = node('lab/base', {
      claimedBy,
      phase: 'Ready',
      bootedImage: { name: 'lab/base' },
      conditions: [
        {
          type: IMAGE_REBOOT_CONDITION,
          status: 'True',
          reason: 'ImageChanged',
          message: 'hard-rebooted to boot lab/exp instead of lab/base',
          observedGeneration: 5,
          lastTransitionTime: '2026-01-01T09:00:00Z',
        },
      ],
    });
    expect(agentSwitchesTo(switched, 'lab/exp')).toBe(false);
    expect(patchOf(switched, 'auto').status.claimedBy.rebootRequestedAt).toBe(AT);
    // At another generation the record is for an older switch
    switched.metadata.generation = 6;
    expect(agentSwitchesTo(switched, 'lab/exp')).toBe(true);
  });
});

describe('bootRequestedAt', () => {
  it("reads the request time from the node's claim", () => {
    expect(bootRequestedAt(node('lab/base', { claimedBy: { ...claimedBy, bootRequestedAt: AT } }))).toBe(
      now.getTime(),
    );
    expect(bootRequestedAt(node('lab/base'))).toBeUndefined();
    expect(bootRequestedAt(undefined)).toBeUndefined();
  });
});
