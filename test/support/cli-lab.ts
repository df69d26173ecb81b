// The lab the CLI and client-library suites run against: the real boot agent (agents/main.ts) in its
// network namespace as its segment's ServiceAccount, the real operator (images, experiments) watching
// the suite's namespace only, a local registry holding a real pushed image, and one simulated machine
// (simulated-node.ts) that takes its address from the agent's DHCP and speaks the real node protocol
// (more when asked: `machines`).
// All of it is local/lab/lab.ts, as the local testbed and the end-to-end suites start it; the agent's
// API is relayed to a loopback port, which clients accept with WALT_AGENT_URL_ALLOW_LOOPBACK=1.
// One lab per suite: each takes a namespace, a registry and a few ports.
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltImage, type WaltSegment } from '../../api/v1alpha1/index.js';
import { startLab, tailOf, type Lab } from '../../local/lab/lab.js';
import type { LabNetwork } from '../../local/lab/netns.js';
import { applyAll, labImage, labSegment } from '../../local/lab/resources.js';
import { labAsSegment, removeLabClients } from './lab-clients.js';
import { randomMac, type Segment } from './netns.js';
import { buildImage, pushLayout } from './oci-builder.js';
import { SimulatedNode } from './simulated-node.js';
import { waitFor } from './wait.js';

export interface CliLabOptions {
  kc: k8s.KubeConfig;
  /** The suite's namespace: the operator watches it, the lab's image lives in it. */
  namespace: string;
  segment: string;
  /** A name for the network namespace, unique on the machine. */
  netns: string;
  /** "10.71.0": the segment is <prefix>.0/24, the agent <prefix>.1, leases from <prefix>.100. */
  prefix: string;
  /** The simulated machine's WaltNode. */
  node: string;
  /** More simulated machines (WaltNodes of these names), each booted on the default image. */
  machines?: readonly string[];
  /** Scratch directory (removed by the caller). */
  dir: string;
}

/** The WaltImage of the lab's namespace the simulated node can boot. */
export const LAB_IMAGE = 'lab-img';

export interface CliLab {
  lab: Lab;
  net: Segment;
  /** The machine of options.node. */
  node: SimulatedNode;
  /** Every machine: options.node first, then options.machines. */
  nodes: SimulatedNode[];
  /** The pushed image's reference, manifest digest and size (its compressed layers). */
  imageRef: string;
  imageDigest: string;
  imageSize: number;
  /** Waits for `probe`, failing with the agent's log and the node's command loop. */
  waitOr<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T>;
  /** The tails of the agent's log and the node's command loop. */
  logs(): string;
  stop(): Promise<void>;
}

/** A real image in the lab registry: a kernel and an initrd for pc-x86-64 (not bootable by qemu). */
async function pushLabImage(dir: string, lab: Lab): Promise<{ ref: string; digest: string; size: number }> {
  const image = await buildImage(path.join(dir, 'image'), {
    layers: [
      [
        { path: 'boot', type: 'dir' },
        { path: 'boot/pc-x86-64', type: 'dir' },
        { path: 'boot/pc-x86-64/vmlinuz', type: 'file', content: 'not a kernel\n' },
        { path: 'boot/pc-x86-64/initrd.img', type: 'file', content: 'initrd\n' },
      ],
    ],
    config: { architecture: 'amd64', os: 'linux', labels: { 'walt.node.models': 'pc-x86-64' } },
  });
  const ref = await pushLayout(image.dir, image.tag, lab.registry, { repository: 'walt/cli-lab' });
  return { ref, digest: image.digest, size: image.layers.reduce((n, l) => n + l.size, 0) };
}

export async function startCliLab(options: CliLabOptions): Promise<CliLab> {
  const { kc, namespace, segment, prefix, dir } = options;
  const network: LabNetwork = { ns: options.netns, bridge: 'br0', address: `${prefix}.1/24` };
  const lab = await startLab({ kc, workDir: path.join(dir, 'lab'), segment, network, namespace });
  const net = labAsSegment(network, `${prefix}.0/24`);
  const names = [options.node, ...(options.machines ?? [])];
  const nodes: SimulatedNode[] = [];
  const logs = (): string =>
    [
      `--- agent ---\n${tailOf(lab.agentLogFile)}`,
      ...nodes.map((n) => `--- ${n.options.name} ---\n${n.log()}`),
    ].join('\n');
  const waitOr = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> =>
    waitFor(what, probe, timeoutMs).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${logs()}`);
    });
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const stop = async (): Promise<void> => {
    for (const node of nodes) await node.stop();
    for (const name of names) {
      await api.deleteClusterCustomObject({ ...RESOURCES.node, name }).catch(() => undefined);
    }
    await api
      .deleteNamespacedCustomObject({ ...RESOURCES.image, namespace, name: LAB_IMAGE })
      .catch(() => undefined);
    await removeLabClients(net);
    await lab.stop();
    await api.deleteClusterCustomObject({ ...RESOURCES.segment, name: segment }).catch(() => undefined);
  };
  try {
    const image = await pushLabImage(dir, lab);
    const macs = names.map(() => randomMac('52:54:00'));
    await applyAll(kc, [
      labSegment(segment, { bridge: 'br0', subnet: `${prefix}.0/24`, serverAddress: `${prefix}.1` }),
      labImage(namespace, LAB_IMAGE, image.ref),
      ...names.map(
        (name, i) =>
          ({
            apiVersion: 'walt.dev/v1alpha1',
            kind: 'WaltNode',
            metadata: { name },
            spec: { mac: macs[i], model: 'pc-x86-64', segment },
          }) as never,
      ),
    ]);
    await waitOr(
      'the agent to publish its API in the segment status',
      async () =>
        ((await api.getClusterCustomObject({ ...RESOURCES.segment, name: segment })) as WaltSegment).status
          ?.agent?.apiUrl,
      120_000,
    );
    await waitOr(
      `${LAB_IMAGE} to be Ready`,
      async () => {
        const found = (await api.getNamespacedCustomObject({
          ...RESOURCES.image,
          namespace,
          name: LAB_IMAGE,
        })) as WaltImage;
        return found.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
          ? true
          : undefined;
      },
      120_000,
    );
    for (const [i, name] of names.entries()) {
      const node = await SimulatedNode.plug({
        kc,
        segment: net,
        name,
        mac: macs[i]!,
        dir: path.join(dir, `node-${i}`),
      });
      nodes.push(node);
      await node.startWatching().catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${logs()}`);
      });
    }
    const pushed = { imageRef: image.ref, imageDigest: image.digest, imageSize: image.size };
    return { lab, net, node: nodes[0]!, nodes, ...pushed, waitOr, logs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
