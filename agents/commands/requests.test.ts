import { BadCommand, BadFilesPath } from './errors.js';
import { parseExecRequest, parseFilesQuery, splitArchivePath } from './requests.js';
import { archiveScript, execScript, extractScript } from './scripts.js';
import { codeOf } from '../../test/support/error-code.js';

describe('parseExecRequest', () => {
  it('fills the defaults', () => {
    expect(parseExecRequest({ command: ['ls'] })).toEqual({
      command: ['ls'],
      timeoutSeconds: 300,
      connectTimeoutSeconds: 0,
    });
  });

  it.each([
    [null],
    [{}],
    [{ command: [] }],
    [{ command: 'ls' }],
    [{ command: [1] }],
    [{ command: ['a\0b'] }],
    [{ command: ['ls'], timeoutSeconds: 0 }],
    [{ command: ['ls'], timeoutSeconds: 86_401 }],
    [{ command: ['ls'], timeoutSeconds: 1.5 }],
    [{ command: ['ls'], connectTimeoutSeconds: -1 }],
    [{ command: ['ls'], logStream: '' }],
    [{ command: ['ls'], logStream: 'a\nb' }],
  ])('refuses %j', (body) => {
    expect(codeOf(() => parseExecRequest(body))).toBe(BadCommand.code);
  });
});

describe('files paths', () => {
  it('normalises absolute paths, with timeouts from the query', () => {
    expect(parseFilesQuery({ path: '/a//b/../c/', timeoutSeconds: '30' })).toEqual({
      path: '/a/c',
      timeoutSeconds: 30,
      connectTimeoutSeconds: 0,
    });
  });

  it.each([[undefined], [''], ['relative'], ['/a\0b']])('refuses path %j', (p) => {
    expect(codeOf(() => parseFilesQuery({ path: p }))).toBe(BadFilesPath.code);
  });

  it('splits the path to archive, refusing /', () => {
    expect(splitArchivePath('/etc/ssh')).toEqual({ parent: '/etc', base: 'ssh' });
    expect(splitArchivePath('/etc')).toEqual({ parent: '/', base: 'etc' });
    expect(codeOf(() => splitArchivePath('/'))).toBe(BadFilesPath.code);
  });
});

describe('scripts', () => {
  it('start with the timeout line the loop reads', () => {
    expect(execScript(['echo', 'a b'], 12)).toBe(
      "#walt:timeout=12\nset -- 'echo' 'a b'\n" +
        'case $(command -v -- "$1") in /*) exec "$@" ;; esac\n"$@"\n',
    );
    expect(extractScript('abc', '/x', 5).split('\n')[0]).toBe('#walt:timeout=5');
    expect(archiveScript('abc', '/', 'etc', 5).split('\n')[0]).toBe('#walt:timeout=5');
  });

  it('quote paths', () => {
    expect(extractScript('abc', "/it's $x", 5)).toContain(`dir='/it'\\''s $x'`);
    expect(archiveScript('abc', '/a b', '-rf', 5)).toContain(`-C '/a b' -- '-rf'`);
  });

  it('refuse ids that could break out of the script', () => {
    expect(() => extractScript('a;b', '/x', 5)).toThrow();
  });
});
