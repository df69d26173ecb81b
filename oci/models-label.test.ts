import { imageModels, parseModelsLabel } from './models-label.js';

describe('image models', () => {
  it('reads the comma-separated label, ignoring blanks and duplicates, and sets apart unknown models', () => {
    expect(parseModelsLabel(' rpi-4-b, pc-x86-64,,rpi-4-b, toaster ')).toEqual({
      models: ['rpi-4-b', 'pc-x86-64'],
      unknown: ['toaster'],
    });
    expect(parseModelsLabel(undefined)).toEqual({ models: [], unknown: [] });
  });

  it('joins the labels of every platform of a multi-arch image', () => {
    expect(imageModels(undefined, ['pc-x86-64', 'rpi-4-b,rpi-5-b', undefined]).models).toEqual([
      'pc-x86-64',
      'rpi-4-b',
      'rpi-5-b',
    ]);
  });

  it('prefers spec.models over the labels', () => {
    expect(imageModels(['qemu-x86-64'], ['pc-x86-64']).models).toEqual(['qemu-x86-64']);
  });
});
