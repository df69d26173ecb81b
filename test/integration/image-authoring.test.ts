// Image authoring with the built `walt` against real registries (docker-registry, one behind
// htpasswd) and the run's apiserver: build from examples/Containerfile on the default node image,
// a shell in the default image driven through tmux (a file installed, exit, the name typed at
// WalT's prompt), publish with credentials to the second registry and clone back, and a publish
// refused by WalT's conventions. The results are checked through the registries, not the CLI.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { WaltImage } from '../../api/v1alpha1/index.js';
import { ensureDefaultImage, pushImage } from '../../local/default-image/image.js';
import { startRegistry, type TestRegistry } from '../../local/lab/registry.js';
import { EXIT } from '../../cli/exit-codes.js';
import { RegistryClient } from '../../oci/client.js';
import { credentialsFromDockerConfig } from '../../oci/auth.js';
import { driveImageShell } from '../support/image-shell-driver.js';
import { requireRoot, requireTool, TOOLS } from '../support/require-tool.js';
import { builtCli, ensureCliBuilt, root, walt } from './cli-support.js';
import { kubeConfig, testNamespace, type CommandResult } from './support/cluster.js';

const run = promisify(execFile);
const group = 'walt.dev';
const version = 'v1alpha1';

describe('walt image authoring (buildah, skopeo, real registries)', () => {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let plain: TestRegistry;
  let secured: TestRegistry;
  let work: string;
  let env: Record<string, string>;
  let baseRef: string;

  const cli = (...args: string[]): Promise<CommandResult> => walt(['-n', ns.name, ...args], { env });
  const getImage = async (name: string): Promise<WaltImage | undefined> =>
    (await api
      .getNamespacedCustomObject({ group, version, plural: 'waltimages', namespace: ns.name, name })
      .catch(() => undefined)) as WaltImage | undefined;
  const createImage = (name: string, ref: string): Promise<unknown> =>
    api.createNamespacedCustomObject({
      group,
      version,
      plural: 'waltimages',
      namespace: ns.name,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'WaltImage',
        metadata: { name },
        spec: { ref, insecureRegistry: true },
      },
    });
  const printedDigest = (result: CommandResult): string => {
    const match = /@(sha256:[a-f0-9]{64})/.exec(result.stdout);
    if (!match) throw new Error(`no digest printed: ${JSON.stringify(result)}`);
    return match[1]!;
  };
  /** The content of `file` in the last layer of the image `ref` points to, read through the registry. */
  const fileInTopLayer = async (client: RegistryClient, ref: string, file: string): Promise<string> => {
    const resolved = await client.resolvePlatform(ref, { os: 'linux', architecture: 'amd64' });
    const layers = resolved.manifest.layers;
    const blobFile = path.join(work, `layer-${Date.now()}`);
    await client.fetchBlob(ref, layers[layers.length - 1]!, blobFile);
    const { stdout } = await run('tar', ['-xzOf', blobFile, file]);
    return stdout;
  };

  beforeAll(async () => {
    requireRoot('buildah stores images and runs containers as root');
    for (const tool of [TOOLS.buildah, TOOLS.skopeo, TOOLS.tmux]) requireTool(tool);
    await ensureCliBuilt();
    ns = await testNamespace('authoring');
    work = await mkdtemp(path.join(os.tmpdir(), 'walt-authoring-'));
    env = { WALT_BUILDAH_ROOT: path.join(work, 'buildah'), BUILDAH_ISOLATION: 'chroot' };
    plain = await startRegistry();
    secured = await startRegistry({ auth: 'htpasswd' });
    const image = await ensureDefaultImage();
    baseRef = `${plain.host}/walt/pc-x86-64-default:latest`;
    await pushImage(image.layoutDir, image.tag, baseRef);
    await createImage('pc-x86-64-default', baseRef);
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: {
        metadata: { name: 'regcred' },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(secured.dockerConfigJson()).toString('base64') },
      },
    });
  }, 300_000);

  afterAll(async () => {
    await ns?.remove();
    await plain?.stop();
    await secured?.stop();
    if (work) {
      await run('buildah', [
        '--root',
        path.join(work, 'buildah', 'storage'),
        '--runroot',
        path.join(work, 'buildah', 'run'),
        'rm',
        '--all',
      ]).catch(() => undefined);
      await run('umount', ['-R', path.join(work, 'buildah', 'storage', 'overlay')]).catch(() => undefined);
      await rm(work, { recursive: true, force: true }).catch(() => undefined);
    }
  });

  it('builds examples/Containerfile on the default image, shows its steps and records it', async () => {
    const ref = `${plain.host}/me/built:1`;
    const result = await cli(
      'image',
      'build',
      'built',
      '--from',
      path.join(root, 'examples'),
      '--base',
      'pc-x86-64-default',
      '--ref',
      ref,
      '--insecure',
    );
    expect(result).toMatchObject({ code: 0 });
    expect(result.stderr).toMatch(/STEP \d+\/\d+: FROM/);
    const image = await getImage('built');
    // Pinned to what was pushed: a later push to the tag does not change the image behind its back.
    expect(image?.spec).toMatchObject({ ref: `${ref}@${printedDigest(result)}`, insecureRegistry: true });
    const client = new RegistryClient({ insecure: true });
    expect((await client.resolve(ref)).digest).toBe(printedDigest(result));
    const resolved = await client.resolvePlatform(ref, { os: 'linux', architecture: 'amd64' });
    const config = await client.getConfig(ref, resolved.manifest.config);
    expect(config.config?.Labels?.['walt.node.models']).toContain('pc-x86-64');
    expect(config.config?.Labels?.['walt.example']).toBe('examples/Containerfile');
    expect(await fileInTopLayer(client, ref, 'etc/walt-example/motd')).toBe('built by walt image build\n');
  }, 600_000);

  it('refuses to build an image without walt.node.models, with a coded error', async () => {
    const dir = await mkdtemp(path.join(work, 'nolabel-'));
    await run('sh', ['-c', `printf 'FROM scratch\\nCOPY Containerfile /x\\n' > ${dir}/Containerfile`]);
    const result = await cli(
      'image',
      'build',
      'nolabel',
      '--from',
      dir,
      '--ref',
      `${plain.host}/me/nolabel:1`,
      '--insecure',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('WALT_ERR_IMAGE_CONVENTIONS');
    expect(await getImage('nolabel')).toBeUndefined();
  }, 300_000);

  it('opens a shell in the default image under tmux; on exit the change becomes a named image', async () => {
    const { screen, status } = await driveImageShell({
      cli: builtCli,
      args: ['-n', ns.name, 'image', 'shell', 'pc-x86-64-default'],
      env: { ...env, KUBECONFIG: process.env.KUBECONFIG ?? '' },
      lines: ['echo shell-proof-$((6*7)) > /root/proof.txt; exit 3'],
      name: 'shelled',
      workDir: work,
    });
    expect(status).toBe(0);
    // The shell's exit status is reported, and the name typed at the prompt is the image's.
    expect(screen).toContain('shell ended (exit status 3)');
    const ref = `${plain.host}/walt/pc-x86-64-default:shelled`;
    const pushed = (await new RegistryClient({ insecure: true }).resolve(ref)).digest;
    expect((await getImage('shelled'))?.spec).toMatchObject({
      ref: `${ref}@${pushed}`,
      insecureRegistry: true,
    });
    expect(await fileInTopLayer(new RegistryClient({ insecure: true }), ref, 'root/proof.txt')).toBe(
      'shell-proof-42\n',
    );

    // --as an existing name is refused before the session starts (no work lost).
    const taken = await cli('image', 'shell', 'pc-x86-64-default', '--as', 'shelled');
    expect(taken.code).toBe(EXIT.conflict);
    expect(taken.stderr).toContain('WALT_ERR_CLI_ALREADY_EXISTS');
    // The same name typed at the prompt is asked about, and overwritten when the user says yes.
    const second = await driveImageShell({
      cli: builtCli,
      args: ['-n', ns.name, 'image', 'shell', 'pc-x86-64-default'],
      env: { ...env, KUBECONFIG: process.env.KUBECONFIG ?? '' },
      lines: ['echo second-session > /root/proof.txt; exit'],
      name: 'shelled',
      overwrite: 'y',
      workDir: work,
    });
    expect(second.status).toBe(0);
    const repushed = (await new RegistryClient({ insecure: true }).resolve(ref)).digest;
    expect(repushed).not.toBe(pushed);
    expect((await getImage('shelled'))?.spec.ref).toBe(`${ref}@${repushed}`);
    expect(await fileInTopLayer(new RegistryClient({ insecure: true }), ref, 'root/proof.txt')).toBe(
      'second-session\n',
    );
  }, 600_000);

  it('publishes to a registry with credentials, then clones it back', async () => {
    const published = `${secured.host}/team/shelled:1`;
    const denied = await cli('image', 'publish', 'shelled', '--to', published, '--to-insecure');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('WALT_ERR_IMAGE_TOOL_FAILED');

    const result = await cli(
      'image',
      'publish',
      'shelled',
      '--to',
      published,
      '--to-insecure',
      '--secret',
      'regcred',
    );
    expect(result).toMatchObject({ code: 0 });
    const digest = printedDigest(result);
    const credentials = credentialsFromDockerConfig(Buffer.from(secured.dockerConfigJson()), secured.host);
    const securedClient = new RegistryClient({ insecure: true, ...(credentials ? { credentials } : {}) });
    expect((await securedClient.resolve(published)).digest).toBe(digest);

    const back = `${plain.host}/me/cloned:1`;
    const clone = await cli(
      'image',
      'clone',
      published,
      'cloned',
      '--insecure',
      '--secret',
      'regcred',
      '--to',
      back,
      '--to-insecure',
    );
    expect(clone).toMatchObject({ code: 0 });
    expect(printedDigest(clone)).toBe(digest);
    expect((await getImage('cloned'))?.spec).toMatchObject({
      ref: `${back}@${digest}`,
      insecureRegistry: true,
      pullSecret: { name: 'regcred' },
    });
    expect(await fileInTopLayer(new RegistryClient({ insecure: true }), back, 'root/proof.txt')).toBe(
      'second-session\n',
    );
  }, 600_000);

  it('duplicates and tags an image under the same digest', async () => {
    const client = new RegistryClient({ insecure: true });
    const digest = (await client.resolve(`${plain.host}/me/built:1`)).digest;
    const dup = await cli('image', 'duplicate', 'built', 'built-copy');
    expect(dup).toMatchObject({ code: 0 });
    expect((await getImage('built-copy'))?.spec.ref).toBe(`${plain.host}/me/built:built-copy@${digest}`);
    expect((await client.resolve(`${plain.host}/me/built:built-copy`)).digest).toBe(digest);
    const tagged = await cli('image', 'tag', 'built', `${plain.host}/other/x:2`, '--name', 'tagged');
    expect(tagged).toMatchObject({ code: 0 });
    expect(printedDigest(tagged)).toBe(digest);
    expect((await getImage('tagged'))?.spec.ref).toBe(`${plain.host}/other/x:2@${digest}`);
  }, 300_000);

  it('copies files out of an image and into a new version of it', async () => {
    const out = await mkdtemp(path.join(work, 'cp-out-'));
    const copied = await cli('image', 'cp', 'built:/etc/walt-example', out);
    expect(copied).toMatchObject({ code: 0 });
    expect(await readFile(path.join(out, 'walt-example', 'motd'), 'utf8')).toBe(
      'built by walt image build\n',
    );

    const local = path.join(out, 'added.txt');
    await run('sh', ['-c', `echo added-by-cp > ${local}`]);
    const into = await cli('image', 'cp', local, 'built:/etc/added.txt', '--as', 'built-added');
    expect(into).toMatchObject({ code: 0 });
    const ref = `${plain.host}/me/built:built-added`;
    expect((await getImage('built-added'))?.spec.ref).toBe(`${ref}@${printedDigest(into)}`);

    // Saving again under that name is an overwrite: refused (exit 4) unless --force, as WalT asks first.
    const again = await cli('image', 'cp', local, 'built:/etc/added-again.txt', '--as', 'built-added');
    expect(again.code).toBe(EXIT.conflict);
    expect(again.stderr).toContain('WALT_ERR_CLI_ALREADY_EXISTS');
    const forced = await cli('image', 'cp', local, 'built:/etc/added.txt', '--as', 'built-added', '--force');
    expect(forced).toMatchObject({ code: 0 });
    expect((await getImage('built-added'))?.spec.ref).toBe(`${ref}@${printedDigest(forced)}`);
    expect(await fileInTopLayer(new RegistryClient({ insecure: true }), ref, 'etc/added.txt')).toBe(
      'added-by-cp\n',
    );
  }, 300_000);

  it('squashes an image into one layer', async () => {
    const result = await cli('image', 'squash', 'built', '--as', 'built-flat');
    expect(result).toMatchObject({ code: 0 });
    const ref = `${plain.host}/me/built:built-flat`;
    const client = new RegistryClient({ insecure: true });
    const resolved = await client.resolvePlatform(ref, { os: 'linux', architecture: 'amd64' });
    expect(resolved.manifest.layers).toHaveLength(1);
    expect(await fileInTopLayer(client, ref, 'etc/walt-example/motd')).toBe('built by walt image build\n');

    // In place: the tag moves, and the image is pinned to the new digest so that it is resolved again.
    const inPlace = await cli('image', 'squash', 'built-added');
    expect(inPlace).toMatchObject({ code: 0 });
    const tag = `${plain.host}/me/built:built-added`;
    const moved = await client.resolvePlatform(tag, { os: 'linux', architecture: 'amd64' });
    expect(moved.manifest.layers).toHaveLength(1);
    expect((await getImage('built-added'))?.spec.ref).toBe(`${tag}@${moved.digest}`);
    expect(await fileInTopLayer(client, tag, 'etc/added.txt')).toBe('added-by-cp\n');
  }, 300_000);

  it('searches images of the namespaces and tags of a repository', async () => {
    const result = await cli(
      'image',
      'search',
      'built-',
      '--repository',
      `${plain.host}/me/built`,
      '--insecure',
    );
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain(`${ns.name}/built-copy`);
    expect(result.stdout).not.toContain(`${ns.name}/pc-x86-64-default`);
    expect(result.stdout).toContain(`${plain.host}/me/built:built-flat`);
    expect(result.stdout).not.toMatch(/me\/built:1\b/);
  }, 120_000);

  it("refuses to publish an image that lacks WalT's conventions, naming what is missing", async () => {
    const ref = `${plain.host}/me/noboot:1`;
    const storage = [
      '--root',
      path.join(work, 'buildah', 'storage'),
      '--runroot',
      path.join(work, 'buildah', 'run'),
    ];
    const { stdout } = await run('buildah', [...storage, 'from', 'scratch']);
    const container = stdout.trim();
    await run('buildah', [...storage, 'config', '--label', 'walt.node.models=pc-x86-64,rpi-4-b', container]);
    await run('buildah', [
      ...storage,
      'copy',
      container,
      path.join(root, 'examples', 'Containerfile'),
      '/boot/rpi-4-b/Containerfile',
    ]);
    await run('buildah', [...storage, 'commit', container, 'localhost/noboot:1']);
    await run('buildah', [...storage, 'push', '--tls-verify=false', 'localhost/noboot:1', `docker://${ref}`]);
    await run('buildah', [...storage, 'rm', container]);
    await createImage('noboot', ref);
    const result = await cli(
      'image',
      'publish',
      'noboot',
      '--to',
      `${plain.host}/team/noboot:1`,
      '--to-insecure',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('WALT_ERR_IMAGE_CONVENTIONS');
    expect(result.stderr).toContain('/boot/pc-x86-64/');
    expect(result.stderr).not.toContain('/boot/rpi-4-b/');
    const tags = await run('skopeo', [
      'list-tags',
      '--tls-verify=false',
      `docker://${plain.host}/team/noboot`,
    ]).catch((e: { stderr?: string }) => ({ stdout: e.stderr ?? '' }));
    expect(tags.stdout).not.toContain('"1"');
  }, 300_000);
});
