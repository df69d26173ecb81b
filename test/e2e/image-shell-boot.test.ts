// End to end: `walt image shell` on the default image, driven in tmux as a user does, installs a file
// and a boot hook (/etc/walt/rc.d, run by the default image's init at every boot) and exits; the new
// image is pushed and recorded by the CLI. A virtual node (qemu) then boots that image over the lab's
// real agent and operator, and the hook copies the file into the node's /persist: the file installed
// in the shell is on the booted node.
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import { ensureDefaultImage, pushImage } from '../../local/default-image/image.js';
import { startLab, type Lab } from '../../local/lab/lab.js';
import { applyAll, labImage, labSegment, virtualNode } from '../../local/lab/resources.js';
import { waitFor } from '../support/wait.js';
import { driveImageShell } from '../support/image-shell-driver.js';
import { requireRoot, requireTool, TOOLS } from '../support/require-tool.js';
import { builtCli, ensureCliBuilt } from '../integration/cli-support.js';
import { tearDownLab, withLabLogs } from './lab-fixture.js';
import { kubeConfig, testNamespace, uniqueName } from '../integration/support/cluster.js';

const BOOT_TIMEOUT_MS = 6 * 60_000;

describe('an image made with walt image shell boots on a virtual node (qemu, end to end)', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('e2e-shell');
  const nodeName = uniqueName('vn');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    requireRoot('buildah runs containers as root');
    for (const tool of [TOOLS.buildah, TOOLS.tmux]) requireTool(tool);
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-e2e-shell-'));
    const image = await ensureDefaultImage();
    await ensureCliBuilt();
    ns = await testNamespace('e2e-shell');
    lab = await startLab({
      kc,
      workDir: dir,
      segment,
      network: { ns: `wish-${process.pid}`, bridge: 'br0', address: '10.74.0.1/24' },
      agentArgs: ['--nfs-grace', '5s'],
      namespace: ns.name,
    });
    const ref = `${lab.registry.host}/walt/shell-base:latest`;
    await pushImage(image.layoutDir, image.tag, ref);
    await applyAll(kc, [
      labSegment(segment, { bridge: 'br0', subnet: '10.74.0.0/24', serverAddress: '10.74.0.1' }),
      labImage(ns.name, 'base', ref),
    ]);
  }, 20 * 60_000);

  afterAll(async () => {
    await tearDownLab({ kc, lab, node: nodeName, segment, namespace: ns, images: ['base', 'shelled'], dir });
  }, 180_000);

  it(
    'installs a file in a shell, and a node booted on the result finds it',
    async () => {
      const { status, screen } = await driveImageShell({
        cli: builtCli,
        args: ['-n', ns.name, 'image', 'shell', 'base', '--as', 'shelled'],
        env: {
          KUBECONFIG: process.env.KUBECONFIG ?? '',
          WALT_BUILDAH_ROOT: path.join(dir, 'buildah'),
          BUILDAH_ISOLATION: 'chroot',
        },
        lines: [
          'echo installed-in-image-shell > /root/proof.txt',
          "mkdir -p /etc/walt/rc.d && printf '#!/bin/sh\\ncp /root/proof.txt /persist/proof.txt\\nsync\\n' > /etc/walt/rc.d/60-proof && chmod 755 /etc/walt/rc.d/60-proof",
          'exit',
        ],
        workDir: dir,
      });
      expect({ status, screen }).toMatchObject({ status: 0 });
      await applyAll(kc, [
        virtualNode({ name: nodeName, mac: '52:54:00:e2:e5:01', segment, image: `${ns.name}/shelled` }),
      ]);
      const proof = path.join(lab.agentCacheDir, 'nfs', 'persist', nodeName, ns.name, 'proof.txt');
      const node = await waitFor(
        'the node Ready on the shelled image, its proof in /persist',
        async () => {
          const n = (await api.getClusterCustomObject({ ...RESOURCES.node, name: nodeName })) as WaltNode;
          const text = await readFile(proof, 'utf8').catch(() => '');
          return n.status?.phase === 'Ready' && text !== '' ? n : undefined;
        },
        BOOT_TIMEOUT_MS,
      ).catch((error: unknown) => {
        throw withLabLogs(lab, nodeName, error);
      });
      expect(node.status?.bootedImage?.name).toBe(`${ns.name}/shelled`);
      expect(await readFile(proof, 'utf8')).toBe('installed-in-image-shell\n');
    },
    BOOT_TIMEOUT_MS + 120_000,
  );
});
