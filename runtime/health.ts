// The probe and metrics endpoints: /healthz (the process answers), /readyz (the manager's readiness,
// with the reason in the body), /metrics (Prometheus text).
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  /** What this replica is: "leader", "standby" or "single" (no leader election). */
  role: 'leader' | 'standby' | 'single';
  /** Why it is (not) ready, for humans. */
  reason: string;
  informers: Record<string, boolean>;
}

export interface HealthServerOptions {
  /** 0 picks a free port. */
  port: number;
  /**
   * Default 0.0.0.0 (the operator's probes come from the kubelet); tests use 127.0.0.1. The boot agent
   * passes 127.0.0.1 by default and never an address of the lab network (agents/health-host.ts):
   * /metrics names nodes and addresses.
   */
  host?: string;
  registry: Registry;
  readiness(): Readiness;
}

export interface HealthServer {
  /** Starts listening; resolves the bound port. */
  listen(): Promise<number>;
  close(): Promise<void>;
  port(): number | undefined;
}

function build(options: HealthServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const readiness = options.readiness();
    return reply.code(readiness.ready ? 200 : 503).send(readiness);
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await options.registry.metrics();
    return reply.header('content-type', options.registry.contentType).send(text);
  });
  return app;
}

export function createHealthServer(options: HealthServerOptions): HealthServer {
  const app = build(options);
  let bound: number | undefined;
  return {
    async listen(): Promise<number> {
      await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
      const address = app.server.address();
      bound = typeof address === 'object' && address ? address.port : options.port;
      return bound;
    },
    async close(): Promise<void> {
      await app.close();
      bound = undefined;
    },
    port: () => bound,
  };
}
