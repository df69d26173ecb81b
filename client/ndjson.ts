// Newline-delimited JSON read incrementally (pure): bytes arrive in chunks that cut lines anywhere,
// even inside a UTF-8 sequence; each complete line is one value. Blank lines are skipped.
import { ERR_AGENT_PROTOCOL } from './errors.js';

export class NdjsonDecoder {
  private readonly text = new TextDecoder();
  private pending = '';

  constructor(private readonly source = 'NDJSON stream') {}

  /** The values of the lines this chunk completes. */
  push(chunk: Uint8Array): unknown[] {
    this.pending += this.text.decode(chunk, { stream: true });
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.flatMap((line) => this.parse(line));
  }

  /** The value of a last line without its newline, at the end of the stream. */
  end(): unknown[] {
    const rest = this.pending + this.text.decode();
    this.pending = '';
    return this.parse(rest);
  }

  private parse(line: string): unknown[] {
    const trimmed = line.trim();
    if (trimmed === '') return [];
    try {
      return [JSON.parse(trimmed) as unknown];
    } catch {
      throw ERR_AGENT_PROTOCOL(this.source, `not a JSON line: ${trimmed.slice(0, 120)}`);
    }
  }
}

/** The values of an NDJSON byte stream, as they complete. */
export async function* readNdjson(
  chunks: AsyncIterable<Uint8Array>,
  source?: string,
): AsyncGenerator<unknown> {
  const decoder = new NdjsonDecoder(source);
  for await (const chunk of chunks) yield* decoder.push(chunk);
  yield* decoder.end();
}
