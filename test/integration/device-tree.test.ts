// `walt device tree` against real SNMP agents: two Debian snmpd (test/support/snmpd.ts), each serving
// the LLDP-MIB, Q-BRIDGE-MIB and POWER-ETHERNET-MIB tables of one switch (test/support/lldp-switches.ts),
// linked twice (a loop). The agent's scan (agents/topology/scan.ts) walks them with the credentials of
// the segment's spec.topology (v2c for one, v3 for the other), writes the tree into the segment's status
// and each node's switch and port into the node's status; the built CLI draws the tree; the snmp-poe
// driver then powers off a node whose spec names no port, on the port the scan found. A third switch
// listed where no agent answers is reported as a coded timeout and drawn alone.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import { createSnmpPoeDriver } from '../../agents/power/snmp-poe.js';
import { kubeSecretReader, SNMP_SECRET_LABEL } from '../../agents/snmp/credentials.js';
import { scanSegment, writeSegmentScan } from '../../agents/topology/scan.js';
import { silentLogger } from '../../common/logger.js';
import { coreTable, edgeTable, PC9_MAC, PI1_MAC } from '../support/lldp-switches.js';
import { startSnmpd, type TestSnmpd } from '../support/snmpd.js';
import { ensureCliBuilt, walt } from './cli-support.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

const CORE = '127.0.0.31';
const EDGE = '127.0.0.32';
const DEAD = '127.0.0.33';

describe('walt device tree over LLDP from two snmpd switches', () => {
  const kc = kubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('topo');
  const pi1 = uniqueName('pi');
  const pc9 = uniqueName('pc');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let dir: string;
  const switches: TestSnmpd[] = [];

  const ref = (key: string): Record<string, string> => ({ namespace: ns.name, name: 'switches', key });

  beforeAll(async () => {
    ns = await testNamespace('device-tree');
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-lldp-'));
    const v3 = { user: 'walt', authKey: 'auth-key-7c1d', privKey: 'priv-key-93ab' };
    switches.push(
      await startSnmpd({
        host: CORE,
        dir: path.join(dir, 'core'),
        community: 'core-rw',
        v3,
        table: coreTable(EDGE),
      }),
      await startSnmpd({
        host: EDGE,
        dir: path.join(dir, 'edge'),
        community: 'edge-rw',
        v3,
        table: edgeTable(CORE),
      }),
    );
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: {
        metadata: { name: 'switches', labels: { [SNMP_SECRET_LABEL]: 'true' } },
        stringData: { core: 'core-rw', auth: v3.authKey, priv: v3.privKey },
      },
    });
    await custom.createClusterCustomObject({
      ...RESOURCES.segment,
      body: {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltSegment',
        metadata: { name: segment },
        spec: {
          interface: 'br-walt-topo',
          subnet: '10.81.0.0/24',
          serverAddress: '10.81.0.1',
          dhcp: { mode: 'proxy' },
          topology: {
            switches: [
              {
                name: 'sw-core',
                address: CORE,
                agentPort: switches[0]!.port,
                communitySecretRef: ref('core'),
              },
              {
                name: 'sw-edge',
                address: EDGE,
                agentPort: switches[1]!.port,
                version: '3',
                v3: {
                  user: 'walt',
                  authKeySecretRef: ref('auth'),
                  privProtocol: 'aes',
                  privKeySecretRef: ref('priv'),
                },
              },
              // Listed, but no agent answers there: reported, the others still scanned.
              {
                name: 'sw-dead',
                address: DEAD,
                agentPort: switches[0]!.port,
                communitySecretRef: ref('core'),
              },
            ],
          },
        },
      },
    });
    const node = (name: string, mac: string, power: Record<string, unknown>): Promise<unknown> =>
      custom.createClusterCustomObject({
        ...RESOURCES.node,
        body: {
          apiVersion: 'walt.dev/v1alpha1',
          kind: 'WaltNode',
          metadata: { name },
          spec: { mac, model: 'rpi-4-b', segment, power },
        },
      });
    await node(pi1, PI1_MAC, {
      driver: 'snmp-poe',
      snmp: {
        switch: EDGE,
        agentPort: switches[1]!.port,
        version: '3',
        v3: {
          user: 'walt',
          authKeySecretRef: ref('auth'),
          privProtocol: 'aes',
          privKeySecretRef: ref('priv'),
        },
      },
    });
    await node(pc9, PC9_MAC, { driver: 'none' });
    await ensureCliBuilt();
  });

  afterAll(async () => {
    for (const name of [pi1, pc9])
      await custom.deleteClusterCustomObject({ ...RESOURCES.node, name }).catch(() => undefined);
    await custom.deleteClusterCustomObject({ ...RESOURCES.segment, name: segment }).catch(() => undefined);
    for (const sw of switches) await sw.stop();
    await ns?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  const getNode = async (name: string): Promise<WaltNode> =>
    (await custom.getClusterCustomObject({ ...RESOURCES.node, name })) as WaltNode;

  it('scans both switches into a loop-free tree, places the nodes, and walt device tree draws it', async () => {
    // Given the segment and its nodes as the API server has them
    const seg = (await custom.getClusterCustomObject({ ...RESOURCES.segment, name: segment })) as WaltSegment;
    const nodes = [await getNode(pi1), await getNode(pc9)];
    // When the agent scans the switches and writes what it found
    const secrets = kubeSecretReader(kc, ns.name);
    const scan = await scanSegment(seg, nodes, secrets, { timeoutMs: 1000, retries: 1 });
    expect(scan.errors).toEqual([expect.stringMatching(/^sw-dead: WALT_ERR_SNMP_TIMEOUT: /)]);
    await writeSegmentScan({ kc, segment, logger: silentLogger() }, scan);
    // Then each node's status says where it is plugged in, and whether the port has PoE
    expect((await getNode(pi1)).status?.topology).toMatchObject({
      switch: 'sw-edge',
      address: EDGE,
      port: 3,
      portName: 'ge3',
      poe: true,
    });
    expect((await getNode(pc9)).status?.topology).toMatchObject({ switch: 'sw-core', port: 3, poe: true });
    // And walt device tree draws the edge switch once, under the first of the two links
    const result = await walt(['device', 'tree']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const block = result.stdout.split('\n\n').find((b) => b.startsWith(`segment ${segment} `));
    expect(block?.split('\n').slice(1)).toEqual([
      `sw-core (${CORE})`,
      '├─ 1 ge1: sw-edge (PoE)',
      '│  ├─ 3 ge3: ' + pi1 + ' (PoE)',
      '│  ├─ 4 ge4: (phone-1) (PoE)',
      '│  ├─ 23 ge23: sw-core (PoE)',
      '│  └─ 24 ge24: sw-core (PoE)',
      '├─ 2 ge2: sw-edge (PoE)',
      `└─ 3 ge3: ${pc9} (PoE)`,
      `sw-dead (${DEAD})`,
      expect.stringMatching(/^! sw-dead: WALT_ERR_SNMP_TIMEOUT: /),
      '',
    ]);
  });

  it('lets the snmp-poe driver power a node whose spec names no port, on the port found', async () => {
    const driver = createSnmpPoeDriver({
      secrets: kubeSecretReader(kc, ns.name),
      timeoutMs: 1000,
      retries: 1,
    });
    await driver.powerOff(await getNode(pi1));
    await switches[1]!.settled(1);
    expect(switches[1]!.poeLog).toEqual(['1.3 off']);
    expect(switches[0]!.poeLog).toEqual([]);
  });
});
