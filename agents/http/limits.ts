// How much of the agent's HTTP server one client may hold: timeouts, header and URL sizes, requests per
// connection, connections in total and per client address. Every device of the lab network reaches this
// server, so none of these is unbounded. Pure: the values and the fastify / node:http options they
// become; connections.ts counts connections and client-errors.ts words node's own refusals.
import type { FastifyServerOptions } from 'fastify';
import type { Server, ServerOptions } from 'node:http';

export interface HttpLimits {
  /** A request's headers and body must arrive within this (a slow body is cut, 408). */
  requestTimeoutMs: number;
  /** A request's headers must arrive within this (slowloris headers are cut, 408). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /**
   * A connection with no bytes either way for this long is destroyed. Above the longest silent answer
   * (a command poll waits up to 55 s; log follows send a heartbeat every 15 s).
   */
  idleTimeoutMs: number;
  maxRequestsPerSocket: number;
  /** Request line and headers, in bytes (431 beyond). */
  maxHeaderBytes: number;
  /** Longest URL path parameter (node name, command id, boot file path), in characters (414 beyond). */
  maxParamLength: number;
  /** Connections open at once, in total and per client address (503 beyond). */
  maxConnections: number;
  maxConnectionsPerClient: number;
}

/**
 * 120 s for a whole request: the largest bodies (256 MiB archives) need 25 s at 100 Mb/s. A client that
 * needs more is slower than a node on a lab network; the connection caps bound how many may try.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 120_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 75_000,
  maxRequestsPerSocket: 1000,
  maxHeaderBytes: 8192,
  maxParamLength: 256,
  maxConnections: 1024,
  maxConnectionsPerClient: 32,
};

/** The defaults with `given` over them; every value must be a positive integer. */
export function httpLimitsOf(given: Partial<HttpLimits> = {}): HttpLimits {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new RangeError(`HTTP limit ${name} must be a positive integer, not ${String(value)}`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new RangeError('HTTP limit headersTimeoutMs must not exceed requestTimeoutMs');
  return limits;
}

/** The fastify constructor options that carry the limits. */
export function fastifyLimitOptions(limits: HttpLimits): Partial<FastifyServerOptions> {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    routerOptions: { maxParamLength: limits.maxParamLength },
  };
}

/** The node:http server options that carry the limits (fastify's `http` option). */
export function httpServerOptions(limits: HttpLimits): ServerOptions {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    // How often node checks the request and headers timeouts (its default, 30 s, would let a slow
    // client overstay a 10 s headers timeout by up to 30 s).
    connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** What fastify does not set itself on the node:http server. */
export function applyServerLimits(server: Server, limits: HttpLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  // A hard stop far above the counted cap (connections.ts answers 503 below it).
  server.maxConnections = limits.maxConnections * 2;
}
