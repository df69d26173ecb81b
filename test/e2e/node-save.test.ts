// End to end, `walt node save` on a running qemu virtual node (issue 16, must show): the node boots the
// default image over NFS with its RAM overlay, `walt node run` writes a file and deletes one of the
// image, `walt node save` pushes the overlay as a new layer (the node keeps running: a command after
// the save still answers), then a second virtual node boots the saved WaltImage and the file is there
// and the deleted one is not. Prints the time to save, the time to boot the saved image, and the
// layer's size against the change's. The first VM is deleted before the second boots: at most one VM
// runs at a time (two in all).
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltImage, type WaltNode } from '../../api/v1alpha1/index.js';
import { ensureDefaultImage, pushImage } from '../../local/default-image/image.js';
import { startLab, type Lab } from '../../local/lab/lab.js';
import { applyAll, labImage, labSegment, virtualNode } from '../../local/lab/resources.js';
import { waitFor } from '../support/wait.js';
import { ensureCliBuilt, walt } from '../integration/cli-support.js';
import { tearDownLab, withLabLogs } from './lab-fixture.js';
import { kubeConfig, testNamespace, uniqueName } from '../integration/support/cluster.js';

const BOOT_TIMEOUT_MS = 6 * 60_000;

describe('walt node save on a running virtual node, and a second node booting the saved image (qemu)', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('e2es');
  const first = uniqueName('vns');
  const second = uniqueName('vns2');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: Lab;
  let dir: string;
  let savedRef = '';
  const env = { WALT_AGENT_URL_ALLOW_LOOPBACK: '1' };
  const cli = (...args: string[]): ReturnType<typeof walt> => walt(['-n', ns.name, ...args], { env });

  const getNode = (name: string): Promise<WaltNode> =>
    api.getClusterCustomObject({ ...RESOURCES.node, name }) as Promise<WaltNode>;
  const ready = (name: string, image: string): Promise<WaltNode> =>
    waitFor(
      `${name} Ready on ${image}`,
      async () => {
        const n = await getNode(name);
        return n.status?.phase === 'Ready' && n.status.bootedImage?.name === image ? n : undefined;
      },
      BOOT_TIMEOUT_MS,
    ).catch((error: unknown) => {
      throw withLabLogs(lab, name, error);
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-e2e-save-'));
    const image = await ensureDefaultImage();
    await ensureCliBuilt();
    ns = await testNamespace('e2es');
    lab = await startLab({
      kc,
      workDir: dir,
      segment,
      network: { ns: `we2es-${process.pid}`, bridge: 'br0', address: '10.77.0.1/24' },
      agentArgs: ['--nfs-grace', '5s'],
      namespace: ns.name,
    });
    const base = `${lab.registry.host}/walt/e2e-save-base:latest`;
    savedRef = `${lab.registry.host}/walt/e2e-saved:1`;
    await pushImage(image.layoutDir, image.tag, base);
    await applyAll(kc, [
      labSegment(segment, { bridge: 'br0', subnet: '10.77.0.0/24', serverAddress: '10.77.0.1' }),
      labImage(ns.name, 'base', base),
      virtualNode({ name: first, mac: '52:54:00:e2:e5:01', segment, image: `${ns.name}/base` }),
    ]);
  }, 20 * 60_000);

  afterAll(async () => {
    await api.deleteClusterCustomObject({ ...RESOURCES.node, name: first }).catch(() => undefined);
    await tearDownLab({ kc, lab, node: second, segment, namespace: ns, images: ['base', 'saved'], dir });
  }, 180_000);

  it(
    'saves a running node: its write is in the saved image, its deletion too, and it keeps running',
    async () => {
      // Given the first node Ready on the base image, with a file written and one of the image deleted
      await ready(first, `${ns.name}/base`);
      const write = await cli(
        'node',
        'run',
        first,
        '--',
        'sh',
        '-c',
        'echo saved-by-e2e >/root/e2e-saved.txt && test -e /etc/debian_version && rm /etc/debian_version',
      );
      expect({ code: write.code, stderr: write.stderr }).toEqual({ code: 0, stderr: '' });
      // When it is saved
      const started = Date.now();
      const saved = await cli('node', 'save', first, 'saved', '--ref', savedRef, '--insecure');
      const saveSeconds = (Date.now() - started) / 1000;
      // Then the CLI answers with the pushed digest and the sizes
      expect(saved.code).toBe(0);
      expect(saved.stdout).toContain(`pushed ${savedRef} (sha256:`);
      const sizes = /changes .+ \((\d+) bytes\), layer .+ \((\d+) bytes\) gzipped/.exec(saved.stdout);
      // At least the file written (13 bytes); the running system writes more (logs, caches)
      expect(Number(sizes?.[1])).toBeGreaterThanOrEqual('saved-by-e2e\n'.length);
      process.stdout.write(
        `[e2e] node save: ${saveSeconds.toFixed(1)} s for the CLI round trip; changes ${sizes?.[1]} bytes, ` +
          `saved layer ${sizes?.[2]} bytes gzipped\n${saved.stdout}`,
      );
      // And the node was not stopped: it still runs commands, its file still there
      const after = await cli('node', 'run', first, '--', 'cat', '/root/e2e-saved.txt');
      expect(after).toMatchObject({ code: 0, stdout: 'saved-by-e2e\n' });
    },
    BOOT_TIMEOUT_MS + 120_000,
  );

  it(
    'boots a second node on the saved image: the file is there, the deleted one is not',
    async () => {
      // Given the saved WaltImage Ready (resolved by the operator, pulled and unpacked by the agent)
      await waitFor(
        'the saved image Ready',
        async () => {
          const image = (await api.getNamespacedCustomObject({
            ...RESOURCES.image,
            namespace: ns.name,
            name: 'saved',
          })) as WaltImage;
          return image.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
            ? image
            : undefined;
        },
        180_000,
      ).catch((error: unknown) => {
        throw withLabLogs(lab, first, error);
      });
      // And the first VM gone (one VM at a time on a shared machine)
      await api.deleteClusterCustomObject({ ...RESOURCES.node, name: first });
      await waitFor(
        'the first node to go',
        () =>
          api.getClusterCustomObject({ ...RESOURCES.node, name: first }).then(
            () => undefined,
            () => true,
          ),
        120_000,
      );
      // When a second node boots the saved image
      const started = Date.now();
      await applyAll(kc, [
        virtualNode({ name: second, mac: '52:54:00:e2:e5:02', segment, image: `${ns.name}/saved` }),
      ]);
      await ready(second, `${ns.name}/saved`);
      process.stdout.write(
        `[e2e] node save: the saved image booted to Ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      // Then the file written on the first node is there, and the deleted file is not
      const file = await cli('node', 'run', second, '--', 'cat', '/root/e2e-saved.txt');
      expect(file).toMatchObject({ code: 0, stdout: 'saved-by-e2e\n' });
      const gone = await cli('node', 'run', second, '--', 'test', '-e', '/etc/debian_version');
      expect(gone.code).toBe(1);
    },
    2 * BOOT_TIMEOUT_MS,
  );
});
