import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { UnpackSymlinkEscape } from './errors.js';
import { cleanPath, RootResolver } from './secure-path.js';
import { makeSandbox, type Sandbox } from '../../../test/support/fixtures/oci-layers.js';

describe('cleanPath', () => {
  it.each([
    ['etc/hosts', ['etc', 'hosts']],
    ['./etc//hosts/', ['etc', 'hosts']],
    ['/usr/bin/../lib', ['usr', 'lib']],
    ['a/b/../../c', ['c']],
    ['./', []],
    ['/', []],
  ])('cleans %j into root-relative components', (name, parts) => {
    expect(cleanPath(name)).toEqual(parts);
  });

  it.each(['..', '../x', 'a/../../x', '/abs/../../x', './../x'])(
    'refuses %j, which leaves the root',
    (name) => {
      expect(cleanPath(name)).toBeNull();
    },
  );
});

describe('RootResolver', () => {
  let sandbox: Sandbox;
  let created: string[];
  let resolver: RootResolver;
  beforeEach(async () => {
    sandbox = await makeSandbox();
    created = [];
    resolver = new RootResolver(sandbox.root, (rel) => created.push(rel));
    mkdirSync(join(sandbox.root, 'usr/lib'), { recursive: true });
    symlinkSync('usr/lib', join(sandbox.root, 'lib'));
    symlinkSync('/usr', join(sandbox.root, 'abs-usr'));
    symlinkSync('../..', join(sandbox.root, 'up'));
  });
  afterEach(() => sandbox.cleanup());

  it('follows symlinks inside the root, absolute ones from the root', () => {
    expect(resolver.resolveDir(['lib'], false, 'e')).toBe('usr/lib');
    expect(resolver.resolveDir(['abs-usr', 'lib'], false, 'e')).toBe('usr/lib');
  });

  it('creates missing directories only when asked, and reports them', () => {
    expect(resolver.resolveDir(['lib', 'x'], false, 'e')).toBeNull();
    expect(resolver.resolveDir(['lib', 'x', 'y'], true, 'e')).toBe('usr/lib/x/y');
    expect(created).toEqual(['usr/lib/x', 'usr/lib/x/y']);
  });

  it('refuses a symlink whose target climbs above the root', () => {
    expect(thrownBy(() => resolver.resolveDir(['up', 'x'], true, 'up/x/file'))).toMatchObject({
      code: UnpackSymlinkEscape.code,
    });
  });
});

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
