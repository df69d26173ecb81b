import { isWaltError } from '../common/errors.js';
import { ERR_CLI_BAD_IMAGE_NAME, ERR_CLI_IMAGE_NOT_RESOLVED, ERR_CLI_MODEL_UNSUPPORTED } from './errors.js';
import { checkModels, imageNameFromRef, modelsOf, parseImageArg, specImageOf } from './image-ref.js';
import { image, node } from '../test/support/fixtures/walt-objects.js';
import { codeOf } from '../test/support/error-code.js';

describe('parseImageArg', () => {
  it('reads default, a name of the namespace, or namespace/name', () => {
    expect(parseImageArg('default', 'lab')).toEqual({ kind: 'default' });
    expect(parseImageArg('debian', 'lab')).toEqual({ kind: 'image', namespace: 'lab', name: 'debian' });
    expect(parseImageArg('team/debian-12.1', 'lab')).toEqual({
      kind: 'image',
      namespace: 'team',
      name: 'debian-12.1',
    });
    expect(specImageOf(parseImageArg('debian', 'lab'))).toBe('lab/debian');
    expect(specImageOf(parseImageArg('default', 'lab'))).toBe('default');
  });

  it('rejects what spec.image could not hold', () => {
    for (const bad of [
      'Debian',
      'a/b/c',
      'team/',
      '/debian',
      'debian:12',
      'team/default',
      'te.am/debian',
      '',
    ]) {
      expect({ bad, code: codeOf(() => parseImageArg(bad, 'lab')) }).toEqual({
        bad,
        code: ERR_CLI_BAD_IMAGE_NAME.code,
      });
    }
  });
});

describe('checkModels', () => {
  it('accepts an image that supports every node model (spec.models overrides the label)', () => {
    const img = image('debian', { models: ['pc-x86-64', 'rpi-4-b'] });
    expect(() => checkModels(img, [node('a'), node('b', { model: 'rpi-4-b' })])).not.toThrow();
    const overridden = image('debian', { models: ['pc-x86-64'] });
    overridden.spec.models = ['rpi-4-b'];
    expect(modelsOf(overridden)).toEqual(['rpi-4-b']);
  });

  it('names the nodes whose model the image lacks, and refuses an unresolved image', () => {
    const img = image('debian', { models: ['pc-x86-64'] });
    let message = '';
    try {
      checkModels(img, [node('a'), node('pi', { model: 'rpi-4-b' })]);
    } catch (error) {
      expect(isWaltError(error, ERR_CLI_MODEL_UNSUPPORTED)).toBe(true);
      message = (error as Error).message;
    }
    expect(message).toContain('pi (rpi-4-b)');
    expect(codeOf(() => checkModels(image('new'), [node('a')]))).toBe(ERR_CLI_IMAGE_NOT_RESOLVED.code);
  });
});

describe('imageNameFromRef', () => {
  it('takes the last path component, with the tag unless latest', () => {
    expect(imageNameFromRef('localhost:5000/walt/pc-x86-64-default:latest')).toBe('pc-x86-64-default');
    expect(imageNameFromRef('registry.example.org/walt/debian:12')).toBe('debian-12');
    expect(imageNameFromRef('debian')).toBe('debian');
    expect(imageNameFromRef('docker.io/library/my_image:Bookworm_1')).toBe('my-image-bookworm-1');
    expect(imageNameFromRef(`alpine@sha256:${'a'.repeat(64)}`)).toBe('alpine');
    expect(imageNameFromRef('registry/default')).toBeUndefined();
  });
});
