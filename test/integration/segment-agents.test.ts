// The operator drives the boot agents (ADR 0013), on the real apiserver and kube-controller-manager
// (no kubelet: the pods' run is the in-cluster e2e's). The operator runs as its own ServiceAccount
// (impersonated) with config/rbac as shipped:
// - a WaltSegment yields its agents' identity, Service and DaemonSet, owned by the segment, with the
//   pod spec ADR 0013 describes (the apiserver's validation of the pod template is the kubelet's input);
// - changing the segment's serverAddress rolls the DaemonSet's pod template;
// - a deleted child comes back (drift); AgentsReady says why there is no agent (no node attached);
// - deleting the segment leaves nothing: the garbage collector removes every child, no finalizer;
// - least privilege: what the operator may not do with the rights this needs.
import * as k8s from '@kubernetes/client-node';
import { agentWorkloadName, AGENTS_READY_CONDITION } from '../../api/agent/workload.js';
import { segmentAgentRbac } from '../../api/rbac/segment-agent.js';
import { RESOURCES, type WaltSegment } from '../../api/v1alpha1/index.js';
import { applyIdentities } from '../../local/lab/identity.js';
import { createOperator } from '../../operator/main.js';
import type { AgentDeployConfig } from '../../operator/controllers/segment-agents/config.js';
import type { Manager } from '../../runtime/index.js';
import { waitFor } from '../support/wait.js';
import { impersonating, kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

const SYSTEM = 'walt-system';
const CONFIG: AgentDeployConfig = {
  image: '127.0.0.1:5000/walt-agent:it',
  pullPolicy: 'IfNotPresent',
  cacheHostPath: '/var/lib/walt/agent',
  logStore: { kind: 'sqlite' },
  tolerations: [{ key: 'walt.dev/lab', operator: 'Exists', effect: 'NoSchedule' }],
  apiPort: 8080,
};

/** The apiserver's refusal of `call` (fails the test if the call succeeds). */
async function refusal(call: Promise<unknown>): Promise<{ code: number; body: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof k8s.ApiException) return { code: error.code, body: String(error.body) };
    throw error;
  }
  throw new Error('the apiserver allowed a call that must be refused');
}

const gone = async (call: Promise<unknown>): Promise<boolean> =>
  call.then(
    () => false,
    (error: unknown) => error instanceof k8s.ApiException && error.code === 404,
  );

describe('the operator runs each segment’s boot agents as a DaemonSet it owns', () => {
  const admin = kubeConfig();
  const objects = admin.makeApiClient(k8s.CustomObjectsApi);
  const apps = admin.makeApiClient(k8s.AppsV1Api);
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  const networking = admin.makeApiClient(k8s.NetworkingV1Api);
  const generic = k8s.KubernetesObjectApi.makeApiClient(admin);
  const asOperator = impersonating('walt-operator');
  const op = {
    core: asOperator.makeApiClient(k8s.CoreV1Api),
    apps: asOperator.makeApiClient(k8s.AppsV1Api),
    rbac: asOperator.makeApiClient(k8s.RbacAuthorizationV1Api),
  };
  const segment = uniqueName('sa');
  const name = agentWorkloadName(segment);
  let operator: Manager | undefined;
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  const getSegment = (): Promise<WaltSegment> =>
    objects.getClusterCustomObject({ ...RESOURCES.segment, name: segment }) as Promise<WaltSegment>;
  const getDaemonSet = (): Promise<k8s.V1DaemonSet | undefined> =>
    apps.readNamespacedDaemonSet({ name, namespace: SYSTEM }).catch(() => undefined);

  beforeAll(async () => {
    await applyIdentities(admin, []);
    ns = await testNamespace('sa');
    // The policies compile asynchronously: wait until the operator's Secret write is refused (dry run).
    await waitFor('the operator policy in force', async () => {
      try {
        await op.core.createNamespacedSecret({
          namespace: SYSTEM,
          body: { metadata: { name: 'walt-agent-probe' } },
          dryRun: 'All',
        });
      } catch (error) {
        if (String((error as k8s.ApiException<unknown>).body).includes('WALT_ERR_OPERATOR_SECRET'))
          return true;
      }
      return undefined;
    });
    operator = createOperator({
      kc: asOperator,
      identity: 'segment-agents-operator',
      healthPort: 0,
      handleSignals: false,
      namespace: ns.name,
      agents: CONFIG,
    });
    await operator.start();
    await objects.createClusterCustomObject({
      ...RESOURCES.segment,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltSegment',
        metadata: { name: segment },
        spec: { interface: 'eno2', subnet: '10.81.0.0/22', serverAddress: '10.81.0.1' },
      },
    });
  });

  afterAll(async () => {
    await operator?.stop();
    await objects.deleteClusterCustomObject({ ...RESOURCES.segment, name: segment }).catch(() => undefined);
    await ns?.remove();
  });

  const expectedOwner = async (): Promise<k8s.V1OwnerReference> => ({
    apiVersion: 'walt.dev/v1alpha1',
    kind: 'WaltSegment',
    name: segment,
    uid: (await getSegment()).metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  });

  it('creates the identity of ADR 0011, owned by the segment', async () => {
    const owner = await expectedOwner();
    for (const object of segmentAgentRbac(segment)) {
      const read = await waitFor(`${object.kind} ${object.metadata!.name}`, () =>
        generic.read(object as k8s.KubernetesObject & { metadata: { name: string } }).catch(() => undefined),
      );
      expect(read.metadata?.ownerReferences).toEqual([owner]);
    }
  });

  it('creates the Service of the agent API, owned by the segment', async () => {
    const service = await waitFor('the Service', () =>
      core.readNamespacedService({ name, namespace: SYSTEM }).catch(() => undefined),
    );
    expect(service.metadata?.ownerReferences).toEqual([await expectedOwner()]);
    expect(service.spec?.selector).toEqual({
      'app.kubernetes.io/name': 'walt-agent',
      'walt.dev/segment': segment,
    });
    expect(service.spec?.ports?.[0]).toMatchObject({ name: 'api', port: 8080, targetPort: 'api' });
  });

  it('creates the NetworkPolicy that opens only the API and health ports to the pod network', async () => {
    const policy = await waitFor('the NetworkPolicy', () =>
      networking.readNamespacedNetworkPolicy({ name, namespace: SYSTEM }).catch(() => undefined),
    );
    expect(policy.metadata?.ownerReferences).toEqual([await expectedOwner()]);
    expect(policy.spec?.ingress?.[0]?.ports?.map((p) => p.port)).toEqual([8080, 8082]);
  });

  it('creates the DaemonSet, owned by the segment, with the pod spec of ADR 0013', async () => {
    const ds = await waitFor('the DaemonSet', getDaemonSet);
    expect(ds.metadata?.ownerReferences).toEqual([await expectedOwner()]);
    expect(ds.metadata?.managedFields?.map((f) => f.manager)).toContain('walt-segment-agents');
    expect(ds.spec?.updateStrategy?.rollingUpdate).toEqual({ maxUnavailable: '100%', maxSurge: 0 });
    const pod = ds.spec!.template.spec!;
    const service = await core.readNamespacedService({ name, namespace: SYSTEM });
    expect(service.spec?.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(pod.nodeSelector).toEqual({ [`segment.walt.dev/${segment}`]: 'true' });
    expect(pod.serviceAccountName).toBe(name);
    expect(pod.hostPID).toBe(true);
    expect(pod.tolerations).toEqual(CONFIG.tolerations);
    expect(pod.initContainers![0]!.args).toEqual(['eno2', '10.81.0.1/22', 'walt0']);
    expect(pod.containers[0]!.args).toEqual(
      expect.arrayContaining([
        `--segment=${segment}`,
        '--boot',
        '--bridge=walt0',
        '--api-listen=$(POD_IP):8080',
        // the Service's cluster IP: no cluster DNS needed to reach the agent
        `--api-url=http://${service.spec!.clusterIP}:8080`,
      ]),
    );
    expect(pod.volumes![0]!.hostPath).toEqual({
      path: `/var/lib/walt/agent/${segment}`,
      type: 'DirectoryOrCreate',
    });
  });

  it('reports AgentsReady False while no Kubernetes node is attached to the segment', async () => {
    const condition = await waitFor('AgentsReady NoNodes', async () => {
      const found = (await getSegment()).status?.conditions?.find((c) => c.type === AGENTS_READY_CONDITION);
      return found?.reason === 'NoNodes' ? found : undefined;
    });
    expect(condition.status).toBe('False');
    expect(condition.message).toContain(`segment.walt.dev/${segment}=true`);
  });

  it('rolls the pod template when the segment address changes', async () => {
    const before = (await getDaemonSet())!;
    await objects.patchClusterCustomObject(
      { ...RESOURCES.segment, name: segment, body: { spec: { serverAddress: '10.81.0.2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const after = await waitFor('the new pod template', async () => {
      const ds = await getDaemonSet();
      return ds?.spec?.template.spec?.initContainers?.[0]?.args?.[1] === '10.81.0.2/22' ? ds : undefined;
    });
    expect(after.metadata!.generation!).toBeGreaterThan(before.metadata!.generation!);
  });

  it('puts back a child that someone deleted', async () => {
    const before = await core.readNamespacedService({ name, namespace: SYSTEM });
    await core.deleteNamespacedService({ name, namespace: SYSTEM });
    const again = await waitFor('the Service again', async () => {
      const read = await core.readNamespacedService({ name, namespace: SYSTEM }).catch(() => undefined);
      return read && read.metadata?.uid !== before.metadata?.uid ? read : undefined;
    });
    expect(again.metadata?.ownerReferences?.[0]?.name).toBe(segment);
  });

  describe('least privilege of the operator (impersonated walt-operator)', () => {
    it('cannot read a Secret of another namespace', async () => {
      await core.createNamespacedSecret({
        namespace: ns.name,
        body: { metadata: { name: 'private' }, stringData: { k: 'v' } },
      });
      expect(
        (await refusal(op.core.readNamespacedSecret({ name: 'private', namespace: ns.name }))).code,
      ).toBe(403);
      expect((await refusal(op.core.listSecretForAllNamespaces())).code).toBe(403);
    });

    it('creates no Secret, even in walt-system where it holds create for the escalation check', async () => {
      const refused = await refusal(
        op.core.createNamespacedSecret({
          namespace: SYSTEM,
          body: {
            metadata: {
              name: `walt-agent-${segment}-x`,
              annotations: { 'kubernetes.io/service-account.name': name },
            },
            type: 'kubernetes.io/service-account-token',
          },
        }),
      );
      expect(refused.body).toContain('WALT_ERR_OPERATOR_SECRET');
    });

    it('cannot create an arbitrary ClusterRoleBinding', async () => {
      const toAnyone = await refusal(
        op.rbac.createClusterRoleBinding({
          body: {
            metadata: { name: 'walt-evil' },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'walt-operator' },
            subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns.name }],
          },
        }),
      );
      expect(toAnyone.body).toContain('WALT_ERR_OPERATOR_FOREIGN_OBJECT');
      // An agent's name, but cluster-admin: RBAC refuses (no bind, not held).
      const admin = await refusal(
        op.rbac.createClusterRoleBinding({
          body: {
            metadata: { name: `walt:agent:${segment}:segment` },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
            subjects: [{ kind: 'ServiceAccount', name, namespace: SYSTEM }],
          },
          dryRun: 'All',
        }),
      );
      expect(admin.code).toBe(403);
      // An agent's role, bound to someone else.
      const elsewhere = await refusal(
        op.rbac.createClusterRoleBinding({
          body: {
            metadata: { name: `walt:agent:${segment}-2` },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'walt-agent' },
            subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns.name }],
          },
          dryRun: 'All',
        }),
      );
      expect(elsewhere.body).toContain('WALT_ERR_OPERATOR_FOREIGN_SUBJECT');
    });

    it('cannot create a ClusterRole with rights it does not hold', async () => {
      const refused = await refusal(
        op.rbac.createClusterRole({
          body: {
            metadata: { name: `walt:agent:${segment}-wide` },
            rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }],
          },
          dryRun: 'All',
        }),
      );
      expect(refused.code).toBe(403);
    });

    it('runs no DaemonSet as another ServiceAccount, with the host network, or outside walt-system', async () => {
      const ds = structuredClone((await getDaemonSet())!);
      const body = (mutate: (spec: k8s.V1PodSpec) => void, namespace = SYSTEM): k8s.V1DaemonSet => {
        const copy = structuredClone(ds);
        copy.metadata = { name: `walt-agent-${segment}-copy`, namespace };
        mutate(copy.spec!.template.spec!);
        return copy;
      };
      const asOperatorSa = await refusal(
        op.apps.createNamespacedDaemonSet({
          namespace: SYSTEM,
          body: body((spec) => (spec.serviceAccountName = 'walt-operator')),
          dryRun: 'All',
        }),
      );
      expect(asOperatorSa.body).toContain('WALT_ERR_OPERATOR_DAEMONSET');
      const hostNetwork = await refusal(
        op.apps.createNamespacedDaemonSet({
          namespace: SYSTEM,
          body: body((spec) => {
            spec.serviceAccountName = `walt-agent-${segment}-copy`;
            spec.hostNetwork = true;
          }),
          dryRun: 'All',
        }),
      );
      expect(hostNetwork.body).toContain('WALT_ERR_OPERATOR_DAEMONSET');
      const elsewhere = await refusal(
        op.apps.createNamespacedDaemonSet({
          namespace: ns.name,
          body: body(() => undefined, ns.name),
          dryRun: 'All',
        }),
      );
      expect(elsewhere.code).toBe(403);
    });

    it('updates no Lease but its own', async () => {
      const leases = admin.makeApiClient(k8s.CoordinationV1Api);
      await leases.createNamespacedLease({
        namespace: SYSTEM,
        body: { metadata: { name: `walt-agent-${segment}` }, spec: { holderIdentity: 'agent-pod' } },
      });
      const opLeases = asOperator.makeApiClient(k8s.CoordinationV1Api);
      const lease = await opLeases.readNamespacedLease({ name: `walt-agent-${segment}`, namespace: SYSTEM });
      lease.spec = { ...lease.spec, holderIdentity: 'walt-operator' };
      const refused = await refusal(
        opLeases.replaceNamespacedLease({ name: `walt-agent-${segment}`, namespace: SYSTEM, body: lease }),
      );
      expect(refused.body).toContain('WALT_ERR_OPERATOR_FOREIGN_LEASE');
      await leases.deleteNamespacedLease({ name: `walt-agent-${segment}`, namespace: SYSTEM });
    });
  });

  it('leaves nothing when the segment is deleted: the garbage collector removes every child', async () => {
    await objects.deleteClusterCustomObject({ ...RESOURCES.segment, name: segment });
    await waitFor('the segment gone (no finalizer holds it)', async () =>
      (await gone(getSegment())) ? true : undefined,
    );
    await waitFor('the DaemonSet gone', async () =>
      (await gone(apps.readNamespacedDaemonSet({ name, namespace: SYSTEM }))) ? true : undefined,
    );
    await waitFor('the Service gone', async () =>
      (await gone(core.readNamespacedService({ name, namespace: SYSTEM }))) ? true : undefined,
    );
    await waitFor('the NetworkPolicy gone', async () =>
      (await gone(networking.readNamespacedNetworkPolicy({ name, namespace: SYSTEM }))) ? true : undefined,
    );
    for (const object of segmentAgentRbac(segment)) {
      await waitFor(`${object.kind} ${object.metadata!.name} gone`, async () =>
        (await gone(generic.read(object as k8s.KubernetesObject & { metadata: { name: string } })))
          ? true
          : undefined,
      );
    }
    expect(
      (await rbac.listClusterRoleBinding()).items.filter((b) => b.metadata?.name?.includes(segment)),
    ).toEqual([]);
  });
});
