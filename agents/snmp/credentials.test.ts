import type * as k8s from '@kubernetes/client-node';
import { codeOf } from '../../test/support/error-code.js';
import { credentialsOf, secretValue, SNMP_SECRET_LABEL, type SecretKeyRef } from './credentials.js';
import { ERR_SNMP_SECRET } from './errors.js';

const ref: SecretKeyRef = { namespace: 'walt-system', name: 'sw', key: 'community' };

function secret(value: string | undefined, labelled = true): k8s.V1Secret {
  return {
    metadata: { name: 'sw', ...(labelled ? { labels: { [SNMP_SECRET_LABEL]: 'true' } } : {}) },
    data: value === undefined ? {} : { community: Buffer.from(value).toString('base64') },
  };
}

describe('secretValue', () => {
  it('reads the key of a labelled Secret of the agent namespace', () => {
    expect(secretValue(secret('lab-rw'), ref, 'walt-system')).toBe('lab-rw');
  });

  it('refuses another namespace, a missing or unlabelled Secret, a missing key, an empty or huge value', () => {
    const fails = (s: k8s.V1Secret | undefined, r = ref): string | undefined =>
      codeOf(() => secretValue(s, r, 'walt-system'));
    expect(fails(secret('x'), { ...ref, namespace: 'lab' })).toBe(ERR_SNMP_SECRET.code);
    expect(fails(undefined)).toBe(ERR_SNMP_SECRET.code);
    expect(fails(secret('x', false))).toBe(ERR_SNMP_SECRET.code);
    expect(fails(secret(undefined))).toBe(ERR_SNMP_SECRET.code);
    expect(fails(secret(''))).toBe(ERR_SNMP_SECRET.code);
    expect(fails(secret('x'.repeat(257)))).toBe(ERR_SNMP_SECRET.code);
  });
});

describe('credentialsOf', () => {
  const read = (r: SecretKeyRef): Promise<string> => Promise.resolve(`${r.name}/${r.key}`);

  it('is a community for v1/v2c and a user with keys for v3', async () => {
    expect(await credentialsOf({ version: '2c', communitySecretRef: ref }, read)).toEqual({
      version: '2c',
      community: 'sw/community',
    });
    const v3 = {
      user: 'walt',
      authProtocol: 'sha256' as const,
      authKeySecretRef: { ...ref, key: 'auth' },
      privProtocol: 'aes' as const,
      privKeySecretRef: { ...ref, key: 'priv' },
    };
    expect(await credentialsOf({ version: '3', v3 }, read)).toEqual({
      version: '3',
      user: 'walt',
      authProtocol: 'sha256',
      authKey: 'sw/auth',
      privProtocol: 'aes',
      privKey: 'sw/priv',
    });
    const authOnly = { user: v3.user, authProtocol: v3.authProtocol, authKeySecretRef: v3.authKeySecretRef };
    expect(await credentialsOf({ version: '3', v3: authOnly }, read)).not.toHaveProperty('privKey');
  });

  it('fails with a code when the spec names no credentials', async () => {
    await expect(credentialsOf({ version: '2c' }, read)).rejects.toMatchObject({
      code: ERR_SNMP_SECRET.code,
    });
    await expect(credentialsOf({ version: '3' }, read)).rejects.toMatchObject({ code: ERR_SNMP_SECRET.code });
  });
});
