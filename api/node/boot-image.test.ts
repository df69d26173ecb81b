import type { WaltNode } from '../v1alpha1/index.js';
import { bootImageOf, bootImageSourceOf, imageRebootHandled, imageRebootMessage } from './boot-image.js';
import { IMAGE_REBOOT_CONDITION } from './conditions.js';

const node = (image: string, claim?: string, generation = 2): WaltNode =>
  ({
    metadata: { name: 'vn1', generation },
    spec: { mac: '52:54:00:00:00:01', model: 'pc-x86-64', segment: 'lab', image },
    status: claim === undefined ? {} : { claimedBy: { namespace: 'lab', name: 'exp1', image: claim } },
  }) as WaltNode;

describe('bootImageOf', () => {
  it("is the claim's image first, then spec.image, then the model's default", () => {
    expect(bootImageSourceOf(node('lab/base', 'lab/exp'), 'walt-system')).toEqual({
      ref: { namespace: 'lab', name: 'exp' },
      source: 'claim',
    });
    expect(bootImageOf(node('default', 'lab/exp'), 'walt-system')).toBe('lab/exp');
    expect(bootImageSourceOf(node('lab/base'), 'walt-system').source).toBe('spec');
    expect(bootImageOf(node('lab/base'), 'walt-system')).toBe('lab/base');
    expect(bootImageOf(node('default'), 'walt-system')).toBe('walt-system/pc-x86-64-default');
    expect(bootImageOf(node('default'), 'other')).toBe('other/pc-x86-64-default');
  });

  it('ignores a claim without an image (claimed, not asked to boot yet) or with a malformed one', () => {
    expect(bootImageOf(node('lab/base', ''), 'walt-system')).toBe('lab/base');
    expect(bootImageOf(node('lab/base', 'no-slash'), 'walt-system')).toBe('lab/base');
    expect(bootImageOf(node('lab/base', 'a/b/c'), 'walt-system')).toBe('lab/base');
  });
});

describe('imageRebootHandled', () => {
  const recorded = (message: string, observedGeneration = 2): WaltNode => {
    const n = node('lab/base', 'lab/exp');
    n.status!.conditions = [
      {
        type: IMAGE_REBOOT_CONDITION,
        status: 'True',
        reason: 'ImageChanged',
        message,
        observedGeneration,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ];
    return n;
  };

  it('is true for the image and generation the condition records, a success or a failure', () => {
    expect(
      imageRebootHandled(recorded(imageRebootMessage('lab/exp', { booted: 'lab/base' })), 'lab/exp'),
    ).toBe(true);
    expect(
      imageRebootHandled(recorded(imageRebootMessage('lab/exp', { error: 'no driver' })), 'lab/exp'),
    ).toBe(true);
  });

  it('is false for another image, another generation, or no record', () => {
    const message = imageRebootMessage('lab/exp', { booted: 'lab/base' });
    expect(imageRebootHandled(recorded(message), 'lab/base')).toBe(false);
    expect(imageRebootHandled(recorded(message, 1), 'lab/exp')).toBe(false);
    expect(imageRebootHandled(recorded('something else'), 'lab/exp')).toBe(false);
    expect(imageRebootHandled(node('lab/base'), 'lab/base')).toBe(false);
  });
});
