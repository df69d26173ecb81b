// Given a segment and the operator's agent configuration, the DaemonSet is what ADR 0013 says.
import { CONFIG, segmentFixture } from '../../../test/support/fixtures/segment-agents.js';
import { bridgeAddress, renderDaemonSet } from './render-daemonset.js';
import { renderNetworkPolicy } from './render-network-policy.js';

describe('renderDaemonSet', () => {
  const ds = renderDaemonSet(segmentFixture('lab'), CONFIG);
  const pod = ds.spec!.template.spec!;
  const [agent] = pod.containers;
  const [netsetup] = pod.initContainers!;

  it('names, places and selects the agents of the segment', () => {
    expect(ds.metadata).toMatchObject({ name: 'walt-agent-lab', namespace: 'walt-system' });
    expect(ds.spec!.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'walt-agent',
      'walt.dev/segment': 'lab',
    });
    expect(ds.spec!.template.metadata!.labels).toMatchObject(ds.spec!.selector.matchLabels!);
    expect(pod.nodeSelector).toEqual({ 'segment.walt.dev/lab': 'true' });
    expect(pod.serviceAccountName).toBe('walt-agent-lab');
  });

  it('never runs two agents on one node: no surge', () => {
    expect(ds.spec!.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '100%', maxSurge: 0 },
    });
  });

  it('moves the lab interface in with the segment address, as bridge walt0', () => {
    expect(bridgeAddress(segmentFixture('lab'))).toBe('192.168.152.1/22');
    expect(netsetup).toMatchObject({
      image: CONFIG.image,
      command: ['/usr/local/bin/walt-agent-netsetup'],
      args: ['eno2', '192.168.152.1/22', 'walt0'],
      securityContext: { privileged: true },
    });
    expect(pod.hostPID).toBe(true);
    expect(pod.hostNetwork).toBeUndefined();
    expect(agent!.lifecycle!.preStop!.exec!.command).toEqual([
      '/usr/local/bin/walt-agent-netsetup',
      'release',
      'eno2',
    ]);
  });

  it('runs the agent in boot mode on walt0, its API on the pod address, published as the Service', () => {
    expect(agent!.command).toEqual(['node', '/app/dist/agents/main.js']);
    expect(agent!.args).toEqual(
      expect.arrayContaining([
        '--segment=lab',
        '--boot',
        '--bridge=walt0',
        '--api-listen=$(POD_IP):8080',
        '--api-url=http://walt-agent-lab.walt-system.svc:8080',
        '--health-host=$(POD_IP)',
        '--cache-dir=/var/lib/walt/agent',
      ]),
    );
    expect(agent!.env!.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath])).toEqual([
      ['POD_NAME', 'metadata.name'],
      ['POD_NAMESPACE', 'metadata.namespace'],
      ['POD_IP', 'status.podIP'],
    ]);
    expect(agent!.readinessProbe!.httpGet).toEqual({ path: '/readyz', port: 'api' });
    expect(agent!.livenessProbe!.httpGet).toEqual({ path: '/healthz', port: 'health' });
  });

  it('keeps the cache, log store and leases in a hostPath per segment', () => {
    expect(pod.volumes).toEqual([
      { name: 'cache', hostPath: { path: '/var/lib/walt/agent/lab', type: 'DirectoryOrCreate' } },
    ]);
    expect(agent!.volumeMounts).toEqual([{ name: 'cache', mountPath: '/var/lib/walt/agent' }]);
  });

  it('takes the PostgreSQL DSN from the Secret at pod start, tolerations and resources from the config', () => {
    const custom = renderDaemonSet(segmentFixture('lab'), {
      ...CONFIG,
      logStore: { kind: 'postgres', secret: { name: 'walt-logs', key: 'dsn' } },
      tolerations: [{ key: 'lab', operator: 'Exists' }],
      resources: { requests: { memory: '512Mi' } },
      apiPort: 9000,
    });
    const spec = custom.spec!.template.spec!;
    expect(spec.containers[0]!.env).toContainEqual({
      name: 'WALT_LOG_STORE',
      valueFrom: { secretKeyRef: { name: 'walt-logs', key: 'dsn' } },
    });
    expect(spec.tolerations).toEqual([{ key: 'lab', operator: 'Exists' }]);
    expect(spec.containers[0]!.resources).toEqual({ requests: { memory: '512Mi' } });
    expect(spec.containers[0]!.args).toContain('--api-url=http://walt-agent-lab.walt-system.svc:9000');
  });

  it("forces the virtual nodes' accelerator only when asked (WALT_QEMU_ACCEL)", () => {
    const env = (config: typeof CONFIG) =>
      renderDaemonSet(segmentFixture('lab'), config).spec!.template.spec!.containers[0]!.env!;
    expect(env(CONFIG).map((e) => e.name)).not.toContain('WALT_QEMU_ACCEL');
    expect(env({ ...CONFIG, qemuAccel: 'tcg' })).toContainEqual({ name: 'WALT_QEMU_ACCEL', value: 'tcg' });
  });

  it("publishes the Service's cluster IP as the API URL once it has one (no cluster DNS needed)", () => {
    const ds = renderDaemonSet(segmentFixture('lab'), CONFIG, '10.96.0.42');
    expect(ds.spec!.template.spec!.containers[0]!.args).toContain('--api-url=http://10.96.0.42:8080');
  });

  it('changes the pod template when the segment address changes (the DaemonSet rolls)', () => {
    const moved = renderDaemonSet(segmentFixture('lab', { serverAddress: '192.168.152.2' }), CONFIG);
    expect(moved.spec!.template.spec!.initContainers![0]!.args![1]).toBe('192.168.152.2/22');
  });
});

describe('renderNetworkPolicy', () => {
  it('opens only the API and health ports of the agent pods to the pod network', () => {
    const policy = renderNetworkPolicy(segmentFixture('lab'), { ...CONFIG, apiPort: 9000 });
    expect(policy.metadata).toMatchObject({ name: 'walt-agent-lab', namespace: 'walt-system' });
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'walt-agent', 'walt.dev/segment': 'lab' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          ports: [
            { protocol: 'TCP', port: 9000 },
            { protocol: 'TCP', port: 8082 },
          ],
        },
      ],
    });
  });
});
