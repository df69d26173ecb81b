// A progress line: on a terminal one line rewritten in place; elsewhere (a CI log, a pipe) a line each
// time the text changes, at most one per interval, so logs stay short.
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressPrinter {
  update(line: string): void;
  /** The last line, kept (a newline ends the rewritten line on a terminal). */
  finish(line: string): void;
  /** Ends the line being rewritten, if any, so what follows (an error) starts on its own line. */
  end(): void;
}

export interface ProgressPrinterOptions {
  intervalMs?: number;
  now?: () => number;
}

const CLEAR_LINE = '\r\x1b[2K';

export function createProgressPrinter(
  stream: ProgressStream,
  options: ProgressPrinterOptions = {},
): ProgressPrinter {
  const interval = options.intervalMs ?? 5000;
  const now = options.now ?? Date.now;
  let last: string | undefined;
  let lastAt = -Infinity;
  // A line longer than the terminal wraps, and \r then rewrites only its last row.
  const fit = (line: string): string =>
    stream.columns && line.length >= stream.columns ? `${line.slice(0, stream.columns - 2)}…` : line;
  if (stream.isTTY) {
    return {
      update(line) {
        if (line === last) return;
        last = line;
        stream.write(`${CLEAR_LINE}${fit(line)}`);
      },
      finish(line) {
        stream.write(`${CLEAR_LINE}${line}\n`);
        last = undefined;
      },
      end() {
        if (last !== undefined) stream.write('\n');
        last = undefined;
      },
    };
  }
  return {
    update(line) {
      if (line === last || now() - lastAt < interval) return;
      last = line;
      lastAt = now();
      stream.write(`${line}\n`);
    },
    finish(line) {
      if (line !== last) stream.write(`${line}\n`);
    },
    end() {},
  };
}
