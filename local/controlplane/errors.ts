// Coded errors of the local control plane's set-up steps.
import { defineError } from '../../common/errors.js';

export const CrdDiscoveryTimeout = defineError(
  'WALT_ERR_CRD_DISCOVERY_TIMEOUT',
  (seconds: number, missing: string) =>
    `the API server's discovery still lacks ${missing} ${seconds} s after the CRDs were Established; check the kube-apiserver log (logs/ of the instance) and run the install again`,
  504,
);

export const DiscoveryCacheOutside = defineError(
  'WALT_ERR_DISCOVERY_CACHE_OUTSIDE',
  (server: string) =>
    `the kubeconfig's server "${server}" maps to a discovery cache path outside the cache directory; remove the stale entry by hand or pass a plain https://host:port server`,
  400,
);
