// The command channel without its Kubernetes side: queue, transfers, routes and the timers that drive
// them. index.ts adds the token Secret and the segment status; tests use this part alone.
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.js';
import type { HttpPlugin } from '../http/context.js';
import { MAX_TRANSFER_BYTES } from './body.js';
import { CommandChannel, type AppendLogs, type NodeResult } from './channel.js';
import type { ExecResult } from '../../api/agent/v1.js';
import type { ValidExec } from './requests.js';
import { CommandQueue, type CommandQueueOptions, type ConnectionListener } from './command-queue.js';
import { createCommandMetrics } from './metrics.js';
import { commandRoutes } from './routes.js';
import { TransferStore } from './transfers.js';
import { SessionService } from '../sessions/index.js';
import type { ConsoleSource } from '../sessions/console.js';

export interface ChannelServiceOptions {
  /** Scratch directory for archives in transit (emptied at start). */
  workDir: string;
  appendLogs: AppendLogs;
  logger: Logger;
  metrics: Registry;
  /** Serial consoles of the agent's virtual nodes, for `walt node console` (agents/sessions/). */
  consoles?: ConsoleSource;
  /** Queue settings (tests shorten the channel timeout). */
  queue?: CommandQueueOptions;
}

export interface ChannelService {
  plugin: HttpPlugin;
  connected(node: string): boolean;
  /** The node booted again (its bootup notification): see CommandQueue.rebooted. */
  rebooted(node: string, bootId?: string): void;
  /** Runs a command on the node from inside the agent (the power controller's soft reboot). */
  exec(node: string, request: ValidExec): Promise<ExecResult>;
  onConnectionChange(listener: ConnectionListener): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const SWEEP_MS = 1000;

class Service implements ChannelService {
  readonly plugin: HttpPlugin;
  private readonly queue: CommandQueue<NodeResult>;
  private readonly transfers: TransferStore;
  private readonly channel: CommandChannel;
  private sweeper: NodeJS.Timeout | undefined;
  /** Interactive sessions (ADR 0019) start walt-session through this channel. */
  private readonly sessions: SessionService;

  constructor(private readonly options: ChannelServiceOptions) {
    this.queue = new CommandQueue<NodeResult>(options.queue);
    this.transfers = new TransferStore({
      dir: path.join(options.workDir, 'transfers'),
      maxBytes: MAX_TRANSFER_BYTES,
    });
    const metrics = createCommandMetrics(options.metrics);
    this.queue.onConnectionChange((node, connected) => {
      metrics.connected.set({ node }, connected ? 1 : 0);
      options.logger.info({ node }, connected ? 'command channel up' : 'command channel lost');
    });
    const channel = (this.channel = new CommandChannel({
      queue: this.queue,
      transfers: this.transfers,
      metrics,
      appendLogs: options.appendLogs,
      logger: options.logger,
    }));
    const routes = commandRoutes({ queue: this.queue, transfers: this.transfers, channel });
    this.sessions = new SessionService({
      channel: {
        connected: (node) => this.queue.connected(node),
        exec: (node, request) => channel.exec(node, request),
        cancel: (node, id) => channel.cancel(node, id),
      },
      logger: options.logger,
      metrics: options.metrics,
      ...(options.consoles ? { consoles: options.consoles } : {}),
    });
    this.plugin = (app, ctx) => {
      routes(app, ctx);
      this.sessions.plugin(app, ctx);
    };
  }

  rebooted(node: string, bootId?: string): void {
    this.queue.rebooted(node, bootId);
  }

  exec(node: string, request: ValidExec): Promise<ExecResult> {
    return this.channel.exec(node, request);
  }

  connected(node: string): boolean {
    return this.queue.connected(node);
  }

  onConnectionChange(listener: ConnectionListener): void {
    this.queue.onConnectionChange(listener);
  }

  async start(): Promise<void> {
    // A leader service: started again after a stop when the agent wins its Lease back.
    this.queue.resume();
    await this.transfers.init();
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    this.sessions.stop();
    this.queue.stop();
    await this.transfers.removeAll();
  }

  private sweep(): void {
    this.queue.sweep();
    void this.transfers
      .sweep()
      .catch((err: unknown) => this.options.logger.warn({ err }, 'could not remove expired transfers'));
  }
}

export function createChannelService(options: ChannelServiceOptions): ChannelService {
  return new Service(options);
}
