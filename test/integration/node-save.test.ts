// `walt node save` against the REAL boot agent of a lab (test/support/cli-lab.ts) and a simulated
// machine that runs the real node scripts: its command loop runs the real uploader (node/walt/
// save-upload, perl + GNU tar) over a REAL overlayfs mounted by the test where /walt/init would mount
// it (<run dir>/upper). The node writes, deletes a file of its image and replaces a directory through
// `walt node run`; `walt node save` (the built CLI) has the agent turn the overlay into a layer and
// push it to the lab's registry; the reference tools (skopeo, umoci) then fetch and unpack the saved
// image, and the operator and agent make its WaltImage Ready. Also: a forged upload is refused.
// And Experiment.spec.keep.savedImage through the same real route: an experiment's run step writes a
// file in the overlay; at the end the operator saves the node through the agent (ADR 0022) and pins a
// WaltImage to the digest pushed, which the reference tools fetch with the file in it.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import * as k8s from '@kubernetes/client-node';
import { extract as tarExtract } from 'tar-stream';
import { RESOURCES, type Experiment, type WaltImage, type WaltNode } from '../../api/v1alpha1/index.js';
import { LAB_IMAGE, startCliLab, type CliLab } from '../support/cli-lab.js';
import { ensureCliBuilt, walt } from './cli-support.js';
import { kubeConfig, testNamespace, uniqueName, type CommandResult } from './support/cluster.js';

const run = promisify(execFile);

async function tarNames(gz: Buffer): Promise<string[]> {
  const names: string[] = [];
  const extract = tarExtract();
  Readable.from([gunzipSync(gz)]).pipe(extract);
  for await (const entry of extract) {
    names.push(entry.header.name);
    entry.resume();
  }
  return names;
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

describe('walt node save (real agent, simulated machine on a real overlayfs)', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('save-seg');
  const machine = uniqueName('save-m');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: CliLab;
  let tmp: string;
  let merged: string;
  let mounted = false;

  const cli = (...args: string[]): Promise<CommandResult> => walt(['-n', ns.name, ...args], { cwd: tmp });
  let unpacked: Promise<string> | undefined;
  /** The lab image's files, unpacked once by the reference tools: the lower dir of the node's overlay. */
  const lowerDir = (): Promise<string> =>
    (unpacked ??= (async () => {
      await run('skopeo', [
        'copy',
        '--src-tls-verify=false',
        `docker://${lab.imageRef}`,
        `oci:${tmp}/base:b`,
      ]);
      await run('umoci', ['unpack', '--image', `${tmp}/base:b`, `${tmp}/base-bundle`]);
      return path.join(tmp, 'base-bundle', 'rootfs');
    })());

  beforeAll(async () => {
    await ensureCliBuilt();
    ns = await testNamespace('save');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'walt-save-'));
    process.env.WALT_AGENT_URL_ALLOW_LOOPBACK = '1';
    lab = await startCliLab({
      kc,
      namespace: ns.name,
      segment,
      netns: `wsave-${process.pid}`,
      prefix: '10.97.0',
      node: machine,
      dir: path.join(tmp, 'lab'),
    });
  }, 300_000);

  afterAll(async () => {
    if (mounted) await cli('node', 'run', machine, '--', 'umount', merged).catch(() => undefined);
    await lab?.stop();
    await rm(tmp, { recursive: true, force: true });
    await ns?.remove();
  }, 120_000);

  it('saves the overlay as a layer on the booted image, which the reference tools and the agent take', async () => {
    // Given the machine booted on the lab image
    expect(await cli('node', 'acquire', machine)).toMatchObject({ code: 0 });
    expect(await cli('node', 'boot', machine, LAB_IMAGE)).toMatchObject({ code: 0 });
    expect(await cli('node', 'wait', machine, '--timeout', '180s')).toMatchObject({ code: 0 });
    // And its root an overlayfs over the image's files, the upper dir where /walt/init keeps it
    const registry = lab.imageRef.split('/')[0]!;
    const lower = await lowerDir();
    await mkdir(path.join(lower, 'srv', 'old'), { recursive: true });
    await run('sh', ['-c', `echo old > ${lower}/srv/old/f`]);
    const runDir = path.join(lab.node.options.dir, 'run');
    merged = path.join(tmp, 'merged');
    await mkdir(path.join(runDir, 'upper'), { recursive: true });
    await mkdir(path.join(runDir, 'work'), { recursive: true });
    await mkdir(merged, { recursive: true });
    // (mounted by the node itself: its commands run in their own mount namespace, as on a real node)
    const options = `lowerdir=${lower},upperdir=${runDir}/upper,workdir=${runDir}/work`;
    const mount = await cli(
      'node',
      'run',
      machine,
      '--',
      'mount',
      '-t',
      'overlay',
      '-o',
      options,
      'walt-save-test',
      merged,
    );
    expect(mount).toMatchObject({ code: 0, stdout: '' });
    mounted = true;

    // When the node writes a file, deletes one of its image, replaces a directory, leaves scratch in /tmp
    const change = [
      `cd ${merged}`,
      'mkdir -p root && echo hello-saved > root/hello.txt',
      'rm boot/pc-x86-64/initrd.img',
      'rm -rf srv/old && mkdir srv/old && echo n > srv/old/new',
      'mkdir -p tmp && echo junk > tmp/junk',
    ].join(' && ');
    expect(await cli('node', 'run', machine, '--', 'sh', '-c', change)).toMatchObject({
      code: 0,
      stdout: '',
    });
    // And is saved
    const ref = `${registry}/walt/saved:1`;
    const saved = await cli('node', 'save', machine, 'saved-img', '--ref', ref, '--insecure');

    // Then the CLI says what it pushed and how large it was
    expect(saved).toMatchObject({ code: 0 });
    const sizes = /saved in [\d.]+ s: changes .+ \((\d+) bytes\), layer .+ \((\d+) bytes\) gzipped/.exec(
      saved.stdout,
    );
    // hello-saved\n and n\n: the bytes of file content the node wrote
    expect(Number(sizes?.[1])).toBe('hello-saved\n'.length + 'n\n'.length);
    expect(Number(sizes?.[2])).toBeGreaterThan(0);
    const digest = /\((sha256:[0-9a-f]{64})\)/.exec(saved.stdout)?.[1];
    expect(digest).toBeDefined();
    // And skopeo fetches it by that digest, umoci unpacks it: the change is there, whiteouts applied
    await run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${registry}/walt/saved@${digest}`,
      `oci:${tmp}/saved:s`,
    ]);
    await run('umoci', ['unpack', '--image', `${tmp}/saved:s`, `${tmp}/saved-bundle`]);
    const rootfs = path.join(tmp, 'saved-bundle', 'rootfs');
    expect(await readFile(path.join(rootfs, 'root', 'hello.txt'), 'utf8')).toBe('hello-saved\n');
    expect(await readFile(path.join(rootfs, 'boot', 'pc-x86-64', 'vmlinuz'), 'utf8')).toBe('not a kernel\n');
    expect(await exists(path.join(rootfs, 'boot', 'pc-x86-64', 'initrd.img'))).toBe(false);
    expect(await readFile(path.join(rootfs, 'srv', 'old', 'new'), 'utf8')).toBe('n\n');
    expect(await exists(path.join(rootfs, 'tmp', 'junk'))).toBe(false);
    // And the new layer says so the OCI way, on top of the base's layers, with a history entry
    const index = JSON.parse(await readFile(`${tmp}/saved/index.json`, 'utf8')) as {
      manifests: Array<{ digest: string }>;
    };
    const blob = (d: string): Promise<Buffer> =>
      readFile(`${tmp}/saved/blobs/sha256/${d.slice('sha256:'.length)}`);
    const manifest = JSON.parse((await blob(index.manifests[0]!.digest)).toString()) as {
      config: { digest: string };
      layers: Array<{ digest: string }>;
    };
    expect(manifest.layers).toHaveLength(2);
    const names = await tarNames(await blob(manifest.layers[1]!.digest));
    expect(names).toEqual(
      expect.arrayContaining([
        'root/hello.txt',
        'boot/pc-x86-64/.wh.initrd.img',
        'srv/old/.wh..wh..opq',
        'srv/old/new',
      ]),
    );
    expect(names.filter((n) => n.startsWith('tmp/') || n.startsWith('run'))).toEqual([]);
    const config = JSON.parse((await blob(manifest.config.digest)).toString()) as {
      config?: { Labels?: Record<string, string> };
      history: Array<{ created_by?: string }>;
      rootfs: { diff_ids: string[] };
    };
    expect(config.history.at(-1)?.created_by).toBe('walt node save');
    expect(config.rootfs.diff_ids).toHaveLength(2);
    expect(config.config?.Labels?.['walt.node.models']).toBe('pc-x86-64');
    // And the base's layer was linked from the base's repository of the same registry, not sent again
    const registryLog = await readFile(lab.lab.registry.logFile, 'utf8');
    expect(registryLog).toContain(
      `mount=${manifest.layers[0]!.digest.replace(':', '%3A')}&from=walt%2Fcli-lab`,
    );

    // And the WaltImage points at it by digest and becomes Ready (the operator resolves, the agent pulls)
    await lab.waitOr(
      'saved-img to be Ready',
      async () => {
        const image = (await api.getNamespacedCustomObject({
          ...RESOURCES.image,
          namespace: ns.name,
          name: 'saved-img',
        })) as WaltImage;
        expect(image.spec.ref).toBe(`${ref}@${digest}`);
        return image.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
          ? true
          : undefined;
      },
      120_000,
    );
  }, 300_000);

  it('says why when the node has no overlay to upload, and refuses a bad reference before any work', async () => {
    // Given the node's upper dir gone (a node not booted through /walt/init)
    const runDir = path.join(lab.node.options.dir, 'run');
    await rename(path.join(runDir, 'upper'), path.join(runDir, 'upper.off'));
    try {
      // When it is saved, then the uploader's reason comes back with the save's code
      const failed = await cli(
        'node',
        'save',
        machine,
        'never',
        '--ref',
        `${lab.imageRef.split('/')[0]}/walt/never:1`,
        '--insecure',
      );
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toContain('WALT_ERR_SAVE_NOT_UPLOADED');
      expect(failed.stderr).toContain('no overlay upper dir');
    } finally {
      await rename(path.join(runDir, 'upper.off'), path.join(runDir, 'upper'));
    }
    // And a reference that is not one is refused by the agent with its code
    const bad = await cli('node', 'save', machine, 'never', '--ref', 'Not A Reference', '--insecure');
    expect(bad.stderr).toContain('WALT_ERR_SAVE_BAD_REQUEST');
    // And no WaltImage was made for either
    await expect(
      api.getNamespacedCustomObject({ ...RESOURCES.image, namespace: ns.name, name: 'never' }),
    ).rejects.toBeDefined();
  }, 120_000);

  it('refuses an upload that no save opened, and a save without the token', async () => {
    // A node may only upload into a slot the agent opened for it, with that slot's secret
    const forged = await cli(
      'node',
      'run',
      machine,
      '--',
      'sh',
      '-c',
      'echo x | curl -s -X POST -H "content-type: application/x-tar" --data-binary @- "$WALT_API/saves/0123456789abcdef01234567?secret=00000000000000000000000000000000"',
    );
    expect(forged.stdout).toContain('WALT_ERR_SAVE_UPLOAD_UNKNOWN');
    // And a caller without the agent's token cannot start a save
    const apiUrl = lab.lab.agentApiUrl;
    const anonymous = await fetch(`${apiUrl}/api/v1/nodes/${machine}/save`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'localhost:1/x:y' }),
    });
    expect(anonymous.status).toBe(401);
  }, 120_000);

  /** The experiment claiming the machine on the lab image whose one run step is `script`, kept as `saved`. */
  async function runKept(name: string, script: string, saved: string): Promise<CommandResult> {
    const manifest = [
      'apiVersion: walt.dev/v1alpha1',
      'kind: Experiment',
      `metadata: {name: ${name}}`,
      'spec:',
      `  nodes: {names: [${machine}]}`,
      `  image: ${LAB_IMAGE}`,
      '  steps:',
      `    - {name: change, run: {command: ${JSON.stringify(['sh', '-c', script])}}}`,
      `  keep: {savedImage: ${saved}}`,
    ].join('\n');
    await writeFile(path.join(tmp, `${name}.yaml`), manifest);
    return cli('experiment', 'run', `${name}.yaml`, '--wait', '--timeout', '240s');
  }

  const claimOf = async (node: string): Promise<unknown> =>
    ((await api.getClusterCustomObject({ ...RESOURCES.node, name: node })) as WaltNode).status?.claimedBy;

  it('keep.savedImage: an experiment ends with its node saved through the agent, pinned by digest', async () => {
    // Given the machine free, and an experiment that claims it by name on the lab image, whose run step
    // writes a file in the node's overlay and that keeps the node as "kept-img". (The simulated machine
    // has no /walt/init: the step first does what init does at boot, a fresh upper dir and the overlay
    // mounted over the image's files; the uploader then reads that upper dir, as on a real node.)
    await cli('node', 'release', machine); // (held by the first case; nothing to do when run alone)
    expect(await claimOf(machine)).toBeUndefined();
    const lower = await lowerDir();
    const runDir = path.join(lab.node.options.dir, 'run');
    const root = path.join(tmp, 'merged-keep');
    const step = [
      `rm -rf ${runDir}/upper ${runDir}/work`,
      `mkdir -p ${runDir}/upper ${runDir}/work ${root}`,
      `mount -t overlay -o lowerdir=${lower},upperdir=${runDir}/upper,workdir=${runDir}/work walt-keep-test ${root}`,
      `mkdir -p ${root}/root`,
      `echo kept-by-experiment > ${root}/root/kept.txt`,
    ].join(' && ');

    // When it runs to its end
    const result = await runKept('exp-keep', step, 'kept-img');

    // Then it Succeeded and its status says the node was saved, by digest, with the size of the change
    expect(result).toMatchObject({ code: 0 });
    const exp = (await api.getNamespacedCustomObject({
      ...RESOURCES.experiment,
      namespace: ns.name,
      name: 'exp-keep',
    })) as Experiment;
    const registry = lab.imageRef.split('/')[0]!;
    expect(exp.status).toMatchObject({
      phase: 'Succeeded',
      savedImages: [
        {
          node: machine,
          image: 'kept-img',
          ref: `${registry}/walt/cli-lab:kept-img`,
          digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) as unknown,
          layerBytes: expect.any(Number) as unknown,
          changeBytes: 'kept-by-experiment\n'.length,
        },
      ],
    });
    const saved = exp.status!.savedImages![0]!;
    expect(saved).not.toHaveProperty('message');
    expect(saved.layerBytes).toBeGreaterThan(0);
    const digest = saved.digest!;
    expect(exp.status!.conditions).toContainEqual(
      expect.objectContaining({ type: 'ImageSaved', status: 'True', reason: 'Saved' }),
    );
    const events = await kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: ns.name });
    expect(events.items).toContainEqual(
      expect.objectContaining({
        regarding: expect.objectContaining({ name: 'exp-keep' }) as unknown,
        reason: 'ImageSaved',
        type: 'Normal',
        note: `${machine} saved as kept-img (${digest})`,
      }),
    );
    // And the node was released after its save
    expect(await claimOf(machine)).toBeUndefined();
    // And the WaltImage of that name is pinned to the digest pushed, labelled with who saved it
    const image = (await api.getNamespacedCustomObject({
      ...RESOURCES.image,
      namespace: ns.name,
      name: 'kept-img',
    })) as WaltImage;
    expect(image.spec).toMatchObject({
      ref: `${registry}/walt/cli-lab@${digest}`,
      insecureRegistry: true,
      recheck: { policy: 'Never' },
    });
    expect(image.metadata.labels).toEqual({
      'walt.dev/saved-by-experiment': 'exp-keep',
      'walt.dev/saved-node': machine,
    });
    // And the reference tools fetch that digest: the file the step wrote is there, on the image's files
    await run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${registry}/walt/cli-lab@${digest}`,
      `oci:${tmp}/kept:k`,
    ]);
    await run('umoci', ['unpack', '--image', `${tmp}/kept:k`, `${tmp}/kept-bundle`]);
    const rootfs = path.join(tmp, 'kept-bundle', 'rootfs');
    expect(await readFile(path.join(rootfs, 'root', 'kept.txt'), 'utf8')).toBe('kept-by-experiment\n');
    expect(await readFile(path.join(rootfs, 'boot', 'pc-x86-64', 'initrd.img'), 'utf8')).toBe('initrd\n');
  }, 300_000);
});
