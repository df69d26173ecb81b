import path from 'node:path';
import { isWaltError } from '../../common/errors.js';
import { confineToBootDir, resolveInRoot } from './confine.js';
import { HttpPathEscape } from './errors.js';
import { makeRootfs, MODEL, type FixtureRootfs } from '../../test/support/fixtures/http-boot.js';

describe('resolveInRoot', () => {
  let fx: FixtureRootfs;
  beforeAll(async () => {
    fx = await makeRootfs();
  });
  afterAll(async () => {
    await fx.remove();
  });
  const boot = `boot/${MODEL}`;

  async function escapeCode(request: string): Promise<boolean> {
    try {
      await resolveInRoot(fx.rootfs, request);
      return false;
    } catch (err) {
      return isWaltError(err, HttpPathEscape);
    }
  }

  it('resolves plain files and links inside the root', async () => {
    expect(await resolveInRoot(fx.rootfs, `${boot}/vmlinuz`)).toBe(path.join(fx.rootfs, boot, 'vmlinuz'));
    expect(await resolveInRoot(fx.rootfs, `${boot}/link-rel`)).toBe(path.join(fx.rootfs, boot, 'vmlinuz'));
    expect(await resolveInRoot(fx.rootfs, `/${boot}/./subdir/../link-rel`)).toBe(
      path.join(fx.rootfs, boot, 'vmlinuz'),
    );
  });

  it('reads absolute link targets relative to the root', async () => {
    expect(await resolveInRoot(fx.rootfs, `${boot}/link-abs`)).toBe(path.join(fx.rootfs, boot, 'initrd.img'));
    expect(await resolveInRoot(fx.rootfs, `${boot}/etc-link`)).toBe(path.join(fx.rootfs, 'etc', 'hostname'));
  });

  it('allows ".." that stays inside the root', async () => {
    expect(await resolveInRoot(fx.rootfs, `${boot}/../../etc/hostname`)).toBe(
      path.join(fx.rootfs, 'etc', 'hostname'),
    );
  });

  it.each([`${boot}/../../../outside-secret`, '..', `${boot}/escape-rel`, `${boot}/escape-dotdot`])(
    '%s escapes (WALT_ERR_HTTP_PATH_ESCAPE)',
    async (request) => {
      expect(await escapeCode(request)).toBe(true);
    },
  );

  it('leaves missing files to the caller, and stops on link loops', async () => {
    expect(await resolveInRoot(fx.rootfs, `${boot}/missing/x`)).toBe(
      path.join(fx.rootfs, boot, 'missing', 'x'),
    );
    await expect(resolveInRoot(fx.rootfs, `${boot}/loop`)).rejects.toMatchObject({ code: 'ELOOP' });
  });
});

describe('confineToBootDir', () => {
  it.each([
    ['vmlinuz', 'vmlinuz'],
    ['/dtbs//./bcm2711.dtb', 'dtbs/bcm2711.dtb'],
    ['subdir/../vmlinuz', 'vmlinuz'],
    ['a\\b', 'a/b'],
    ['', ''],
  ])('keeps %j inside the boot directory as %j', (file, expected) => {
    expect(confineToBootDir(file)).toBe(expected);
  });

  it.each(['..', '../../etc/shadow', 'a/../../x', '..\\..\\etc\\shadow', 'x/..\\..', 'vmlinuz\u0000.txt'])(
    'refuses %j (WALT_ERR_HTTP_PATH_ESCAPE), never clamps it',
    (file) => {
      let code: string | undefined;
      try {
        confineToBootDir(file);
      } catch (err) {
        code = (err as { code?: string }).code;
      }
      expect(code).toBe(HttpPathEscape.code);
    },
  );
});
