// A machine on a lab segment that speaks the real node protocol without a VM: a client network
// namespace plugged into the segment's bridge (the machine's MAC), its address from the agent's DHCP
// (busybox udhcpc), and the REAL node scripts of node/walt/ run on this host by busybox/POSIX sh:
// walt-command-loop polls the agent for commands, walt-log-echo sends log lines, and the bootup
// notification goes out through the node's own HTTP helper (node/walt/http) from the leased address.
// Only the power button is the test's: `watchBoots` plays the person (or power strip) who power-cycles
// the machine when it is asked to boot another image or to reboot — a node with power driver "none" is
// never rebooted by the agent. A command "on the node" runs on this host, as root, in the node's
// namespace: tests give it paths under their own scratch directory.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { REBOOT_REQUESTED_AT_ANNOTATION } from '../../api/node/index.js';
import { RESOURCES, type WaltNode } from '../../api/v1alpha1/index.js';
import { udhcpcBound, boundIp } from './fault-lab.js';
import { startIn, stop, type RealProcess } from './fault-processes.js';
import { addClient, exec, type Client, type Segment } from './netns.js';
import { waitFor } from './wait.js';

const NODE_DIR = path.resolve(import.meta.dirname, '..', '..', 'node', 'walt');
/** Set by the Experiment controller when it asks a node to boot (operator/controllers/experiment). */

/** What the node should boot, as its spec or claim writes it: an experiment's claim, else spec.image. */
function wantedImageOf(node: WaltNode): string {
  return node.status?.claimedBy?.image ?? node.spec.image ?? 'default';
}
const WATCH_PERIOD_MS = 300;

export interface SimulatedNodeOptions {
  kc: k8s.KubeConfig;
  /** The segment the machine is plugged into (a lab network seen by netns.ts). */
  segment: Segment;
  /** The WaltNode's name (the machine is told it, as walt.node= on a kernel command line). */
  name: string;
  mac: string;
  /** Scratch directory (the node's $HOME, its run directory, the DHCP environment). */
  dir: string;
}

export class SimulatedNode {
  client!: Client;
  ip = '';
  /** How many times the machine was powered on (counted before its bootup notification goes out). */
  boots = 0;
  private loop: RealProcess | undefined;
  private bootedSpecImage: string | undefined;
  private bootedAt = 0;
  private watching: Promise<void> | undefined;
  private stopped = false;
  private held = false;
  private watchError: Error | undefined;
  private readonly api: k8s.CustomObjectsApi;

  private constructor(readonly options: SimulatedNodeOptions) {
    this.api = options.kc.makeApiClient(k8s.CustomObjectsApi);
  }

  /** Plugs the machine into the segment (powered off: call boot()). */
  static async plug(options: SimulatedNodeOptions): Promise<SimulatedNode> {
    const node = new SimulatedNode(options);
    await mkdir(path.join(options.dir, 'home'), { recursive: true });
    node.client = await addClient(options.segment, { mac: options.mac });
    return node;
  }

  get server(): string {
    return this.options.segment.serverIp;
  }

  /**
   * Powers the machine on (or cycles it): a DHCP lease from the agent, a new boot id, the command loop
   * of this boot, then the bootup notification. Resolves once the agent accepted the notification.
   */
  async boot(): Promise<void> {
    const { dir, name } = this.options;
    await stop(this.loop);
    this.loop = undefined;
    await exec(this.client.ns, 'ip', ['addr', 'flush', 'dev', this.client.ifname]);
    const dhcp = path.join(dir, 'dhcp');
    await udhcpcBound(this.client, dhcp, { configure: true, tries: 30 });
    this.ip = await boundIp(`${dhcp}.env`);
    const bootId = `sim-${randomBytes(6).toString('hex')}`;
    this.loop = startIn(`${name}-command-loop`, {
      ns: this.client.ns,
      command: '/bin/sh',
      args: [path.join(NODE_DIR, 'walt-command-loop')],
      env: { ...this.nodeEnv(), WALT_RUN_DIR: path.join(dir, 'run'), WALT_BOOT_ID: bootId },
    });
    const body = path.join(dir, 'bootup.json');
    await writeFile(body, JSON.stringify({ bootId }));
    const url = `http://${this.server}/api/v1/nodes/${name}/bootup`;
    this.boots += 1;
    await waitFor(
      `the agent to accept the bootup of ${name}`,
      () =>
        exec(this.client.ns, 'sh', [path.join(NODE_DIR, 'http'), 'post', url, body, 'application/json']).then(
          () => true,
          () => undefined,
        ),
      60_000,
    );
  }

  /** The environment of the node scripts on this host (node/walt/walt-log-lib.sh, walt-command-loop). */
  private nodeEnv(): NodeJS.ProcessEnv {
    return {
      WALT_SERVER: this.server,
      WALT_NODE: this.options.name,
      WALT_DIR: NODE_DIR,
      HOME: path.join(this.options.dir, 'home'),
    };
  }

  /** `walt-log-echo [--timestamp <epoch s>] <stream> <line>` on the node. */
  async logEcho(stream: string, line: string, at?: Date): Promise<void> {
    const args = [path.join(NODE_DIR, 'walt-log-echo')];
    if (at) args.push('--timestamp', (at.getTime() / 1000).toFixed(3));
    args.push(stream, line);
    const env = Object.entries(this.nodeEnv()).map(([k, v]) => `${k}=${v}`);
    await exec(this.client.ns, 'env', [...env, '/bin/sh', ...args]);
  }

  /** The output of the command loop (for failure messages). */
  log(): string {
    return this.loop?.log().slice(-5000) ?? '';
  }

  private async getNode(): Promise<WaltNode | undefined> {
    return (await this.api
      .getClusterCustomObject({ ...RESOURCES.node, name: this.options.name })
      .catch(() => undefined)) as WaltNode | undefined;
  }

  /** Whether the machine must be power-cycled: another image asked for, or a boot/reboot request since its last boot. */
  private mustReboot(node: WaltNode): boolean {
    const claim = node.status?.claimedBy;
    const asked = [
      claim?.bootRequestedAt,
      claim?.rebootRequestedAt,
      node.metadata.annotations?.[REBOOT_REQUESTED_AT_ANNOTATION],
    ]
      .map((a) => (a ? Date.parse(a) : NaN))
      .some((at) => at >= this.bootedAt);
    return asked || wantedImageOf(node) !== this.bootedSpecImage;
  }

  /** Until the agent's view of the node shows `image` (a real node boots what the agent serves). */
  private async agentServes(image: string): Promise<void> {
    if (image === 'default') return;
    const url = `http://${this.server}/api/v1/nodes?name=${this.options.name}`;
    await waitFor(
      `the agent to serve ${image} to ${this.options.name}`,
      async () => {
        const answer = await exec(this.client.ns, 'curl', ['-fsS', '-m', '10', url]).catch(() => undefined);
        if (!answer) return undefined;
        const nodes = (JSON.parse(answer.stdout) as { nodes: Array<{ image?: string }> }).nodes;
        const served = nodes[0]?.image ?? '';
        return served === image || served.startsWith(`${image}:`) ? true : undefined;
      },
      120_000,
    );
  }

  /** Boots now, then power-cycles whenever the node is asked to (until stop()). */
  async startWatching(): Promise<void> {
    await this.cycle();
    this.watching = (async () => {
      while (!this.stopped) {
        const node = await this.getNode();
        if (node && !this.held && this.mustReboot(node)) await this.cycle();
        await new Promise((r) => setTimeout(r, WATCH_PERIOD_MS));
      }
    })().catch((error: unknown) => {
      this.watchError = error as Error;
    });
  }

  private async cycle(): Promise<void> {
    const node = await this.getNode();
    const image = node ? wantedImageOf(node) : 'default';
    await this.agentServes(image);
    this.bootedAt = Date.now();
    this.bootedSpecImage = image;
    await this.boot();
  }

  /** Nobody power-cycles the machine until resume(): it keeps running what it booted. */
  hold(): void {
    this.held = true;
  }

  resume(): void {
    this.held = false;
  }

  /** Throws what stopped the power-cycling, if anything did. */
  check(): void {
    if (this.watchError) throw this.watchError;
  }

  /** Powers off: the command loop stops (the namespace is removed with the lab's clients). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.watching;
    await stop(this.loop);
    this.loop = undefined;
  }
}
