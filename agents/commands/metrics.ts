// Prometheus metrics of the command channel, in the registry the agent passes.
import { Counter, Gauge, type Registry } from 'prom-client';

export type CommandResultLabel = 'succeeded' | 'failed' | 'timedOut' | 'notConnected' | 'lost' | 'cancelled';

/** How a cancelled command ended: never sent; TERM ended it; KILL after the grace; the node did not say. */
export type CancelLabel = 'queued' | 'term' | 'kill' | 'unconfirmed';

export interface CommandMetrics {
  /** walt_node_commands_total{result}: commands (exec and file transfers) by how they ended. */
  readonly commands: Counter<'result'>;
  /** walt_node_command_cancels_total{ending}: cancelled commands by how they ended (CancelLabel). */
  readonly cancels: Counter<'ending'>;
  /**
   * walt_node_command_output_store_failures_total: outputs of commands (exec with logStream) the log
   * store refused; the exec answer says so too (outputNotStored).
   */
  readonly outputStoreFailures: Counter;
  /** walt_node_command_channel_connected{node}: 1 while the node polls the agent, 0 after it stopped. */
  readonly connected: Gauge<'node'>;
}

export function createCommandMetrics(registry: Registry): CommandMetrics {
  return {
    commands: new Counter({
      name: 'walt_node_commands_total',
      help: 'Commands run on nodes through the command channel, by result (succeeded, failed, timedOut, notConnected, lost, cancelled).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    cancels: new Counter({
      name: 'walt_node_command_cancels_total',
      help: 'Cancelled commands by how they ended: queued (never sent), term (TERM ended it), kill (KILL after the grace), unconfirmed (the node did not report).',
      labelNames: ['ending'] as const,
      registers: [registry],
    }),
    outputStoreFailures: new Counter({
      name: 'walt_node_command_output_store_failures_total',
      help: 'Command outputs (exec with logStream) the log store refused to store.',
      registers: [registry],
    }),
    connected: new Gauge({
      name: 'walt_node_command_channel_connected',
      help: 'Whether the node polls the agent for commands (1) or stopped (0).',
      labelNames: ['node'] as const,
      registers: [registry],
    }),
  };
}
