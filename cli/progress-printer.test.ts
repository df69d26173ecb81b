import { createProgressPrinter } from './progress-printer.js';

function stream(
  isTTY: boolean,
  columns?: number,
): { written: string[]; write(t: string): void; isTTY: boolean; columns?: number } {
  const written: string[] = [];
  return { written, write: (t: string) => void written.push(t), isTTY, ...(columns ? { columns } : {}) };
}

describe('createProgressPrinter', () => {
  it('rewrites one line on a terminal, cut to its width', () => {
    const tty = stream(true, 12);
    const printer = createProgressPrinter(tty);
    printer.update('a: 10%');
    printer.update('a: 10%');
    printer.update('a: 20% and a long tail');
    printer.finish('a: Ready');
    expect(tty.written).toEqual(['\r\x1b[2Ka: 10%', '\r\x1b[2Ka: 20% and…', '\r\x1b[2Ka: Ready\n']);
  });

  it('ends a rewritten line before an error', () => {
    const tty = stream(true);
    const printer = createProgressPrinter(tty);
    printer.end();
    printer.update('a: 10%');
    printer.end();
    expect(tty.written).toEqual(['\r\x1b[2Ka: 10%', '\n']);
  });

  it('prints changed lines at most once per interval elsewhere', () => {
    const log = stream(false);
    let now = 0;
    const printer = createProgressPrinter(log, { intervalMs: 5000, now: () => now });
    printer.update('a: 10%');
    now = 1000;
    printer.update('a: 20%');
    now = 6000;
    printer.update('a: 20%');
    now = 7000;
    printer.update('a: 30%');
    printer.finish('a: Ready');
    printer.end();
    expect(log.written).toEqual(['a: 10%\n', 'a: 20%\n', 'a: Ready\n']);
  });
});
