// The agent API's Kubernetes side (ADR 0008) on a real API server: the token Secret (created once,
// kept across restarts, one winner when two agents race) and the segment status fields telling
// clients where the API is, written beside the DHCP service's heartbeat without clobbering it.
import os from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { agentTokenSecretName } from '../../api/agent/v1.js';
import { RESOURCES, type WaltSegment } from '../../api/v1alpha1/index.js';
import { createSegmentStatusWriter } from '../../agents/commands/segment-status.js';
import { ensureAgentToken } from '../../agents/commands/token.js';
import { silentLogger } from '../../common/logger.js';
import { createStatusWriter, rfc3339 } from '../../runtime/index.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

describe('agent API token and segment status', () => {
  const kc = kubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('tok');
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  beforeAll(async () => {
    ns = await testNamespace('agent-token');
    await custom.createClusterCustomObject({
      ...RESOURCES.segment,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltSegment',
        metadata: { name: segment },
        spec: {
          interface: 'br-walt-tok',
          subnet: '10.79.0.0/24',
          serverAddress: '10.79.0.1',
          dhcp: { mode: 'proxy' },
        },
      },
    });
  });

  afterAll(async () => {
    await custom.deleteClusterCustomObject({ ...RESOURCES.segment, name: segment }).catch(() => undefined);
    await ns.remove();
  });

  it('creates the Secret once; restarts and racing agents get the same token', async () => {
    // When two agents of the segment start at the same time
    const [a, b] = await Promise.all([
      ensureAgentToken(core, ns.name, segment),
      ensureAgentToken(core, ns.name, segment),
    ]);
    // Then both use the one token stored in walt-agent-<segment>
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    const secret = await core.readNamespacedSecret({
      namespace: ns.name,
      name: agentTokenSecretName(segment),
    });
    expect(Buffer.from(secret.data?.token ?? '', 'base64').toString()).toBe(a);
    // And a restarted agent reads it back
    expect(await ensureAgentToken(core, ns.name, segment)).toBe(a);
  });

  it('publishes apiUrl and tokenSecret beside the heartbeat, each writer keeping its fields', async () => {
    const heartbeat = createStatusWriter<WaltSegment>({
      kc,
      resource: RESOURCES.segment,
      fieldManager: `walt-agent-${segment}`,
      logger: silentLogger(),
    });
    const obj = {
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltSegment',
      metadata: { name: segment },
    } as WaltSegment;
    const beat = () =>
      heartbeat.apply(obj, {
        agent: { host: os.hostname(), lastHeartbeat: rfc3339(new Date()) },
        leasesInUse: 0,
      });
    // Given a heartbeat, When the command service publishes the API, and the heartbeat comes again
    await beat();
    const tokenSecret = { namespace: ns.name, name: agentTokenSecretName(segment) };
    await createSegmentStatusWriter(kc, silentLogger()).write(segment, {
      apiUrl: 'http://10.79.0.1:80',
      tokenSecret,
      version: '9.8.7-test',
    });
    await beat();
    // Then the status has both writers' fields
    const current = (await custom.getClusterCustomObjectStatus({
      ...RESOURCES.segment,
      name: segment,
    })) as WaltSegment;
    expect(current.status?.agent).toMatchObject({
      host: os.hostname(),
      apiUrl: 'http://10.79.0.1:80',
      tokenSecret,
      version: '9.8.7-test',
    });
    expect(current.status?.agent?.lastHeartbeat).toBeDefined();
  });
});
