// The node command channel of a boot agent (ADR 0008): routes for nodes and for controllers/users,
// the queue between them (channel-service.ts), the API token in its Secret (token.ts), and the segment
// status telling clients where the API is (segment-status.ts). The agent wires `plugin` into its HTTP
// service and `apiToken` into the server's token check.
import * as k8s from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { agentTokenSecretName } from '../../api/agent/v1.js';
import type { Logger } from '../../common/logger.js';
import type { HttpPlugin } from '../http/context.js';
import type { ExecResult } from '../../api/agent/v1.js';
import type { AppendLogs } from './channel.js';
import type { ValidExec } from './requests.js';
import { createChannelService, type ChannelService } from './channel-service.js';
import type { ConsoleSource } from '../sessions/console.js';
import type { ConnectionListener } from './command-queue.js';
import { createSegmentStatusWriter, type SegmentStatusWriter } from './segment-status.js';
import { ensureAgentToken } from './token.js';
import { softwareVersion } from '../../common/version.js';

export type { AppendLogs, LogLine } from './channel.js';

export interface CommandServiceOptions {
  kc: k8s.KubeConfig;
  segment: string;
  /** The agent's namespace: where its token Secret lives. */
  namespace: string;
  /**
   * Where the operator and users reach the agent's HTTP API (status.agent.apiUrl); a function when it
   * depends on the segment (its server address), undefined while that is not known yet.
   */
  apiUrl: string | (() => string | undefined);
  /** Scratch directory for archives in transit (emptied at start). */
  workDir: string;
  appendLogs: AppendLogs;
  logger: Logger;
  metrics: Registry;
  /** Serial consoles of the agent's virtual nodes, for `walt node console` (agents/sessions/). */
  consoles?: ConsoleSource;
}

export interface CommandService {
  plugin: HttpPlugin;
  /** The bearer token controllers must show; undefined until start() read or created it. */
  apiToken(): string | undefined;
  connected(node: string): boolean;
  /** The node booted again: commands of its previous boot are lost, its old polls stale. */
  rebooted(node: string, bootId?: string): void;
  /** Runs a command on the node from inside the agent (the power controller's soft reboot). */
  exec(node: string, request: ValidExec): Promise<ExecResult>;
  onConnectionChange(listener: ConnectionListener): void;
  /** Ensures the token Secret and publishes apiUrl/tokenSecret in the segment status. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

// A failed publication (the segment not created yet, the apiserver away) is retried soon, then less
// often: clients cannot reach the agent before it is published, and a node can boot in 20 s.
const STATUS_RETRY_FIRST_MS = 1000;
const STATUS_RETRY_MAX_MS = 30_000;
const STATUS_REFRESH_MS = 10 * 60_000;

class Service implements CommandService {
  readonly plugin: HttpPlugin;
  private readonly channel: ChannelService;
  private readonly logger: Logger;
  private readonly status: SegmentStatusWriter;
  private token: string | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private statusRetryMs = STATUS_RETRY_FIRST_MS;
  private stopped = false;

  constructor(private readonly options: CommandServiceOptions) {
    this.logger = options.logger.child({ service: 'commands', segment: options.segment });
    this.status = createSegmentStatusWriter(options.kc, this.logger);
    this.channel = createChannelService({ ...options, logger: this.logger });
    this.plugin = this.channel.plugin;
  }

  apiToken(): string | undefined {
    return this.token;
  }

  connected(node: string): boolean {
    return this.channel.connected(node);
  }

  rebooted(node: string, bootId?: string): void {
    this.channel.rebooted(node, bootId);
  }

  exec(node: string, request: ValidExec): Promise<ExecResult> {
    return this.channel.exec(node, request);
  }

  onConnectionChange(listener: ConnectionListener): void {
    this.channel.onConnectionChange(listener);
  }

  async start(): Promise<void> {
    // Started again after a stop when the agent leads its segment again.
    this.stopped = false;
    await this.channel.start();
    const core = this.options.kc.makeApiClient(k8s.CoreV1Api);
    this.token = await ensureAgentToken(core, this.options.namespace, this.options.segment);
    this.logger.info({ secret: agentTokenSecretName(this.options.segment) }, 'agent API token ready');
    await this.publish();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.statusTimer);
    await this.channel.stop();
  }

  /** Writes the status now, and again later (a failure is retried; a recreated segment gets it back). */
  private async publish(): Promise<void> {
    let next = STATUS_REFRESH_MS;
    const { apiUrl } = this.options;
    const url = typeof apiUrl === 'string' ? apiUrl : apiUrl();
    try {
      if (url === undefined) throw new Error('the segment (and so the API address) is not known yet');
      await this.status.write(this.options.segment, {
        apiUrl: url,
        tokenSecret: { namespace: this.options.namespace, name: agentTokenSecretName(this.options.segment) },
        version: softwareVersion(),
      });
      this.statusRetryMs = STATUS_RETRY_FIRST_MS;
    } catch (err) {
      next = this.statusRetryMs;
      this.statusRetryMs = Math.min(2 * this.statusRetryMs, STATUS_RETRY_MAX_MS);
      this.logger.warn({ err }, 'could not publish the agent API in the segment status; retrying');
    }
    if (this.stopped) return;
    this.statusTimer = setTimeout(() => void this.publish(), next);
    this.statusTimer.unref();
  }
}

export function createCommandService(options: CommandServiceOptions): CommandService {
  return new Service(options);
}
