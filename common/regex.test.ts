import { escapeRegex } from './regex.js';

describe('escapeRegex', () => {
  it('escapes every regex syntax character, and only those (Unicode mode)', () => {
    const text = 'a.b*c+d?e^f$g(h)i[j]k{l}m|n/o\\p-q_r';
    const re = new RegExp(`^${escapeRegex(text)}$`, 'u');
    expect(re.test(text)).toBe(true);
  });
});
