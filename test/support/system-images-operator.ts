// A second operator for the e2e suites whose lab operator watches only the suite's namespace (other
// suites share the apiserver): it watches walt-system only, where the default images (`image:
// default`) live, as the testbed's one operator does for all namespaces.
import type * as k8s from '@kubernetes/client-node';
import { DEFAULT_IMAGE_NAMESPACE } from '../../agents/netboot/gate.js';
import { createOperator } from '../../operator/main.js';
import type { Manager } from '../../runtime/index.js';

/** Starts it; `suite` names its Lease identity (one per suite and process). */
export async function startSystemImagesOperator(kc: k8s.KubeConfig, suite: string): Promise<Manager> {
  const operator = createOperator({
    kc,
    identity: `e2e-${suite}-walt-system-${process.pid}`,
    healthPort: 0,
    handleSignals: false,
    agentUrlPolicy: { allowLoopback: true },
    namespace: DEFAULT_IMAGE_NAMESPACE,
  });
  await operator.start();
  return operator;
}
