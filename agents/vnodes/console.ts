// A VM's serial console as the supervisor reads it from qemu's stdout: appended to a bounded file
// (rotated at 8 MiB, one old file kept, so a chatty guest cannot fill the cache disk) and split into
// text lines for a callback (the node's virtualconsole log stream).
import { open, rename, type FileHandle } from 'node:fs/promises';
import { consoleText } from './console-text.js';

export const CONSOLE_MAX_BYTES = 8 * 1024 * 1024;
const MAX_LINE = 4096;

/**
 * Splits a byte stream into text lines: terminal escapes and CR dropped, a screen clear ending a line
 * (console-text.ts), over-long lines (firmware progress) cut.
 */
export class ConsoleLines {
  private pending = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine: number = MAX_LINE,
  ) {}

  push(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      this.emit(this.pending.slice(0, newline));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf('\n');
    }
    while (this.pending.length > this.maxLine) {
      this.emit(this.pending.slice(0, this.maxLine));
      this.pending = this.pending.slice(this.maxLine);
    }
  }

  /** Emits what is left (qemu exited mid-line). */
  flush(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = '';
  }

  private emit(line: string): void {
    for (const text of consoleText(line)) this.onLine(text);
  }
}

export interface ConsoleFile {
  /** Appends (writes are queued in order); never throws: errors go to onError. */
  write(chunk: Buffer | string): void;
  /** Resolves when everything written so far is on disk, and closes the file. */
  close(): Promise<void>;
}

/** An append-only file rotated to `<path>.1` when it would grow past maxBytes. */
export function createConsoleFile(
  path: string,
  options: { maxBytes?: number; onError?: (error: unknown) => void } = {},
): ConsoleFile {
  const maxBytes = options.maxBytes ?? CONSOLE_MAX_BYTES;
  let handle: FileHandle | undefined;
  let size = 0;
  let chain: Promise<void> = Promise.resolve();

  const ensureOpen = async (): Promise<FileHandle> => {
    if (!handle) {
      handle = await open(path, 'a');
      size = (await handle.stat()).size;
    }
    return handle;
  };
  const rotate = async (): Promise<void> => {
    await handle?.close();
    handle = undefined;
    await rename(path, `${path}.1`);
  };
  const append = async (data: Buffer): Promise<void> => {
    await ensureOpen();
    if (size > 0 && size + data.length > maxBytes) await rotate();
    const file = await ensureOpen();
    await file.write(data);
    size += data.length;
  };
  const queue = (step: () => Promise<void>): Promise<void> => {
    chain = chain.then(step).catch((error: unknown) => options.onError?.(error));
    return chain;
  };

  return {
    write(chunk) {
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      void queue(() => append(data));
    },
    close() {
      return queue(async () => {
        await handle?.close();
        handle = undefined;
      });
    },
  };
}
