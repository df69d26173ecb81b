// The real kubelet node of the in-cluster tests (local/kubenode through test/support/kube-node.ts):
// a pod from an image pushed to the node's local registry runs, a DaemonSet's pod runs, a pod reaches
// the apiserver through the `kubernetes` Service (ClusterIP, kube-proxy) with its ServiceAccount
// token, a privileged hostPID pod sees the host; then stop() leaves nothing on this machine.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { DEFAULT_NETWORK } from '../../local/kubenode/cluster.js';
import { ISOLATION_CHAIN } from '../../local/kubenode/host.js';
import { nodeDirs } from '../../local/kubenode/layout.js';
import { buildImage, pushLayout, type LayerEntry } from '../support/oci-builder.js';
import { startKubeNode, type KubeNode } from '../support/kube-node.js';
import { requireRoot } from '../support/require-tool.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);

// Debian's busybox and curl are dynamically linked: the one layer carries them with the libraries
// ldd names (busybox for the shell and ps; curl for TLS to the apiserver: busybox wget's own TLS
// finds no cipher suite in common with the apiserver).
const BINARIES = ['/bin/busybox', '/usr/bin/curl'];

async function withLibraries(binaries: string[]): Promise<string[]> {
  const files = new Set(binaries);
  for (const binary of binaries) {
    const { stdout } = await run('ldd', [binary]);
    for (const match of stdout.matchAll(/(\/\S+) \(0x/g)) files.add(match[1]!);
  }
  return [...files];
}

async function toolsLayer(): Promise<LayerEntry[]> {
  const files = await withLibraries(BINARIES);
  const dirs = new Set(['tmp', 'etc']);
  for (const file of files) {
    const parts = file.slice(1).split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries: LayerEntry[] = [...dirs]
    .sort()
    .map((dir) => ({ path: dir, type: 'dir', mode: dir === 'tmp' ? 0o1777 : 0o755 }));
  for (const file of files)
    entries.push({ path: file.slice(1), type: 'file', content: await readFile(file), mode: 0o755 });
  entries.push({ path: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' });
  return entries;
}

function podSpec(name: string, image: string, script: string, extra: Partial<k8s.V1PodSpec> = {}): k8s.V1Pod {
  return {
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image, imagePullPolicy: 'Always', command: ['/bin/sh', '-c', script] }],
      ...extra,
    },
  };
}

const ns = `kn-${randomBytes(3).toString('hex')}`;

describe('a real kubelet node', () => {
  let node: KubeNode;
  let core: k8s.CoreV1Api;
  let image: string;
  let digest: string;
  let stopped = false;

  beforeAll(async () => {
    requireRoot('the kubelet node (containerd, bridges, iptables)');
    node = await startKubeNode();
    process.stderr.write(`[kube-node] timings ${JSON.stringify(node.timings)}\n`);
    core = node.kc.makeApiClient(k8s.CoreV1Api);
    const work = await mkdtemp(path.join(os.tmpdir(), 'walt-kn-image-'));
    try {
      const built = await buildImage(path.join(work, 'busybox'), {
        layers: [await toolsLayer()],
        config: { architecture: 'amd64', os: 'linux', cmd: ['/bin/sh'] },
      });
      image = await pushLayout(built.dir, built.tag, node.registry, { repository: 'walt/busybox' });
      digest = built.digest;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    await core.createNamespace({ body: { metadata: { name: ns } } });
    // Pods are refused until the admission plugin's cache holds the namespace's default ServiceAccount.
    await waitFor('the default ServiceAccount', async () => {
      try {
        await core.createNamespacedPod({ namespace: ns, dryRun: 'All', body: podSpec('dry', 'x', 'true') });
        return true;
      } catch {
        return undefined;
      }
    });
  }, 300_000);

  afterAll(async () => {
    if (node && !stopped) await node.stop();
  }, 120_000);

  async function phaseOf(name: string, phases: string[]): Promise<k8s.V1Pod> {
    return waitFor(
      `pod ${name} in ${phases.join('/')}`,
      async () => {
        const pod = await core.readNamespacedPod({ name, namespace: ns });
        if (pod.status?.phase === 'Failed' && !phases.includes('Failed'))
          throw new Error(`pod ${name} failed: ${JSON.stringify(pod.status)}; logs in ${node.logDir}`);
        return phases.includes(pod.status?.phase ?? '') ? pod : undefined;
      },
      120_000,
    );
  }

  async function logsOf(name: string): Promise<string> {
    return core.readNamespacedPodLog({ name, namespace: ns, container: 'main' });
  }

  it('runs a pod from an image pulled over plain HTTP from the local registry', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: podSpec('pulled', image, 'echo started; sleep 3600'),
    });
    const pod = await phaseOf('pulled', ['Running']);
    expect(pod.spec?.nodeName).toBe(node.nodeName);
    expect(pod.status?.containerStatuses?.[0]?.imageID).toBe(
      `${image.split(':').slice(0, -1).join(':')}@${digest}`,
    );
    expect(pod.status?.podIP).toMatch(/^172\.30\.77\./);
    // Pod traffic stays on this machine: nothing from or to the pods' range is forwarded elsewhere.
    const { stdout: isolation } = await run('iptables', ['-S', ISOLATION_CHAIN]);
    expect(isolation).toContain(
      `-A ${ISOLATION_CHAIN} -s 172.30.77.0/24 ! -o ${DEFAULT_NETWORK.bridge} -j DROP`,
    );
    await waitFor('the pod log', async () =>
      (await logsOf('pulled')).includes('started') ? true : undefined,
    );
  }, 180_000);

  it("runs a DaemonSet's pod on the node", async () => {
    const apps = node.kc.makeApiClient(k8s.AppsV1Api);
    const labels = { app: 'kn-ds' };
    await apps.createNamespacedDaemonSet({
      namespace: ns,
      body: {
        metadata: { name: 'kn-ds' },
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [{ name: 'main', image, command: ['/bin/sh', '-c', 'sleep 3600'] }],
            },
          },
        },
      },
    });
    const ds = await waitFor(
      'DaemonSet kn-ds ready',
      async () => {
        const d = await apps.readNamespacedDaemonSet({ name: 'kn-ds', namespace: ns });
        return d.status?.numberReady === 1 ? d : undefined;
      },
      120_000,
    );
    expect(ds.status?.desiredNumberScheduled).toBe(1);
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=kn-ds' });
    expect(pods.items.map((p) => [p.spec?.nodeName, p.status?.phase])).toEqual([[node.nodeName, 'Running']]);
  }, 180_000);

  it('reaches the apiserver through the kubernetes Service with its ServiceAccount token', async () => {
    const rbac = node.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const secret = randomBytes(8).toString('hex');
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'probe' }, data: { secret } },
    });
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'read-probe' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['probe'], verbs: ['get'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'read-probe' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-probe' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
      },
    });
    const api = 'https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT';
    // The apiserver's certificate is checked against the CA the pod was given: it must cover the ClusterIP.
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
    const curl = `curl -sS --fail-with-body --cacert ${sa}/ca.crt`;
    const script = [
      'echo "service=$KUBERNETES_SERVICE_HOST"',
      `${curl} ${api}/version`,
      `${curl} -H "Authorization: Bearer $(busybox cat ${sa}/token)" ${api}/api/v1/namespaces/${ns}/configmaps/probe`,
    ].join('\n');
    await core.createNamespacedPod({
      namespace: ns,
      body: podSpec('api-client', image, `set -e\n${script}`),
    });
    const pod = await phaseOf('api-client', ['Succeeded', 'Failed']);
    const logs = await logsOf('api-client');
    expect([pod.status?.phase, logs]).toEqual(['Succeeded', logs]);
    expect(logs).toContain('service=10.96.0.1');
    expect(logs).toMatch(/"gitVersion": "v1\.37\.\d+"/);
    expect(logs).toContain(`"secret": "${secret}"`);
  }, 180_000);

  it('runs a privileged hostPID pod that sees the host and holds every capability the host allows', async () => {
    const script = 'busybox grep CapEff /proc/self/status; busybox ps -o args';
    const pod = podSpec('privileged', image, script, { hostPID: true });
    pod.spec!.containers[0]!.securityContext = { privileged: true };
    await core.createNamespacedPod({ namespace: ns, body: pod });
    await phaseOf('privileged', ['Succeeded']);
    const logs = await logsOf('privileged');
    const bounding = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    expect(logs).toMatch(new RegExp(`^CapEff:\\s*${bounding}$`, 'm'));
    expect(logs).toContain(`--hostname-override=${node.nodeName}`); // the host's kubelet, seen through hostPID
  }, 180_000);

  it('stop() leaves no process, mount, interface, iptables chain, cgroup, file or claim behind', async () => {
    const dirs = nodeDirs();
    const binaries = ['kubelet', 'kube-scheduler', 'kube-proxy'].map((b) => path.join(node.binDir, b));
    stopped = true;
    await node.stop();

    const processes = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        } catch {
          return [];
        }
      })
      .filter(
        (argv) =>
          binaries.includes(argv[0] ?? '') ||
          argv.some((a) => a.includes(dirs.workDir) || a.includes(dirs.runDir)),
      );
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => m.startsWith(dirs.workDir) || m.startsWith(dirs.runDir));
    const { stdout: links } = await run('ip', ['-o', 'link', 'show']);
    const chains: string[] = [];
    for (const save of ['iptables-save', 'ip6tables-save'])
      chains.push(...(await run(save)).stdout.split('\n').filter((l) => /^:(KUBE-|CNI-)/.test(l)));
    const cgroups = readdirSync('/sys/fs/cgroup').filter((c) =>
      existsSync(path.join('/sys/fs/cgroup', c, 'kubepods')),
    );

    expect({
      processes,
      mounts,
      bridge: links.includes(`${DEFAULT_NETWORK.bridge}:`),
      addressInterface: links.includes(`${DEFAULT_NETWORK.dummy}:`),
      chains,
      cgroups,
      workDir: existsSync(dirs.workDir),
      runDir: existsSync(dirs.runDir),
      claim: existsSync(`${dirs.workDir}.claim`),
    }).toEqual({
      processes: [],
      mounts: [],
      bridge: false,
      addressInterface: false,
      chains: [],
      cgroups: [],
      workDir: false,
      runDir: false,
      claim: false,
    });
  }, 180_000);
});
