// The credentials of one SNMP agent, from the Secrets the spec names (a community for v1/v2c, a v3
// user's keys). Only Secrets of the agent namespace are read, and only those labelled
// walt.dev/snmp-credentials=true: a WaltNode's author chooses the switch address, so without the label
// any Secret of that namespace (the agent token) could be sent to an address of their choosing.
import * as k8s from '@kubernetes/client-node';
import type { WaltNodeSpec } from '../../api/v1alpha1/index.js';
import { statusCodeOf } from '../../runtime/index.js';
import { ERR_SNMP_SECRET } from './errors.js';

export const SNMP_SECRET_LABEL = 'walt.dev/snmp-credentials';
/** Longest community or key accepted (USM keys are passphrases; RFC 3414 asks for at least 8). */
const MAX_SECRET_BYTES = 256;

export type SnmpAccessSpec = Pick<
  NonNullable<WaltNodeSpec['power']['snmp']>,
  'version' | 'communitySecretRef' | 'v3' | 'agentPort'
>;

export interface SecretKeyRef {
  namespace: string;
  name: string;
  key: string;
}

/** What the session needs: v1/v2c a community; v3 a user and its keys. */
export type SnmpCredentials =
  | { version: '1' | '2c'; community: string }
  | {
      version: '3';
      user: string;
      authProtocol: string;
      authKey: string;
      privProtocol?: string;
      privKey?: string;
    };

/** Reads one key of one Secret (the kube reader below, or a map in unit tests). */
export type SecretReader = (ref: SecretKeyRef) => Promise<string>;

function refName(ref: SecretKeyRef): string {
  return `${ref.namespace}/${ref.name} key ${ref.key}`;
}

/** The value of `ref` from a Secret object (pure): checks the namespace, the label and the size. */
export function secretValue(secret: k8s.V1Secret | undefined, ref: SecretKeyRef, namespace: string): string {
  if (ref.namespace !== namespace)
    throw ERR_SNMP_SECRET(refName(ref), `only Secrets of the agent namespace ${namespace} are read`);
  if (!secret) throw ERR_SNMP_SECRET(refName(ref), 'not found');
  if (secret.metadata?.labels?.[SNMP_SECRET_LABEL] !== 'true')
    throw ERR_SNMP_SECRET(refName(ref), `it lacks the label ${SNMP_SECRET_LABEL}=true`);
  const encoded = secret.data?.[ref.key];
  if (encoded === undefined) throw ERR_SNMP_SECRET(refName(ref), 'no such key');
  const value = Buffer.from(encoded, 'base64');
  if (value.length === 0 || value.length > MAX_SECRET_BYTES)
    throw ERR_SNMP_SECRET(refName(ref), `the value must be 1 to ${MAX_SECRET_BYTES} bytes`);
  return value.toString('utf8');
}

/** A SecretReader over the Kubernetes API, limited to `namespace` (the client is made at first use). */
export function kubeSecretReader(kc: k8s.KubeConfig, namespace: string): SecretReader {
  let api: k8s.CoreV1Api | undefined;
  return async (ref) => {
    if (ref.namespace !== namespace) return secretValue(undefined, ref, namespace);
    api ??= kc.makeApiClient(k8s.CoreV1Api);
    let secret: k8s.V1Secret | undefined;
    try {
      secret = await api.readNamespacedSecret({ name: ref.name, namespace: ref.namespace });
    } catch (error) {
      if (statusCodeOf(error) !== 404)
        throw ERR_SNMP_SECRET(refName(ref), `read failed: ${(error as Error).message}`);
    }
    return secretValue(secret, ref, namespace);
  };
}

/** The credentials `access` names, read through `read`. */
export async function credentialsOf(access: SnmpAccessSpec, read: SecretReader): Promise<SnmpCredentials> {
  if (access.version !== '3') {
    if (!access.communitySecretRef)
      throw ERR_SNMP_SECRET('(none)', `SNMP version ${access.version} needs communitySecretRef`);
    return { version: access.version, community: await read(access.communitySecretRef) };
  }
  const v3 = access.v3;
  if (!v3) throw ERR_SNMP_SECRET('(none)', 'SNMP version 3 needs v3');
  return {
    version: '3',
    user: v3.user,
    authProtocol: v3.authProtocol,
    authKey: await read(v3.authKeySecretRef),
    ...(v3.privProtocol && v3.privKeySecretRef
      ? { privProtocol: v3.privProtocol, privKey: await read(v3.privKeySecretRef) }
      : {}),
  };
}
