// End to end, WalT's reboots of a physical node through each power driver that switches mains: a qemu
// PC declared physical (no spec.virtual) whose power is in the test's hands (test/support/
// powered-machine.ts), the real agent as its segment's ServiceAccount reading the credential from
// walt-power-<segment>, the real CLI. Two power controllers, one scenario each:
// - webhook: a local HTTP server that starts and kills the machine's qemu process;
// - snmp-poe: Debian's snmpd in the agent's namespace whose POWER-ETHERNET-MIB handler
//   (test/support/snmp-pass.py) powers the same kind of machine off and on when pethPsePortAdminEnable
//   of its port is SET (SNMP v2c, the community in the power Secret).
// The scenario:
// - The test switches the machine on; it boots to Ready.
// - `walt node reboot`: a soft reboot through the node's command channel; no power call; Ready again.
// - The machine frozen (QMP stop: on, but dead to the network), `walt node reboot`: the soft reboot
//   gets no answer, and after bootTimeout (60 s) the watchdog power-cycles it through the driver:
//   off, 2 s, on — the order the controller saw — and it boots to Ready again.
// Three boots per driver under TCG: the soft and hard reboot times are printed (not asserted).
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { powerSecretName } from '../../api/rbac/segment-agent.js';
import { RESOURCES, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import { ensureDefaultImage, pushImage } from '../../local/default-image/image.js';
import { startLab, tailOf, type Lab } from '../../local/lab/lab.js';
import { applyAll, labImage, labSegment } from '../../local/lab/resources.js';
import { ensureCliBuilt, walt } from '../integration/cli-support.js';
import { kubeConfig, testNamespace, uniqueName } from '../integration/support/cluster.js';
import { startPoweredMachine, type PoweredMachine } from '../support/powered-machine.js';
import { startSnmpd, type TestSnmpd } from '../support/snmpd.js';
import { waitFor } from '../support/wait.js';
import { tearDownLab } from './lab-fixture.js';

const BOOT_TIMEOUT_MS = 6 * 60_000;
const SYSTEM = 'walt-system';
const CREDENTIAL = `Bearer e2e-${process.pid}`;
const COMMUNITY = `poe-${process.pid}`;
const POE_PORT = 7;

type Driver = 'webhook' | 'snmp-poe';
/** A power operation the controller carried out. */
interface PowerAction {
  at: number;
  action: 'on' | 'off' | 'bad';
  body?: string;
}

describe.each([
  ['webhook', 1],
  ['snmp-poe', 2],
] as Array<[Driver, number]>)(
  'a physical node powered by %s reboots like WalT: soft, then hard after bootTimeout',
  (driver, index) => {
    const SERVER = `10.77.${index}.1`;
    const MAC = `52:54:00:c4:b2:0${index}`;
    const kc = kubeConfig();
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const segment = uniqueName('pwr');
    const nodeName = uniqueName('pc');
    const netns = `wpwr${index}-${process.pid}`;
    let ns: Awaited<ReturnType<typeof testNamespace>>;
    let lab: Lab;
    let machine: PoweredMachine | undefined;
    let snmpd: TestSnmpd | undefined;
    let dir: string;
    /** What the switch did to the machine's power, in order (SNMP SETs of its port). */
    const poeActions: PowerAction[] = [];
    /** The power operations of this driver's controller, in order. */
    const actions = (): PowerAction[] => (driver === 'webhook' ? (machine?.calls ?? []) : poeActions);

    /** The node's spec.power and the power Secret of the segment, for this driver. */
    const powerOf = async (): Promise<{ power: WaltNode['spec']['power']; secret: k8s.V1Secret }> => {
      const ref = (key: string) => ({ name: powerSecretName(segment), namespace: SYSTEM, key });
      if (driver === 'webhook')
        return {
          power: {
            driver,
            webhook: { url: machine!.url, secretRef: ref('token') },
          } as WaltNode['spec']['power'],
          secret: { metadata: { name: powerSecretName(segment) }, stringData: { token: CREDENTIAL } },
        };
      snmpd = await startSnmpd({
        netns,
        dir: path.join(dir, 'snmpd'),
        community: COMMUNITY,
        v3: { user: 'e2e', authKey: 'e2e-auth-key', privKey: 'e2e-priv-key' },
        table: { [`1.3.6.1.2.1.105.1.1.1.3.1.${POE_PORT}`]: ['integer', 1] },
        onPoe: async (_group, port, on) => {
          if (port !== POE_PORT) return;
          poeActions.push({ at: Date.now(), action: on ? 'on' : 'off' });
          await (on ? machine!.powerOn() : machine!.powerOff());
        },
      });
      return {
        power: {
          driver,
          snmp: {
            switch: snmpd.host,
            agentPort: snmpd.port,
            port: POE_PORT,
            version: '2c',
            communitySecretRef: ref('community'),
          },
        } as WaltNode['spec']['power'],
        secret: {
          // The PoE driver reads only Secrets labelled as SNMP credentials (agents/snmp/credentials.ts).
          metadata: { name: powerSecretName(segment), labels: { 'walt.dev/snmp-credentials': 'true' } },
          stringData: { community: COMMUNITY },
        },
      };
    };

    const getNode = (): Promise<WaltNode> =>
      api.getClusterCustomObject({ ...RESOURCES.node, name: nodeName }) as Promise<WaltNode>;
    const explain = (error: unknown): Error =>
      new Error(
        `${(error as Error).message}\n--- agent log ---\n${tailOf(lab.agentLogFile, 12_000)}\n--- serial console ---\n` +
          // eslint-disable-next-line no-control-regex
          (machine?.console() ?? '').replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, '').slice(-4000),
      );
    /** The node Ready from a boot that began after `since` (ms). */
    const readyAfter = (what: string, since: number): Promise<WaltNode> =>
      waitFor(
        what,
        async () => {
          const n = await getNode();
          const bootup = Date.parse(n.status?.lastBootup ?? '');
          return n.status?.phase === 'Ready' && Math.floor(bootup / 1000) > Math.floor(since / 1000)
            ? n
            : undefined;
        },
        BOOT_TIMEOUT_MS,
      ).catch((error: unknown) => {
        throw explain(error);
      });
    const cli = (...args: string[]) =>
      walt(['-n', ns.name, ...args], { env: { WALT_AGENT_URL_ALLOW_LOOPBACK: '1' } });

    const imageReady = (): Promise<boolean> =>
      waitFor(
        'the image ready on the segment',
        async () => {
          const got = (await api.getNamespacedCustomObject({
            ...RESOURCES.image,
            namespace: ns.name,
            name: 'debian',
          })) as { status?: { conditions?: Array<{ type: string; status: string }> } };
          return got.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
            ? true
            : undefined;
        },
        5 * 60_000,
      );

    const timings = { soft: 0, hard: 0 };
    const conditionOf = (n: WaltNode, type: string) => n.status?.conditions?.find((c) => c.type === type);
    /** The node once its last reboot is recorded as booted. */
    const rebootBooted = (): Promise<WaltNode> =>
      waitFor(
        'the reboot recorded as booted',
        async () => {
          const n = await getNode();
          return n.status?.reboot?.outcome === 'Booted' ? n : undefined;
        },
        60_000,
      );
    /** When the soft attempt of a request made at `since` (ms) began. */
    const softAttemptSince = (since: number): Promise<number> =>
      waitFor(
        'the soft attempt recorded',
        async () => {
          const r = (await getNode()).status?.reboot;
          const at = Date.parse(r?.startedAt ?? '');
          return r?.method === 'soft' && at >= Math.floor(since / 1000) * 1000 ? at : undefined;
        },
        60_000,
      ).catch((error: unknown) => {
        throw explain(error);
      });

    beforeAll(async () => {
      const built = ensureCliBuilt();
      dir = await mkdtemp(path.join(os.tmpdir(), `walt-${driver}-power-`));
      const image = await ensureDefaultImage();
      ns = await testNamespace('pwr');
      lab = await startLab({
        kc,
        workDir: dir,
        segment,
        network: { ns: netns, bridge: 'br0', address: `${SERVER}/24` },
        namespace: ns.name,
      });
      const ref = `${lab.registry.host}/walt/${driver}-power:latest`;
      await pushImage(image.layoutDir, image.tag, ref);
      machine = await startPoweredMachine({
        ns: netns,
        bridge: 'br0',
        tap: `tappwr${index}`,
        mac: MAC,
        workDir: dir,
        credential: CREDENTIAL,
      });
      const { power, secret } = await powerOf();
      await core.createNamespacedSecret({ namespace: SYSTEM, body: secret });
      const node = {
        apiVersion: 'walt.dev/v1alpha1',
        kind: 'WaltNode',
        metadata: { name: nodeName },
        spec: {
          mac: MAC,
          model: 'pc-x86-64',
          segment,
          image: `${ns.name}/debian`,
          power,
          settings: { bootTimeout: 60, bootRetries: 2 },
        },
      } as WaltNode;
      await applyAll(kc, [
        labSegment(segment, { bridge: 'br0', subnet: `10.77.${index}.0/24`, serverAddress: SERVER }),
        labImage(ns.name, 'debian', ref),
        node,
      ]);
      await imageReady().catch((error: unknown) => {
        throw explain(error);
      });
      await built;
    }, 10 * 60_000);

    afterAll(async () => {
      await machine?.stop();
      await snmpd?.stop();
      await core
        .deleteNamespacedSecret({ namespace: SYSTEM, name: powerSecretName(segment) })
        .catch(() => undefined);
      await tearDownLab({ kc, lab, node: nodeName, segment, namespace: ns, images: ['debian'], dir });
    }, 180_000);

    let afterSoft: WaltNode;

    it(
      'boots to Ready once switched on, and its command channel answers',
      async () => {
        const on = Date.now();
        await machine!.powerOn();
        const first = await readyAfter('the first boot Ready', on - 1000);
        expect(first.status?.bootedImage?.name).toBe(`${ns.name}/debian`);
        // The CLI finds the agent by its segment's status (published once the segment exists).
        await waitFor(
          'the agent API published in the segment status',
          async () => {
            const got = (await api.getClusterCustomObject({
              ...RESOURCES.segment,
              name: segment,
            })) as WaltSegment;
            return got.status?.agent?.apiUrl ? true : undefined;
          },
          60_000,
        );
        // The agent can reboot it softly only once its command loop polls
        const ran = await cli('node', 'run', nodeName, '--', 'true');
        expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: '' });
      },
      BOOT_TIMEOUT_MS + 60_000,
    );

    it(
      'walt node reboot: a soft reboot through the command channel, no power call, Ready again',
      async () => {
        const softAt = Date.now();
        const soft = await cli('node', 'reboot', nodeName, '--force');
        expect({ code: soft.code, stderr: soft.stderr }).toEqual({ code: 0, stderr: '' });
        afterSoft = await readyAfter('Ready after the soft reboot', softAt);
        timings.soft = Date.now() - softAt;
        expect(actions()).toEqual([]);
        expect(machine!.refused).toEqual([]);
        const booted = await rebootBooted();
        expect(booted.status?.reboot).toMatchObject({ method: 'soft', hardReboots: 0, outcome: 'Booted' });
        expect(conditionOf(booted, 'RebootRequest')?.message).toMatch(/; soft reboot sent$/);
        expect(conditionOf(booted, 'Reboot')).toMatchObject({ status: 'True', reason: 'BootedUp' });
      },
      BOOT_TIMEOUT_MS + 60_000,
    );

    it(
      'frozen: the soft reboot gets no answer; after bootTimeout the driver switches it off, then on 2 s later',
      async () => {
        await machine!.freeze();
        const hardAt = Date.now();
        const hard = await cli('node', 'reboot', nodeName, '--force');
        expect(hard.code).toBe(0);
        const softStart = await softAttemptSince(hardAt);
        const afterHard = await readyAfter('Ready after the power cycle', hardAt);
        timings.hard = Date.now() - hardAt;
        expect(actions().map((c) => c.action)).toEqual(['off', 'on']);
        const [off, on] = actions();
        expect(off!.at - softStart).toBeGreaterThanOrEqual(60_000 - 1000);
        expect(on!.at - off!.at).toBeGreaterThanOrEqual(1900);
        if (driver === 'webhook')
          expect(JSON.parse(off!.body!)).toEqual({ node: nodeName, mac: MAC, action: 'off' });
        else expect(snmpd!.poeLog).toEqual([`1.${POE_PORT} off`, `1.${POE_PORT} on`]);
        expect(machine!.refused).toEqual([]);
        const booted = await rebootBooted();
        expect(booted.status?.reboot).toMatchObject({ method: 'hard', hardReboots: 1, outcome: 'Booted' });
        expect(conditionOf(booted, 'Powered')).toMatchObject({ status: 'True' });
        expect(afterHard.status?.lastBootup).not.toBe(afterSoft.status?.lastBootup);
        // The watchdog said so in an Event of the node
        const events = await kc
          .makeApiClient(k8s.EventsV1Api)
          .listEventForAllNamespaces({ fieldSelector: `regarding.name=${nodeName}` });
        expect(events.items.map((e) => e.reason)).toContain('BootTimeout');
        process.stdout.write(
          `${driver} power e2e: soft reboot -> Ready ${(timings.soft / 1000).toFixed(1)} s; frozen -> soft, ` +
            `bootTimeout 60 s, power cycle -> Ready ${(timings.hard / 1000).toFixed(1)} s\n`,
        );
      },
      2 * BOOT_TIMEOUT_MS,
    );
  },
);
