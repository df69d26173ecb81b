import { DEFAULT_HTTP_LIMITS, fastifyLimitOptions, httpLimitsOf, httpServerOptions } from './limits.js';

describe('HTTP limits', () => {
  it('takes the defaults for what is not given', () => {
    expect(httpLimitsOf({ headersTimeoutMs: 2000 })).toEqual({
      ...DEFAULT_HTTP_LIMITS,
      headersTimeoutMs: 2000,
    });
  });

  it.each([0, -1, Number.NaN, 1.5, Number.POSITIVE_INFINITY])('refuses %p as a limit', (value) => {
    expect(() => httpLimitsOf({ maxConnections: value })).toThrow(RangeError);
  });

  it('refuses a headers timeout longer than the request timeout (node would never apply it)', () => {
    expect(() => httpLimitsOf({ requestTimeoutMs: 1000, headersTimeoutMs: 2000 })).toThrow(RangeError);
  });

  it('keeps the idle timeout above the longest command poll (55 s)', () => {
    expect(DEFAULT_HTTP_LIMITS.idleTimeoutMs).toBeGreaterThan(55_000);
  });

  it('becomes fastify and node:http options, with timeouts checked often enough', () => {
    const limits = httpLimitsOf({ headersTimeoutMs: 2000, requestTimeoutMs: 3000 });
    expect(fastifyLimitOptions(limits)).toMatchObject({
      requestTimeout: 3000,
      connectionTimeout: DEFAULT_HTTP_LIMITS.idleTimeoutMs,
      keepAliveTimeout: DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs,
      routerOptions: { maxParamLength: DEFAULT_HTTP_LIMITS.maxParamLength },
    });
    expect(httpServerOptions(limits)).toEqual({ maxHeaderSize: 8192, connectionsCheckingInterval: 500 });
  });
});
