import type * as k8s from '@kubernetes/client-node';
import { ensureAgentToken, type SecretsApi } from './token.js';

/** A Secrets API over a map, as the API server answers: 404 on a missing Secret, 409 on a taken name. */
function fakeSecrets(options: { raceWith?: string } = {}) {
  const store = new Map<string, k8s.V1Secret>();
  const calls: string[] = [];
  const apiError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });
  const api = {
    readNamespacedSecret: ({ name, namespace }: { name: string; namespace: string }) => {
      calls.push(`read ${namespace}/${name}`);
      const secret = store.get(`${namespace}/${name}`);
      return secret ? Promise.resolve(secret) : Promise.reject(apiError(404));
    },
    createNamespacedSecret: ({ namespace, body }: { namespace: string; body: k8s.V1Secret }) => {
      const key = `${namespace}/${body.metadata?.name}`;
      calls.push(`create ${key}`);
      if (options.raceWith !== undefined) {
        // Another agent created it between our read and our create.
        store.set(key, { data: { token: Buffer.from(options.raceWith).toString('base64') } });
      }
      if (store.has(key)) return Promise.reject(apiError(409));
      store.set(key, body);
      return Promise.resolve(body);
    },
  };
  return { api: api, store, calls };
}

describe('ensureAgentToken', () => {
  it('creates walt-agent-<segment> with a new 32-byte hex token when missing', async () => {
    const { api, store, calls } = fakeSecrets();
    const token = await ensureAgentToken(api, 'walt-system', 'lab');
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(calls).toEqual(['read walt-system/walt-agent-lab', 'create walt-system/walt-agent-lab']);
    const secret = store.get('walt-system/walt-agent-lab');
    expect(Buffer.from(secret?.data?.token ?? '', 'base64').toString()).toBe(token);
  });

  it('reads the existing token (an agent restart keeps it)', async () => {
    const { api, calls } = fakeSecrets();
    const first = await ensureAgentToken(api, 'walt-system', 'lab');
    expect(await ensureAgentToken(api, 'walt-system', 'lab')).toBe(first);
    expect(calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
  });

  it('uses the token of an agent that created the Secret first (409)', async () => {
    const { api } = fakeSecrets({ raceWith: 'theirs' });
    expect(await ensureAgentToken(api, 'walt-system', 'lab')).toBe('theirs');
  });

  it('fails with what to do when the Secret has no token', async () => {
    const { api, store } = fakeSecrets();
    store.set('walt-system/walt-agent-lab', { data: {} });
    await expect(ensureAgentToken(api, 'walt-system', 'lab')).rejects.toThrow(/delete it/);
  });

  it('passes other API errors on (e.g. 403: RBAC)', async () => {
    const api = {
      readNamespacedSecret: () => Promise.reject(Object.assign(new Error('forbidden'), { code: 403 })),
    } as unknown as SecretsApi;
    await expect(ensureAgentToken(api, 'walt-system', 'lab')).rejects.toThrow('forbidden');
  });
});
