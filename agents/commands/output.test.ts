import { capOutput, outputLines, OutputTail } from './output.js';

describe('output cap', () => {
  it('keeps a small output whole', () => {
    expect(capOutput(Buffer.from('hi\nerr\n'))).toEqual({ output: 'hi\nerr\n', truncatedBytes: 0 });
  });

  it('keeps the tail of a large output and counts what it dropped', () => {
    // Given 3000 bytes "0123456789..." fed in odd chunks, with a cap of 1000
    const all = Buffer.from('0123456789'.repeat(300));
    const tail = new OutputTail(1000);
    for (let i = 0; i < all.length; i += 7) tail.push(all.subarray(i, i + 7));
    // Then the last 1000 bytes are kept, 2000 dropped
    const result = tail.result();
    expect(result.output).toBe(all.subarray(2000).toString());
    expect(result.truncatedBytes).toBe(2000);
  });

  it('caps at 1 MiB by default', () => {
    const result = capOutput(Buffer.alloc(1024 * 1024 + 5, 'x'));
    expect(result.output.length).toBe(1024 * 1024);
    expect(result.truncatedBytes).toBe(5);
  });

  it('counts bytes the node cut before sending', () => {
    // Given the node sent its last 4 bytes of 100
    expect(capOutput(Buffer.from('tail'), 100)).toEqual({ output: 'tail', truncatedBytes: 96 });
  });

  it('does not start with half a character when the cut falls inside one', () => {
    // "é" is 0xC3 0xA9: a cap of 3 on "aé!" + "é" keeps "é" whole or drops its first half
    const result = capOutput(Buffer.from('aéé'), undefined, 3);
    expect(result.output).toBe('é');
    expect(result.truncatedBytes).toBe(3);
  });

  it('replaces invalid UTF-8', () => {
    expect(capOutput(Buffer.from([0x61, 0xff, 0x62])).output).toBe('a\uFFFDb');
  });
});

describe('outputLines', () => {
  it('splits lines, keeps a last line without newline, drops CR', () => {
    expect(outputLines('a\r\nb\n\nc')).toEqual(['a', 'b', '', 'c']);
    expect(outputLines('a\n')).toEqual(['a']);
    expect(outputLines('')).toEqual([]);
  });
});
