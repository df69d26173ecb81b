// Who a boot agent is, per segment (ADR 0011): the ServiceAccount walt-agent-<segment> of the agents'
// namespace and the RBAC objects that let it touch its own segment's objects and nothing of another's.
// The rules shared by every agent (ClusterRole walt-agent) and the ValidatingAdmissionPolicy that says
// what RBAC cannot (create by name, spec.segment, one's own status entry) live in config/rbac/agent.yaml;
// this renders the objects that differ per segment, for the local lab, the tests and whoever installs a
// segment. Pure: objects in, nothing sent.
import { DEFAULT_SYSTEM_NAMESPACE } from '../system-namespace.js';
import type * as k8s from '@kubernetes/client-node';
import { agentTokenSecretName } from '../agent/v1.js';

/** The namespace of the boot agents, their token Secrets and Leases (and of the operator). */
export const AGENT_NAMESPACE = DEFAULT_SYSTEM_NAMESPACE;
/** The operator's ServiceAccount (config/rbac/operator.yaml). */
export const OPERATOR_SERVICE_ACCOUNT = 'walt-operator';
/** The ClusterRole every agent is bound to (config/rbac/agent.yaml). */
export const SHARED_AGENT_CLUSTER_ROLE = 'walt-agent';

/** The ServiceAccount of a segment's agent; also the name of its token Secret and of its Lease. */
export const agentServiceAccountName = (segment: string): string => `walt-agent-${segment}`;
/**
 * The Secret holding the power credentials of a segment's nodes (webhook auth values, SNMP
 * communities; one key each): the one power Secret its agent may read unless others are named.
 */
export const powerSecretName = (segment: string): string => `walt-power-${segment}`;
/** The Lease the agents of a segment elect their leader with. */
export const agentLeaseName = (segment: string): string => `walt-agent-${segment}`;
/** The user name the apiserver gives a ServiceAccount (what the admission policy reads the segment from). */
export const serviceAccountUser = (name: string, namespace = AGENT_NAMESPACE): string =>
  `system:serviceaccount:${namespace}:${name}`;

// Names of RBAC objects carry ':' (allowed there, never in a segment name), so the roles of segment
// "a" and of segment "token-a" can never collide.
const agentRoleName = (segment: string): string => `walt:agent:${segment}`;
const tokenReaderRoleName = (segment: string): string => `walt:agent-token:${segment}`;

const RBAC = 'rbac.authorization.k8s.io';
const RBAC_V1 = `${RBAC}/v1`;

type RbacObject =
  k8s.V1ServiceAccount | k8s.V1Role | k8s.V1RoleBinding | k8s.V1ClusterRole | k8s.V1ClusterRoleBinding;

const labels = (segment: string): Record<string, string> => ({
  'app.kubernetes.io/part-of': 'walt',
  'app.kubernetes.io/component': 'agent-identity',
  'walt.dev/segment': segment,
});

function agentSubject(segment: string, namespace: string): k8s.RbacV1Subject {
  return { kind: 'ServiceAccount', name: agentServiceAccountName(segment), namespace };
}

export interface SegmentAgentRbacOptions {
  /** The agents' namespace (default walt-system). */
  namespace?: string;
  /**
   * Who may read the segment's token Secret, and so run commands on its nodes (ADR 0008): the
   * operator by default; add users or groups here rather than granting get on Secrets.
   */
  tokenReaders?: k8s.RbacV1Subject[];
  /**
   * The Secrets of the agents' namespace its power drivers may read (spec.power.*.secretRef names
   * them), by name: default walt-power-<segment> only. Never a Secret another agent also reads.
   */
  powerSecrets?: readonly string[];
}

/**
 * The per-segment objects, in the order to apply them: the ServiceAccount; its binding to the shared
 * ClusterRole; a ClusterRole for the status of its own WaltSegment only; a Role in the agents'
 * namespace for its own Lease, token Secret and power Secrets only (create by name is checked by the
 * admission policy); a Role that lets the token readers get that Secret.
 */
export function segmentAgentRbac(segment: string, options: SegmentAgentRbacOptions = {}): RbacObject[] {
  const namespace = options.namespace ?? AGENT_NAMESPACE;
  const sa = agentServiceAccountName(segment);
  const secret = agentTokenSecretName(segment);
  const subject = agentSubject(segment, namespace);
  const meta = (name: string, ns?: string): k8s.V1ObjectMeta => ({
    name,
    ...(ns ? { namespace: ns } : {}),
    labels: labels(segment),
  });
  const powerSecrets = options.powerSecrets ?? [powerSecretName(segment)];
  const readers = options.tokenReaders ?? [
    { kind: 'ServiceAccount', name: OPERATOR_SERVICE_ACCOUNT, namespace },
  ];
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta(sa, namespace),
      automountServiceAccountToken: true,
    },
    {
      apiVersion: RBAC_V1,
      kind: 'ClusterRoleBinding',
      metadata: meta(agentRoleName(segment)),
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: SHARED_AGENT_CLUSTER_ROLE },
      subjects: [subject],
    },
    {
      apiVersion: RBAC_V1,
      kind: 'ClusterRole',
      metadata: meta(agentRoleName(segment)),
      rules: [
        // Heartbeat, leases in use, apiUrl: the status of its own WaltSegment, no other.
        {
          apiGroups: ['walt.dev'],
          resources: ['waltsegments/status'],
          resourceNames: [segment],
          verbs: ['get', 'patch'],
        },
      ],
    },
    {
      apiVersion: RBAC_V1,
      kind: 'ClusterRoleBinding',
      metadata: meta(`${agentRoleName(segment)}:segment`),
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: agentRoleName(segment) },
      subjects: [subject],
    },
    {
      apiVersion: RBAC_V1,
      kind: 'Role',
      metadata: meta(agentRoleName(segment), namespace),
      rules: [
        // Leader election: its own Lease (create cannot name one: the admission policy checks the name).
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          resourceNames: [agentLeaseName(segment)],
          verbs: ['get', 'update'],
        },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        // Its API token (ADR 0008): read its own Secret, create it when missing (name checked likewise).
        { apiGroups: [''], resources: ['secrets'], resourceNames: [secret], verbs: ['get'] },
        // Power credentials (docs/power.md): get by name, never list or watch.
        { apiGroups: [''], resources: ['secrets'], resourceNames: [...powerSecrets], verbs: ['get'] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      ],
    },
    {
      apiVersion: RBAC_V1,
      kind: 'RoleBinding',
      metadata: meta(agentRoleName(segment), namespace),
      roleRef: { apiGroup: RBAC, kind: 'Role', name: agentRoleName(segment) },
      subjects: [subject],
    },
    {
      apiVersion: RBAC_V1,
      kind: 'Role',
      metadata: meta(tokenReaderRoleName(segment), namespace),
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [secret], verbs: ['get'] }],
    },
    {
      apiVersion: RBAC_V1,
      kind: 'RoleBinding',
      metadata: meta(tokenReaderRoleName(segment), namespace),
      roleRef: { apiGroup: RBAC, kind: 'Role', name: tokenReaderRoleName(segment) },
      subjects: readers,
    },
  ];
}

/** The name of the Role and RoleBinding that open an image namespace's pull secrets to walt. */
export const IMAGE_PULL_SECRETS_ROLE = 'walt:image-pull-secrets';

/**
 * Opens the named pull secrets of one namespace (those its WaltImages name in spec.pullSecret) to the
 * operator and every boot agent: the group of the ServiceAccounts of the agents' namespace. A namespace
 * that holds private WaltImages applies this (its owner decides); nothing in walt reads any other Secret
 * of it. Every agent pulls every image, so every agent needs every pull secret: a per-segment subject
 * would not be narrower.
 */
export function imagePullSecretAccess(
  namespace: string,
  secretNames: readonly string[],
  agentNamespace = AGENT_NAMESPACE,
): [k8s.V1Role, k8s.V1RoleBinding] {
  if (secretNames.length === 0) throw new TypeError('imagePullSecretAccess needs at least one Secret name');
  const metadata = {
    name: IMAGE_PULL_SECRETS_ROLE,
    namespace,
    labels: { 'app.kubernetes.io/part-of': 'walt' },
  };
  return [
    {
      apiVersion: RBAC_V1,
      kind: 'Role',
      metadata,
      rules: [
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: [...new Set(secretNames)].sort(),
          verbs: ['get'],
        },
      ],
    },
    {
      apiVersion: RBAC_V1,
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: RBAC, kind: 'Role', name: IMAGE_PULL_SECRETS_ROLE },
      subjects: [{ kind: 'Group', apiGroup: RBAC, name: `system:serviceaccounts:${agentNamespace}` }],
    },
  ];
}
