// The lab of the Experiment controller's integration suite against the REAL boot agent: one segment
// (network namespace, bridge), a registry holding the image experiments boot, the agent
// (agents/main.ts --boot) in the segment's namespace acting as its segment's ServiceAccount
// walt-system/walt-agent-<segment> (impersonated, as local/lab/lab.ts runs it), the operator in this
// process as the walt-operator ServiceAccount (stop and start it again to play a restart), reaching
// the agent's API through a loopback relay the agent publishes, and machines: busybox-machine.ts,
// which boot through DHCP, iPXE, HTTP and NFS and run the real node scripts.
// Machines have no power driver (none exists for them, see agents/power/drivers.ts): the lab's
// "hand on the power button" power-cycles a machine when an experiment asks its node to boot — what the
// agent does through a driver for a node that has one — unless the machine is to stay dead.
// The lab keeps every version of every Experiment it saw (a watch), so tests wait on conditions of the
// status and can assert on the transitions it went through.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type Experiment, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import { silentLogger } from '../../common/logger.js';
import {
  bridgeApiserver,
  bridgeLoopbackPort,
  exposeNetnsPort,
  type ApiserverBridge,
  type ExposedPort,
} from '../../local/lab/apiserver-bridge.js';
import { asServiceAccount } from '../../local/lab/identity.js';
import { freePort, startRegistry, type TestRegistry } from '../../local/lab/registry.js';
import { createOperator } from '../../operator/main.js';
import { createInformer, type Informer, type Manager } from '../../runtime/index.js';
import { BusyboxMachine } from './busybox-machine.js';
import { stop } from './fault-processes.js';
import { startSegmentAgent, type SegmentAgent } from './segment-agent.js';
import { createSegment, destroySegment, exec, randomMac, type Segment } from './netns.js';
import { createLabImage } from './lab-image.js';
import { waitFor } from './wait.js';

/** The WaltImage every experiment of the lab boots ("img" of the lab's namespace). */
export const LAB_IMAGE = 'img';

export interface ExperimentLabOptions {
  /** Admin credentials: only for the set-up (RBAC, objects) and the test's own reads. */
  kc: k8s.KubeConfig;
  /** "10.81.0": the segment is <prefix>.0/24, the agent <prefix>.1. */
  prefix: string;
  namespace: string;
  dir: string;
  segment: string;
}

export interface MachineSpec {
  name: string;
  labels?: Record<string, string>;
  /** spec.power of its WaltNode (default: driver none). */
  power?: Record<string, unknown>;
  /** A machine that gets its lease and its boot script but never comes up (no bootup notification). */
  dead?: boolean;
}

interface LabMachine {
  spec: MachineSpec;
  machine: BusyboxMachine;
  /** The boot request the power hand last acted on. */
  handled?: string;
  busy: Promise<void>;
  errors: string[];
}

/** "phase/reason: message" of an Experiment, for failure messages and assertions. */
export function causeOf(exp: Experiment | undefined): string {
  if (!exp) return '(no experiment)';
  const completed = exp.status?.conditions?.find((c) => c.type === 'Completed');
  return `${exp.status?.phase ?? '(no phase)'}/${completed?.reason ?? '-'}: ${exp.status?.message ?? ''}`;
}

export class ExperimentLab {
  readonly api: k8s.CustomObjectsApi;
  readonly core: k8s.CoreV1Api;
  readonly serverIp: string;
  net!: Segment;
  agent!: SegmentAgent;
  operator: Manager | undefined;
  readonly machines = new Map<string, LabMachine>();
  /** Every version of each Experiment seen, by name, oldest first. */
  readonly history = new Map<string, Experiment[]>();
  private registry: TestRegistry | undefined;
  private agentApi: ExposedPort | undefined;
  private bridges: ApiserverBridge[] = [];
  private experiments: Informer<Experiment> | undefined;
  private nodes: Informer<WaltNode> | undefined;
  private operators = 0;
  /** The agent's health and metrics port, on loopback inside the segment's namespace. */
  private healthPort = 0;

  private constructor(readonly options: ExperimentLabOptions) {
    this.api = options.kc.makeApiClient(k8s.CustomObjectsApi);
    this.core = options.kc.makeApiClient(k8s.CoreV1Api);
    this.serverIp = `${options.prefix}.1`;
  }

  static async create(options: ExperimentLabOptions): Promise<ExperimentLab> {
    const lab = new ExperimentLab(options);
    try {
      await lab.setUp();
    } catch (error) {
      const logs = lab.agent ? `\n--- agent ---\n${lab.agent.log().slice(-6000)}` : '';
      await lab.destroy().catch(() => undefined);
      throw new Error(`${(error as Error).message}${logs}`, { cause: error });
    }
    return lab;
  }

  private async setUp(): Promise<void> {
    const { prefix, kc, dir, segment } = this.options;
    await mkdir(dir, { recursive: true });
    this.net = await createSegment({ subnet: `${prefix}.0/24`, serverIp: this.serverIp });
    this.bridges.push(await bridgeApiserver(this.net.ns, kc.getCurrentCluster()!.server));
    await this.createImage();
    await this.createSegmentObject();
    // The operator (in this process, not on the segment) reaches the agent's API through a relay.
    this.agentApi = await exposeNetnsPort(this.net.ns, this.serverIp, 80);
    this.agent = await this.startAgent();
    await this.waitOr('the agent API in the segment status', async () => {
      const seg = (await this.api.getClusterCustomObject({
        ...RESOURCES.segment,
        name: segment,
      })) as WaltSegment;
      return seg.status?.agent?.apiUrl;
    });
    await this.watch();
    await this.startOperator();
  }

  /** An image the agent pulls, unpacks and exports (a kernel and an initrd for pc-x86-64). */
  private async createImage(): Promise<void> {
    const { dir, namespace } = this.options;
    this.registry = await startRegistry();
    this.bridges.push(await bridgeLoopbackPort(this.net.ns, Number(this.registry.host.split(':')[1])));
    await createLabImage({
      api: this.api,
      dir,
      registry: this.registry,
      repository: 'walt/expreal',
      namespace,
      name: LAB_IMAGE,
    });
  }

  private async createSegmentObject(): Promise<void> {
    const { prefix, segment } = this.options;
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
  }

  /** The agent as its segment's ServiceAccount: the admin kubeconfig never reaches it. */
  private async startAgent(): Promise<SegmentAgent> {
    const { kc, segment, dir } = this.options;
    this.healthPort = await freePort();
    return startSegmentAgent({
      admin: kc,
      dir,
      ns: this.net.ns,
      segment,
      cacheDir: path.join(dir, 'agent-cache'),
      identity: `expreal-agent-${segment}`,
      args: [
        ...['--health-port', String(this.healthPort), '--api-url', `http://127.0.0.1:${this.agentApi!.port}`],
        ...['--nfs-grace', '2s', '--boot-cache-mib', '0'],
      ],
    });
  }

  /** The operator, as the walt-operator ServiceAccount, watching the lab's namespace. */
  async startOperator(): Promise<void> {
    this.operators += 1;
    const { kc, namespace } = this.options;
    this.operator = createOperator({
      kc: asServiceAccount(kc, 'walt-operator'),
      identity: `expreal-operator-${this.operators}`,
      healthPort: 0,
      handleSignals: false,
      namespace,
      agentUrlPolicy: { allowLoopback: true },
    });
    await this.operator.start();
  }

  async stopOperator(): Promise<void> {
    await this.operator?.stop();
    this.operator = undefined;
  }

  /** Watches the lab's Experiments (history) and WaltNodes (the power hand). */
  private async watch(): Promise<void> {
    const { kc, namespace } = this.options;
    const logger = silentLogger();
    this.experiments = createInformer<Experiment>(kc, RESOURCES.experiment, {
      namespace,
      relistPeriodMs: 0,
      logger,
    });
    const record = (exp: Experiment): void => {
      const seen = this.history.get(exp.metadata.name) ?? [];
      if (seen.at(-1)?.metadata.resourceVersion !== exp.metadata.resourceVersion) seen.push(exp);
      this.history.set(exp.metadata.name, seen);
    };
    this.experiments.on('add', record);
    this.experiments.on('update', record);
    this.nodes = createInformer<WaltNode>(kc, RESOURCES.node, { relistPeriodMs: 0, logger });
    const power = (node: WaltNode): void => this.powerHand(node);
    this.nodes.on('add', power);
    this.nodes.on('update', power);
    await this.experiments.start();
    await this.nodes.start();
    await this.experiments.waitForSync(30_000);
    await this.nodes.waitForSync(30_000);
  }

  /** Power-cycles a live machine once per boot request of an experiment (serialised per machine). */
  private powerHand(node: WaltNode): void {
    const entry = this.machines.get(node.metadata.name);
    const asked = node.status?.claimedBy?.bootRequestedAt;
    if (!entry || entry.spec.dead || !asked || asked === entry.handled) return;
    entry.handled = asked;
    const image = node.status?.claimedBy?.image ?? node.spec.image;
    entry.busy = entry.busy
      .then(() => entry.machine.powerCycle({ image }))
      .catch((error: unknown) => {
        entry.errors.push(`boot for the request of ${asked}: ${(error as Error).message}`);
      });
  }

  /** Plugs machines in and creates their WaltNodes. */
  async addMachines(specs: readonly MachineSpec[]): Promise<void> {
    for (const spec of specs) {
      const mac = randomMac('02:5e:00');
      await this.api.createClusterCustomObject({
        ...RESOURCES.node,
        body: {
          apiVersion: 'walt.dev/v1alpha1',
          kind: 'WaltNode',
          metadata: { name: spec.name, labels: spec.labels ?? {} },
          spec: {
            mac,
            model: 'pc-x86-64',
            segment: this.options.segment,
            ...(spec.power ? { power: spec.power } : {}),
          },
        },
      });
      const machine = await BusyboxMachine.plug({
        segment: this.net,
        mac,
        dir: path.join(this.options.dir, 'machines', spec.name),
      });
      this.machines.set(spec.name, { spec, machine, busy: Promise.resolve(), errors: [] });
    }
    // A dead machine takes its lease and stays there; the others stay off until an experiment asks
    // their node to boot (the power hand).
    for (const spec of specs.filter((s) => s.dead)) {
      await this.waitOr(`the agent to know ${spec.name}`, () => this.agentKnows(spec.name));
      await this.machines.get(spec.name)!.machine.powerOnStalled();
    }
  }

  machine(name: string): BusyboxMachine {
    const entry = this.machines.get(name);
    if (!entry) throw new Error(`no machine ${name}`);
    return entry.machine;
  }

  private async agentKnows(name: string): Promise<true | undefined> {
    const url = `http://127.0.0.1:${this.agentApi!.port}/api/v1/nodes?name=${name}`;
    const answer = await fetch(url).then(
      (r) => (r.ok ? r.json() : undefined),
      () => undefined,
    );
    return (answer as { nodes?: unknown[] } | undefined)?.nodes?.length ? true : undefined;
  }

  /** The tails of the agent's output and of each machine's loop, and the power hand's errors. */
  logs(): string {
    const parts = [`--- agent ---\n${this.agent?.log().slice(-6000) ?? ''}`];
    for (const [name, versions] of this.history) {
      const steps = (versions.at(-1)?.status?.steps ?? []).map((s) => `${s.name}=${s.phase}`);
      parts.push(`--- experiment ${name}: ${causeOf(versions.at(-1))} [${steps.join(' ')}]`);
    }
    for (const [name, entry] of this.machines) {
      const { machine, errors } = entry;
      const failures = machine.failures.map((f) => `retried after: ${f}`);
      parts.push(`--- ${name} ---\n${machine.log().slice(-2000)}\n${[...failures, ...errors].join('\n')}`);
    }
    return parts.join('\n');
  }

  waitOr<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
    return waitFor(what, probe, timeoutMs).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${this.logs()}`);
    });
  }

  /** The latest version of Experiment `name` the watch saw. */
  latest(name: string): Experiment | undefined {
    return this.history.get(name)?.at(-1);
  }

  /**
   * Waits until a version of Experiment `name` satisfies `done` (as the watch sees them, none missed);
   * fails naming the cause (phase/reason: message) and the processes' logs.
   */
  async until(
    name: string,
    what: string,
    done: (exp: Experiment) => boolean,
    timeoutMs = 180_000,
  ): Promise<Experiment> {
    let checked = 0;
    return waitFor(
      `${name}: ${what}`,
      () => {
        const versions = this.history.get(name) ?? [];
        const found = versions.slice(checked).find(done);
        checked = versions.length;
        return Promise.resolve(found);
      },
      timeoutMs,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; now ${causeOf(this.latest(name))}\n${this.logs()}`);
    });
  }

  /** Waits for Succeeded or Failed. */
  finished(name: string, timeoutMs?: number): Promise<Experiment> {
    return this.until(
      name,
      'Succeeded or Failed',
      (e) => e.status?.phase === 'Succeeded' || e.status?.phase === 'Failed',
      timeoutMs,
    );
  }

  async createExperiment(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.api.createNamespacedCustomObject({
      ...RESOURCES.experiment,
      namespace: this.options.namespace,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'Experiment',
        metadata: { name },
        spec: { image: LAB_IMAGE, ...spec },
      },
    });
  }

  getNode(name: string): Promise<WaltNode> {
    return this.api.getClusterCustomObject({ ...RESOURCES.node, name }) as Promise<WaltNode>;
  }

  /** Reasons of the Events of Experiment `name`, each as many times as it happened. */
  async eventReasons(name: string): Promise<string[]> {
    const events = await this.core.listNamespacedEvent({
      namespace: this.options.namespace,
      fieldSelector: `involvedObject.name=${name}`,
    });
    return events.items.flatMap((e) => Array<string>(e.count ?? 1).fill(e.reason ?? ''));
  }

  /** Lines of the agent's log store whose stream (and line) match, asked from machine `from`. */
  async logLines(from: string, stream: string, line?: string): Promise<string[]> {
    const query = new URLSearchParams({ stream, limit: '1000', ...(line ? { line } : {}) });
    const answer = await this.machineCurl(from, `/api/v1/logs/query?${query.toString()}`);
    return (JSON.parse(answer) as { logs: Array<{ line: string }> }).logs.map((l) => l.line);
  }

  /** Lines of the platform log (the agent's store) matching `regex`, asked from machine `from`. */
  platformLines(from: string, regex: string): Promise<string[]> {
    return this.logLines(from, '^platform\\.experiments$', regex);
  }

  /** The agent's checkpoints of `owner` (its public GET), asked from machine `from`. */
  async checkpoints(from: string, owner: string): Promise<Array<{ name: string; owner?: string }>> {
    const answer = await this.machineCurl(from, `/api/v1/checkpoints?owner=${encodeURIComponent(owner)}`);
    return (JSON.parse(answer) as { checkpoints: Array<{ name: string; owner?: string }> }).checkpoints;
  }

  private async machineCurl(from: string, pathAndQuery: string): Promise<string> {
    const { stdout } = await exec(this.machine(from).client.ns, 'curl', [
      ...['-fsS', '-m', '30'],
      `http://${this.serverIp}${pathAndQuery}`,
    ]);
    return stdout;
  }

  /**
   * walt_http_requests_total of the agent for `method` on `route` (a route pattern, e.g.
   * /api/v1/nodes/:name/exec/:id), summed over status codes, from its own /metrics.
   */
  async agentRequests(route: string): Promise<number> {
    const { stdout } = await exec(this.net.ns, 'curl', [
      ...['-fsS', '-m', '30'],
      `http://127.0.0.1:${this.healthPort}/metrics`,
    ]);
    return stdout
      .split('\n')
      .filter((l) => l.startsWith('walt_http_requests_total{') && l.includes(`route="${route}"`))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  }

  /**
   * Deletes every Experiment of the lab and waits until they are gone (their nodes released), so that
   * one test's leftovers never hold a machine another test needs.
   */
  async deleteExperiments(): Promise<void> {
    const { namespace } = this.options;
    await this.api.deleteCollectionNamespacedCustomObject({ ...RESOURCES.experiment, namespace });
    await this.waitOr(
      'the experiments to go',
      async () => {
        const list = (await this.api.listNamespacedCustomObject({
          ...RESOURCES.experiment,
          namespace,
        })) as { items: unknown[] };
        return list.items.length === 0 ? true : undefined;
      },
      60_000,
    );
  }

  /** Deletes everything the lab made, even after a failed set-up. */
  async destroy(): Promise<void> {
    const { namespace } = this.options;
    // Experiments go while the operator runs: it releases their nodes and removes their finalizer.
    await this.deleteExperiments().catch(() => undefined);
    await this.stopOperator().catch(() => undefined);
    await this.experiments?.stop();
    await this.nodes?.stop();
    for (const entry of this.machines.values()) await entry.machine.powerOff().catch(() => undefined);
    const image = { ...RESOURCES.image, namespace, name: LAB_IMAGE };
    await this.api.deleteNamespacedCustomObject(image).catch(() => undefined);
    // The agent holds the image's finalizer until its cache is collected: let it go, else drop it.
    const gone = await waitFor(
      'the image to go',
      () =>
        this.api.getNamespacedCustomObject(image).then(
          () => undefined,
          () => true,
        ),
      30_000,
    ).catch(() => false);
    if (!gone) {
      await this.api
        .patchNamespacedCustomObject(
          { ...image, body: { metadata: { finalizers: [] } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        )
        .catch(() => undefined);
    }
    await stop(this.agent);
    for (const name of this.machines.keys()) {
      await this.api.deleteClusterCustomObject({ ...RESOURCES.node, name }).catch(() => undefined);
    }
    await this.api
      .deleteClusterCustomObject({ ...RESOURCES.segment, name: this.options.segment })
      .catch(() => undefined);
    await this.agentApi?.stop();
    for (const bridge of this.bridges) await bridge.stop();
    await this.registry?.stop();
    if (this.net) await destroySegment(this.net);
  }
}
