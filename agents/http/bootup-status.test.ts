import type { WaltNode } from '../../api/v1alpha1/index.js';
import { agentFieldManager, bootupStatus, downStatus } from './bootup-status.js';
import type { BootupEvent } from './context.js';
import { nodeFixture } from '../../test/support/fixtures/http-boot.js';

describe('bootupStatus', () => {
  const at = new Date('2026-01-02T03:04:05.678Z');
  const node: WaltNode = {
    ...nodeFixture('vn1', '52:54:00:00:00:01', 'lab'),
    metadata: { name: 'vn1', generation: 3 },
  };
  const event: BootupEvent = {
    node,
    ip: '192.168.152.10',
    image: 'lab/debian',
    imageDigest: 'sha256:ab',
    at,
  };

  it('says Ready, with the address, the booted image, the time and the Ready condition', () => {
    expect(bootupStatus(event, node)).toEqual({
      phase: 'Ready',
      ip: '192.168.152.10',
      bootedImage: { name: 'lab/debian', digest: 'sha256:ab' },
      lastBootup: '2026-01-02T03:04:05Z',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'BootedUp',
          message: 'booted lab/debian and notified from 192.168.152.10',
          observedGeneration: 3,
          lastTransitionTime: '2026-01-02T03:04:05Z',
        },
      ],
    });
  });

  it('applies only the Ready condition, keeping its transition time while it stays True', () => {
    const current: WaltNode = {
      ...node,
      status: {
        conditions: [
          {
            type: 'Powered',
            status: 'True',
            reason: 'On',
            message: '',
            lastTransitionTime: '2025-01-01T00:00:00Z',
          },
          {
            type: 'Ready',
            status: 'True',
            reason: 'BootedUp',
            message: '',
            lastTransitionTime: '2025-06-01T00:00:00Z',
          },
        ],
      },
    };
    const status = bootupStatus({ ...event, imageDigest: undefined }, current);
    expect(status.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', lastTransitionTime: '2025-06-01T00:00:00Z' }),
    ]);
    expect(status.bootedImage).toEqual({ name: 'lab/debian' });
  });

  it('names the field manager after the segment', () => {
    expect(agentFieldManager('lab')).toBe('walt-agent-lab');
  });
});

describe('downStatus', () => {
  it('says Down with the cause, and repeats the bootup fields this agent owns', () => {
    const booted: WaltNode = {
      ...nodeFixture('vn1', '52:54:00:00:00:01', 'lab'),
      metadata: { name: 'vn1', generation: 2 },
    };
    const at = new Date('2026-01-02T03:04:05Z');
    booted.status = bootupStatus(
      {
        node: booted,
        ip: '192.168.152.10',
        image: 'lab/debian',
        imageDigest: 'sha256:ab',
        at,
        nfsReadBytes: 7,
      },
      booted,
    );
    const later = new Date('2026-01-02T04:00:00Z');
    expect(downStatus(booted, 'command channel lost', later)).toEqual({
      phase: 'Down',
      ip: '192.168.152.10',
      bootedImage: { name: 'lab/debian', digest: 'sha256:ab' },
      lastBootup: '2026-01-02T03:04:05Z',
      lastBootStats: { nfsReadBytes: 7 },
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'NodeDown',
          message: 'node is down (cause: command channel lost)',
          observedGeneration: 2,
          lastTransitionTime: '2026-01-02T04:00:00Z',
        },
      ],
    });
  });
});
