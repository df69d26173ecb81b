import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isWaltError } from '../../common/errors.js';
import { checkDockerConfig, openAuthfile } from './credentials.js';
import { ERR_IMAGE_CREDENTIALS } from './errors.js';

const config = JSON.stringify({ auths: { 'r.io': { auth: Buffer.from('u:p').toString('base64') } } });

describe('registry credentials', () => {
  it('accepts a docker config and refuses what is not one', () => {
    expect(() => checkDockerConfig('x', Buffer.from(config))).not.toThrow();
    for (const bad of ['nope', '{}', '{"auths":[]}', `{"auths":{},"pad":"${'a'.repeat(300_000)}"}`]) {
      let code: string | undefined;
      try {
        checkDockerConfig('x', Buffer.from(bad));
      } catch (error) {
        code = isWaltError(error) ? error.code : 'other';
      }
      expect(code).toBe(ERR_IMAGE_CREDENTIALS.code);
    }
  });

  it('writes a Secret to a private file and removes it on release', async () => {
    const secret = { '.dockerconfigjson': Buffer.from(config).toString('base64') };
    const auth = await openAuthfile(
      { secret: 'regcred' },
      (ns, name) => Promise.resolve(ns === 'me' && name === 'regcred' ? secret : undefined),
      'me',
    );
    expect(auth.secretName).toBe('regcred');
    expect(await readFile(auth.path!, 'utf8')).toBe(config);
    expect((await stat(auth.path!)).mode & 0o077).toBe(0);
    await auth.release();
    await expect(stat(auth.path!)).rejects.toThrow();
  });

  it('uses a docker config file as it is, and refuses a missing Secret', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-cred-'));
    try {
      const file = path.join(dir, 'config.json');
      await writeFile(file, config);
      const auth = await openAuthfile({ authfile: file }, undefined, 'me');
      expect(auth.path).toBe(file);
      await auth.release();
      expect(await readFile(file, 'utf8')).toBe(config);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(
      openAuthfile({ secret: 'gone' }, () => Promise.resolve(undefined), 'me'),
    ).rejects.toMatchObject({
      code: ERR_IMAGE_CREDENTIALS.code,
    });
  });
});
