// On a segment without autoRegister, an unknown x86 PC stays a device: the real agent (local/lab) gives
// a PXE BIOS client (busybox udhcpc with the firmware's vendor class and architecture) an address from
// the range and nothing to boot, no WaltNode is created for it, and `walt device show` (the built CLI)
// counts its lease on the segment. What it does not show: the device itself (MAC, vendor class), which
// only the agent's lease table holds (docs/boot.md, "Discovery of new machines").
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { RESOURCES, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import { startLab, type Lab } from '../../local/lab/lab.js';
import { applyAll, labSegment } from '../../local/lab/resources.js';
import { udhcpc } from '../support/dhcp-clients.js';
import { addClient, type Segment } from '../support/netns.js';
import { waitFor } from '../support/wait.js';
import { ensureCliBuilt, walt } from './cli-support.js';
import { kubeConfig, uniqueName } from './support/cluster.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SERVER = '10.79.4.1';

describe('an unknown PC on a segment without autoRegister stays a device', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const segmentName = uniqueName('dev');
  const netns = `wdev-${process.pid}`;
  let lab: Lab;
  let dir: string;
  const segment: Segment = {
    ns: netns,
    bridge: 'br0',
    subnet: '10.79.4.0/24',
    serverIp: SERVER,
    clients: [],
  };

  beforeAll(async () => {
    await ensureCliBuilt();
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-devices-'));
    lab = await startLab({
      kc,
      workDir: dir,
      segment: segmentName,
      network: { ns: netns, bridge: 'br0', address: `${SERVER}/24` },
    });
    const seg = labSegment(segmentName, { bridge: 'br0', subnet: '10.79.4.0/24', serverAddress: SERVER });
    await applyAll(kc, [{ ...seg, spec: { ...seg.spec, autoRegister: false } }]);
  }, 180_000);

  afterAll(async () => {
    for (const client of segment.clients)
      await run('ip', ['netns', 'delete', client.ns]).catch(() => undefined);
    await api.deleteClusterCustomObject({ ...RESOURCES.segment, name: segmentName }).catch(() => undefined);
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('gets an address and no boot file, is not registered, and is counted by walt device show', async () => {
    const client = await addClient(segment);
    const env = await waitFor(
      'a DHCP answer from the agent',
      () =>
        udhcpc(dir, client, ['-V', 'PXEClient:Arch:00000:UNDI:002001', '-x', '93:0000', '-O', '67']).catch(
          () => undefined,
        ),
      60_000,
    );
    expect(env.ip).toMatch(/^10\.79\.4\.1\d\d$/);
    expect(env.boot_file ?? '').toBe('');
    const leases = await waitFor(
      'the lease in the segment status',
      async () => {
        const s = (await api.getClusterCustomObject({
          ...RESOURCES.segment,
          name: segmentName,
        })) as WaltSegment;
        return (s.status?.leasesInUse ?? 0) > 0 ? s.status!.leasesInUse : undefined;
      },
      30_000,
    );
    expect(leases).toBe(1);
    const nodes = (await api.listClusterCustomObject({ ...RESOURCES.node })) as { items: WaltNode[] };
    expect(nodes.items.filter((n) => n.spec.mac === client.mac)).toEqual([]);
    const shown = await walt(['device', 'show']);
    expect(shown.code).toBe(0);
    const row = shown.stdout.split('\n').find((l) => l.startsWith(`${segmentName} `));
    expect(row?.split(/\s+/).slice(0, 5)).toEqual([
      segmentName,
      '10.79.4.0/24',
      SERVER,
      'authoritative',
      '1',
    ]);
  });
});
