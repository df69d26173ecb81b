// A KubeConfig whose API calls reuse their TLS connections. @kubernetes/client-node 1.x builds a new
// https.Agent for every request (KubeConfig.applySecurityAuthentication), so every status write, event
// or lease renewal opened a new TLS connection and parsed the CA again: a handshake's CPU on both sides
// and a round trip more per call. Here the agent is kept per set of TLS settings, with keep-alive;
// watches are unaffected (they hold their own long connection). Credentials that rotate (exec plugins,
// token files) still apply: tokens are headers, set per request; new client certificates or CAs make a
// new agent.
import { createHash } from 'node:crypto';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';

type RequestContext = Parameters<k8s.KubeConfig['applySecurityAuthentication']>[0];

/** Idle connections are closed after this long (the apiserver's own idle timeout is longer). */
const IDLE_MS = 30_000;
/** Agents kept: rotating client certificates make new ones; the oldest is let go beyond this. */
const MAX_AGENTS = 4;

function settingsKey(options: https.AgentOptions): string {
  const hash = createHash('sha256');
  for (const value of [options.ca, options.cert, options.key, options.pfx, options.passphrase])
    hash.update(JSON.stringify(value ?? null)).update('\0');
  hash.update(String(options.rejectUnauthorized)).update(String(options.servername));
  return hash.digest('hex');
}

export class PooledKubeConfig extends k8s.KubeConfig {
  private readonly pool = new Map<string, https.Agent>();

  /** The agents in use, one per set of TLS settings (tests, diagnostics). */
  agents(): https.Agent[] {
    return [...this.pool.values()];
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const built = context.getAgent();
    // Proxies and plain HTTP keep the library's own agent.
    if (built?.constructor !== https.Agent) return;
    const options = (built as https.Agent & { options: https.AgentOptions }).options;
    const key = settingsKey(options);
    context.setAgent(this.pool.get(key) ?? this.add(key, options));
  }

  private add(key: string, options: https.AgentOptions): https.Agent {
    const agent = new https.Agent({ ...options, keepAlive: true, timeout: IDLE_MS });
    this.pool.set(key, agent);
    for (const oldKey of this.pool.keys()) {
      if (this.pool.size <= MAX_AGENTS) break;
      // Not destroyed: requests under way finish; its idle sockets close after IDLE_MS.
      this.pool.delete(oldKey);
    }
    return agent;
  }
}

/** The kubeconfig of the environment (in-cluster, $KUBECONFIG or ~/.kube/config), pooled. */
export function loadKubeConfig(): k8s.KubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromDefault();
  return kc;
}
