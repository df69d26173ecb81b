// "Ours": a private control plane, the operator in-process, a registry with an image whose
// /boot/pc-x86-64/ holds the two files, a WaltSegment, a WaltNode per client MAC, and the boot agent
// in the segment's namespace exactly as test/integration/agent-dhcp.test.ts starts it.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltImage, type WaltSegment } from '../../api/v1alpha1/index.js';
import { ensureBinaries } from '../../local/controlplane/binaries.js';
import { startControlPlane, stopControlPlane } from '../../local/controlplane/controlplane.js';
import { installCrds } from '../../local/controlplane/crds.js';
import { createOperator } from '../../operator/main.js';
import { bridgeApiserver, bridgeLoopbackPort } from '../../local/lab/apiserver-bridge.js';
import type { Segment } from '../../test/support/netns.js';
import { buildImage, pushLayout } from '../../test/support/oci-builder.js';
import { startRegistry } from '../../local/lab/registry.js';
import { clientMac } from './clients.js';
import {
  killNamespaceProcesses,
  mapLimit,
  nsRun,
  poll,
  startServer,
  type Cleanup,
  type Server,
} from './proc.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const NAMESPACE = 'bench';

export interface Files {
  tftpName: string;
  tftp: Buffer;
  httpName: string;
  http: Buffer;
}

export interface SegmentPlan {
  name: string;
  subnet: string;
  server: string;
  range: { start: string; end: string };
}

export interface Cluster {
  kc: k8s.KubeConfig;
  kubeconfig: string;
  api: k8s.CustomObjectsApi;
  imageRef: string;
}

/** Control plane, CRDs, registry with the image, operator, and bridges into the agent namespace. */
export async function startCluster(
  cleanup: Cleanup,
  net: Segment,
  workDir: string,
  files: Files,
): Promise<Cluster> {
  const binDir = await ensureBinaries();
  const cp = await startControlPlane({
    name: `bench-boot-${randomBytes(3).toString('hex')}`,
    binDir,
    ephemeral: true,
    ownerPid: process.pid,
  });
  cleanup.push('control plane', () => stopControlPlane(cp.name));
  await installCrds(binDir, cp.kubeconfig);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfig);
  const registry = await startRegistry();
  cleanup.push('registry', () => registry.stop());
  const apiBridge = await bridgeApiserver(net.ns, kc.getCurrentCluster()!.server);
  // Its relay waits for the apiserver to close watches: bounded, the process exits after anyway.
  cleanup.push('apiserver bridge', () => apiBridge.stop(), 5000);
  const registryBridge = await bridgeLoopbackPort(net.ns, Number(registry.host.split(':')[1]));
  cleanup.push('registry bridge', () => registryBridge.stop(), 5000);
  // Stopping the apiserver first closes the watches the bridge relays, so the bridges then stop at once
  // (the control plane's own step above is then a no-op).
  cleanup.push('control plane (before the bridges)', () => stopControlPlane(cp.name));
  // `ip netns exec` may leave the forwarder running when the bridge kills its `ip`: kill what runs in
  // the segment namespace first, so the relays close and remove their sockets.
  cleanup.push('processes in the segment namespace', () => killNamespaceProcesses(net.ns));
  const image = await buildImage(path.join(workDir, 'image'), {
    layers: [
      [
        { path: 'boot', type: 'dir' },
        { path: 'boot/pc-x86-64', type: 'dir' },
        { path: 'boot/pc-x86-64/vmlinuz', type: 'file', content: 'not a kernel\n' },
        { path: 'boot/pc-x86-64/initrd.img', type: 'file', content: 'initrd\n' },
        { path: `boot/pc-x86-64/${files.tftpName}`, type: 'file', content: files.tftp },
        { path: `boot/pc-x86-64/${files.httpName}`, type: 'file', content: files.http },
      ],
    ],
    config: { architecture: 'amd64', os: 'linux', labels: { 'walt.node.models': 'pc-x86-64' } },
    gzipLevel: 1,
  });
  const imageRef = await pushLayout(image.dir, image.tag, registry, { repository: 'walt/boot-storm' });
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  const operator = createOperator({ kc, identity: 'bench-operator', healthPort: 0, handleSignals: false });
  await operator.start();
  cleanup.push('operator', () => operator.stop());
  return { kc, kubeconfig: cp.kubeconfig, api: kc.makeApiClient(k8s.CustomObjectsApi), imageRef };
}

export const nodeName = (i: number): string => `storm-${String(i).padStart(4, '0')}`;

/** The WaltImage, the WaltSegment and one WaltNode per client (parallel creates, 20 in flight). */
export async function createResources(cluster: Cluster, plan: SegmentPlan, count: number): Promise<void> {
  const { api } = cluster;
  const meta = { apiVersion: 'walt.dev/v1alpha1' };
  await api.createNamespacedCustomObject({
    ...RESOURCES.image,
    namespace: NAMESPACE,
    body: {
      ...meta,
      kind: 'WaltImage',
      metadata: { name: 'storm' },
      spec: { ref: cluster.imageRef, insecureRegistry: true },
    },
  });
  await api.createClusterCustomObject({
    ...RESOURCES.segment,
    body: {
      ...meta,
      kind: 'WaltSegment',
      metadata: { name: plan.name },
      spec: {
        interface: 'br0',
        subnet: plan.subnet,
        serverAddress: plan.server,
        dhcp: { mode: 'authoritative', range: plan.range },
        autoRegister: false,
      },
    },
  });
  const started = Date.now();
  await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    20,
    (i) =>
      api.createClusterCustomObject({
        ...RESOURCES.node,
        body: {
          ...meta,
          kind: 'WaltNode',
          metadata: { name: nodeName(i) },
          spec: { mac: clientMac(i), model: 'pc-x86-64', segment: plan.name, image: `${NAMESPACE}/storm` },
        },
      }),
  );
  process.stderr.write(`created ${count} WaltNodes in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

async function imageReady(api: k8s.CustomObjectsApi): Promise<true | undefined> {
  const image = (await api.getNamespacedCustomObject({
    ...RESOURCES.image,
    namespace: NAMESPACE,
    name: 'storm',
  })) as WaltImage;
  const ready = image.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return true;
  if (ready?.status === 'False' && ready.reason !== 'InProgress')
    throw new Error(`WaltImage not ready: ${ready.reason}: ${ready.message}`);
  return undefined;
}

/** Starts the boot agent in the segment namespace; resolves once it serves DHCP and the image is ready. */
export async function startAgent(
  cluster: Cluster,
  net: Segment,
  plan: SegmentPlan,
  options: {
    cacheDir: string;
    probeUrl: string;
    cleanup: Cleanup;
    wrap?: (argv: string[]) => string[];
  },
): Promise<Server> {
  // BOOT_STORM_AGENT_PROFILE=<dir>: a V8 CPU profile of the agent (profile-hook.ts).
  const profile = process.env.BOOT_STORM_AGENT_PROFILE;
  const command = [
    path.join(root, 'node_modules', '.bin', 'tsx'),
    ...(profile ? ['--import', path.join(root, 'bench', 'boot-storm', 'profile-hook.ts')] : []),
    path.join(root, 'agents', 'main.ts'),
    '--segment',
    plan.name,
    '--boot',
    '--cache-dir',
    options.cacheDir,
    '--health-port',
    '0',
    '--lease-namespace',
    'default',
    '--identity',
    'agent-boot-storm',
  ];
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfig, WALT_LOG_LEVEL: 'warn' };
  const agent = startServer({ name: 'agent', ns: net.ns, command, env, wrap: options.wrap }, options.cleanup);
  try {
    const getSegment = async (): Promise<WaltSegment> =>
      (await cluster.api.getClusterCustomObject({ ...RESOURCES.segment, name: plan.name })) as WaltSegment;
    const exited = (): void => {
      if (agent.child.exitCode !== null) throw new Error(`the agent exited (${agent.child.exitCode})`);
    };
    await poll(
      'the agent heartbeat',
      async () => (exited(), (await getSegment()).status?.agent?.lastHeartbeat),
      90000,
    );
    await poll('the WaltImage Ready', async () => (exited(), imageReady(cluster.api)), 180000);
    // The agent serves the node's files over HTTP (its view has the nodes and the image).
    await poll(
      'the agent serving boot files over HTTP',
      async () => (await nsRun(net.ns, 'curl', ['-sfI', '--max-time', '5', options.probeUrl], 10000), true),
      60000,
    );
    return agent;
  } catch (error) {
    const log = agent.log().slice(-4000);
    await agent.stop();
    throw new Error(`${(error as Error).message}\n--- agent log (tail) ---\n${log}`, { cause: error });
  }
}
