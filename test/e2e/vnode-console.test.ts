// `walt node console` and `walt node run --term` on a REAL qemu virtual node (ADR 0019), one VM: the
// default image boots through the real agent (as test/e2e/vnode-boot.test.ts), then the built CLI runs
// in a detached tmux session (a PTY). The console: a command typed reaches the VM's serial shell (the
// default image's init keeps one on ttyS0) through the agent's hold on qemu's stdin, its output comes
// back, and Ctrl-] detaches with walt exiting 0. The shell path: walt-session runs under the image's
// own perl-base on a real PTY of the VM and returns the command's status.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import { ensureDefaultImage, pushImage } from '../../local/default-image/image.js';
import { startLab, type Lab } from '../../local/lab/lab.js';
import { applyAll, labImage, labSegment, virtualNode } from '../../local/lab/resources.js';
import { requireTool, TOOLS } from '../support/require-tool.js';
import { waitFor } from '../support/wait.js';
import { builtCli, ensureCliBuilt } from '../integration/cli-support.js';
import { tearDownLab, withLabLogs } from './lab-fixture.js';
import { kubeConfig, testNamespace, uniqueName } from '../integration/support/cluster.js';

const BOOT_TIMEOUT_MS = 6 * 60_000;
const exec = promisify(execFile);

describe('walt node console and walt node run --term on a qemu virtual node (tmux, end to end)', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('e2econ');
  const nodeName = uniqueName('vncon');
  const tmux = uniqueName('walt-con');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: Lab;
  let dir: string;

  const capture = async (): Promise<string> =>
    (await exec('tmux', ['capture-pane', '-p', '-t', tmux])).stdout;
  const until = (what: string, predicate: (pane: string) => boolean, timeoutMs = 90_000): Promise<string> =>
    waitFor(
      what,
      async () => ((pane) => (predicate(pane) ? pane : undefined))(await capture()),
      timeoutMs,
    ).catch(async (error: unknown) => {
      throw withLabLogs(
        lab,
        nodeName,
        new Error(`${(error as Error).message}; the pane:\n${await capture().catch(() => '')}`),
      );
    });
  const startTmux = async (args: string, after: string): Promise<void> => {
    const env = [
      `KUBECONFIG=${process.env.KUBECONFIG ?? ''}`,
      'WALT_AGENT_URL_ALLOW_LOOPBACK=1',
      'TERM=xterm',
    ];
    const script = `'${process.execPath}' '${builtCli}' -n ${ns.name} ${args}; echo "${after}=$?"; sleep 600`;
    await exec('tmux', [
      ...['new-session', '-d', '-x', '120', '-y', '40', '-s', tmux],
      ...env.flatMap((e) => ['-e', e]),
      ...['sh', '-c', script],
    ]);
  };

  beforeAll(async () => {
    requireTool(TOOLS.tmux);
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-e2econ-'));
    const image = await ensureDefaultImage();
    await ensureCliBuilt();
    ns = await testNamespace('e2econ');
    lab = await startLab({
      kc,
      workDir: dir,
      segment,
      network: { ns: `we2econ-${process.pid}`, bridge: 'br0', address: '10.78.0.1/24' },
      agentArgs: ['--nfs-grace', '5s'],
      namespace: ns.name,
    });
    const ref = `${lab.registry.host}/walt/e2econ:latest`;
    await pushImage(image.layoutDir, image.tag, ref, {});
    await applyAll(kc, [
      labSegment(segment, { bridge: 'br0', subnet: '10.78.0.0/24', serverAddress: '10.78.0.1' }),
      labImage(ns.name, 'con', ref),
      virtualNode({ name: nodeName, mac: '52:54:00:e2:e0:31', segment, image: `${ns.name}/con` }),
    ]);
    await waitFor(
      'the virtual node Ready',
      async () => {
        const n = (await api.getClusterCustomObject({ ...RESOURCES.node, name: nodeName })) as WaltNode;
        return n.status?.phase === 'Ready' ? n : undefined;
      },
      BOOT_TIMEOUT_MS,
    ).catch((error: unknown) => {
      throw withLabLogs(lab, nodeName, error);
    });
  }, 20 * 60_000);

  afterEach(async () => {
    await exec('tmux', ['kill-session', '-t', tmux]).catch(() => undefined);
  });

  afterAll(async () => {
    await exec('tmux', ['kill-session', '-t', tmux]).catch(() => undefined);
    await tearDownLab({ kc, lab, node: nodeName, segment, namespace: ns, images: ['con'], dir });
  }, 180_000);

  it('types into the serial console, sees the answer, and detaches with Ctrl-]', async () => {
    await startTmux(`node console ${nodeName}`, 'console-exit');
    await until('the console attached', (pane) => pane.includes('attached to the console'));
    // The serial shell computes the marker: the echoed typed line never matches it.
    await exec('tmux', ['send-keys', '-t', tmux, 'echo "con-$((3*4))"', 'Enter']);
    await until('the serial shell answer', (pane) => /^con-12\r?$/m.test(pane));
    await exec('tmux', ['send-keys', '-t', tmux, 'C-]']);
    await until('walt to detach with status 0', (pane) => /^console-exit=0$/m.test(pane));
  }, 180_000);

  it("walt node run --term runs on a PTY of the VM under the image's perl-base", async () => {
    await startTmux(
      `node run --term ${nodeName} -- sh -c 'test -t 0 && echo "vm-tty-$((6*7))"; exit 4'`,
      'run-exit',
    );
    const pane = await until('the command status', (p) => /^run-exit=4$/m.test(p), 120_000);
    expect(pane).toContain('vm-tty-42');
  }, 180_000);
});
