// Prometheus metrics of the command channel, in the registry the agent passes.
import { Counter, Gauge, type Registry } from 'prom-client';

export type CommandResultLabel = 'succeeded' | 'failed' | 'timedOut' | 'notConnected' | 'lost' | 'cancelled';

export interface CommandMetrics {
  /** walt_node_commands_total{result}: commands (exec and file transfers) by how they ended. */
  readonly commands: Counter<'result'>;
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
    connected: new Gauge({
      name: 'walt_node_command_channel_connected',
      help: 'Whether the node polls the agent for commands (1) or stopped (0).',
      labelNames: ['node'] as const,
      registers: [registry],
    }),
  };
}
