import { isWaltError } from '../../common/errors.js';
import { ERR_IMAGE_BAD_NAME, ERR_IMAGE_BAD_REF } from './errors.js';
import {
  checkAuthoringName,
  inPlaceRefs,
  isAuthoringName,
  matchesKeyword,
  parseCpOperand,
  parsePushRef,
  readableRef,
  pushRefText,
  repositoryOf,
  retag,
  sourceRefText,
} from './names.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return isWaltError(error) ? error.code : 'not coded';
  }
  return undefined;
};

describe('image names', () => {
  it('accepts WalT names and refuses the rest', () => {
    expect(isAuthoringName('my-image-2')).toBe(true);
    for (const bad of ['default', 'My', 'a_b', '-a', 'a-', '', 'a'.repeat(64), 'a.b'])
      expect(isAuthoringName(bad)).toBe(false);
    expect(codeOf(() => checkAuthoringName('Bad'))).toBe(ERR_IMAGE_BAD_NAME.code);
  });
});

describe('push references', () => {
  it('needs a registry host and defaults the tag to latest', () => {
    expect(parsePushRef('127.0.0.1:5000/me/os')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'me/os',
      tag: 'latest',
    });
    expect(parsePushRef('localhost/me/os:1').tag).toBe('1');
  });

  it('refuses Docker Hub shorthands, digests, bad tags and huge input', () => {
    for (const bad of [
      'debian',
      'me/debian:12',
      `r.io/a@sha256:${'a'.repeat(64)}`,
      'r.io/a:-x',
      'r.io/' + 'a'.repeat(600),
    ])
      expect(codeOf(() => parsePushRef(bad))).toBe(ERR_IMAGE_BAD_REF.code);
  });

  it('retags within the repository', () => {
    expect(retag('127.0.0.1:5000/walt/pc:latest', 'mine')).toBe('127.0.0.1:5000/walt/pc:mine');
    expect(retag(`r.io/a/b@sha256:${'b'.repeat(64)}`, 't')).toBe('r.io/a/b:t');
    expect(repositoryOf('r.io:5000/a/b:3')).toBe('r.io:5000/a/b');
  });
});

describe('cp operands', () => {
  it('tells image paths from local ones', () => {
    expect(parseCpOperand('img:/etc/x')).toEqual({ kind: 'image', image: 'img', path: '/etc/x' });
    expect(parseCpOperand('team/img:notes')).toEqual({
      kind: 'image',
      image: 'team/img',
      path: '/root/notes',
    });
    expect(parseCpOperand('./a:b')).toEqual({ kind: 'local', path: './a:b' });
    expect(parseCpOperand('/tmp/x')).toEqual({ kind: 'local', path: '/tmp/x' });
    expect(parseCpOperand('img:')).toEqual({ kind: 'local', path: 'img:' });
  });
});

describe('search keyword', () => {
  it('is a case-insensitive substring, none matches all', () => {
    expect(matchesKeyword('walt:team/Debian', 'debian')).toBe(true);
    expect(matchesKeyword('walt:team/debian', 'alpine')).toBe(false);
    expect(matchesKeyword('walt:team/debian', undefined)).toBe(true);
  });
});

describe('reference texts', () => {
  it('canonicalizes push references and clonable links', () => {
    expect(pushRefText('localhost:5000/me/os')).toBe('localhost:5000/me/os:latest');
    expect(sourceRefText('walt:r.io/team/os:1')).toBe('r.io/team/os:1');
    expect(sourceRefText('docker://r.io/team/os')).toBe('r.io/team/os:latest');
    expect(sourceRefText('debian:12')).toBe('docker.io/library/debian:12');
  });
});

describe('in-place changes', () => {
  it('push to the tag and pin the image to the new digest', () => {
    const d1 = `sha256:${'1'.repeat(64)}`;
    const d2 = `sha256:${'2'.repeat(64)}`;
    const first = inPlaceRefs('r.io/a/b:t');
    expect(first.push).toBe('r.io/a/b:t');
    expect(first.pin(d1)).toBe(`r.io/a/b:t@${d1}`);
    const again = inPlaceRefs(first.pin(d1));
    expect(again.push).toBe('r.io/a/b:t');
    expect(again.pin(d2)).toBe(`r.io/a/b:t@${d2}`);
    expect(inPlaceRefs(`r.io/a/b@${d1}`).push).toBe('r.io/a/b:latest');
  });
});

describe('readable references', () => {
  it('reads a pinned tag by its digest', () => {
    const d = `sha256:${'3'.repeat(64)}`;
    expect(readableRef(`r.io/a/b:t@${d}`)).toBe(`r.io/a/b@${d}`);
    expect(readableRef('r.io/a/b:t')).toBe('r.io/a/b:t');
  });
});
