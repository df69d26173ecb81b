// The container images for real: built by images/build.ts (warm: local/install-deps.sh built them),
// pushed to a registry this test starts, pulled back with skopeo, unpacked with umoci and run with
// runc. The operator and the agent load their whole module graph (native module included) in their
// image, the agent's image has every program the agent runs, and the configs say how they start.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildImages, buildLocalImages, imagesCacheDir, type BuiltImages } from '../../images/build.js';
import { storageOptions } from '../../images/buildah.js';
import { ImagesBadRegistry, ImagesBadTag } from '../../images/errors.js';
import { startRegistry, type TestRegistry } from '../../local/lab/registry.js';
import { imageConfig, pullBundle, runInBundle, type Bundle } from '../support/oci-run.js';
import { requireRoot, requireTool, TOOLS } from '../support/require-tool.js';

const run = promisify(execFile);
// Loads every module of an entry point without starting it (main() runs only when it is argv[1]).
const importOnly = (entry: string): string[] => [
  'node',
  '--input-type=module',
  '-e',
  `await import(${JSON.stringify(entry)}); console.log('loaded ' + process.version)`,
];

async function localImageId(reference: string): Promise<string> {
  const storage = storageOptions(path.join(imagesCacheDir(), 'buildah'));
  const { stdout } = await run('buildah', [
    ...storage,
    'inspect',
    '--type',
    'image',
    '--format',
    '{{.FromImageID}}',
    reference,
  ]);
  return stdout.trim();
}

describe('container images of the operator and the agent', () => {
  let registry: TestRegistry;
  let work: string;
  let images: BuiltImages;
  const bundles: Partial<Record<keyof BuiltImages, Bundle>> = {};

  beforeAll(async () => {
    requireRoot('building images (buildah, chroot) and running them (runc)');
    for (const tool of [TOOLS.buildah, TOOLS.skopeo, TOOLS.umoci, TOOLS.runc]) requireTool(tool);
    registry = await startRegistry();
    work = await mkdtemp(path.join(os.tmpdir(), 'walt-images-'));
    // Cold on a fresh machine: several minutes (docs/images-build.md); install-deps.sh warms it.
    images = await buildImages({ registry: registry.host });
    bundles.operator = await pullBundle(images.operator, work, 'operator');
    bundles.agent = await pullBundle(images.agent, work, 'agent');
  }, 900_000);

  afterAll(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('pushes both images under walt/ with one tag', () => {
    const tag = images.operator.split(':').pop();
    expect(images.operator).toBe(`${registry.host}/walt/operator:${tag}`);
    expect(images.agent).toBe(`${registry.host}/walt/agent:${tag}`);
  });

  it('runs the operator unprivileged, from /app, with OCI labels', async () => {
    const { config } = await imageConfig(images.operator);
    expect(config.Entrypoint).toEqual(['node', '/app/dist/operator/main.js']);
    expect(config.User).toBe('10001:10001');
    expect(config.WorkingDir).toBe('/app');
    expect(config.Labels).toEqual(
      expect.objectContaining({
        'org.opencontainers.image.title': 'walt-operator',
        'org.opencontainers.image.licenses': 'Apache-2.0',
        'org.opencontainers.image.version': images.operator.split(':').pop(),
      }),
    );
    // The commit it was first built from (the same image sources), an ancestor of this checkout's.
    const revision = (config.Labels as Record<string, string>)['org.opencontainers.image.revision'] ?? '';
    expect(revision).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    await run('git', ['merge-base', '--is-ancestor', revision.replace('-dirty', ''), 'HEAD']);
  });

  it('runs the agent as root with its entry point and labels', async () => {
    const { config } = await imageConfig(images.agent);
    expect(config.Entrypoint).toEqual(['node', '/app/dist/agents/main.js']);
    expect(config.User).toBe('0:0');
    expect(config.Labels).toEqual(
      expect.objectContaining({ 'org.opencontainers.image.title': 'walt-agent' }),
    );
  });

  it('loads the whole operator in its image, as uid 10001', async () => {
    const result = await runInBundle(bundles.operator!, importOnly('/app/dist/operator/main.js'));
    expect(result).toEqual(expect.objectContaining({ code: 0, stdout: 'loaded v20.20.2\n' }));
    const id = await runInBundle(bundles.operator!, ['id', '-u']);
    expect(id.stdout).toBe('10001\n');
  }, 120_000);

  it('loads the whole agent in its image, and its SQLite native module works', async () => {
    const result = await runInBundle(bundles.agent!, importOnly('/app/dist/agents/main.js'));
    expect(result).toEqual(expect.objectContaining({ code: 0, stdout: 'loaded v20.20.2\n' }));
    const sqlite = await runInBundle(bundles.agent!, [
      'node',
      '--input-type=module',
      '-e',
      "const { default: Db } = await import('better-sqlite3'); console.log(new Db(':memory:').prepare('select 6 * 7 as x').get().x)",
    ]);
    expect(sqlite).toEqual(expect.objectContaining({ code: 0, stdout: '42\n' }));
  }, 120_000);

  it('has every program the agent runs, and the node scripts it serves', async () => {
    const probe = [
      'set -e',
      'ganesha.nfsd -v',
      'test -f /usr/lib/x86_64-linux-gnu/ganesha/libfsalvfs.so',
      'command -v rpcbind',
      // rpcbind opens port 111 only if it can name it; ganesha's VFS reads the mount table
      "grep -q '^sunrpc[[:space:]]*111/tcp' /etc/services",
      'test "$(readlink /etc/mtab)" = /proc/self/mounts',
      'qemu-system-x86_64 --version',
      'test -f /usr/lib/ipxe/qemu/efi-e1000.rom',
      'test -f /usr/lib/ipxe/undionly.kpxe',
      'test -f /usr/lib/ipxe/ipxe.efi',
      'dnsmasq --version',
      'ip -V',
      'busybox true',
      'unshare --version',
      'test -x /usr/local/bin/walt-agent-netsetup',
      'test -x /app/node/walt/init',
      'echo all-present',
    ].join('\n');
    const result = await runInBundle(bundles.agent!, ['sh', '-c', probe]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/NFS-Ganesha Release/);
    expect(result.stdout).toMatch(/QEMU emulator version/);
    expect(result.stdout.trim().endsWith('all-present')).toBe(true);
  }, 120_000);

  it('keeps development packages out of /app/node_modules', async () => {
    const result = await runInBundle(bundles.operator!, [
      'sh',
      '-c',
      'ls /app/node_modules/typescript /app/node_modules/jest 2>&1; ls -d /app/node_modules/fastify',
    ]);
    expect(result.stdout).toMatch(/typescript.*No such file/);
    expect(result.stdout).toMatch(/jest.*No such file/);
    expect(result.stdout).toMatch(/\/app\/node_modules\/fastify\n$/);
  }, 120_000);

  it('builds nothing again for an unchanged tree', async () => {
    const before = await localImageId(images.agent.replace(registry.host, 'localhost'));
    const again = await buildLocalImages();
    expect(again.agent).toBe(images.agent.replace(registry.host, 'localhost'));
    expect(await localImageId(again.agent)).toBe(before);
  });

  it('refuses a registry or a tag that is not one before building', async () => {
    await expect(buildImages({ registry: 'http://127.0.0.1:5000' })).rejects.toMatchObject({
      code: ImagesBadRegistry.code,
    });
    await expect(buildImages({ registry: registry.host, tag: '../x' })).rejects.toMatchObject({
      code: ImagesBadTag.code,
    });
  });
});
