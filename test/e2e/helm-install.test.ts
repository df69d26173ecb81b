// End to end in a cluster: the Helm chart built from this tree, with the operator and agent images
// built here (images/build.ts), installed on a real kubelet node (test/support/kube-node.ts). The
// operator runs the segment's boot agent as its DaemonSet; the agent pod takes the lab interface (a
// veth whose other end is the "switch" namespace of this test), serves DHCP on the wire and netboots a
// virtual node under qemu inside the pod; the README's experiment runs on it; `helm upgrade` to a new
// tag replaces the agent with no address handed out twice; `helm uninstall` leaves only the CRDs,
// which Helm never deletes (charts/walt/README.md).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { agentWorkloadName, segmentNodeLabel } from '../../api/agent/workload.js';
import { RESOURCES, type Experiment, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import { buildImages, type BuiltImages } from '../../images/build.js';
import { ensureDefaultImage, pushImage } from '../../local/default-image/image.js';
import { DEFAULT_NETWORK } from '../../local/kubenode/cluster.js';
import { freePort, startRegistry, type TestRegistry } from '../../local/lab/registry.js';
import { defaultImageRef } from '../../local/lab/resources.js';
import { udhcpc } from '../support/dhcp-clients.js';
import { startKubeNode, type KubeNode } from '../support/kube-node.js';
import type { Client } from '../support/netns.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CHART = path.join(ROOT, 'charts', 'walt');
const EXAMPLES = path.join(ROOT, 'examples');
const RELEASE = 'walt';
const SYSTEM = 'walt-system';
const SEGMENT = 'lab';
// The host's lab NIC (what netsetup moves into the agent pod) and its peer, the lab switch's side.
const LAB_LINK = 'waltlab0';
const SWITCH_LINK = 'waltlab0-sw';
const SWITCH_NS = 'walt-helm-switch';
const BOOT_TIMEOUT_MS = 10 * 60_000;
const ROLL_TIMEOUT_MS = 5 * 60_000;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function command(file: string, args: readonly string[], input?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = execFile(file, [...args], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number | undefined) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

const splitRef = (ref: string): { repository: string; tag: string } => ({
  repository: ref.slice(0, ref.lastIndexOf(':')),
  tag: ref.slice(ref.lastIndexOf(':') + 1),
});

async function exampleObject<T>(file: string): Promise<T> {
  return parse(await readFile(path.join(EXAMPLES, file), 'utf8')) as T;
}

describe("in a cluster: helm install on a real kubelet node, agents as the operator's DaemonSet (qemu, end to end)", () => {
  let node: KubeNode | undefined;
  let registry: TestRegistry | undefined;
  let registryHost: string;
  let images: BuiltImages;
  let api: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  const namespace = 'helm-e2e';
  let scratch: string;

  const kubectl = (args: readonly string[], input?: string): Promise<Outcome> =>
    command(path.join(node!.binDir, 'kubectl'), ['--kubeconfig', node!.kubeconfigPath, ...args], input);
  const helm = (args: readonly string[]): Promise<Outcome> =>
    command(path.join(node!.binDir, 'helm'), ['--kubeconfig', node!.kubeconfigPath, ...args]);
  const ok = async (what: string, outcome: Promise<Outcome>): Promise<string> => {
    const done = await outcome;
    if (done.code !== 0) throw new Error(`${what} exited ${done.code}: ${done.stderr}\n${done.stdout}`);
    return done.stdout;
  };
  const getNode = (name: string): Promise<WaltNode | undefined> =>
    (api.getClusterCustomObject({ ...RESOURCES.node, name }) as Promise<WaltNode>).catch(() => undefined);
  const agentPods = async (): Promise<k8s.V1Pod[]> =>
    (
      await core.listNamespacedPod({
        namespace: SYSTEM,
        labelSelector: `app.kubernetes.io/name=walt-agent,walt.dev/segment=${SEGMENT}`,
      })
    ).items;
  /** The agent's and the node console's logs, for a failure message. */
  const agentLogs = async (): Promise<string> => {
    const pods = await agentPods().catch(() => []);
    const parts: string[] = [];
    for (const pod of pods) {
      const log = await kubectl(['logs', '-n', SYSTEM, pod.metadata!.name!, '-c', 'agent', '--tail=60']);
      parts.push(`--- ${pod.metadata!.name} ---\n${log.stdout}${log.stderr}`);
    }
    return parts.join('\n');
  };
  const withLogs = async (what: string, wait: () => Promise<unknown>): Promise<void> => {
    try {
      await wait();
    } catch (error) {
      throw new Error(`${what}: ${(error as Error).message}\n${await agentLogs()}`, { cause: error });
    }
  };
  const readyNode = (name: string, after?: string) => async (): Promise<WaltNode | undefined> => {
    const wn = await getNode(name);
    if (wn?.status?.phase !== 'Ready') return undefined;
    if (after && !(Date.parse(wn.status.lastBootup ?? '') > Date.parse(after))) return undefined;
    return wn;
  };

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'walt-helm-e2e-'));
    const image = await ensureDefaultImage();
    // The registry listens on the node's private address: containerd (host) and pods both reach it.
    const port = await freePort();
    registryHost = `${DEFAULT_NETWORK.nodeIp}:${port}`;
    node = await startKubeNode({ registry: registryHost });
    registry = await startRegistry({ address: DEFAULT_NETWORK.nodeIp, port });
    images = await buildImages({ registry: registryHost });
    await pushImage(image.layoutDir, image.tag, defaultImageRef(registryHost));
    api = node.kc.makeApiClient(k8s.CustomObjectsApi);
    core = node.kc.makeApiClient(k8s.CoreV1Api);
    apps = node.kc.makeApiClient(k8s.AppsV1Api);
    // The lab: a veth; one end is the host's lab NIC, the other sits in the switch's namespace.
    await run('ip', ['netns', 'delete', SWITCH_NS]).catch(() => undefined);
    await run('ip', ['link', 'delete', LAB_LINK]).catch(() => undefined);
    await run('ip', ['netns', 'add', SWITCH_NS]);
    await run('ip', ['link', 'add', LAB_LINK, 'type', 'veth', 'peer', 'name', SWITCH_LINK]);
    await run('ip', ['link', 'set', SWITCH_LINK, 'netns', SWITCH_NS]);
    await run('ip', ['netns', 'exec', SWITCH_NS, 'ip', 'link', 'set', SWITCH_LINK, 'up']);
  }, 30 * 60_000);

  afterAll(async () => {
    await node?.stop();
    await registry?.stop();
    await run('ip', ['netns', 'delete', SWITCH_NS]).catch(() => undefined);
    await run('ip', ['link', 'delete', LAB_LINK]).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }, 5 * 60_000);

  it(
    'installs the chart with the images built here; helm test passes',
    async () => {
      const operator = splitRef(images.operator);
      const agent = splitRef(images.agent);
      const started = Date.now();
      await ok(
        'helm install',
        helm([
          'install',
          RELEASE,
          CHART,
          '-n',
          SYSTEM,
          '--create-namespace',
          '--wait',
          '--timeout',
          '10m',
          '--set',
          `image.operator.repository=${operator.repository},image.operator.tag=${operator.tag}`,
          '--set',
          `image.agent.repository=${agent.repository},image.agent.tag=${agent.tag}`,
          '--set',
          `defaultImages.registry=${registryHost},defaultImages.insecureRegistry=true`,
          // This machine's /dev/kvm runs guests slower than emulation (local/test.sh says why).
          '--set',
          'agent.qemuAccel=tcg',
          // The agents' host directory: this test's, removed after it.
          '--set',
          `agent.cacheHostPath=${scratch}/agent-cache`,
        ]),
      );
      // A figure for the note (images pulled from the local registry), never a threshold.
      process.stderr.write(`[helm-install] helm install --wait took ${Date.now() - started} ms\n`);
      const deployment = await apps.readNamespacedDeployment({ name: 'walt-operator', namespace: SYSTEM });
      expect(deployment.status?.readyReplicas).toBe(2);
      // The hook pod is deleted once it passed (charts/walt/templates/tests): no --logs to fetch.
      const tested = await helm(['test', RELEASE, '-n', SYSTEM, '--timeout', '5m']);
      expect({ code: tested.code, stderr: tested.stderr }).toEqual({ code: 0, stderr: '' });
      expect(tested.stdout).toMatch(/TEST SUITE:\s+walt-test-operator\n(.*\n){0,3}Phase:\s+Succeeded/);
    },
    15 * 60_000,
  );

  it(
    "runs the segment's agent as a DaemonSet pod that takes the lab NIC and netboots vn1 to Ready",
    async () => {
      await ok(
        'kubectl label',
        kubectl(['label', 'node', node!.nodeName, `${segmentNodeLabel(SEGMENT)}=true`]),
      );
      const segment = await exampleObject<WaltSegment>('segment.yaml');
      segment.spec.interface = LAB_LINK;
      await ok('apply the segment', kubectl(['apply', '-f', '-'], stringify(segment)));
      await ok('apply vn1', kubectl(['apply', '-f', path.join(EXAMPLES, 'vnode.yaml')]));
      await withLogs('vn1 did not boot', () => waitFor('vn1 Ready', readyNode('vn1'), BOOT_TIMEOUT_MS));
      const [pod] = await agentPods();
      expect(pod?.spec?.containers[0]?.image).toBe(images.agent);
      // The NIC left the host for the pod, and serves the wire: a device on the switch gets an address.
      expect((await command('ip', ['link', 'show', LAB_LINK])).code).not.toBe(0);
      const client: Client = { ns: SWITCH_NS, ifname: SWITCH_LINK, mac: '' };
      const bound = await udhcpc(scratch, client, []).catch(async (error: Error) => {
        throw new Error(`udhcpc on the switch: ${error.message}\n${await agentLogs()}`);
      });
      expect(bound.ip).toMatch(/^192\.168\.155\.\d+$/); // the range of examples/segment.yaml
      expect(bound.serverid).toBe(segment.spec.serverAddress);
      const status = (await api.getClusterCustomObject({
        ...RESOURCES.segment,
        name: SEGMENT,
      })) as WaltSegment;
      // The agent publishes its Service (cluster IP), never the lab address, as its API.
      const service = await core.readNamespacedService({
        name: agentWorkloadName(SEGMENT),
        namespace: SYSTEM,
      });
      expect(status.status?.agent?.apiUrl).toBe(`http://${service.spec!.clusterIP}:8080`);
    },
    BOOT_TIMEOUT_MS + 60_000,
  );

  it(
    'runs examples/experiment.yaml on vn1 (the operator reaches the agent through its Service)',
    async () => {
      await ok('create namespace', kubectl(['create', 'namespace', namespace]));
      const image = await exampleObject<{ spec: { ref: string } }>('image.yaml');
      image.spec.ref = defaultImageRef(registryHost);
      await ok('apply the image', kubectl(['apply', '-n', namespace, '-f', '-'], stringify(image)));
      await ok(
        'apply the experiment',
        kubectl(['apply', '-n', namespace, '-f', path.join(EXAMPLES, 'experiment.yaml')]),
      );
      const done = await waitFor(
        'hello to end',
        async () => {
          const exp = (await api.getNamespacedCustomObject({
            ...RESOURCES.experiment,
            namespace,
            name: 'hello',
          })) as Experiment;
          return exp.status?.phase === 'Succeeded' || exp.status?.phase === 'Failed' ? exp : undefined;
        },
        BOOT_TIMEOUT_MS,
      );
      if (done.status?.phase !== 'Succeeded')
        throw new Error(
          `hello ended ${done.status?.phase}: ${JSON.stringify(done.status)}\n${await agentLogs()}`,
        );
      const output = done.status.steps?.[0]?.results?.find((r) => r.node === 'vn1')?.output ?? '';
      expect(output).toContain('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"');
    },
    BOOT_TIMEOUT_MS + 60_000,
  );

  it(
    'helm upgrade to a new tag rolls the agent; vn1 reboots cleanly on its own address',
    async () => {
      const before = await waitFor('vn1 Ready', readyNode('vn1'), BOOT_TIMEOUT_MS);
      const tag = `${splitRef(images.agent).tag.slice(0, 100)}-up`;
      const next = await buildImages({ registry: registryHost, tag });
      const started = Date.now();
      await ok(
        'helm upgrade',
        helm([
          'upgrade',
          RELEASE,
          CHART,
          '-n',
          SYSTEM,
          '--reuse-values',
          '--wait',
          '--timeout',
          '10m',
          '--set',
          `image.operator.tag=${tag},image.agent.tag=${tag}`,
        ]),
      );
      process.stderr.write(`[helm-install] helm upgrade --wait took ${Date.now() - started} ms\n`);
      await withLogs('the agent did not roll', () =>
        waitFor(
          'one agent pod, of the new image, Ready',
          async () => {
            const pods = await agentPods();
            const ready = pods.filter((p) =>
              p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
            );
            return pods.length === 1 &&
              ready.length === 1 &&
              pods[0]!.spec!.containers[0]!.image === next.agent
              ? pods
              : undefined;
          },
          ROLL_TIMEOUT_MS,
        ),
      );
      // The VM ran in the old pod: the new agent starts it again; its lease (on the host path) holds.
      const after = await withLogs('vn1 did not come back', () =>
        waitFor('vn1 Ready again', readyNode('vn1', before.status!.lastBootup), BOOT_TIMEOUT_MS),
      ).then(() => getNode('vn1'));
      expect(after?.status?.ip).toBe(before.status!.ip);
      const segment = (await api.getClusterCustomObject({
        ...RESOURCES.segment,
        name: SEGMENT,
      })) as WaltSegment;
      expect(segment.status?.leasesInUse).toBeGreaterThanOrEqual(1);
    },
    ROLL_TIMEOUT_MS + 2 * BOOT_TIMEOUT_MS,
  );

  it(
    'helm uninstall, after the walt objects in the README order, leaves nothing but the CRDs; the NIC is back on the host',
    async () => {
      await ok(
        'delete the experiment namespace',
        kubectl(['delete', 'namespace', namespace, '--wait=true', '--timeout=5m']),
      );
      await ok('delete vn1', kubectl(['delete', 'waltnode', 'vn1', '--wait=true', '--timeout=5m']));
      // The chart's default image too, while its agent runs (charts/walt/README.md, Uninstall).
      await ok(
        'delete the images',
        kubectl(['delete', 'waltimages', '--all', '-A', '--wait=true', '--timeout=5m']),
      );
      await ok(
        'delete the segment',
        kubectl(['delete', 'waltsegment', SEGMENT, '--wait=true', '--timeout=2m']),
      );
      await ok('helm uninstall', helm(['uninstall', RELEASE, '-n', SYSTEM, '--wait', '--timeout', '5m']));
      let lastLeft: string[] = [];
      await waitFor(
        'walt-system to be empty of pods and of the walt objects',
        async () => {
          const left = await kubectl([
            'get',
            'pods,deployments,daemonsets,services,serviceaccounts,roles,rolebindings,networkpolicies,leases,secrets,configmaps,waltimages',
            '-n',
            SYSTEM,
            '-o',
            'name',
          ]);
          // What the processes made themselves stays, as charts/walt/README.md says: the Leases they
          // elect with and the agent's token Secret; the namespace's own default objects too.
          const expected = [
            'configmap/kube-root-ca.crt',
            `lease.coordination.k8s.io/${agentWorkloadName(SEGMENT)}`,
            'lease.coordination.k8s.io/walt-operator',
            `secret/${agentWorkloadName(SEGMENT)}`,
            'serviceaccount/default',
          ];
          const names = left.stdout.split('\n').filter(Boolean).sort();
          lastLeft = names;
          return JSON.stringify(names) === JSON.stringify(expected) ? true : undefined;
        },
        ROLL_TIMEOUT_MS,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; left: ${lastLeft.join(', ')}`, { cause: error });
      });
      const cluster = await ok(
        'list cluster objects',
        kubectl([
          'get',
          'clusterroles,clusterrolebindings,validatingadmissionpolicies,validatingadmissionpolicybindings,waltnodes,waltsegments',
          '-o',
          'name',
        ]),
      );
      // (the kubelet node's own binding, walt-kubenode:<node>, belongs to the test's cluster)
      const walt = (n: string): boolean => /walt/.test(n) && !n.includes('/walt-kubenode:');
      expect(cluster.split('\n').filter(walt)).toEqual([]);
      const crds = await ok('list CRDs', kubectl(['get', 'crds', '-o', 'name']));
      expect(
        crds
          .split('\n')
          .filter((n) => /walt\.dev/.test(n))
          .sort(),
      ).toEqual([
        'customresourcedefinition.apiextensions.k8s.io/experiments.walt.dev',
        'customresourcedefinition.apiextensions.k8s.io/waltimages.walt.dev',
        'customresourcedefinition.apiextensions.k8s.io/waltnodes.walt.dev',
        'customresourcedefinition.apiextensions.k8s.io/waltsegments.walt.dev',
      ]);
      // The preStop hook handed the lab NIC back to the host.
      await waitFor('the lab NIC back on the host', async () =>
        (await command('ip', ['link', 'show', LAB_LINK])).code === 0 ? true : undefined,
      );
    },
    15 * 60_000,
  );
});
