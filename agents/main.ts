// The boot agent of one WaltSegment: the image cache (pull + unpack of every WaltImage, per-segment
// status, garbage collection; leader-elected per segment) and, with --boot, the DHCP, TFTP and HTTP
// boot services on the segment interface this process owns (run it in the segment's network namespace,
// or in a pod that got the lab NIC: ADR 0013, --bridge and --api-listen).
import { systemNamespace } from '../api/system-namespace.js';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { WaltImage } from '../api/v1alpha1/index.js';
import { parseDurationMs } from '../common/duration.js';
import { isWaltError } from '../common/errors.js';
import { loadKubeConfig } from '../common/kube-config.js';
import { createLogger, type Logger } from '../common/logger.js';
import {
  type Controller,
  createInformer,
  createManager,
  type Informer,
  type Manager,
} from '../runtime/index.js';
import { RESOURCES, type WaltNode, type WaltSegment } from '../api/v1alpha1/index.js';
import { DEFAULT_BOOT_CACHE_MIB, parseBootCacheMib } from './boot-memory-budget.js';
import { createBootServices } from './boot-services.js';
import { checkHealthHost, DEFAULT_HEALTH_HOST } from './health-host.js';
import { parseApiListen, type ApiListen } from './api-listen.js';
import { createDownRecorder } from './http/bootup-status.js';
import type { HttpLimits } from './http/server.js';
import { createCommandService, type CommandService } from './commands/index.js';
import { createLogService, type LogService, type LogServiceStoreConfig } from './log-service/index.js';
import { createDhcpService } from './dhcp/service.js';
import { createNfsService } from './nfs/service.js';
import { createNatService } from './nat/service.js';
import { createRaService } from './ra/service.js';
import { physicalPowerController } from './power/physical-controller.js';
import { createRebootPath } from './power/reboot-path.js';
import { softRebootChannel } from './power/soft-reboot.js';
import { createTopologyService } from './topology/service.js';
import { createVnodeService, type VnodeService } from './vnodes/index.js';
import { cacheView, type CacheView } from './netboot/informer-boot-view.js';
import { imageAgentController } from './images/controller.js';
import { secretReader } from '../oci/index.js';
import { cleanTemporary } from './images/store/gc.js';
import { cacheLayout } from './images/store/layout.js';
import { SaveService } from './save/service.js';

export interface AgentOptions {
  kc: k8s.KubeConfig;
  segment: string;
  cacheDir: string;
  identity: string;
  healthPort: number;
  /**
   * Address of the health and metrics server (default 127.0.0.1). In boot mode neither a wildcard nor
   * the segment address is allowed: that is the lab network (health-host.ts).
   */
  healthHost?: string;
  leaseNamespace?: string;
  handleSignals?: boolean;
  /** Serve the WaltImages of one namespace only (default: all). */
  imageNamespace?: string;
  /**
   * Serve DHCP, TFTP, HTTP and NFS boot on this process's network (the agent owns the segment's
   * interface). `nfsGraceMs`: how long an image no node uses stays exported; `cacheMib`: memory for
   * hot boot files (HTTP and TFTP, boot-memory-budget.ts); `httpLimits`: timeouts, sizes and connection
   * caps of the HTTP service (agents/http/limits.ts).
   */
  boot?: { leasesFile: string; nfsGraceMs?: number; cacheMib?: number; httpLimits?: Partial<HttpLimits> };
  /** The log store (default: SQLite at <cacheDir>/logs.sqlite). */
  logStore?: LogServiceStoreConfig;
  /** Where the operator and users reach the agent's API (default http://<segment server address>). */
  apiUrl?: string;
  /** The agent's own namespace (its token Secret); default walt-system. */
  namespace?: string;
  /**
   * The bridge of the segment in this network namespace, when it is not spec.interface: in a pod
   * (ADR 0013) spec.interface names the host's NIC, moved into the pod and enslaved to this bridge
   * (walt0). Virtual nodes' taps and router advertisements use it.
   */
  bridge?: string;
  /** Serve the agent API on the pod network too, token first (api-listen.ts, http/api-listener.ts). */
  apiListen?: ApiListen;
}

/** A running agent: the image controller (leader-elected) and the boot services with their caches. */
export interface Agent {
  readonly manager: Manager;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const RELIST_MS = 5 * 60_000;

export async function createAgent(options: AgentOptions): Promise<Agent> {
  const logger = createLogger('walt-agent').child({ segment: options.segment });
  const healthHost = options.healthHost ?? DEFAULT_HEALTH_HOST;
  checkHealthHost(healthHost, { boot: options.boot !== undefined });
  const layout = cacheLayout(options.cacheDir);
  await cleanTemporary(layout);
  const manager = createManager({
    kc: options.kc,
    identity: options.identity,
    healthPort: options.healthPort,
    healthHost,
    logger,
    handleSignals: options.handleSignals ?? true,
    ...(options.leaseNamespace
      ? { leaderElection: { namespace: options.leaseNamespace, name: `walt-agent-${options.segment}` } }
      : {}),
  });
  // Image pull secrets and the power drivers' Secrets: one reader, one API client.
  const readSecret = secretReader(options.kc);
  // Pull progress goes to the log service's platform.devices stream once it exists (boot mode).
  let imageProgress: ((line: string) => void) | undefined;
  const images: Controller<WaltImage> = manager.addController({
    ...imageAgentController({
      segment: options.segment,
      layout,
      readSecret,
      logger,
      listImages: () => images.informer.list(),
      onProgress: (line) => imageProgress?.(line),
    }),
    ...(options.imageNamespace ? { namespace: options.imageNamespace } : {}),
  });
  const segments: Informer<WaltSegment> = createInformer(options.kc, RESOURCES.segment, {
    relistPeriodMs: RELIST_MS,
    logger,
  });
  const nodes: Informer<WaltNode> = createInformer(options.kc, RESOURCES.node, {
    relistPeriodMs: RELIST_MS,
    logger,
  });
  const view = cacheView({ segments, nodes, images: images.informer }, layout);
  // The boot services answer the segment's broadcasts: only the leading agent of a segment runs them.
  if (options.boot) {
    const logs = createLogService({
      segment: options.segment,
      store: options.logStore ?? { kind: 'sqlite', file: path.join(options.cacheDir, 'logs.sqlite') },
      listNodes: () => nodes.list(),
      listImages: () => images.informer.list(),
      logger,
      metrics: manager.metrics.registry,
    });
    imageProgress = (line) => logs.platform.imageProgress(line);
    const agentNamespace = options.namespace ?? systemNamespace();
    // Set below, once the virtual nodes' service exists: `walt node console` attaches to its VMs.
    const late: { vnodes?: VnodeService } = {};
    const commands = createCommandService({
      consoles: (node, tap) => late.vnodes?.openConsole(node, tap),
      kc: options.kc,
      segment: options.segment,
      namespace: agentNamespace,
      apiUrl: options.apiUrl ?? (() => apiUrlOf(segments.get(options.segment))),
      workDir: path.join(options.cacheDir, 'commands'),
      appendLogs: (lines) => logs.append(lines.map((line) => ({ ...line, ts: new Date(line.ts) }))),
      logger,
      metrics: manager.metrics.registry,
    });
    // walt node save (ADR 0021): its routes on the agent API, its layers in the making in the cache.
    const saves = new SaveService({
      exec: (node, request) => commands.exec(node, request),
      layout,
      workDir: path.join(options.cacheDir, 'saves'),
      logger: logger.child({ service: 'saves' }),
      metrics: manager.metrics.registry,
    });
    const recordDown = createDownRecorder({
      kc: options.kc,
      segment: options.segment,
      logger,
      node: (name) => nodes.get(name),
    });
    // A node that stops polling for commands is down (WalT keeps a connection per node for the same).
    commands.onConnectionChange((node, connected) => {
      if (connected) return;
      logs.platform.nodeDown(node, 'command channel lost');
      recordDown(node, 'command channel lost').catch((err: unknown) =>
        logger.warn({ err, node }, 'could not mark the node Down'),
      );
    });
    const [dhcp, nfs, files, nat] = bootServices(options, {
      segments,
      nodes,
      images: images.informer,
      view,
      logger,
      manager,
      logs,
      commands,
      saves,
    });
    manager.addLeaderService('logs', logs);
    manager.addLeaderService('dhcp', dhcp);
    manager.addLeaderService(
      'ra',
      createRaService({
        segment: options.segment,
        segments,
        logger,
        ...(options.bridge ? { interface: options.bridge } : {}),
      }),
    );
    manager.addLeaderService('nat', nat);
    manager.addLeaderService('nfs', nfs);
    manager.addLeaderService('tftp-http', files);
    // Stopped before the HTTP service (services stop in reverse): it answers the nodes' waiting polls.
    manager.addLeaderService('commands', commands);
    manager.addLeaderService('saves', saves);
    manager.addLeaderService(
      'vnodes',
      (late.vnodes = createVnodeService({
        kc: options.kc,
        segment: options.segment,
        cacheDir: options.cacheDir,
        manager,
        logger,
        metrics: manager.metrics.registry,
        bridgeOf: () => options.bridge ?? segments.get(options.segment)?.spec.interface,
        onConsoleLine: (node, line) => logs.consoleLine(node, line),
      })),
    );
    // Nodes powered from outside (PoE, webhook): the same reboot path, without the qemu driver, with
    // WalT's escalation (soft through the command channel first) and the boot watchdog.
    manager.addController(
      physicalPowerController({
        segment: options.segment,
        reboots: createRebootPath({
          kc: options.kc,
          segment: options.segment,
          logger,
          outside: {
            channel: softRebootChannel(commands),
            namespace: agentNamespace,
            readSecret,
          },
        }),
      }),
    );
    // Switch discovery (LLDP over SNMP) of the switches the segment lists: node ports, walt device tree.
    manager.addLeaderService(
      'topology',
      createTopologyService({
        kc: options.kc,
        segment: options.segment,
        segments,
        nodes,
        logger,
        metrics: manager.metrics.registry,
      }),
    );
  }
  return {
    manager,
    async start(): Promise<void> {
      await Promise.all([segments.start(), nodes.start()]);
      await Promise.all([segments.waitForSync(30_000), nodes.waitForSync(30_000)]);
      const segmentAddress = segments.get(options.segment)?.spec.serverAddress;
      checkHealthHost(healthHost, {
        boot: options.boot !== undefined,
        ...(segmentAddress === undefined ? {} : { segmentAddress }),
      });
      await manager.start();
      await manager.servicesStarted();
    },
    async stop(): Promise<void> {
      await manager.stop();
      await Promise.all([segments.stop(), nodes.stop()]);
    },
  };
}

interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Shared {
  segments: Informer<WaltSegment>;
  nodes: Informer<WaltNode>;
  images: Informer<WaltImage>;
  view: CacheView;
  logger: Logger;
  manager: Manager;
  logs: LogService;
  commands: CommandService;
  saves: SaveService;
}

/** DHCP first (TFTP, HTTP and NFS know clients by their DHCP lease), then NFS (the boot script names its exports). */
function bootServices(
  options: AgentOptions,
  shared: Shared,
): [dhcp: Service, nfs: Service, files: Service, nat: Service] {
  const { segments, nodes, images, view, logger, manager, logs, commands, saves } = shared;
  const dhcp = createDhcpService({
    kc: options.kc,
    segment: options.segment,
    segments,
    view,
    leasesFile: options.boot!.leasesFile,
    logger: logger.child({ service: 'dhcp' }),
    metrics: manager.metrics.registry,
  });
  const nfs = createNfsService({
    segment: options.segment,
    segments,
    nodes,
    images,
    view,
    ipOfMac: (mac) => dhcp.ipOfMac(mac),
    cacheDir: options.cacheDir,
    logger: logger.child({ service: 'nfs' }),
    metrics: manager.metrics.registry,
    ...(options.boot?.nfsGraceMs === undefined ? {} : { graceMs: options.boot.nfsGraceMs }),
  });
  // The masquerade of netsetup NAT nodes follows their leases (agents/nat).
  const nat = createNatService({
    kc: options.kc,
    segment: options.segment,
    segments,
    nodes,
    bridgeOf: () => options.bridge ?? segments.get(options.segment)?.spec.interface,
    ipOfMac: (mac) => dhcp.ipOfMac(mac),
    logger: logger.child({ service: 'nat' }),
  });
  dhcp.onLeaseChange(() => {
    nfs.poke();
    nat.poke();
  });
  const files = createBootServices({
    kc: options.kc,
    segment: options.segment,
    segments,
    view,
    macOfIp: (ip) => dhcp.macOfIp(ip),
    exportPathOf: (target) => nfs.exportPathOf(target),
    generatedDir: path.join(options.cacheDir, 'tftp-generated'),
    logger,
    metrics: manager.metrics.registry,
    httpPlugins: [logs.plugin, commands.plugin, saves.plugin],
    apiToken: () => commands.apiToken(),
    beforeBootupRecorded: (event) => commands.rebooted(event.node.metadata.name, event.bootId),
    onBootup: (event) => logs.platform.nodeBooted(event.node.metadata.name, event.ip, event.image),
    ...(options.boot?.cacheMib === undefined ? {} : { cacheMib: options.boot.cacheMib }),
    ...(options.boot?.httpLimits === undefined ? {} : { httpLimits: options.boot.httpLimits }),
    ...(options.apiListen ? { apiListen: options.apiListen } : {}),
  });
  return [dhcp, nfs, files, nat];
}

function defaultCacheDir(segment: string): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'walt-operator', 'agent', segment);
}

function apiUrlOf(segment: WaltSegment | undefined): string | undefined {
  return segment ? `http://${segment.spec.serverAddress}` : undefined;
}

function logStoreOf(value: string): LogServiceStoreConfig {
  if (/^postgres(ql)?:\/\//.test(value)) return { kind: 'postgres', url: value };
  if (value.startsWith('sqlite:')) return { kind: 'sqlite', file: value.slice('sqlite:'.length) };
  throw new Error(`--log-store ${value}: give sqlite:<file> or a postgres:// URL`);
}

function parseFlags() {
  return parseArgs({
    options: {
      segment: { type: 'string' },
      'cache-dir': { type: 'string' },
      'health-port': { type: 'string', default: process.env.WALT_HEALTH_PORT ?? '8082' },
      // The health/metrics server's address; never the lab network in boot mode (health-host.ts).
      'health-host': { type: 'string', default: process.env.WALT_HEALTH_HOST ?? DEFAULT_HEALTH_HOST },
      // HTTP service limits (agents/http/limits.ts): durations such as "120s", counts.
      'http-request-timeout': { type: 'string', default: process.env.WALT_HTTP_REQUEST_TIMEOUT },
      'http-headers-timeout': { type: 'string', default: process.env.WALT_HTTP_HEADERS_TIMEOUT },
      'http-max-connections': { type: 'string', default: process.env.WALT_HTTP_MAX_CONNECTIONS },
      'http-max-connections-per-client': {
        type: 'string',
        default: process.env.WALT_HTTP_MAX_CONNECTIONS_PER_CLIENT,
      },
      'lease-namespace': { type: 'string', default: process.env.POD_NAMESPACE ?? 'default' },
      identity: { type: 'string', default: process.env.POD_NAME ?? `${os.hostname()}-${process.pid}` },
      boot: { type: 'boolean', default: false },
      'leases-file': { type: 'string' },
      'nfs-grace': { type: 'string', default: process.env.WALT_NFS_GRACE ?? '60s' },
      // Memory for hot boot files, HTTP and TFTP together, in MiB (0: off).
      'boot-cache-mib': {
        type: 'string',
        default: process.env.WALT_BOOT_CACHE_MIB ?? String(DEFAULT_BOOT_CACHE_MIB),
      },
      // Where the operator and users reach this agent's HTTP API (default: http://<segment address>).
      'api-url': { type: 'string', default: process.env.WALT_AGENT_API_URL },
      // Log store: "sqlite:<file>" (default <cache>/logs.sqlite) or a postgres:// URL.
      'log-store': { type: 'string', default: process.env.WALT_LOG_STORE },
      // In a pod (ADR 0013): the bridge holding the moved lab NIC (walt0), and the pod address
      // (<ip>:<port>) the agent API is served on for the Service.
      bridge: { type: 'string', default: process.env.WALT_AGENT_BRIDGE },
      'api-listen': { type: 'string', default: process.env.WALT_AGENT_API_LISTEN },
    },
  }).values;
}

type Flags = ReturnType<typeof parseFlags>;

function durationFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDurationMs(value);
  if (ms === undefined || ms <= 0) throw new Error(`--${name} ${value}: give a duration such as 30s or 2m`);
  return Math.round(ms);
}

function countFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count <= 0)
    throw new Error(`--${name} ${value}: give a positive integer`);
  return count;
}

/** The HTTP limits given by flags (the others keep their defaults). */
function httpLimitFlags(values: Flags): Partial<HttpLimits> {
  const given: Partial<HttpLimits> = {
    requestTimeoutMs: durationFlag('http-request-timeout', values['http-request-timeout']),
    headersTimeoutMs: durationFlag('http-headers-timeout', values['http-headers-timeout']),
    maxConnections: countFlag('http-max-connections', values['http-max-connections']),
    maxConnectionsPerClient: countFlag(
      'http-max-connections-per-client',
      values['http-max-connections-per-client'],
    ),
  };
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
}

/** The optional parts of the agent's options given by flags. */
function optionalOptions(values: Flags, cacheDir: string): Partial<AgentOptions> {
  return {
    ...(values.boot
      ? {
          boot: {
            leasesFile: values['leases-file'] ?? path.join(cacheDir, 'dhcp-leases.json'),
            nfsGraceMs: parseDurationMs(values['nfs-grace']),
            cacheMib: parseBootCacheMib(values['boot-cache-mib']),
            httpLimits: httpLimitFlags(values),
          },
        }
      : {}),
    ...(values['log-store'] ? { logStore: logStoreOf(values['log-store']) } : {}),
    ...(values['api-url'] ? { apiUrl: values['api-url'] } : {}),
    ...(values.bridge ? { bridge: values.bridge } : {}),
    ...(values['api-listen'] ? { apiListen: parseApiListen(values['api-listen']) } : {}),
  };
}

async function main(): Promise<void> {
  const values = parseFlags();
  const segment = values.segment ?? process.env.WALT_SEGMENT;
  if (!segment) throw new Error('which segment does this agent serve? pass --segment <WaltSegment name>');
  const kc = loadKubeConfig();
  const cacheDir = values['cache-dir'] ?? defaultCacheDir(segment);
  // The API listener is one of the boot services (leader only): without --boot it would never listen.
  if (values['api-listen'] && !values.boot)
    throw new Error('--api-listen serves the boot mode API: add --boot');
  const agent = await createAgent({
    kc,
    segment,
    cacheDir,
    ...optionalOptions(values, cacheDir),
    identity: values.identity,
    namespace: values['lease-namespace'],
    healthPort: Number(values['health-port']),
    healthHost: values['health-host'],
    leaseNamespace: values['lease-namespace'],
  });
  await agent.start();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(
      isWaltError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : error,
    );
    process.exit(1);
  });
}
