import { isWaltError } from '../common/errors.js';
import { ERR_AGENT_PROTOCOL } from './errors.js';
import { NdjsonDecoder, readNdjson } from './ndjson.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('NDJSON', () => {
  it('yields each line once complete, whatever the chunking (even inside UTF-8)', () => {
    const text = '{"a":1}\n\n{"line":"héllo"}\n{"b":';
    const all = bytes(`${text}2}`);
    for (let cut = 0; cut <= all.length; cut++) {
      const decoder = new NdjsonDecoder();
      const values = [...decoder.push(all.slice(0, cut)), ...decoder.push(all.slice(cut)), ...decoder.end()];
      expect(values).toEqual([{ a: 1 }, { line: 'héllo' }, { b: 2 }]);
    }
  });

  it('reads a stream of chunks', async () => {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield await Promise.resolve(bytes('{"x":1}\n{"heart'));
      yield bytes('beat":true}\n');
    }
    const values: unknown[] = [];
    for await (const v of readNdjson(chunks())) values.push(v);
    expect(values).toEqual([{ x: 1 }, { heartbeat: true }]);
  });

  it('fails with a coded error on a line that is not JSON', () => {
    let error: unknown;
    try {
      new NdjsonDecoder().push(bytes('<html>\n'));
    } catch (e) {
      error = e;
    }
    expect(isWaltError(error, ERR_AGENT_PROTOCOL)).toBe(true);
  });
});
