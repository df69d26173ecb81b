// The snmp-poe power driver: a node powered by its PoE switch port, switched through
// POWER-ETHERNET-MIB (RFC 3621) pethPsePortAdminEnable.<group>.<port> (1 = on, 2 = off) over SNMP
// v1/v2c/v3 with the credentials of the Secrets the node's spec names. A hard reboot is WalT's:
// off, 2 s, on. The port is spec.power.snmp.port, else the one the topology scan wrote into the
// node's status for that same switch (agents/topology).
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { credentialsOf, type SecretReader } from '../snmp/credentials.js';
import { ERR_SNMP_NOT_CONFIGURED, ERR_SNMP_PORT_UNKNOWN } from '../snmp/errors.js';
import { openSnmp, type SnmpTarget } from '../snmp/session.js';
import type { PowerDriver } from './driver.js';

/** pethPsePortAdminEnable (RFC 3621), indexed by <group>.<port>. */
export const PETH_PSE_PORT_ADMIN_ENABLE = '1.3.6.1.2.1.105.1.1.1.3';
export const POE_ON = 1;
export const POE_OFF = 2;
/** WalT waits 2 s between off and on (its code; its docs say 1 s). */
export const POE_CYCLE_DELAY_MS = 2000;

export interface PoePort {
  switch: string;
  group: number;
  port: number;
  /** Where the port number came from. */
  from: 'spec' | 'topology';
}

/** The PoE port of `node` (pure): the spec's, else the topology's for the same switch. */
export function poePortOf(node: WaltNode): PoePort {
  const snmp = node.spec.power.snmp;
  if (!snmp) throw ERR_SNMP_NOT_CONFIGURED(node.metadata.name);
  const group = snmp.group ?? 1;
  if (snmp.port !== undefined) return { switch: snmp.switch, group, port: snmp.port, from: 'spec' };
  const seen = node.status?.topology;
  if (seen && seen.address === snmp.switch)
    return { switch: snmp.switch, group, port: seen.port, from: 'topology' };
  throw ERR_SNMP_PORT_UNKNOWN(node.metadata.name, snmp.switch);
}

export interface SnmpPoeOptions {
  secrets: SecretReader;
  /** Off → on delay of a hard reboot (2 s). */
  cycleDelayMs?: number;
  /** Per SNMP attempt, and attempts after the first (session.ts defaults). */
  timeoutMs?: number;
  retries?: number;
}

export function createSnmpPoeDriver(options: SnmpPoeOptions): PowerDriver {
  const setPort = async (node: WaltNode, value: number): Promise<void> => {
    const target = poePortOf(node);
    const snmp = node.spec.power.snmp!;
    const session: SnmpTarget = {
      host: target.switch,
      ...(snmp.agentPort !== undefined ? { port: snmp.agentPort } : {}),
      credentials: await credentialsOf(snmp, options.secrets),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
    };
    const client = openSnmp(session);
    try {
      await client.setInteger(`${PETH_PSE_PORT_ADMIN_ENABLE}.${target.group}.${target.port}`, value);
    } finally {
      client.close();
    }
  };
  const powerOff = (node: WaltNode): Promise<void> => setPort(node, POE_OFF);
  const powerOn = (node: WaltNode): Promise<void> => setPort(node, POE_ON);
  return {
    powerOff,
    powerOn,
    hardReboot: async (node) => {
      await powerOff(node);
      await new Promise((resolve) => setTimeout(resolve, options.cycleDelayMs ?? POE_CYCLE_DELAY_MS));
      await powerOn(node);
    },
  };
}
