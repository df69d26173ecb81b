// The operator process: controllers for the walt.dev kinds, leader-elected (run two replicas; one
// reconciles), with /healthz, /readyz and /metrics. Runs in-cluster or locally against any kubeconfig.
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { secretReader } from '../oci/index.js';
import type { AgentUrlPolicy } from '../api/agent/api-url.js';
import { connectAgent } from '../client/agent.js';
import { createLogger, type Logger } from '../common/logger.js';
import { loadKubeConfig } from '../common/kube-config.js';
import { segmentHealthController } from './controllers/segment-health/controller.js';
import { waltImageController } from './controllers/waltimage/controller.js';
import type { AgentOperations } from '../api/agent/v1.js';
import { registerExperimentController } from './controllers/experiment/controller.js';
import { createManager, type Manager } from '../runtime/index.js';
import { agentDeployConfig, type AgentDeployConfig } from './controllers/segment-agents/config.js';
import { segmentAgentsController } from './controllers/segment-agents/controller.js';
import { registerOrphanFinalizers } from './controllers/orphan-finalizers/controller.js';
import { defaultImagesConfig, type DefaultImagesConfig } from './controllers/default-images/config.js';
import { defaultImagesController } from './controllers/default-images/controller.js';

export interface OperatorOptions {
  kc: k8s.KubeConfig;
  identity: string;
  healthPort: number;
  leaseNamespace?: string;
  handleSignals?: boolean;
  /** Clock (tests move it to pass re-check intervals). */
  now?: () => number;
  /** Watch one namespace only (default: all). */
  namespace?: string;
  /**
   * The boot agent API of a segment (client/agent.ts), for the Experiment controller's run, copy and
   * checkpoint steps and platform log lines. Default: the agent's HTTP API as its segment publishes it.
   */
  agentFor?: (segment: string) => Promise<AgentOperations>;
  /**
   * Which agent API URLs the default agentFor sends its token to (api/agent/api-url.ts). Default: from
   * the environment (WALT_AGENT_URL_ALLOW_LOOPBACK=1 admits the local lab's loopback relay).
   */
  agentUrlPolicy?: AgentUrlPolicy;
  /**
   * Run each WaltSegment's boot agents as a DaemonSet (ADR 0013). Default: from the environment
   * (WALT_AGENT_IMAGE and friends, set by the chart); null or no WALT_AGENT_IMAGE: no DaemonSets.
   */
  agents?: AgentDeployConfig | null;
  /**
   * Create the default WaltImage of each node model in use (controllers/default-images). Default: from
   * the environment (WALT_DEFAULT_IMAGE_REPOSITORY and friends, set by the chart); null or no
   * repository: none is created.
   */
  defaultImages?: DefaultImagesConfig | null;
}

/**
 * The operator's way to the agent of a segment: the URL its WaltSegment publishes, once checked, and the
 * token Secret walt-agent-<segment> (never the one named in status).
 */
export function defaultAgentFor(
  kc: k8s.KubeConfig,
  urlPolicy?: AgentUrlPolicy,
): (segment: string) => Promise<AgentOperations> {
  return (segment) => connectAgent(kc, segment, urlPolicy ? { urlPolicy } : {});
}

export function createOperator(options: OperatorOptions): Manager {
  const logger = createLogger('walt-operator');
  const manager = createManager({
    kc: options.kc,
    identity: options.identity,
    healthPort: options.healthPort,
    logger,
    handleSignals: options.handleSignals ?? true,
    ...(options.leaseNamespace
      ? { leaderElection: { namespace: options.leaseNamespace, name: 'walt-operator' } }
      : {}),
  });
  registerControllers(manager, options, logger);
  return manager;
}

/** Every controller of the operator; the agents' DaemonSets only with an agent image (chart mode). */
function registerControllers(manager: Manager, options: OperatorOptions, logger: Logger): void {
  const now = options.now ? { now: options.now } : {};
  manager.addController({
    ...waltImageController({ readSecret: secretReader(options.kc), ...now }),
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
  manager.addController(segmentHealthController(now));
  registerExperimentController(manager, {
    kc: options.kc,
    logger,
    agentFor: options.agentFor ?? defaultAgentFor(options.kc, options.agentUrlPolicy),
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
  // In every mode: a segment deleted while its agent runs as a process leaves the same finalizers.
  registerOrphanFinalizers(manager, {
    kc: options.kc,
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
  const agents = options.agents === undefined ? agentDeployConfig(process.env) : options.agents;
  if (agents) manager.addController(segmentAgentsController({ kc: options.kc, config: agents }));
  const defaultImages =
    options.defaultImages === undefined ? defaultImagesConfig(process.env) : options.defaultImages;
  if (defaultImages)
    manager.addController(defaultImagesController({ kc: options.kc, config: defaultImages }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'health-port': { type: 'string', default: process.env.WALT_HEALTH_PORT ?? '8081' },
      'lease-namespace': { type: 'string', default: process.env.POD_NAMESPACE ?? 'default' },
      'no-leader-election': { type: 'boolean', default: false },
      identity: { type: 'string', default: process.env.POD_NAME ?? `${os.hostname()}-${process.pid}` },
      namespace: { type: 'string' },
    },
  });
  const kc = loadKubeConfig();
  const operator = createOperator({
    ...(values.namespace ? { namespace: values.namespace } : {}),
    kc,
    identity: values.identity,
    healthPort: Number(values['health-port']),
    ...(values['no-leader-election'] ? {} : { leaseNamespace: values['lease-namespace'] }),
  });
  await operator.start();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
