// The local testbed's lab process (started by `local/testbed.sh up`, stopped by `down`): brings up the
// lab segment (network namespace walt-lab, bridge walt-net, 192.168.152.1/22), a registry on
// 127.0.0.1:5000 holding the default image (pushed as walt/<model>-default:latest for each model of its
// label walt.node.models), the operator (which creates the WaltImage walt-system/<model>-default of each
// model in use, operator/controllers/default-images) and the boot agent, applies
// examples/segment.yaml, examples/image.yaml (as default/debian-pc, which examples/experiment.yaml
// boots) and examples/vnode.yaml, waits for vn1 to be
// Ready, prints LAB READY, and keeps everything running until SIGTERM/SIGINT. Needs KUBECONFIG (the
// testbed's control plane).
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { loadKubeConfig } from '../../common/kube-config.js';
import { parseAllDocuments } from 'yaml';
import { RESOURCES, type WaltImage, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import { ensureDefaultImage } from '../default-image/image.js';
import { startLab, tailOf, type Lab } from './lab.js';
import { applyAll, defaultImageRef, TESTBED_REGISTRY_PORT } from './resources.js';
import { pushDefaultImages } from './default-images.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const READY_TIMEOUT_MS = 10 * 60_000;

function labDir(): string {
  if (process.env.WALT_LAB_DIR) return process.env.WALT_LAB_DIR;
  const base = process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'walt-operator', 'lab');
}

async function example<T>(file: string): Promise<T> {
  const docs = parseAllDocuments(await readFile(path.join(ROOT, 'examples', file), 'utf8'));
  return docs[0]!.toJSON() as T;
}

function say(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

/** The node's phase, as Booting until it reports a bootup after `since` (ms). */
function phaseSince(node: WaltNode | undefined, since: number): string {
  const booted = Date.parse(node?.status?.lastBootup ?? '') >= since - 1000;
  return booted ? (node?.status?.phase ?? 'Pending') : 'Booting';
}

/** Ready from a bootup after `since` (a cluster kept from an earlier `up` still shows the old one). */
async function waitReady(kc: k8s.KubeConfig, name: string, since: number): Promise<WaltNode> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    const node = (await api.getClusterCustomObject({ ...RESOURCES.node, name }).catch(() => undefined)) as
      WaltNode | undefined;
    const phase = phaseSince(node, since);
    if (phase !== last) say(`${name}: ${phase}`);
    last = phase;
    if (phase === 'Ready') return node!;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  throw new Error(`${name} was not Ready after ${READY_TIMEOUT_MS / 60_000} min`);
}

async function up(kc: k8s.KubeConfig): Promise<Lab> {
  say('building (or reusing) the default image pc-x86-64-default');
  const image = await ensureDefaultImage();
  const segment = await example<WaltSegment>('segment.yaml');
  const vnode = await example<WaltNode>('vnode.yaml');
  const userImage = await example<WaltImage>('image.yaml');
  userImage.metadata.namespace = 'default';
  const dir = labDir();
  say(`starting the lab segment "${segment.metadata.name}" (logs in ${dir})`);
  const lab = await startLab({
    kc,
    workDir: dir,
    segment: segment.metadata.name,
    network: {
      ns: 'walt-lab',
      bridge: segment.spec.interface,
      address: `${segment.spec.serverAddress}/${segment.spec.subnet.split('/')[1]}`,
    },
    registryPort: TESTBED_REGISTRY_PORT,
    defaultImages: true,
  });
  try {
    const since = Date.now();
    const ref = defaultImageRef(lab.registry.host);
    // examples/image.yaml names this registry, so that applying it on the testbed changes nothing.
    if (userImage.spec.ref !== ref)
      throw new Error(`examples/image.yaml refers to ${userImage.spec.ref}, the testbed pushes ${ref}`);
    const pushed = await pushDefaultImages(image.layoutDir, image.tag, lab.registry.host);
    if (!pushed.includes(ref))
      throw new Error(`the default image's label names no pc-x86-64 (pushed: ${pushed.join(', ')})`);
    // The arm64 image (qemu-arm-64 and the 64-bit Pis): for machines of those models plugged in later.
    const arm64 = await ensureDefaultImage('arm64');
    pushed.push(...(await pushDefaultImages(arm64.layoutDir, arm64.tag, lab.registry.host)));
    say(`pushed ${pushed.join(', ')}`);
    // default/debian-pc is examples/image.yaml, which examples/experiment.yaml boots; the operator
    // creates walt-system/pc-x86-64-default, which vn1 (image: default) boots.
    await applyAll(kc, [segment, userImage, vnode]);
    say(`applied segment ${segment.metadata.name}, image default/debian-pc, node ${vnode.metadata.name}`);
    const node = await waitReady(kc, vnode.metadata.name, since);
    say(`LAB READY: ${vnode.metadata.name} booted ${node.status?.bootedImage?.name} at ${node.status?.ip}`);
    return lab;
  } catch (error) {
    say(`LAB FAILED: ${(error as Error).message}\n--- agent log ---\n${tailOf(lab.agentLogFile)}`);
    await lab.stop();
    throw error;
  }
}

async function main(): Promise<void> {
  const kc = loadKubeConfig();
  const lab = await up(kc);
  const stop = (): void => {
    say('stopping the lab');
    void lab.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  say(`LAB FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
