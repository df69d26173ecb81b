// A kubeconfig for the local control plane's admin user (client certificate in system:masters).
import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  user: string;
  context: string;
}

export function renderKubeconfig(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: input.context, cluster: { server: input.server, 'certificate-authority': input.caCert } },
    ],
    users: [
      { name: input.user, user: { 'client-certificate': input.clientCert, 'client-key': input.clientKey } },
    ],
    contexts: [{ name: input.context, context: { cluster: input.context, user: input.user } }],
    'current-context': input.context,
  });
}
