import { CONSOLE_ESCAPE, splitAtEscape } from './node-console.js';

describe('splitAtEscape', () => {
  it('passes input without the escape byte whole', () => {
    expect(splitAtEscape(Buffer.from('ls\r'))).toEqual({ input: Buffer.from('ls\r'), detach: false });
  });

  it('keeps what came before Ctrl-] and detaches, dropping what follows', () => {
    const data = Buffer.concat([Buffer.from('ab'), Buffer.of(CONSOLE_ESCAPE), Buffer.from('cd')]);
    expect(splitAtEscape(data)).toEqual({ input: Buffer.from('ab'), detach: true });
    expect(splitAtEscape(Buffer.of(CONSOLE_ESCAPE))).toEqual({ input: Buffer.alloc(0), detach: true });
  });
});
