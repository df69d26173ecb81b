import { isImageSource, sourceFolders } from './sources.js';

describe('isImageSource', () => {
  it('takes production code, node scripts and the images folder', () => {
    expect(isImageSource('operator/main.ts')).toBe(true);
    expect(isImageSource('node/walt/init')).toBe(true);
    expect(isImageSource('images/agent/Containerfile')).toBe(true);
  });

  it('leaves out tests, benchmarks and build output', () => {
    expect(isImageSource('operator/main.test.ts')).toBe(false);
    expect(isImageSource('test/integration/images.test.ts')).toBe(false);
    expect(isImageSource('bench/tftp/run.ts')).toBe(false);
    expect(isImageSource('agents/node_modules/x.js')).toBe(false);
    expect(isImageSource('dist/operator/main.js')).toBe(false);
    expect(isImageSource('images/README.md')).toBe(false);
  });
});

describe('sourceFolders', () => {
  it('is the include list of tsconfig.json plus images, without patterns', () => {
    expect(sourceFolders({ include: ['operator', 'api', 'src/**/*.ts', 42] })).toEqual([
      'api',
      'images',
      'operator',
    ]);
  });

  it('survives a tsconfig without include', () => {
    expect(sourceFolders({})).toEqual(['images']);
  });
});
