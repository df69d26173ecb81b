import type { WaltNode } from '../../../api/v1alpha1/index.js';
import { bootPatch, bootRequestedAt, restorePatch } from './node-ops.js';

const now = new Date('2026-01-01T10:00:00.123Z');
const node = (image: string, annotations?: Record<string, string>): WaltNode =>
  ({
    metadata: { name: 'vn1', resourceVersion: '42', ...(annotations ? { annotations } : {}) },
    spec: { mac: '52:54:00:00:00:01', model: 'pc-x86-64', segment: 'lab', image },
  }) as WaltNode;

describe('bootPatch', () => {
  it('changes the image, remembers the previous one and the request time, guarded by resourceVersion', () => {
    expect(bootPatch(node('lab/base'), { image: 'lab/exp', reboot: 'auto' }, now)).toEqual({
      metadata: {
        resourceVersion: '42',
        annotations: {
          'experiment.walt.dev/previous-image': 'lab/base',
          'experiment.walt.dev/boot-requested-at': '2026-01-01T10:00:00.123Z',
        },
      },
      spec: { image: 'lab/exp' },
    });
  });

  it('asks for a reboot when the image already is the wanted one, or a hard reboot is wanted', () => {
    const same = bootPatch(node('lab/exp'), { image: 'lab/exp', reboot: 'auto' }, now) as {
      metadata: { annotations: Record<string, string> };
    };
    expect(same.metadata.annotations['walt.dev/reboot-requested-at']).toBe('2026-01-01T10:00:00.123Z');
    const none = bootPatch(node('lab/exp'), { image: 'lab/exp', reboot: 'none' }, now) as typeof same;
    expect(none.metadata.annotations['walt.dev/reboot-requested-at']).toBeUndefined();
  });

  it('asks a reboot when the node still runs the image (released and claimed again before its agent rebooted it)', () => {
    const released: WaltNode = {
      ...node('default'),
      status: { phase: 'Ready', bootedImage: { name: 'lab/exp' } },
    };
    const patch = bootPatch(released, { image: 'lab/exp', reboot: 'auto' }, now) as {
      metadata: { annotations: Record<string, string> };
    };
    expect(patch.metadata.annotations['walt.dev/reboot-requested-at']).toBe('2026-01-01T10:00:00.123Z');
    const running: WaltNode = {
      ...node('default'),
      status: { phase: 'Ready', bootedImage: { name: 'lab/base' } },
    };
    const changed = bootPatch(running, { image: 'lab/exp', reboot: 'auto' }, now) as typeof patch;
    expect(changed.metadata.annotations['walt.dev/reboot-requested-at']).toBeUndefined();
  });

  it('keeps the first previous image across requests', () => {
    const claimed = node('lab/exp', { 'experiment.walt.dev/previous-image': 'default' });
    const patch = bootPatch(claimed, { image: 'lab/exp', reboot: 'hard' }, now) as {
      metadata: { annotations: Record<string, string> };
    };
    expect(patch.metadata.annotations['experiment.walt.dev/previous-image']).toBe('default');
  });
});

describe('restorePatch and bootRequestedAt', () => {
  it('restores the previous image and drops the annotations', () => {
    const claimed = node('lab/exp', {
      'experiment.walt.dev/previous-image': 'lab/base',
      'experiment.walt.dev/boot-requested-at': now.toISOString(),
    });
    expect(restorePatch(claimed)).toEqual({
      metadata: {
        annotations: {
          'experiment.walt.dev/previous-image': null,
          'experiment.walt.dev/boot-requested-at': null,
        },
      },
      spec: { image: 'lab/base' },
    });
    expect(bootRequestedAt(claimed)).toBe(now.getTime());
  });

  it('has nothing to do on a node the experiment never booted', () => {
    expect(restorePatch(node('lab/base'))).toBeUndefined();
    expect(bootRequestedAt(node('lab/base'))).toBeUndefined();
  });
});
