import type { WaltImage } from '../../../api/v1alpha1/index.js';
import { defaultImageAction, desiredDefaultImage, MANAGED_BY_LABEL } from './desired.js';

const config = { repository: '127.0.0.1:5000/walt', tag: 'latest', insecureRegistry: true };

describe('desiredDefaultImage', () => {
  it('is <namespace>/<model>-default from <repository>/<model>-default:<tag>, labelled as managed', () => {
    const image = desiredDefaultImage('pc-x86-64', 'walt-system', config);
    expect(image.metadata).toEqual({
      name: 'pc-x86-64-default',
      namespace: 'walt-system',
      labels: { [MANAGED_BY_LABEL]: 'walt-default-images' },
    });
    expect(image.spec).toEqual({
      ref: '127.0.0.1:5000/walt/pc-x86-64-default:latest',
      insecureRegistry: true,
    });
  });
});

describe('defaultImageAction', () => {
  const desired = desiredDefaultImage('pc-x86-64', 'walt-system', config);
  const existing = (
    labels: Record<string, string> | undefined,
    spec: Partial<WaltImage['spec']>,
  ): WaltImage => ({
    ...desired,
    metadata: { ...desired.metadata, labels },
    spec: { ...desired.spec, ...spec },
  });

  it('creates a missing image', () => {
    expect(defaultImageAction(undefined, desired)).toBe('create');
  });

  it('never touches one it did not make, whatever it holds', () => {
    expect(defaultImageAction(existing(undefined, { ref: 'elsewhere/x:1' }), desired)).toBe('foreign');
    expect(defaultImageAction(existing({ [MANAGED_BY_LABEL]: 'someone' }, {}), desired)).toBe('foreign');
    expect(defaultImageAction(existing({}, {}), desired)).toBe('foreign');
  });

  it('keeps its own when in step, updates it when the configuration changed', () => {
    const ours = { [MANAGED_BY_LABEL]: 'walt-default-images' };
    expect(defaultImageAction(existing(ours, {}), desired)).toBe('keep');
    expect(
      defaultImageAction(existing(ours, { ref: '127.0.0.1:5000/walt/pc-x86-64-default:old' }), desired),
    ).toBe('update');
    expect(defaultImageAction(existing(ours, { insecureRegistry: false }), desired)).toBe('update');
  });
});
