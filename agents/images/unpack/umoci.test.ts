// Differential test: the same image unpacked by umoci (the reference OCI unpacker, a Debian package here)
// and by applyLayer must give the same tree: paths, types, modes, owners, link targets, contents.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, TOOLS } from '../../../test/support/require-tool.js';
import { applyLayer } from './apply-layer.js';
import {
  describe as describePath,
  gzipOf,
  makeSandbox,
  streamOf,
  TAR_GZIP,
  tarOf,
  treeOf,
  type Sandbox,
  type TestEntry,
} from '../../../test/support/fixtures/oci-layers.js';

const UMOCI = 'umoci';
const MTIME = new Date('2022-02-03T04:05:06Z');

const lower: TestEntry[] = [
  { name: 'etc/', type: 'directory', mtime: MTIME },
  { name: 'etc/hostname', content: 'node\n', mtime: MTIME },
  { name: 'etc/gone', content: 'gone', mtime: MTIME },
  { name: 'etc/localtime', type: 'symlink', linkname: '/usr/share/zoneinfo/UTC', mtime: MTIME },
  { name: 'usr/', type: 'directory', mtime: MTIME },
  { name: 'usr/bin/', type: 'directory', mtime: MTIME },
  { name: 'usr/bin/passwd', content: 'setuid', mode: 0o4755, mtime: MTIME },
  { name: 'usr/bin/chpasswd', type: 'link', linkname: 'usr/bin/passwd', mtime: MTIME },
  { name: 'usr/lib/', type: 'directory', mtime: MTIME },
  { name: 'usr/lib/libc.so', content: 'libc', mtime: MTIME },
  { name: 'lib', type: 'symlink', linkname: 'usr/lib', mtime: MTIME },
  { name: 'opt/', type: 'directory', mtime: MTIME },
  { name: 'opt/app/', type: 'directory', mtime: MTIME },
  { name: 'opt/app/old', content: 'old', mtime: MTIME },
  { name: 'opt/app/sub/', type: 'directory', mtime: MTIME },
  { name: 'opt/app/sub/older', content: 'older', mtime: MTIME },
  { name: 'var/', type: 'directory', mtime: MTIME },
  { name: 'var/cache/', type: 'directory', mtime: MTIME },
  { name: 'var/cache/big/', type: 'directory', mtime: MTIME },
  { name: 'var/cache/big/x', content: 'x', mtime: MTIME },
  { name: 'data', content: 'file, later a directory', mtime: MTIME },
  { name: 'tmp/', type: 'directory', mode: 0o1777, mtime: MTIME },
];

const upper: TestEntry[] = [
  { name: 'etc/', type: 'directory', mode: 0o750, mtime: MTIME },
  { name: 'etc/.wh.gone', content: '', mtime: MTIME },
  { name: 'etc/hostname', content: 'renamed\n', mode: 0o600, uid: 1000, gid: 100, mtime: MTIME },
  { name: 'opt/', type: 'directory', mtime: MTIME },
  { name: 'opt/app/', type: 'directory', mtime: MTIME },
  { name: 'opt/app/.wh..wh..opq', content: '', mtime: MTIME },
  { name: 'opt/app/new', content: 'new', mtime: MTIME },
  { name: 'var/', type: 'directory', mtime: MTIME },
  { name: 'var/cache/', type: 'directory', mtime: MTIME },
  { name: 'var/cache/big', content: 'now a file', mtime: MTIME },
  { name: 'data/', type: 'directory', mode: 0o700, mtime: MTIME },
  { name: 'data/inside', content: 'inside', mtime: MTIME },
  { name: 'usr/', type: 'directory', mtime: MTIME },
  { name: 'usr/bin/', type: 'directory', mtime: MTIME },
  { name: 'usr/bin/passwd', content: 'replaced', mode: 0o4711, mtime: MTIME },
];

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** A minimal OCI image layout (oci-layout, index.json, manifest, config, gzip layers) tagged `test`. */
function writeLayout(dir: string, tars: Buffer[]): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const blob = (
    data: Buffer | string,
    mediaType: string,
  ): { mediaType: string; digest: string; size: number } => {
    const digest = sha256(data);
    writeFileSync(join(dir, 'blobs', 'sha256', digest), data);
    return { mediaType, digest: `sha256:${digest}`, size: Buffer.byteLength(data) };
  };
  const layers = tars.map((tar) => blob(gzipOf(tar), TAR_GZIP));
  const config = blob(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: tars.map((tar) => `sha256:${sha256(tar)}`) },
    }),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifestType = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = blob(
    JSON.stringify({ schemaVersion: 2, mediaType: manifestType, config, layers }),
    manifestType,
  );
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const ref = { ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'test' } };
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [ref] }));
}

describe('applyLayer compared with umoci unpack', () => {
  let sandbox: Sandbox;
  // The oracle must be there: without umoci this comparison would prove nothing, so it fails
  beforeAll(() => requireTool(TOOLS.umoci));
  beforeEach(async () => {
    sandbox = await makeSandbox();
  });
  afterEach(() => sandbox.cleanup());

  it('gives the same tree as umoci for two layers with whiteouts and replacements', async () => {
    // Given an image of two layers, as an OCI layout
    const tars = [await tarOf(lower), await tarOf(upper)];
    const layout = join(sandbox.base, 'layout');
    writeLayout(layout, tars);
    // When umoci unpacks it, and applyLayer applies its layers in order
    const bundle = join(sandbox.base, 'bundle');
    const rootless = process.getuid?.() === 0 ? [] : ['--rootless'];
    execFileSync(UMOCI, ['unpack', ...rootless, '--image', `${layout}:test`, bundle], { stdio: 'pipe' });
    for (const tar of tars) {
      await applyLayer(sandbox.root, streamOf(gzipOf(tar)), { mediaType: TAR_GZIP });
    }
    // Then both trees match, entry by entry (times included: umoci restores them too)
    const ours = treeOf(sandbox.root);
    const theirs = treeOf(join(bundle, 'rootfs'));
    expect(theirs.get('data/inside')).toBeDefined();
    expect(theirs.has('etc/gone') || theirs.has('opt/app/old')).toBe(false);
    expect([...ours.keys()]).toEqual([...theirs.keys()]);
    for (const [path, description] of theirs) {
      const implicit = !lower.concat(upper).some((entry) => entry.name.replace(/\/$/, '') === path);
      // Parents created implicitly get the time of their creation, which differs between two runs.
      if (implicit)
        expect(describePath(join(sandbox.root, path), false)).toBe(
          describePath(join(bundle, 'rootfs', path), false),
        );
      else expect([path, ours.get(path)]).toEqual([path, description]);
    }
  }, 30_000);
});
