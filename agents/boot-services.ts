// TFTP and HTTP boot services of the agent, listening on the segment's server address (ports 69 and
// 80 by default): started when the agent's WaltSegment is known, restarted when its address changes.
// Both answer from the boot view and identify clients by their DHCP lease.
import type * as k8s from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { WaltSegment } from '../api/v1alpha1/index.js';
import type { Logger } from '../common/logger.js';
import { bootCacheBudgets, DEFAULT_BOOT_CACHE_MIB } from './boot-memory-budget.js';
import { createBootupRecorder } from './http/bootup-status.js';
import type { FileCacheOptions } from './http/file-cache.js';
import { createHttpMetrics } from './http/metrics.js';
import { createHttpServer, type BootupEvent, type HttpLimits, type HttpPlugin } from './http/server.js';
import type { Cache, CacheView } from './netboot/informer-boot-view.js';
import { decideBoot, type BootTarget } from './netboot/gate.js';
import { nodeKernelArgs } from './netboot/kernel-args.js';
import { followSegment, type SegmentFollower } from './netboot/segment-follower.js';
import { createFileResolver, DEBIAN_IPXE_DIR, nodeFsProbe } from './tftp/files.js';
import type { GeneratedFiles } from './tftp/paths.js';
import { createRpiFiles } from './tftp/rpi-files.js';
import { createTftpServer } from './tftp/server.js';
import { createUbootScripts, type UbootScripts } from './tftp/uboot-scripts.js';
import { DEFAULT_RETRY_DELAY_SECONDS } from './http/ipxe-script.js';
import { checkApiListen, type ApiListen } from './api-listen.js';

export interface BootServicesOptions {
  kc: k8s.KubeConfig;
  segment: string;
  segments: Cache<WaltSegment>;
  view: CacheView;
  macOfIp: (ip: string) => string | undefined;
  /** The NFS path a node mounts its root from (the NFS service's export of its image). */
  exportPathOf: (target: BootTarget) => string;
  logger: Logger;
  metrics: Registry;
  ports?: { tftp: number; http: number };
  /** Routes of other agent services on the same HTTP server (logs, node commands, web API). */
  httpPlugins?: readonly HttpPlugin[];
  apiToken?: () => string | undefined;
  /**
   * Told each bootup before the node is recorded Ready (the command channel: anything a controller
   * sends once it sees Ready must not go to a poll of the previous boot).
   */
  beforeBootupRecorded?: (event: BootupEvent) => void;
  /** Told each bootup after it is recorded (platform log stream). */
  onBootup?: (event: BootupEvent) => void;
  /**
   * Where the TFTP service writes the files it generates for nodes (Raspberry Pi cmdline.txt and
   * config.txt, tftp/rpi-files.ts); absent: none are generated.
   */
  generatedDir?: string;
  /** Memory for hot boot files, HTTP and TFTP together (boot-memory-budget.ts; default 192). */
  cacheMib?: number;
  /** Timeouts, sizes and connection caps of the HTTP service (http/limits.ts; defaults otherwise). */
  httpLimits?: Partial<HttpLimits>;
  /**
   * Serve the same HTTP service on the pod network too, token first (http/api-listener.ts, ADR 0013):
   * where the agent's Service sends the operator and users. Checked against the segment address.
   */
  apiListen?: ApiListen;
}

export interface BootServices {
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Running {
  address: string;
  tftp: { stop(): Promise<void> };
  uboot: UbootScripts;
  http: FastifyInstance;
  api: FastifyInstance | undefined;
}

class Services implements BootServices {
  private running: Running | undefined;
  private follower: SegmentFollower | undefined;
  private readonly httpMetrics;

  constructor(private readonly options: BootServicesOptions) {
    this.httpMetrics = createHttpMetrics(options.metrics);
  }

  async start(): Promise<void> {
    this.follower = followSegment(
      this.options.segments,
      this.options.segment,
      (segment) => this.apply(segment),
      (error) => this.options.logger.error({ err: error }, 'could not start the TFTP/HTTP boot services'),
    );
    await this.follower.started;
  }

  async stop(): Promise<void> {
    await this.follower?.settled();
    await this.close();
  }

  private async close(): Promise<void> {
    if (!this.running) return;
    await this.running.tftp.stop();
    await this.running.uboot.close();
    await this.running.api?.close();
    await this.running.http.close();
    this.running = undefined;
  }

  private async apply(segment: WaltSegment): Promise<void> {
    const address = segment.spec.serverAddress;
    if (this.running?.address === address) return;
    await this.close();
    if (this.options.apiListen) checkApiListen(this.options.apiListen, address);
    const { view, macOfIp, logger } = this.options;
    const cache = bootCacheBudgets(this.options.cacheMib ?? DEFAULT_BOOT_CACHE_MIB);
    const decide = (mac: string): ReturnType<typeof decideBoot> =>
      decideBoot({ segment: this.options.segment, mac }, view);
    const uboot = await createUbootScripts({
      macOfIp,
      decide,
      autoRegister: () => this.options.segments.get(this.options.segment)?.spec.autoRegister === true,
      server: address,
      exportPathOf: this.options.exportPathOf,
      extraKernelArgs: (target) => nodeKernelArgs(target.node),
      retryDelaySeconds: DEFAULT_RETRY_DELAY_SECONDS,
      logger,
    });
    const tftp = createTftpServer({
      host: address,
      port: this.options.ports?.tftp ?? 69,
      resolve: uboot.resolve(
        createFileResolver({
          macOfIp,
          decide,
          staticDir: DEBIAN_IPXE_DIR,
          logger,
          ...this.generated(address),
        }),
      ),
      logger: logger.child({ service: 'tftp' }),
      metrics: this.options.metrics,
      packetCache: cache.tftp,
    });
    await tftp.start();
    const http = this.httpServer(address, cache.http);
    await http.listen({ host: address, port: this.options.ports?.http ?? 80 });
    this.running = { address, tftp, uboot, http, api: undefined };
    logger.info({ address }, 'TFTP and HTTP boot services listening');
    await this.listenApi(address);
  }

  /** The generated boot files of Raspberry Pi nodes, when the agent has a directory for them. */
  private generated(address: string): { generated?: GeneratedFiles } {
    const dir = this.options.generatedDir;
    if (dir === undefined) return {};
    const { segments, segment, exportPathOf } = this.options;
    return {
      generated: createRpiFiles({
        dir,
        server: address,
        segment: () => segments.get(segment)?.spec,
        exportPathOf,
        probe: nodeFsProbe,
      }),
    };
  }

  /** The same service on the pod network (--api-listen), or nothing: all or nothing with the lab side. */
  private async listenApi(address: string): Promise<void> {
    const listen = this.options.apiListen;
    if (!listen) return;
    // No boot file cache: boot files are for the lab (and need the token here).
    const api = this.httpServer(address, { maxBytes: 0, maxFileBytes: 0 }, 'api');
    try {
      await api.listen({ host: listen.host, port: listen.port });
    } catch (error) {
      // All or nothing: the next change of the segment tries again from the start.
      await this.close();
      throw error;
    }
    if (this.running) this.running.api = api;
    this.options.logger.info({ listen }, 'agent API listening on the pod network');
  }

  private httpServer(
    address: string,
    fileCache: FileCacheOptions,
    listener: 'lab' | 'api' = 'lab',
  ): FastifyInstance {
    const { view, macOfIp, logger } = this.options;
    const recordBootup = createBootupRecorder({ kc: this.options.kc, segment: this.options.segment, logger });
    return createHttpServer({
      segment: this.options.segment,
      serverAddress: address,
      view,
      macOfIp,
      exportPathOf: this.options.exportPathOf,
      extraKernelArgs: (target) => nodeKernelArgs(target.node),
      onBootup: async (event) => {
        this.options.beforeBootupRecorded?.(event);
        await recordBootup(event);
        this.options.onBootup?.(event);
      },
      ...(this.options.apiToken ? { apiToken: this.options.apiToken } : {}),
      ...(this.options.httpPlugins ? { plugins: this.options.httpPlugins } : {}),
      logger,
      metrics: this.httpMetrics,
      fileCache,
      listener,
      ...(this.options.httpLimits ? { limits: this.options.httpLimits } : {}),
    });
  }
}

export function createBootServices(options: BootServicesOptions): BootServices {
  return new Services(options);
}
