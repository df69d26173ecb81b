import { isWaltError } from '../../common/errors.js';
import { importClosure, packageOf } from './closure.js';
import { CliPackageMissingFile } from './errors.js';

describe('packageOf', () => {
  it('keeps the scope and drops the subpath', () => {
    expect(packageOf('@kubernetes/client-node')).toBe('@kubernetes/client-node');
    expect(packageOf('@scope/pkg/deep/file.js')).toBe('@scope/pkg');
    expect(packageOf('yaml/util')).toBe('yaml');
  });
});

describe('importClosure', () => {
  const files: Record<string, string> = {
    'dist/cli/main.js': [
      "import { a } from './a.js';",
      "export * from '../client/b.js';",
      "import fs from 'node:fs';",
      "import yaml from 'yaml/util';",
      "// import x from 'commented-out';",
      'const s = "import y from \'in-a-string\'";',
    ].join('\n'),
    'dist/cli/a.js': "import { Command } from 'commander';\nconst lazy = () => import('./lazy.js');",
    'dist/cli/lazy.js': "import '@scope/side-effect/register';",
    'dist/client/b.js': "import { a } from '../cli/a.js';",
    'dist/operator/unused.js': "import 'fastify';",
  };

  it('follows static, dynamic and re-export imports, once each, and collects the packages', () => {
    expect(importClosure(['dist/cli/main.js'], (f) => files[f])).toEqual({
      files: ['dist/cli/a.js', 'dist/cli/lazy.js', 'dist/cli/main.js', 'dist/client/b.js'],
      packages: ['@scope/side-effect', 'commander', 'yaml'],
    });
  });

  it('fails with the importer named when a file is missing', () => {
    let error: unknown;
    try {
      importClosure(['dist/cli/main.js'], (f) => (f === 'dist/client/b.js' ? undefined : files[f]));
    } catch (e) {
      error = e;
    }
    expect(isWaltError(error, CliPackageMissingFile)).toBe(true);
    expect((error as Error).message).toContain('dist/cli/main.js');
  });
});
