import {
  credentialsFromDockerConfig,
  normaliseRegistryHost,
  parseTokenResponse,
  parseWwwAuthenticate,
  pickChallenge,
  TokenCache,
  tokenUrl,
} from './auth.js';
import { InvalidPullSecret } from './errors.js';

function errorCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('parseWwwAuthenticate', () => {
  it('reads a Basic challenge', () => {
    expect(parseWwwAuthenticate('Basic realm="basic-realm"')).toEqual([
      { scheme: 'basic', params: { realm: 'basic-realm' } },
    ]);
  });

  it('reads a Bearer challenge with quoted values holding commas and escapes', () => {
    const header =
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push",error="say \\"hi\\""';
    expect(parseWwwAuthenticate(header)).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example.com/token',
          service: 'registry.example.com',
          scope: 'repository:a/b:pull,push',
          error: 'say "hi"',
        },
      },
    ]);
  });

  it('reads unquoted values, spaces and several challenges, and prefers Bearer', () => {
    const challenges = parseWwwAuthenticate('Basic realm=lab , Bearer realm="http://t/token", service=reg');
    expect(challenges).toEqual([
      { scheme: 'basic', params: { realm: 'lab' } },
      { scheme: 'bearer', params: { realm: 'http://t/token', service: 'reg' } },
    ]);
    expect(pickChallenge(challenges)?.scheme).toBe('bearer');
  });

  it('survives missing or odd headers', () => {
    expect(parseWwwAuthenticate(null)).toEqual([]);
    expect(parseWwwAuthenticate('  ,, ')).toEqual([]);
    expect(pickChallenge([])).toBeUndefined();
  });
});

describe('credentialsFromDockerConfig', () => {
  const auth = (user: string, password: string): string =>
    Buffer.from(`${user}:${password}`).toString('base64');
  const config = {
    auths: {
      '127.0.0.1:5000': { auth: auth('lab', 'pa:ss') },
      'https://ghcr.io': { username: 'gh', password: 'token' },
      'https://index.docker.io/v1/': { auth: auth('hub', 'secret') },
    },
  };

  it.each([
    ['127.0.0.1:5000', { username: 'lab', password: 'pa:ss' }],
    ['ghcr.io', { username: 'gh', password: 'token' }],
    ['docker.io', { username: 'hub', password: 'secret' }],
    ['index.docker.io', { username: 'hub', password: 'secret' }],
    ['quay.io', undefined],
    ['127.0.0.1:5001', undefined],
  ])('Given the registry %s Then it finds %j', (registry, expected) => {
    expect(credentialsFromDockerConfig(JSON.stringify(config), registry)).toEqual(expected);
  });

  it('accepts a Buffer, a parsed object and the older dockercfg layout', () => {
    expect(credentialsFromDockerConfig(Buffer.from(JSON.stringify(config)), 'ghcr.io')?.username).toBe('gh');
    expect(credentialsFromDockerConfig(config, 'ghcr.io')?.username).toBe('gh');
    expect(credentialsFromDockerConfig({ 'quay.io': { auth: auth('q', 'p') } }, 'quay.io')).toEqual({
      username: 'q',
      password: 'p',
    });
  });

  it('rejects malformed payloads with a coded error', () => {
    expect(errorCode(() => credentialsFromDockerConfig('not json', 'x'))).toBe(InvalidPullSecret.code);
    expect(
      errorCode(() => credentialsFromDockerConfig({ auths: { x: { auth: 'bm9jb2xvbg==' } } }, 'x')),
    ).toBe(InvalidPullSecret.code);
  });

  it('normalises registry keys', () => {
    expect(normaliseRegistryHost('HTTPS://Registry.Lab:5000/v2/')).toBe('registry.lab:5000');
    expect(normaliseRegistryHost('registry-1.docker.io')).toBe('docker.io');
  });
});

describe('Bearer tokens', () => {
  const challenge = { scheme: 'bearer', params: { realm: 'http://auth.lab/token?x=1', service: 'reg' } };

  it('builds the token URL with service, scope and account', () => {
    const url = new URL(tokenUrl(challenge, 'repository:a/b:pull', { username: 'u', password: 'p' }));
    expect(url.origin + url.pathname).toBe('http://auth.lab/token');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      x: '1',
      service: 'reg',
      scope: 'repository:a/b:pull',
      account: 'u',
    });
  });

  it('reads token or access_token, with the 60 s default lifetime', () => {
    expect(parseTokenResponse('u', { token: 't', expires_in: 300 }, 1000)).toEqual({
      token: 't',
      expiresAt: 301_000,
    });
    expect(parseTokenResponse('u', { access_token: 'a' }, 0)).toEqual({ token: 'a', expiresAt: 60_000 });
    expect(errorCode(() => parseTokenResponse('u', {}, 0))).toBe('WALT_ERR_REGISTRY_PROTOCOL');
  });

  it('caches a token until shortly before it expires', () => {
    let now = 0;
    const cache = new TokenCache(() => now);
    cache.set('k', { token: 't', expiresAt: 60_000 });
    expect(cache.get('k')).toBe('t');
    now = 49_000;
    expect(cache.get('k')).toBe('t');
    now = 51_000;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.get('other')).toBeUndefined();
  });
});
