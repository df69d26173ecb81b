import { isWaltError } from '../../common/errors.js';
import { CliPackageUnlockedDependency } from './errors.js';
import { CLI_BINS, cliPackageJson, cliShrinkwrap, resolveInLock, type Lockfile } from './manifest.js';

const lock: Lockfile = {
  lockfileVersion: 3,
  packages: {
    '': { dependencies: { a: '^1.0.0', c: '2.0.0', unused: '1.0.0' }, devDependencies: { jest: '30' } },
    'node_modules/a': { version: '1.2.3', dependencies: { b: '^2' }, optionalDependencies: { gone: '1' } },
    'node_modules/a/node_modules/b': { version: '2.0.0', dependencies: { d: '*' }, dev: true },
    'node_modules/b': { version: '1.0.0', dev: true },
    'node_modules/c': { version: '2.0.0', peerDependencies: { a: '1' } },
    'node_modules/d': { version: '4.0.0', devOptional: true },
    'node_modules/unused': { version: '1.0.0' },
    'node_modules/jest': { version: '30.0.0', dev: true },
  },
};

describe('resolveInLock', () => {
  it('finds the nearest node_modules up, as Node does', () => {
    expect(resolveInLock(lock.packages, 'node_modules/a', 'b')).toBe('node_modules/a/node_modules/b');
    expect(resolveInLock(lock.packages, 'node_modules/c', 'b')).toBe('node_modules/b');
    expect(resolveInLock(lock.packages, 'node_modules/a/node_modules/b', 'd')).toBe('node_modules/d');
    expect(resolveInLock(lock.packages, '', 'missing')).toBeUndefined();
  });
});

describe('cliPackageJson', () => {
  const root = { version: '0.9.0', license: 'Apache-2.0', engines: { node: '>=20.19' } };

  it('pins the imported packages at the lock versions and names both executables', () => {
    expect(cliPackageJson(root, lock, ['a', 'c'])).toMatchObject({
      name: 'walt-operator-cli',
      version: '0.9.0',
      type: 'module',
      bin: CLI_BINS,
      engines: { node: '>=20.19' },
      dependencies: { a: '1.2.3', c: '2.0.0' },
      bundleDependencies: true,
    });
  });

  it('refuses a package the project does not depend on (a dev-only or transitive one)', () => {
    for (const name of ['jest', 'b']) {
      let error: unknown;
      try {
        cliPackageJson(root, lock, [name]);
      } catch (e) {
        error = e;
      }
      expect(isWaltError(error, CliPackageUnlockedDependency)).toBe(true);
    }
  });
});

describe('cliShrinkwrap', () => {
  it('keeps the reachable tree of the lock, without dev flags, and leaves the rest out', () => {
    const pkg = cliPackageJson({ version: '0.9.0' }, lock, ['a', 'c']);
    const shrinkwrap = cliShrinkwrap(pkg, lock, ['a', 'c']) as { packages: Record<string, unknown> };
    expect(Object.keys(shrinkwrap.packages).sort()).toEqual([
      '',
      'node_modules/a',
      'node_modules/a/node_modules/b',
      'node_modules/c',
      'node_modules/d',
    ]);
    expect(shrinkwrap.packages['node_modules/a/node_modules/b']).toEqual({
      version: '2.0.0',
      dependencies: { d: '*' },
    });
    expect(shrinkwrap.packages['node_modules/d']).toEqual({ version: '4.0.0' });
    expect(shrinkwrap.packages['']).toMatchObject({
      name: 'walt-operator-cli',
      dependencies: { a: '1.2.3', c: '2.0.0' },
    });
  });
});
