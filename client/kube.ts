// Which cluster and namespace the command talks to, the way kubectl decides: --kubeconfig, else
// KUBECONFIG (a list of files), else ~/.kube/config or the in-cluster service account; --context picks
// a context; --namespace, else the context's namespace, else "default".
import { ERR_CLI_KUBECONFIG, ERR_CLI_USAGE } from './errors.js';
import * as k8s from '@kubernetes/client-node';
import { PooledKubeConfig } from '../common/kube-config.js';

export interface KubeOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface Kube {
  kc: k8s.KubeConfig;
  namespace: string;
  /** The API server's URL, for messages. */
  server: string;
}

export function loadKube(options: KubeOptions): Kube {
  const kc = new PooledKubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw ERR_CLI_KUBECONFIG(error instanceof Error ? error.message : String(error));
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw ERR_CLI_USAGE(`no context "${options.context}" in the kubeconfig (it has: ${known.join(', ')})`);
    }
    kc.setCurrentContext(options.context);
  }
  return { kc, namespace: namespaceOf(kc, options.namespace), server: kc.getCurrentCluster()?.server ?? '?' };
}

/** The namespace given, else the current context's, else "default". */
export function namespaceOf(kc: k8s.KubeConfig, given?: string): string {
  if (given) return given;
  return kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
}
