// The boot agent's HTTP service: composes the routes over one context built from the options.
//   GET  /ipxe/boot.ipxe?mac=…           per-node iPXE script (routes/ipxe.ts)
//   GET  /boot/<node>/<path>, /boot/<path>?node_ip=…   boot files with Range (routes/boot-files.ts)
//   POST /api/v1/nodes/<name>/bootup, /api/v1/bootup    bootup notifications (routes/bootup.ts)
//   GET  /healthz
// Served once on the lab address and, in a pod, once more on the pod network (api-listener.ts).
// Every answer is decided from the agent's view (informer caches), never by a synchronous API call.
// Any device of the lab network reaches this server: timeouts, header, URL and body sizes and
// connection caps (limits.ts, connections.ts) bound what one client can hold; callers are checked in
// onRequest hooks (guards.ts) before a body is read.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../../common/logger.js';
import type { BootTarget } from '../netboot/gate.js';
import type { BootupEvent, HttpBootView, HttpContext, HttpPlugin } from './context.js';
import { clientErrorHandler } from './client-errors.js';
import { capConnections, type Refusals } from './connections.js';
import { HttpNoRoute } from './errors.js';
import { refuseBodyOnReads } from './guards.js';
import { guardApiListener } from './api-listener.js';
import { DEFAULT_FILE_CACHE, FileCache, type FileCacheOptions } from './file-cache.js';
import { DEFAULT_RETRY_DELAY_SECONDS } from './ipxe-script.js';
import {
  applyServerLimits,
  fastifyLimitOptions,
  httpLimitsOf,
  httpServerOptions,
  type HttpLimits,
} from './limits.js';
import type { HttpMetrics } from './metrics.js';
import { sendError } from './reply-error.js';
import { registerBootFileRoutes } from './routes/boot-files.js';
import { registerBootupRoutes } from './routes/bootup.js';
import { registerHealthRoute } from './routes/health.js';
import { registerIpxeRoute } from './routes/ipxe.js';

export type { BootupEvent, HttpBootView, HttpPlugin } from './context.js';
export type { HttpLimits } from './limits.js';

export interface HttpServerOptions {
  segment: string;
  /** The agent's IPv4 address on the segment (NFS server, walt.server, URLs in scripts). */
  serverAddress: string;
  /** Base URL nodes reach this service at (default http://<serverAddress>). */
  httpBase?: string;
  view: HttpBootView;
  macOfIp: (ip: string) => string | undefined;
  exportPathOf: (target: BootTarget) => string;
  extraKernelArgs?: (target: BootTarget) => readonly string[];
  onBootup: (event: BootupEvent) => Promise<void>;
  logger: Logger;
  metrics: HttpMetrics;
  /** Seconds a denied node waits before asking again (default 10). */
  retryDelaySeconds?: number;
  /** Largest request body, in bytes (default 4096). */
  bodyLimit?: number;
  /** Boot files kept in memory (default DEFAULT_FILE_CACHE; maxBytes 0 turns it off). */
  fileCache?: FileCacheOptions;
  /** Bearer token of the controller/user routes (ADR 0008); without it those routes answer 503. */
  apiToken?: () => string | undefined;
  /** Timeouts, sizes and connection caps (limits.ts; DEFAULT_HTTP_LIMITS for what is not given). */
  limits?: Partial<HttpLimits>;
  /** More routes: the log service, the node command channel, the web API. */
  plugins?: readonly HttpPlugin[];
  /**
   * "lab" (default): the segment's server address, for nodes and controllers. "api": the pod network
   * (api-listener.ts): every route but /healthz and /readyz needs the bearer token.
   */
  listener?: 'lab' | 'api';
}

export const DEFAULT_BODY_LIMIT = 4096;

function contextOf(options: HttpServerOptions): HttpContext {
  return {
    segment: options.segment,
    serverAddress: options.serverAddress,
    httpBase: options.httpBase ?? `http://${options.serverAddress}`,
    view: options.view,
    macOfIp: options.macOfIp,
    exportPathOf: options.exportPathOf,
    extraKernelArgs: options.extraKernelArgs ?? (() => []),
    onBootup: options.onBootup,
    retryDelaySeconds: options.retryDelaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    files: new FileCache(options.fileCache ?? DEFAULT_FILE_CACHE, options.metrics.fileCache),
    apiToken: options.apiToken ?? (() => undefined),
  };
}

function addMetrics(app: FastifyInstance, metrics: HttpMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, code: String(reply.statusCode) });
    const length = Number(reply.getHeader('content-length'));
    if (request.method !== 'HEAD' && reply.raw.writableFinished && Number.isFinite(length)) {
      metrics.bytesSent.inc({ route }, length);
    }
    done();
  });
}

/** The first hook of every request: a connection over a cap gets its coded 503 and is closed. */
function refuseOverCap(app: FastifyInstance, refusals: Refusals): void {
  app.addHook('onRequest', (request, reply, done) => {
    const refused = refusals.get(request.raw.socket);
    if (!refused) return done();
    reply.header('connection', 'close');
    done(refused);
  });
}

/** The HTTP service, not listening yet: `await app.listen({ host, port })`, `await app.close()`. */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const ctx = contextOf(options);
  const limits = httpLimitsOf(options.limits);
  // Typed as fastify's logger so the instance has fastify's default logger type.
  const loggerInstance: FastifyBaseLogger = options.logger.child({
    service: 'http',
    segment: options.segment,
  });
  const app = Fastify({
    loggerInstance,
    // Per-request lines would flood the log in a boot storm; metrics count the requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.bodyLimit,
    exposeHeadRoutes: false,
    ...fastifyLimitOptions(limits),
    http: httpServerOptions(limits),
    clientErrorHandler: clientErrorHandler(limits.maxHeaderBytes),
    // Malformed URLs and over-long path parameters get coded answers too.
    frameworkErrors: (err, _request, reply) => {
      void sendError(reply, err, { maxParamLength: limits.maxParamLength });
    },
  });
  applyServerLimits(app.server, limits);
  refuseOverCap(app, capConnections(app.server, limits));
  if (options.listener === 'api') guardApiListener(app, ctx);
  app.addHook('onRequest', refuseBodyOnReads);
  app.setErrorHandler((err, request, reply) =>
    sendError(reply, err, { bodyLimit: request.routeOptions.bodyLimit ?? ctx.bodyLimit }),
  );
  app.setNotFoundHandler((request, reply) => sendError(reply, HttpNoRoute(request.method, request.url)));
  addMetrics(app, options.metrics);
  registerHealthRoute(app);
  registerIpxeRoute(app, ctx);
  registerBootFileRoutes(app, ctx);
  registerBootupRoutes(app, ctx);
  for (const plugin of options.plugins ?? []) plugin(app, ctx);
  return app;
}
