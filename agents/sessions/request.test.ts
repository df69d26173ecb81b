import { codeOf } from '../../test/support/error-code.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SessionBadRequest } from './errors.js';
import { MAX_SESSION_ARGS, nodeSessionArgv, parseSessionQuery } from './request.js';

const refused = (query: Parameters<typeof parseSessionQuery>[0]): void =>
  expect(codeOf(() => parseSessionQuery(query))).toBe(SessionBadRequest.code);

describe('parseSessionQuery', () => {
  it('reads a PTY request and a command', () => {
    expect(parseSessionQuery({ tty: '1', cols: '100', rows: '30', term: 'xterm-256color' })).toEqual({
      command: [],
      tty: true,
      cols: 100,
      rows: 30,
      term: 'xterm-256color',
    });
    expect(parseSessionQuery({ arg: ['sh', '-c', 'echo a b'] })).toEqual({
      command: ['sh', '-c', 'echo a b'],
      tty: false,
    });
    expect(parseSessionQuery({ arg: 'ls' }).command).toEqual(['ls']);
  });

  it('refuses what it cannot bound or run', () => {
    refused({});
    refused({ tty: 'yes' });
    refused({ tty: '1', cols: '0' });
    refused({ tty: '1', rows: '99999' });
    refused({ tty: '1', cols: '1e3' });
    refused({ tty: '1', term: 'x; rm -rf /' });
    refused({ arg: ['a\0b'] });
    refused({ arg: Array.from({ length: MAX_SESSION_ARGS + 1 }, () => 'x') });
    refused({ arg: ['x'.repeat(70_000)] });
  });
});

describe('nodeSessionArgv', () => {
  it('hands walt-session its URL in the environment and its arguments unsplit', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'walt-session-argv-'));
    try {
      // A stand-in walt-session, run by the node's sh as the real one is: prints what it got.
      writeFileSync(
        path.join(dir, 'walt-session'),
        'print "$ENV{WALT_SESSION_URL}\\n", join("|", @ARGV), "\\n";\n',
      );
      const argv = nodeSessionArgv('0123456789abcdef', 'ab'.repeat(32), {
        command: ['printf', '%s|', 'a b', '$HOME'],
        tty: false,
      });
      const out = execFileSync(argv[0]!, argv.slice(1), {
        env: {
          PATH: process.env.PATH,
          WALT_API: 'http://10.0.0.1/api/v1/nodes/n',
          WALT_HTTP: path.join(dir, 'http'),
        },
        encoding: 'utf8',
      });
      expect(out).toBe(
        `http://10.0.0.1/api/v1/nodes/n/sessions/0123456789abcdef?secret=${'ab'.repeat(32)}\n0|80|24|xterm|printf|%s||a b|$HOME\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
