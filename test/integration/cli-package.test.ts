// The CLI without a clone (issue 14): local/cli-package/pack.ts makes the npm tarball, which is
// installed into an empty prefix with the registry out of reach (its dependencies are bundled) and run
// as a user runs it, compiled JS under `node` (no tsx): `walt --version`/`--help`, `walt image show` on
// a WaltImage the test creates in the run's cluster, and `kubectl walt …` through the real kubectl with
// the prefix's bin on PATH. The krew manifest the script writes names that tarball by its sha256; the
// tarball unpacked as krew does (manifest `files` and `bin`) runs as `kubectl walt` too.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { packCli, type PackResult } from '../../local/cli-package/pack.js';
import { ensureCliBuilt, root } from './cli-support.js';
import { binDir, kubectl as runKubectl, testNamespace, type CommandResult } from './support/cluster.js';

const run = promisify(execFile);

interface KrewPlatform {
  selector: { matchLabels: { os: string } };
  uri: string;
  sha256: string;
  files: { from: string; to: string }[];
  bin: string;
}

/** Runs `command` with PATH = `pathDirs` + node's directory only (no tsx, no project bin). */
function runWith(command: string, args: string[], pathDirs: string[]): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: os.tmpdir(),
      env: {
        PATH: [...pathDirs, path.dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
        HOME: process.env.HOME ?? '/root',
        KUBECONFIG: process.env.KUBECONFIG ?? '',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}

describe('the walt CLI package', () => {
  let scratch: string;
  let packed: PackResult;
  let prefixBin: string;
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  const kubectlBin = (): string => path.join(binDir(), 'kubectl');
  const version = async (): Promise<string> =>
    (JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'walt-cli-package-'));
    await ensureCliBuilt();
    packed = await packCli({
      out: path.join(scratch, 'out'),
      krewManifestPath: path.join(scratch, 'out', 'walt.yaml'),
      build: false,
    });
    const prefix = path.join(scratch, 'prefix');
    await mkdir(prefix);
    // --offline: the tarball must carry everything it needs.
    await run(
      'npm',
      ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, packed.tarball],
      {
        cwd: scratch,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    prefixBin = path.join(prefix, 'bin');
    ns = await testNamespace('cli-pkg');
    const image = {
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltImage',
      metadata: { name: 'pkg-img', namespace: ns.name },
    };
    const applied = await runKubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ ...image, spec: { ref: '127.0.0.1:5000/walt/pkg:1', insecureRegistry: true } }),
    );
    expect(applied.code).toBe(0);
  }, 600000);
  afterAll(async () => {
    await ns?.remove();
    await rm(scratch, { recursive: true, force: true });
  });

  it('ships only the compiled files the CLI imports and its runtime dependencies, at the lock versions', async () => {
    const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    expect(packed.files).toContain('dist/cli/main.js');
    expect(packed.files).toContain('dist/cli/kubectl-main.js');
    // oci/ ships: image authoring reads manifests and layers with it, rerun parses references.
    expect(packed.files).toContain('dist/oci/index.js');
    expect(
      packed.files.filter((f) => /^dist\/(operator|agents|local|log-store)\//.test(f) || !f.endsWith('.js')),
    ).toEqual([]);
    expect(Object.keys(packed.dependencies)).toContain('commander');
    expect(Object.keys(packed.dependencies)).not.toContain('better-sqlite3');
    for (const [name, pinned] of Object.entries(packed.dependencies))
      expect({ name, pinned }).toEqual({ name, pinned: lock.packages[`node_modules/${name}`]?.version });
  });

  it('runs `walt --version` and `walt --help` from the prefix, compiled, without tsx', async () => {
    const shown = await runWith('walt', ['--version'], [prefixBin]);
    expect(shown).toEqual({ code: 0, stdout: `${await version()}\n`, stderr: '' });
    const help = await runWith('walt', ['--help'], [prefixBin]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: walt \[options\] \[command\]/);
    for (const command of ['node', 'image', 'device', 'log', 'experiment'])
      expect(help.stdout).toContain(command);
  });

  it('shows the cluster’s objects: `walt image show` and `kubectl walt image show`', async () => {
    const direct = await runWith('walt', ['-n', ns.name, 'image', 'show', '-o', 'json'], [prefixBin]);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toContain('"pkg-img"');
    const plugin = await runWith(
      kubectlBin(),
      ['walt', '-n', ns.name, 'image', 'show', '-o', 'json'],
      [prefixBin],
    );
    expect({ code: plugin.code, stderr: plugin.stderr }).toEqual({ code: 0, stderr: '' });
    expect(plugin.stdout).toContain('"pkg-img"');
    const help = await runWith(kubectlBin(), ['walt', '--help'], [prefixBin]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kubectl walt \[options\] \[command\]/);
  });

  it('writes a krew manifest naming the tarball by its sha256, which runs unpacked as krew lays it out', async () => {
    const manifest = parse(await readFile(packed.krewManifest, 'utf8')) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: { version: string; platforms: KrewPlatform[] };
    };
    const tarball = await readFile(packed.tarball);
    const sha256 = createHash('sha256').update(tarball).digest('hex');
    expect(manifest).toMatchObject({
      apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
      kind: 'Plugin',
      metadata: { name: 'walt' },
      spec: { version: `v${await version()}` },
    });
    expect(manifest.spec.platforms.map((p) => p.selector.matchLabels.os)).toEqual(['linux', 'darwin']);
    for (const platform of manifest.spec.platforms) {
      expect(platform.sha256).toBe(sha256);
      expect(path.basename(new URL(platform.uri).pathname)).toBe(path.basename(packed.tarball));
    }
    // Krew: unpack, move `from` into the plugin directory, link kubectl-walt to `bin`.
    const [platform] = manifest.spec.platforms as [KrewPlatform];
    const unpacked = path.join(scratch, 'krew-unpack');
    const pluginDir = path.join(scratch, 'krew', 'store', 'walt', manifest.spec.version);
    const krewBin = path.join(scratch, 'krew', 'bin');
    await mkdir(unpacked, { recursive: true });
    await mkdir(krewBin, { recursive: true });
    await run('tar', ['-xzf', packed.tarball, '-C', unpacked]);
    const [file] = platform.files as [{ from: string; to: string }];
    await mkdir(path.dirname(pluginDir), { recursive: true });
    await rename(path.join(unpacked, file.from.replace(/\/\*$/, '')), pluginDir);
    await symlink(path.join(pluginDir, platform.bin), path.join(krewBin, 'kubectl-walt'));
    const plugin = await runWith(
      kubectlBin(),
      ['walt', '-n', ns.name, 'image', 'show', '-o', 'json'],
      [krewBin],
    );
    expect({ code: plugin.code, stderr: plugin.stderr }).toEqual({ code: 0, stderr: '' });
    expect(plugin.stdout).toContain('"pkg-img"');
  });
});
