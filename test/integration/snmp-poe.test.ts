// The snmp-poe power driver against a real SNMP agent: Debian's snmpd with a pass_persist handler
// serving POWER-ETHERNET-MIB (test/support/snmpd.ts), whose SETs power a real qemu process off and on.
// Credentials come from Secrets on a real API server, as in the agent. v2c and v3 (SHA + AES) power
// the machine off and on, and a hard reboot cycles it; a wrong community or v3 key fails with a code.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { createSnmpPoeDriver } from '../../agents/power/snmp-poe.js';
import { kubeSecretReader, SNMP_SECRET_LABEL } from '../../agents/snmp/credentials.js';
import { ERR_SNMP_AUTH, ERR_SNMP_SECRET, ERR_SNMP_TIMEOUT } from '../../agents/snmp/errors.js';
import { isWaltError } from '../../common/errors.js';
import { createPoeMachine, type PoeMachine } from '../support/poe-machine.js';
import { startSnmpd, type TestSnmpd } from '../support/snmpd.js';
import { kubeConfig, testNamespace } from './support/cluster.js';

const ADMIN = '1.3.6.1.2.1.105.1.1.1.3';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isWaltError(error) ? error.code : `not coded: ${String(error)}`;
  }
}

describe('snmp-poe driver against snmpd', () => {
  const kc = kubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let dir: string;
  let machine: PoeMachine;
  let snmpd: TestSnmpd;

  async function secret(name: string, data: Record<string, string>, labelled = true): Promise<void> {
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: {
        metadata: { name, ...(labelled ? { labels: { [SNMP_SECRET_LABEL]: 'true' } } : {}) },
        stringData: data,
      },
    });
  }

  function node(snmp: Record<string, unknown>): WaltNode {
    return {
      apiVersion: 'walt.dev/v1alpha1',
      kind: 'WaltNode',
      metadata: { name: 'pi1' },
      spec: {
        mac: 'dc:a6:32:00:00:01',
        model: 'rpi-4-b',
        segment: 'lab',
        image: 'default',
        bootMode: 'network',
        power: {
          driver: 'snmp-poe',
          snmp: { switch: '127.0.0.1', agentPort: snmpd.port, port: 3, group: 1, ...snmp },
        },
        settings: {},
      },
    } as WaltNode;
  }

  const ref = (name: string, key: string): Record<string, string> => ({ namespace: ns.name, name, key });
  const driver = (): ReturnType<typeof createSnmpPoeDriver> =>
    createSnmpPoeDriver({ secrets: kubeSecretReader(kc, ns.name), timeoutMs: 500, retries: 1 });

  beforeAll(async () => {
    ns = await testNamespace('snmp-poe');
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-snmpd-'));
    machine = createPoeMachine();
    await machine.setPower(true);
    snmpd = await startSnmpd({
      dir,
      community: 'lab-rw-5f2e',
      v3: { user: 'walt', authKey: 'auth-key-7c1d', privKey: 'priv-key-93ab' },
      table: { [`${ADMIN}.1.3`]: ['integer', 1], [`${ADMIN}.1.4`]: ['integer', 1] },
      onPoe: (group, port, on) => (group === 1 && port === 3 ? machine.setPower(on) : Promise.resolve()),
    });
    await secret('switch-v2c', { community: 'lab-rw-5f2e' });
    await secret('switch-v3', { auth: 'auth-key-7c1d', priv: 'priv-key-93ab' });
    await secret('switch-wrong', { community: 'not-the-one', priv: 'wrong-priv-key' });
    await secret('switch-unlabelled', { community: 'lab-rw-5f2e' }, false);
  });

  afterAll(async () => {
    await snmpd?.stop();
    await machine?.stop();
    await ns?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('powers the machine off and on over v2c, and a hard reboot cycles it', async () => {
    // Given a node on port 1.3 of the switch, with its community in a Secret
    const pi = node({ version: '2c', communitySecretRef: ref('switch-v2c', 'community') });
    const starts = machine.starts;
    const sets = snmpd.poeLog.length;
    // When the driver powers it off, then on
    await driver().powerOff(pi);
    await snmpd.settled(sets + 1);
    // Then the qemu process is gone, then a new one runs
    expect(machine.running).toBe(false);
    await driver().powerOn(pi);
    await snmpd.settled(sets + 2);
    expect(machine.running).toBe(true);
    expect(machine.starts).toBe(starts + 1);
    // And a hard reboot is off then on
    await driver().hardReboot(pi);
    await snmpd.settled(sets + 4);
    expect(machine.running).toBe(true);
    expect(machine.starts).toBe(starts + 2);
    expect(snmpd.poeLog.slice(-4)).toEqual(['1.3 off', '1.3 on', '1.3 off', '1.3 on']);
  });

  it('powers the machine off and on over v3 (SHA, AES)', async () => {
    const pi = node({
      version: '3',
      v3: {
        user: 'walt',
        authProtocol: 'sha',
        authKeySecretRef: ref('switch-v3', 'auth'),
        privProtocol: 'aes',
        privKeySecretRef: ref('switch-v3', 'priv'),
      },
    });
    const starts = machine.starts;
    const sets = snmpd.poeLog.length;
    await driver().powerOff(pi);
    await snmpd.settled(sets + 1);
    expect(machine.running).toBe(false);
    await driver().powerOn(pi);
    await snmpd.settled(sets + 2);
    expect(machine.running).toBe(true);
    expect(machine.starts).toBe(starts + 1);
    expect(snmpd.poeLog.slice(-2)).toEqual(['1.3 off', '1.3 on']);
  });

  it('fails with a code, and leaves the port alone, on a wrong community or v3 key', async () => {
    const before = snmpd.poeLog.length;
    // A v2c agent drops a wrong community: a bounded timeout
    const wrongCommunity = node({ version: '2c', communitySecretRef: ref('switch-wrong', 'community') });
    expect(await codeOf(driver().powerOff(wrongCommunity))).toBe(ERR_SNMP_TIMEOUT.code);
    // A wrong v3 key (auth digest or privacy) is refused
    const wrongV3 = node({
      version: '3',
      v3: {
        user: 'walt',
        authProtocol: 'sha',
        authKeySecretRef: ref('switch-wrong', 'community'),
        privProtocol: 'aes',
        privKeySecretRef: ref('switch-v3', 'priv'),
      },
    });
    expect(await codeOf(driver().powerOff(wrongV3))).toBe(ERR_SNMP_AUTH.code);
    // An unknown user is refused; a request under a wrong privacy key cannot be decrypted, and snmpd
    // drops it: a bounded timeout, as for a wrong community
    const v3With = (user: string, priv: string): WaltNode =>
      node({
        version: '3',
        v3: {
          user,
          authProtocol: 'sha',
          authKeySecretRef: ref('switch-v3', 'auth'),
          privProtocol: 'aes',
          privKeySecretRef: ref(priv === 'right' ? 'switch-v3' : 'switch-wrong', 'priv'),
        },
      });
    expect(await codeOf(driver().powerOff(v3With('walt', 'wrong')))).toBe(ERR_SNMP_TIMEOUT.code);
    expect(await codeOf(driver().powerOff(v3With('mallory', 'right')))).toBe(ERR_SNMP_AUTH.code);
    // A Secret without the label is never read out
    const unlabelled = node({ version: '2c', communitySecretRef: ref('switch-unlabelled', 'community') });
    expect(await codeOf(driver().powerOff(unlabelled))).toBe(ERR_SNMP_SECRET.code);
    await snmpd.settled(before);
    expect(snmpd.poeLog.length).toBe(before);
    expect(machine.running).toBe(true);
  });
});
