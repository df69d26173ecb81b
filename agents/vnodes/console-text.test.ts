import { consoleText } from './console-text.js';

const ESC = '\x1b';

describe('consoleText', () => {
  it('keeps plain text and tabs, and blank lines as they are', () => {
    expect(consoleText('walt: booting node vn1 (pc-x86-64)')).toEqual(['walt: booting node vn1 (pc-x86-64)']);
    expect(consoleText('a\tb')).toEqual(['a\tb']);
    expect(consoleText('')).toEqual(['']);
  });

  it('ends a line where the guest clears the screen (the kernel banner after the decompressor)', () => {
    const seen = `Probing EDD (edd=off to disable)... ok${ESC}[?7l${ESC}[2J[    0.000000] Linux version 6.1.0-50-amd64`;
    expect(consoleText(seen)).toEqual([
      'Probing EDD (edd=off to disable)... ok',
      '[    0.000000] Linux version 6.1.0-50-amd64',
    ]);
    expect(consoleText(`${ESC}c${ESC}[2J`)).toEqual(['']);
  });

  it('drops colours, cursor moves, titles and stray control characters', () => {
    expect(consoleText(`${ESC}[1;32mok${ESC}[0m ${ESC}[25;1Hdone`)).toEqual(['ok done']);
    expect(consoleText(`${ESC}]0;title${ESC}\\iPXE${ESC}7 x\x07\x08`)).toEqual(['iPXE x']);
    expect(consoleText(`cut${ESC}`)).toEqual(['cut']);
  });
});
