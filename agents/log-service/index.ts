// The boot agent's log service (WalT's logging system, walt-reference §2.9, and web API, §2.8): a log
// store (SQLite by default, PostgreSQL as an option), buffered ordered appends, the platform's own
// lines, and the HTTP routes (plugin.ts) that the agent adds to its HTTP service.
//
//   const logs = createLogService({ segment, store: { kind: 'sqlite', file }, listNodes, listImages,
//                                   logger, metrics: registry });
//   createHttpServer({ ..., plugins: [logs.plugin] });
//   await logs.start(); … await app.close(); await logs.stop();
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { WaltImage, WaltNode } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import { createLogStore } from '../../log-store/create-store.js';
import type { LogLine, RetentionPolicy } from '../../log-store/store.js';
import type { HttpBootView, HttpPlugin } from '../http/context.js';
import { LogBuffer, type LogBufferOptions } from './buffer.js';
import { LazyLogStore } from './lazy-store.js';
import { limitsFromEnv, resolveLimits, type LogLimits } from './limits.js';
import { createLogMetrics, type LineSource } from './metrics.js';
import * as platform from './platform.js';
import { logPlugin } from './plugin.js';
import { DEFAULT_RETENTION, RETENTION_INTERVAL_MS, scheduleRetention } from './retention.js';
import { FOLLOW_HEARTBEAT_MS } from './routes/log-query.js';

export type LogServiceStoreConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export interface LogServiceOptions {
  segment: string;
  store: LogServiceStoreConfig;
  /** Not needed by the routes (the HTTP context carries the agent's view); accepted for symmetry. */
  view?: Pick<HttpBootView, 'nodeByName'>;
  /** The WaltNodes and WaltImages of the agent's informer caches (WalT web API). */
  listNodes(): WaltNode[];
  listImages(): WaltImage[];
  logger: Logger;
  metrics: Registry;
  /** Default 30 days and 10 M lines, applied at start and hourly. */
  retention?: RetentionPolicy;
  retentionIntervalMs?: number;
  /** Buffer tuning (defaults: 300 ms, 512 lines). */
  buffer?: Pick<LogBufferOptions, 'flushMs' | 'maxLines'>;
  /** Heartbeat period of the follow route (default 15 s). */
  followHeartbeatMs?: number;
  /**
   * Time budget and slices of reads, per-client rate and concurrency caps of the public API
   * (limits.ts): defaults, then the WALT_LOG_* environment variables, then these.
   */
  limits?: Partial<LogLimits>;
}

export interface PlatformLog {
  /** "node <name> is booted" on platform.nodes. */
  nodeBooted(node: string, ip: string, image: string): void;
  /** "node <name> is down (cause: …)" on platform.nodes. */
  nodeDown(node: string, cause: string): void;
  /** Image download progress on platform.devices. */
  imageProgress(line: string): void;
  /** Any platform stream (platform.expose, daemon.stderr…). */
  line(stream: string, text: string): void;
}

export interface LogService {
  plugin: HttpPlugin;
  /** Buffered and ordered; resolves once the lines are stored. */
  append(lines: LogLine[]): Promise<void>;
  platform: PlatformLog;
  /** A line of a virtual node's serial console (stream virtualconsole, the node as issuer). */
  consoleLine(node: string, line: string): void;
  start(): Promise<void>;
  /** Ends log streams (follows, streamed queries), writes buffered lines, closes the store. */
  stop(): Promise<void>;
}

export function createLogService(options: LogServiceOptions): LogService {
  const logger = options.logger.child({ service: 'logs', segment: options.segment });
  const metrics = createLogMetrics(options.metrics);
  const limits = resolveLimits({ ...limitsFromEnv(process.env), ...options.limits });
  const store = new LazyLogStore();
  const buffer = new LogBuffer(store, {
    ...options.buffer,
    onLost: (count, err) => {
      metrics.dropped.inc({ reason: 'store' }, count);
      logger.error({ err, count }, 'log lines could not be stored');
    },
  });
  const streams = new Set<AbortController>();
  let stopRetention: (() => void) | undefined;

  const append = async (lines: LogLine[], source: LineSource): Promise<void> => {
    await buffer.append(lines);
    metrics.lines.inc({ source }, lines.length);
  };
  // Fire and forget: a lost line is counted and logged by the buffer.
  const emit = (line: LogLine, source: LineSource): void => {
    append([line], source).catch(() => undefined);
  };

  return {
    plugin: logPlugin({
      segment: options.segment,
      store,
      buffer,
      metrics,
      listNodes: () => options.listNodes(),
      listImages: () => options.listImages(),
      heartbeatMs: options.followHeartbeatMs ?? FOLLOW_HEARTBEAT_MS,
      streams,
      limits,
    }),
    append: (lines) => append(lines, 'api'),
    platform: {
      nodeBooted: (node, ip, image) => emit(platform.nodeBootedLine(node, ip, image), 'platform'),
      nodeDown: (node, cause) => emit(platform.nodeDownLine(node, cause), 'platform'),
      imageProgress: (text) => emit(platform.imageProgressLine(text), 'platform'),
      line: (stream, text) => emit(platform.platformLine(stream, text), 'platform'),
    },
    consoleLine: (node, text) => emit(platform.consoleLine(node, text), 'console'),
    async start() {
      try {
        if (options.store.kind === 'sqlite')
          await mkdir(path.dirname(options.store.file), { recursive: true });
        store.open(await createLogStore(options.store));
      } catch (error) {
        store.failed(error as Error);
        throw error;
      }
      const policy = options.retention ?? DEFAULT_RETENTION;
      stopRetention = scheduleRetention(
        store,
        policy,
        logger,
        options.retentionIntervalMs ?? RETENTION_INTERVAL_MS,
      );
      logger.info({ store: options.store.kind }, 'log service started');
    },
    async stop() {
      stopRetention?.();
      for (const stream of streams) stream.abort();
      await buffer.close();
      await store.close();
    },
  };
}
