// A command's output as the agent returns it: at most a cap of bytes, keeping the tail (the end of a
// log says why it failed), the number of bytes dropped, and text decoded from UTF-8 (invalid bytes
// replaced). Fed chunk by chunk, so a large upload never sits in memory whole.

/** Output bytes kept per command (ExecResult.output). */
export const MAX_OUTPUT_BYTES = 1024 * 1024;

export interface CappedOutput {
  output: string;
  truncatedBytes: number;
}

export class OutputTail {
  private chunks: Buffer[] = [];
  private kept = 0;
  private total = 0;

  constructor(private readonly cap: number = MAX_OUTPUT_BYTES) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.kept += chunk.length;
    if (this.kept > 2 * this.cap) this.compact();
  }

  /** Bytes received so far. */
  get receivedBytes(): number {
    return this.total;
  }

  /**
   * The text kept and the bytes dropped. `producedBytes` is how much the command wrote in all, when the
   * sender cut it before sending (the node sends only the tail and says the size).
   */
  result(producedBytes = this.total): CappedOutput {
    this.compact();
    let tail = Buffer.concat(this.chunks);
    // A cut inside a character: drop its continuation bytes rather than show a replacement character.
    let skip = 0;
    if (this.total > this.kept || producedBytes > this.total) {
      while (skip < 3 && skip < tail.length && ((tail[skip] ?? 0) & 0xc0) === 0x80) skip++;
    }
    tail = tail.subarray(skip);
    const dropped = Math.max(producedBytes, this.total) - tail.length;
    return { output: tail.toString('utf8'), truncatedBytes: dropped };
  }

  private compact(): void {
    if (this.kept <= this.cap) return;
    const all = Buffer.concat(this.chunks);
    const tail = Buffer.from(all.subarray(all.length - this.cap));
    this.chunks = [tail];
    this.kept = tail.length;
  }
}

/** The capped text of a whole output buffer. */
export function capOutput(output: Buffer, producedBytes?: number, cap = MAX_OUTPUT_BYTES): CappedOutput {
  const tail = new OutputTail(cap);
  tail.push(output);
  return tail.result(producedBytes ?? output.length);
}

/** The lines of an output, for the log store (a last line without newline counts; no empty tail). */
export function outputLines(output: string): string[] {
  if (output === '') return [];
  const lines = output.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}
