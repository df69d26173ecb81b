// The lab the fault suites break (docs/faults.md): one segment with the REAL boot agent in its network
// namespace, the operator as its own process in a namespace plugged into the segment (it reaches the
// agent's API over the segment, as from another host), and one node played by the REAL
// node/walt/walt-command-loop in a client namespace holding the node's DHCP lease — instead of a qemu
// VM: a command "on the node" runs on this host. Every process is started through fault-processes.ts,
// so a test can kill -9 it and start it again; the lab also plays the node's bootup when an experiment
// asks for it, and reads what tests assert on (experiments, events, the agent's log store).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type Experiment, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import {
  bridgeApiserver,
  bridgeLoopbackPort,
  type ApiserverBridge,
} from '../../local/lab/apiserver-bridge.js';
import { createLabImage } from './lab-image.js';
import { startRegistry, type TestRegistry } from '../../local/lab/registry.js';
import { kill9, startIn, stop, TSX, type RealProcess } from './fault-processes.js';
import { agentKubeconfig, launchSegmentAgent, type SegmentAgent } from './segment-agent.js';
import {
  addClient,
  createSegment,
  destroySegment,
  exec,
  randomMac,
  type Client,
  type Segment,
} from './netns.js';
import { waitFor } from './wait.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const NODE_DIR = path.join(root, 'node', 'walt');
const LOOP_BOOT = 'faults-loop-boot';

export interface FaultLabOptions {
  kc: k8s.KubeConfig;
  /** The kubeconfig file the processes use (default: $KUBECONFIG). */
  kubeconfigFile?: string;
  /** "10.79.0" : the segment is <prefix>.0/24, the agent <prefix>.1, the operator <prefix>.250. */
  prefix: string;
  /** Namespace of the experiments and of the operator's Lease (the agent's Lease and token: walt-system). */
  namespace: string;
  /** Scratch directory (removed by the caller). */
  dir: string;
  segment: string;
  node: string;
}

/** The WaltImage every experiment of the lab boots ("img" of the lab's namespace). */
export const IMAGE = 'img';

/** busybox udhcpc in `client`'s namespace until bound; the bound environment goes to `<prefix>.env`. */
export async function udhcpcBound(
  client: Client,
  prefix: string,
  options: { configure?: boolean; tries: number },
): Promise<void> {
  const script = `${prefix}.sh`;
  const env = `${prefix}.env`;
  const configure = options.configure ? 'ip addr add "$ip/$mask" dev "$interface"\n' : '';
  await writeFile(
    script,
    `#!/bin/sh\n[ "$1" = bound ] || exit 0\nenv > '${env}.tmp'\nmv '${env}.tmp' '${env}'\n${configure}exit 0\n`,
  );
  await chmod(script, 0o755);
  const args = ['udhcpc', '-i', client.ifname, '-f', '-q', '-n', '-t', String(options.tries)];
  args.push('-T', '1', '-A', '1', '-s', script);
  await exec(client.ns, 'busybox', args, (options.tries * 3 + 30) * 1000);
}

/** The address in a bound environment written by udhcpcBound. */
export async function boundIp(envFile: string): Promise<string> {
  const line = (await readFile(envFile, 'utf8')).split('\n').find((l) => l.startsWith('ip='));
  return line?.slice(3) ?? '';
}

/** The processes of network namespace `ns`. */
export function pidsIn(ns: string): string[] {
  return execFileSync('ip', ['netns', 'pids', ns]).toString().split(/\s+/).filter(Boolean);
}

/** The pids of `ns` whose command name is one of `names`. */
export async function pidsNamed(ns: string, names: readonly string[]): Promise<number[]> {
  const found: number[] = [];
  for (const pid of pidsIn(ns)) {
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (names.includes(comm.trim())) found.push(Number(pid));
  }
  return found;
}

export class FaultLab {
  readonly api: k8s.CustomObjectsApi;
  readonly serverIp: string;
  net!: Segment;
  nodeNs!: Client;
  agent!: SegmentAgent;
  /** The agent's ServiceAccount kubeconfig (the lab's admin credentials only set up). */
  private agentKubeconfig = '';
  private readonly agents: SegmentAgent[] = [];
  operator!: RealProcess;
  loop!: RealProcess;
  private operatorNs!: Client;
  private registry: TestRegistry | undefined;
  private bridges: ApiserverBridge[] = [];
  private operators = 0;

  private constructor(readonly options: FaultLabOptions) {
    this.api = options.kc.makeApiClient(k8s.CustomObjectsApi);
    this.serverIp = `${options.prefix}.1`;
  }

  /** Builds the segment, starts agent, node loop (after its lease) and operator. */
  static async create(options: FaultLabOptions): Promise<FaultLab> {
    const lab = new FaultLab(options);
    await lab.setUp();
    return lab;
  }

  private get env(): NodeJS.ProcessEnv {
    return this.options.kubeconfigFile ? { KUBECONFIG: this.options.kubeconfigFile } : {};
  }

  private async setUp(): Promise<void> {
    const { prefix, kc, dir } = this.options;
    await mkdir(path.join(dir, 'node-home'), { recursive: true });
    const server = kc.getCurrentCluster()!.server;
    this.net = await createSegment({ subnet: `${prefix}.0/24`, serverIp: this.serverIp });
    this.bridges.push(await bridgeApiserver(this.net.ns, server));
    // The operator's host on the segment, outside the DHCP range.
    this.operatorNs = await addClient(this.net);
    await exec(this.operatorNs.ns, 'ip', ['addr', 'add', `${prefix}.250/24`, 'dev', this.operatorNs.ifname]);
    this.bridges.push(await bridgeApiserver(this.operatorNs.ns, server));
    await this.createImage();
    await this.createObjects();
    this.agentKubeconfig = await agentKubeconfig(kc, this.options.segment, dir);
    this.agent = this.startAgent();
    await this.waitOr(
      'the agent API in the segment status',
      async () => (await this.getSegment()).status?.agent?.apiUrl,
      120_000,
    );
    // The node takes its lease, then starts its command loop.
    this.nodeNs = await addClient(this.net, { mac: this.nodeMac });
    await udhcpcBound(this.nodeNs, path.join(dir, 'node-dhcp'), { configure: true, tries: 30 });
    this.loop = this.startLoop();
    await this.waitOr('the agent to answer the node', () => this.agentAnswers(), 60_000);
    this.operator = this.startOperator();
  }

  readonly nodeMac = randomMac('52:54:00');

  /**
   * A real image in a registry both the agent (pull, unpack, NFS export) and the operator (digest)
   * reach: a node on it is bootable, so the agent exports its /persist directory.
   */
  private async createImage(): Promise<void> {
    const { dir, namespace } = this.options;
    this.registry = await startRegistry();
    const port = Number(this.registry.host.split(':')[1]);
    this.bridges.push(await bridgeLoopbackPort(this.net.ns, port));
    this.bridges.push(await bridgeLoopbackPort(this.operatorNs.ns, port));
    await createLabImage({
      api: this.api,
      dir,
      registry: this.registry,
      repository: 'walt/faults',
      namespace,
      name: IMAGE,
    });
  }

  /** Sets the node's spec.image (outside experiments). */
  async setNodeImage(image: string): Promise<void> {
    await this.api.patchClusterCustomObject(
      { ...RESOURCES.node, name: this.options.node, body: { spec: { image } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  private async createObjects(): Promise<void> {
    const { prefix, segment, node } = this.options;
    await this.api.createClusterCustomObject({
      ...RESOURCES.segment,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltSegment',
        metadata: { name: segment },
        spec: {
          interface: this.net.bridge,
          subnet: `${prefix}.0/24`,
          serverAddress: this.serverIp,
          dhcp: { mode: 'authoritative', range: { start: `${prefix}.100`, end: `${prefix}.199` } },
        },
      },
    });
    await this.api.createClusterCustomObject({
      ...RESOURCES.node,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltNode',
        metadata: { name: node },
        spec: { mac: this.nodeMac, model: 'pc-x86-64', segment },
      },
    });
  }

  get leasesFile(): string {
    return path.join(this.options.dir, 'agent-cache', 'dhcp-leases.json');
  }

  /** The node's address (bound before anything else). */
  nodeIp(): Promise<string> {
    return boundIp(path.join(this.options.dir, 'node-dhcp.env'));
  }

  /** The agent, as its segment's ServiceAccount (segment-agent.ts); its Lease and token in walt-system. */
  startAgent(): SegmentAgent {
    const { segment, dir } = this.options;
    const agent = launchSegmentAgent({
      ns: this.net.ns,
      segment,
      kubeconfig: this.agentKubeconfig,
      cacheDir: path.join(dir, 'agent-cache'),
      // The same identity after a restart, as a restarted container of the same pod.
      identity: 'fault-agent',
      args: ['--nfs-grace', '2s', '--boot-cache-mib', '0'],
    });
    this.agents.push(agent);
    return agent;
  }

  /** What the apiserver refused any agent this lab started (its ServiceAccount's rights fall short). */
  agentRefusals(): string[] {
    return this.agents.flatMap((agent) => agent.refusals());
  }

  /**
   * kill -9 of the agent as its container dies: its process group, and what it started in groups of
   * their own (ganesha and its rpcbind) — never the apiserver bridge that also lives in the namespace.
   */
  async killAgent(): Promise<void> {
    await kill9(this.agent);
    for (const pid of await pidsNamed(this.net.ns, ['ganesha.nfsd', 'rpcbind'])) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  startOperator(): RealProcess {
    this.operators += 1;
    const { namespace } = this.options;
    return startIn(`operator-${this.operators}`, {
      ns: this.operatorNs.ns,
      command: TSX,
      args: [
        path.join(root, 'operator', 'main.ts'),
        ...['--namespace', namespace, '--lease-namespace', namespace, '--health-port', '0'],
        ...['--identity', `fault-operator-${this.operators}`],
      ],
      // The agent's token Secret is found by convention in walt-system (the agent's namespace).
      env: this.env,
    });
  }

  /** The node's command loop, its requests from the node's leased address. */
  private startLoop(): RealProcess {
    const { node, dir } = this.options;
    return startIn('walt-command-loop', {
      ns: this.nodeNs.ns,
      command: '/bin/sh',
      args: [path.join(NODE_DIR, 'walt-command-loop')],
      env: {
        WALT_SERVER: this.serverIp,
        WALT_NODE: node,
        WALT_DIR: NODE_DIR,
        WALT_RUN_DIR: path.join(dir, 'node-run'),
        WALT_BOOT_ID: LOOP_BOOT,
        HOME: path.join(dir, 'node-home'),
      },
    });
  }

  /** The tails of every process's output, for a failure message. */
  logs(): string {
    return [this.agent, this.operator, this.loop]
      .filter((p): p is RealProcess => p !== undefined)
      .map((p) => `--- ${p.name} ---\n${p.log().slice(-5000)}`)
      .join('\n');
  }

  /** waitFor, failing with the processes' logs. */
  waitOr<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    return waitFor(what, probe, timeoutMs).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${this.logs()}`);
    });
  }

  /** curl in the node's namespace: the body of a 2xx answer (throws on another status). */
  async nodeCurl(args: string[]): Promise<string> {
    return (await exec(this.nodeNs.ns, 'curl', ['-fsS', '-m', '30', ...args])).stdout;
  }

  agentAnswers(): Promise<true | undefined> {
    return this.nodeCurl([`http://${this.serverIp}/api/v1/nodes`]).then(
      () => true,
      () => undefined,
    );
  }

  getSegment(): Promise<WaltSegment> {
    return this.api.getClusterCustomObject({
      ...RESOURCES.segment,
      name: this.options.segment,
    }) as Promise<WaltSegment>;
  }

  getNode(): Promise<WaltNode> {
    return this.api.getClusterCustomObject({
      ...RESOURCES.node,
      name: this.options.node,
    }) as Promise<WaltNode>;
  }

  getExp(name: string): Promise<Experiment | undefined> {
    const { namespace } = this.options;
    return (
      this.api.getNamespacedCustomObject({
        ...RESOURCES.experiment,
        namespace,
        name,
      }) as Promise<Experiment>
    ).catch(() => undefined);
  }

  /** An experiment on the node with one run step "work". */
  async createExperiment(name: string, command: string[], timeout = '3m'): Promise<void> {
    await this.api.createNamespacedCustomObject({
      ...RESOURCES.experiment,
      namespace: this.options.namespace,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'Experiment',
        metadata: { name },
        spec: {
          image: IMAGE,
          nodes: { names: [this.options.node] },
          boot: { timeout: '5m' },
          steps: [{ name: 'work', run: { command, timeout } }],
        },
      },
    });
  }

  /** Plays the node's boot: once the experiment asked for it, the node notifies its bootup. */
  async bootWhenAsked(before: string | undefined): Promise<void> {
    const wanted = `${this.options.namespace}/${IMAGE}`;
    const asked = await this.waitOr(
      'the experiment to ask the node to boot',
      async () => {
        const node = await this.getNode();
        const at = node.status?.claimedBy?.bootRequestedAt;
        return at !== undefined && at !== before && node.status?.claimedBy?.image === wanted ? at : undefined;
      },
      90_000,
    );
    // No boot takes under a second, and the operator counts only a bootup of a later second than its
    // request (bootedSince, api/node/reboot.ts): the played boot ends in the next second at the soonest.
    const nextSecond = (Math.floor(Date.parse(asked) / 1000) + 1) * 1000;
    if (Date.now() < nextSecond) await new Promise((resolve) => setTimeout(resolve, nextSecond - Date.now()));
    // A real node boots what the agent serves, from its cache: wait until the agent sees the image
    // (after a control plane outage its informers take a while to relist).
    await this.waitOr(
      "the agent's view of the node on the image",
      async () => {
        const answer = await this.nodeCurl([
          `http://${this.serverIp}/api/v1/nodes?name=${this.options.node}`,
        ]);
        const nodes = (JSON.parse(answer) as { nodes: Array<{ image: string }> }).nodes;
        return nodes[0]?.image === `${wanted}:latest` ? true : undefined;
      },
      120_000,
    );
    await this.nodeCurl([
      ...['-X', 'POST', '-H', 'content-type: application/json'],
      ...['-d', JSON.stringify({ bootId: LOOP_BOOT })],
      `http://${this.serverIp}/api/v1/nodes/${this.options.node}/bootup`,
    ]);
  }

  /** Runs `command` in an experiment; resolves once its step runs on the node (`started` exists). */
  async runningExperiment(name: string, command: string[], started: string): Promise<Experiment> {
    const before = (await this.getNode()).status?.claimedBy?.bootRequestedAt;
    await this.createExperiment(name, command);
    await this.bootWhenAsked(before);
    return this.waitOr(
      `step work of ${name} running on the node`,
      async () => {
        const exp = await this.getExp(name);
        const step = exp?.status?.steps?.find((s) => s.name === 'work');
        return step?.phase === 'Running' && step.commandId && existsSync(started) ? exp : undefined;
      },
      120_000,
    );
  }

  /** Runs `command` in an experiment from start to end. */
  async completeExperiment(name: string, command: string[]): Promise<Experiment> {
    const before = (await this.getNode()).status?.claimedBy?.bootRequestedAt;
    await this.createExperiment(name, command);
    await this.bootWhenAsked(before);
    return this.finished(name);
  }

  finished(name: string, timeoutMs = 240_000): Promise<Experiment> {
    return this.waitOr(
      `${name} to finish`,
      async () => {
        const exp = await this.getExp(name);
        return exp?.status?.phase === 'Succeeded' || exp?.status?.phase === 'Failed' ? exp : undefined;
      },
      timeoutMs,
    );
  }

  /** How many times the Experiment's events of `reason` happened (events may be aggregated). */
  async eventCount(name: string, reason: string): Promise<number> {
    const core = this.options.kc.makeApiClient(k8s.CoreV1Api);
    const events = await core.listNamespacedEvent({
      namespace: this.options.namespace,
      fieldSelector: `involvedObject.name=${name}`,
    });
    return events.items.filter((e) => e.reason === reason).reduce((sum, e) => sum + (e.count ?? 1), 0);
  }

  /** Lines of the platform log (the agent's store) that match `regex`. */
  async platformLines(regex: string): Promise<string[]> {
    const query = new URLSearchParams({ stream: '^platform\\.experiments$', line: regex, limit: '1000' });
    const answer = await this.nodeCurl([`http://${this.serverIp}/api/v1/logs/query?${query.toString()}`]);
    return (JSON.parse(answer) as { logs: Array<{ line: string }> }).logs.map((l) => l.line);
  }

  /**
   * Deletes the experiments, stops every process, removes the objects and namespaces. The image goes
   * while the agent runs (it holds the image's finalizer until its cache is collected).
   */
  async destroy(experiments: readonly string[]): Promise<void> {
    const { namespace } = this.options;
    await this.setNodeImage('default').catch(() => undefined);
    for (const name of experiments) {
      await this.api
        .deleteNamespacedCustomObject({ ...RESOURCES.experiment, namespace, name })
        .catch(() => undefined);
    }
    await waitFor(
      'the experiments to go',
      async () => {
        for (const name of experiments) if (await this.getExp(name)) return undefined;
        return true;
      },
      60_000,
    ).catch(() => undefined);
    await this.deleteImage();
    await stop(this.operator);
    await stop(this.loop);
    await stop(this.agent);
    await this.registry?.stop();
    await this.api
      .deleteClusterCustomObject({ ...RESOURCES.node, name: this.options.node })
      .catch(() => undefined);
    await this.api
      .deleteClusterCustomObject({ ...RESOURCES.segment, name: this.options.segment })
      .catch(() => undefined);
    for (const bridge of this.bridges) await bridge.stop();
    if (this.net) await destroySegment(this.net);
  }

  private async deleteImage(): Promise<void> {
    const image = { ...RESOURCES.image, namespace: this.options.namespace, name: IMAGE };
    await this.api.deleteNamespacedCustomObject(image).catch(() => undefined);
    const gone = await waitFor(
      'the image to go',
      () =>
        this.api.getNamespacedCustomObject(image).then(
          () => undefined,
          () => true,
        ),
      30_000,
    ).catch(() => false);
    if (gone) return;
    await this.api
      .patchNamespacedCustomObject(
        { ...image, body: { metadata: { finalizers: [] } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(() => undefined);
  }
}
