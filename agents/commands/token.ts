// The bearer token of the agent API (ADR 0008): 32 random bytes in hex, kept in the Secret
// walt-agent-<segment> (key "token") of the agent's namespace. The first agent creates it; later ones,
// and a second agent racing the first (409), read it. Whoever may read that Secret may drive nodes.
// The agent's own rights (ADR 0011) are get on this one Secret and create of this one name.
import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { AGENT_TOKEN_KEY, agentTokenSecretName } from '../../api/agent/v1.js';
import { statusCodeOf } from '../../runtime/index.js';

/** The two calls used, so that tests can hand a small fake. */
export type SecretsApi = Pick<k8s.CoreV1Api, 'readNamespacedSecret' | 'createNamespacedSecret'>;

export interface SecretRef {
  namespace: string;
  name: string;
}

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

export function tokenSecretBody(ref: SecretRef, segment: string, token: string): k8s.V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'walt-agent', 'walt.dev/segment': segment },
    },
    data: { [AGENT_TOKEN_KEY]: Buffer.from(token).toString('base64') },
  };
}

function tokenOf(secret: k8s.V1Secret, ref: SecretRef): string {
  const encoded = secret.data?.[AGENT_TOKEN_KEY];
  const token = encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8').trim();
  if (!token)
    throw new Error(
      `Secret ${ref.namespace}/${ref.name} has no key "${AGENT_TOKEN_KEY}": delete it and the agent creates a new one`,
    );
  return token;
}

async function readToken(api: SecretsApi, ref: SecretRef): Promise<string | undefined> {
  try {
    return tokenOf(await api.readNamespacedSecret(ref), ref);
  } catch (err) {
    if (statusCodeOf(err) === 404) return undefined;
    throw err;
  }
}

/** The token of `segment`'s agent: read from its Secret, created with a new token if missing. */
export async function ensureAgentToken(api: SecretsApi, namespace: string, segment: string): Promise<string> {
  const ref: SecretRef = { namespace, name: agentTokenSecretName(segment) };
  const existing = await readToken(api, ref);
  if (existing !== undefined) return existing;
  const token = newToken();
  try {
    await api.createNamespacedSecret({ namespace, body: tokenSecretBody(ref, segment, token) });
    return token;
  } catch (err) {
    if (statusCodeOf(err) !== 409) throw err;
    // Another agent of the segment created it first: use theirs.
    const theirs = await readToken(api, ref);
    if (theirs === undefined) throw err;
    return theirs;
  }
}
