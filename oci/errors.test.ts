import {
  DigestMismatch,
  errorForStatus,
  isTransient,
  RegistryNotFound,
  RegistryProtocol,
  RegistryUnauthorized,
  RegistryUnavailable,
  RegistryUnreachable,
} from './errors.js';

const context = {
  what: 'manifest r/x:1',
  image: 'r/x:1',
  url: 'http://r/v2/x/manifests/1',
  hadCredentials: false,
};

describe('registry errors', () => {
  it.each([
    [401, RegistryUnauthorized.code, false],
    [403, RegistryUnauthorized.code, false],
    [404, RegistryNotFound.code, false],
    [400, RegistryProtocol.code, false],
    [429, RegistryUnavailable.code, true],
    [500, RegistryUnavailable.code, true],
    [503, RegistryUnavailable.code, true],
  ])('Given HTTP %d Then the error is %s (transient: %s)', (status, code, transient) => {
    const error = errorForStatus(status, context);
    expect((error as { code?: string }).code).toBe(code);
    expect(isTransient(error)).toBe(transient);
  });

  it('tells the user to set a pull secret when no credentials were given', () => {
    expect(errorForStatus(401, context).message).toContain('spec.pullSecret');
    expect(errorForStatus(401, { ...context, hadCredentials: true }).message).toContain(
      'refused the credentials',
    );
  });

  it('treats network failures as transient, verification failures as permanent', () => {
    expect(isTransient(RegistryUnreachable('http://r', 'ECONNREFUSED'))).toBe(true);
    expect(isTransient(DigestMismatch('blob', 'a', 'b'))).toBe(false);
    expect(isTransient(new Error('x'))).toBe(false);
  });
});
