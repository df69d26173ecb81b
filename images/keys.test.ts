import { isWaltError } from '../common/errors.js';
import { ImagesBadRegistry, ImagesBadTag } from './errors.js';
import { checkRegistry, checkTag, contentKey, imageReference, localReference } from './keys.js';

describe('checkRegistry', () => {
  it.each(['127.0.0.1:5000', 'localhost', 'registry.example.org:443', 'a'])('accepts %s', (registry) => {
    expect(checkRegistry(registry)).toBe(registry);
  });

  it.each([
    'http://127.0.0.1:5000',
    '127.0.0.1:5000/walt',
    '127.0.0.1:0',
    '127.0.0.1:70000',
    '',
    '-host',
    'host name',
    `${'a'.repeat(300)}:5000`,
  ])('refuses %j with a coded error', (registry) => {
    let caught: unknown;
    try {
      checkRegistry(registry);
    } catch (error) {
      caught = error;
    }
    expect(isWaltError(caught, ImagesBadRegistry)).toBe(true);
  });
});

describe('checkTag', () => {
  it.each(['latest', 'v1.2.3', '0a1b2c3d4e5f6789', '_x'])('accepts %s', (tag) => {
    expect(checkTag(tag)).toBe(tag);
  });

  it.each(['', '.hidden', '-x', 'a:b', 'a/b', 'x'.repeat(129)])('refuses %j', (tag) => {
    expect(() => checkTag(tag)).toThrow(expect.objectContaining({ code: ImagesBadTag.code }) as Error);
  });
});

describe('references', () => {
  it('puts both images under walt/ in the registry', () => {
    expect(imageReference('127.0.0.1:5000', 'operator', 't1')).toBe('127.0.0.1:5000/walt/operator:t1');
    expect(imageReference('127.0.0.1:5000', 'agent', 't1')).toBe('127.0.0.1:5000/walt/agent:t1');
    expect(localReference('agent', 't2')).toBe('localhost/walt/agent:t2');
  });
});

describe('contentKey', () => {
  const a = { name: 'a', content: 'one' };
  const b = { name: 'b', content: Buffer.from('two') };

  it('does not depend on the order of the inputs', () => {
    expect(contentKey([a, b])).toBe(contentKey([b, a]));
  });

  it('changes when a content, a name or the set of inputs changes', () => {
    const base = contentKey([a, b]);
    expect(contentKey([a, { ...b, content: 'two!' }])).not.toBe(base);
    expect(contentKey([a, { ...b, name: 'c' }])).not.toBe(base);
    expect(contentKey([a])).not.toBe(base);
  });

  it('does not confuse a name/content split with another', () => {
    expect(contentKey([{ name: 'ab', content: 'c' }])).not.toBe(contentKey([{ name: 'a', content: 'bc' }]));
  });

  it('is a 16-digit hex string, usable as a tag', () => {
    expect(contentKey([a])).toMatch(/^[0-9a-f]{16}$/);
    expect(checkTag(contentKey([a]))).toBeTruthy();
  });
});
