import { codeOf } from '../../test/support/error-code.js';
import { SaveBadArchive, SaveUnsupportedOverlay } from './errors.js';
import { convertEntry, isExcluded, normaliseName, type TarHeader } from './whiteouts.js';

const names = (header: TarHeader): string[] => convertEntry(header).map((h) => `${h.type}:${h.name}`);

describe('convertEntry: overlayfs upper dir → OCI layer entries', () => {
  it('turns a whiteout device (char 0:0) into an empty .wh.<name> file in the same directory', () => {
    // Given the overlay's mark of a deleted /etc/motd
    const header: TarHeader = {
      name: './etc/motd',
      type: 'character-device',
      devmajor: 0,
      devminor: 0,
      mode: 0o600,
    };
    // When converted
    const [marker, ...rest] = convertEntry(header);
    // Then one empty regular file says "deleted" the OCI way
    expect(rest).toEqual([]);
    expect(marker).toMatchObject({ name: 'etc/.wh.motd', type: 'file', size: 0 });
  });

  it('keeps a real character device (not 0:0) as it is', () => {
    expect(names({ name: 'lib/null2', type: 'character-device', devmajor: 1, devminor: 3 })).toEqual([
      'character-device:lib/null2',
    ]);
  });

  it('follows an opaque directory with .wh..wh..opq, and drops the overlay xattr', () => {
    // Given a directory the node removed and made again (trusted.overlay.opaque=y)
    const header: TarHeader = {
      name: './opt/app/',
      type: 'directory',
      mode: 0o755,
      pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y', path: './opt/app/' },
    };
    // When converted
    const out = convertEntry(header);
    // Then the directory comes first, then its opaque marker, and no PAX record is carried over
    expect(out.map((h) => `${h.type}:${h.name}`)).toEqual([
      'directory:opt/app/',
      'file:opt/app/.wh..wh..opq',
    ]);
    expect(out[0]?.pax).toBeUndefined();
  });

  it('knows the userxattr spelling of the opaque mark too', () => {
    expect(
      names({ name: 'srv/', type: 'directory', pax: { 'SCHILY.xattr.user.overlay.opaque': 'y' } }),
    ).toEqual(['directory:srv/', 'file:srv/.wh..wh..opq']);
  });

  it('keeps ordinary files, links and directories under their normalised names', () => {
    expect(names({ name: './root/hello.txt', type: 'file', size: 5 })).toEqual(['file:root/hello.txt']);
    expect(names({ name: './usr/bin/vi', type: 'symlink', linkname: '/etc/alternatives/vi' })).toEqual([
      'symlink:usr/bin/vi',
    ]);
    expect(convertEntry({ name: './a/hard', type: 'link', linkname: './a/file' })[0]).toMatchObject({
      name: 'a/hard',
      linkname: 'a/file',
    });
    expect(names({ name: './var/', type: 'directory' })).toEqual(['directory:var/']);
  });

  it.each([
    './',
    './run/walt/upper/x',
    './run',
    './tmp/scratch',
    './persist/data',
    './proc/1',
    './sys/kernel',
    './dev/null',
    './mnt/nfsroot',
    './walt/init',
    './usr/local/bin/walt-log-echo',
  ])('leaves out the runtime path %s', (name) => {
    expect(convertEntry({ name, type: 'file', size: 1 })).toEqual([]);
  });

  it('keeps what merely looks like a runtime path', () => {
    expect(isExcluded('runner/x')).toBe(false);
    expect(isExcluded('usr/local/bin/my-tool')).toBe(false);
    expect(isExcluded('var/tmp/x')).toBe(false);
    expect(isExcluded('mnt/other')).toBe(false);
  });

  it('leaves out a hard link to a left-out path', () => {
    expect(convertEntry({ name: 'etc/x', type: 'link', linkname: 'tmp/x' })).toEqual([]);
  });

  it('refuses what an OCI layer cannot say: redirect and metacopy, names that are whiteouts already', () => {
    const redirect = {
      name: 'a/',
      type: 'directory',
      pax: { 'SCHILY.xattr.trusted.overlay.redirect': '/b' },
    } as const;
    expect(codeOf(() => convertEntry(redirect))).toBe(SaveUnsupportedOverlay.code);
    const metacopy = {
      name: 'f',
      type: 'file',
      pax: { 'SCHILY.xattr.trusted.overlay.metacopy': '' },
    } as const;
    expect(codeOf(() => convertEntry(metacopy))).toBe(SaveUnsupportedOverlay.code);
    expect(codeOf(() => convertEntry({ name: 'etc/.wh.x', type: 'file' }))).toBe(SaveBadArchive.code);
  });

  it('refuses names that climb out of the overlay', () => {
    expect(codeOf(() => normaliseName('../etc/passwd'))).toBe(SaveBadArchive.code);
    expect(codeOf(() => convertEntry({ name: 'a/../../b', type: 'file' }))).toBe(SaveBadArchive.code);
    expect(normaliseName('./a//b/./c/')).toBe('a/b/c');
  });
});
