import type { WaltImage, WaltNode } from '../../../api/v1alpha1/index.js';
import { recordOf, splitImageName } from './records.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function node(over: Partial<WaltNode['status']> = {}): WaltNode {
  return {
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltNode',
    metadata: { name: 'vn1' },
    spec: {
      mac: '52:54:00:00:00:01',
      model: 'pc-x86-64',
      segment: 'lab',
      image: 'default',
      bootMode: 'network',
      power: { driver: 'none' },
      settings: {
        netsetup: 'NAT',
        bootTimeout: 180,
        bootRetries: 9,
        kexecAllow: true,
        mountPersist: false,
        expose: ['80:8080'],
      },
    },
    status: { bootedImage: { name: 'lab/base', digest: DIGEST }, ...over },
  };
}

const image = { spec: { ref: 'registry.lab:5000/walt/base:v1' } } as WaltImage;

describe('recordOf', () => {
  it("records the digest the agent served, the image's reference, model, settings and agent version", () => {
    expect(recordOf(node(), image, '0.1.0')).toEqual({
      image: { name: 'lab/base', ref: 'registry.lab:5000/walt/base:v1', digest: DIGEST },
      model: 'pc-x86-64',
      settings: {
        netsetup: 'NAT',
        bootTimeout: 180,
        bootRetries: 9,
        kexecAllow: true,
        mountPersist: false,
        expose: ['80:8080'],
      },
      agentVersion: '0.1.0',
    });
  });

  it('keeps what it knows when the image is gone, the digest or the agent version unknown', () => {
    const record = recordOf(node({ bootedImage: { name: 'lab/base' } }), undefined, undefined);
    expect(record.image).toEqual({ name: 'lab/base' });
    expect(record.agentVersion).toBeUndefined();
    expect(record.model).toBe('pc-x86-64');
  });
});

describe('splitImageName', () => {
  it('splits <namespace>/<name>, and refuses anything else', () => {
    expect(splitImageName('lab/base')).toEqual({ namespace: 'lab', name: 'base' });
    expect(splitImageName('default')).toBeUndefined();
    expect(splitImageName('a/b/c')).toBeUndefined();
  });
});
