// One SNMP agent seen through net-snmp (v1, v2c, v3 USM): get, walk and integer set, each bounded in
// time (timeout × attempts) and size (rows of a walk), with net-snmp's errors turned into our codes.
// A v1/v2c agent drops a request with a wrong community: that is a timeout, never a hang.
import snmp from 'net-snmp';
import type { SnmpCredentials } from './credentials.js';
import {
  ERR_SNMP_AUTH,
  ERR_SNMP_REFUSED,
  ERR_SNMP_TIMEOUT,
  ERR_SNMP_TOO_LARGE,
  ERR_SNMP_UNREACHABLE,
} from './errors.js';

export interface SnmpTarget {
  host: string;
  /** UDP port of the agent (161). */
  port?: number;
  credentials: SnmpCredentials;
  /** Per attempt (2 s). */
  timeoutMs?: number;
  /** Attempts after the first (1). */
  retries?: number;
}

export interface SnmpVarbind {
  oid: string;
  type: number;
  value: unknown;
}

export interface SnmpClient {
  get(oids: string[]): Promise<SnmpVarbind[]>;
  /** The rows under `oid`, at most `maxRows` (past it: WALT_ERR_SNMP_TOO_LARGE). */
  walk(oid: string, maxRows: number): Promise<SnmpVarbind[]>;
  setInteger(oid: string, value: number): Promise<void>;
  close(): void;
}

export const SNMP_DEFAULT_PORT = 161;
const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_RETRIES = 1;

const AUTH_PROTOCOLS: Record<string, snmp.AuthProtocols> = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};
const PRIV_PROTOCOLS: Record<string, snmp.PrivProtocols> = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};

/** Our code for a net-snmp error (pure). */
export function snmpError(target: string, attempts: number, error: unknown): Error {
  const e = error as { name?: string; message?: string; code?: number | string };
  const detail = e.message ?? String(error);
  // Socket errors (a name that does not resolve, no route): node's system error codes.
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return ERR_SNMP_UNREACHABLE(target, detail);
  switch (e.name) {
    case 'RequestTimedOutError':
      return ERR_SNMP_TIMEOUT(target, attempts);
    case 'ResponseInvalidError':
      // EAuthFailure, ECouldNotDecrypt, EUnexpectedReport (usmStats* reports: wrong user, digest, key)
      return ERR_SNMP_AUTH(target, detail);
    default:
      return ERR_SNMP_REFUSED(target, detail);
  }
}

function userOf(credentials: Extract<SnmpCredentials, { version: '3' }>): snmp.User {
  const auth = AUTH_PROTOCOLS[credentials.authProtocol] ?? snmp.AuthProtocols.sha;
  if (credentials.privProtocol && credentials.privKey !== undefined)
    return {
      name: credentials.user,
      level: snmp.SecurityLevel.authPriv,
      authProtocol: auth,
      authKey: credentials.authKey,
      privProtocol: PRIV_PROTOCOLS[credentials.privProtocol] ?? snmp.PrivProtocols.aes,
      privKey: credentials.privKey,
    };
  return {
    name: credentials.user,
    level: snmp.SecurityLevel.authNoPriv,
    authProtocol: auth,
    authKey: credentials.authKey,
  };
}

function sessionOf(target: SnmpTarget): snmp.Session {
  const common = {
    port: target.port ?? SNMP_DEFAULT_PORT,
    timeout: target.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retries: target.retries ?? DEFAULT_RETRIES,
    backoff: 1,
  };
  const { credentials } = target;
  if (credentials.version === '3') return snmp.createV3Session(target.host, userOf(credentials), common);
  return snmp.createSession(target.host, credentials.community, {
    ...common,
    version: credentials.version === '1' ? snmp.Version1 : snmp.Version2c,
  });
}

function varbindsOrError(name: string, varbinds: snmp.Varbind[] | undefined): SnmpVarbind[] {
  for (const varbind of varbinds ?? [])
    if (snmp.isVarbindError(varbind)) throw ERR_SNMP_REFUSED(name, snmp.varbindError(varbind));
  return (varbinds ?? []).map((v) => ({ oid: v.oid, type: v.type as number, value: v.value }));
}

export function openSnmp(target: SnmpTarget): SnmpClient {
  const name = `${target.host}:${target.port ?? SNMP_DEFAULT_PORT}`;
  const attempts = 1 + (target.retries ?? DEFAULT_RETRIES);
  const session = sessionOf(target);
  let socketError: Error | undefined;
  // A socket error (unresolvable host, no route) must not crash the process: it fails the request.
  session.on('error', (error: Error) => {
    socketError = error;
  });
  const fail = (error: unknown): Error => snmpError(name, attempts, socketError ?? error);
  return {
    get: (oids) =>
      new Promise((resolve, reject) => {
        session.get(oids, (error, varbinds) => {
          if (error) return reject(fail(error));
          try {
            resolve(varbindsOrError(name, varbinds));
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      }),
    setInteger: (oid, value) =>
      new Promise((resolve, reject) => {
        session.set([{ oid, type: snmp.ObjectType.Integer, value }], (error, varbinds) => {
          if (error) return reject(fail(error));
          try {
            varbindsOrError(name, varbinds);
            resolve();
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      }),
    walk: (oid, maxRows) =>
      new Promise((resolve, reject) => {
        const rows: SnmpVarbind[] = [];
        let tooLarge = false;
        const feed = (varbinds: snmp.Varbind[]): boolean => {
          for (const v of varbinds) {
            if (snmp.isVarbindError(v)) continue;
            if (rows.length >= maxRows) {
              tooLarge = true;
              return true;
            }
            rows.push({ oid: v.oid, type: v.type as number, value: v.value });
          }
          return false;
        };
        session.subtree(oid, 20, feed, (error) => {
          if (tooLarge) return reject(ERR_SNMP_TOO_LARGE(name, maxRows));
          if (error) return reject(fail(error));
          resolve(rows);
        });
      }),
    close: () => {
      try {
        session.close();
      } catch {
        // already closed
      }
    },
  };
}
