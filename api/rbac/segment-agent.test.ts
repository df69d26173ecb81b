import type * as k8s from '@kubernetes/client-node';
import { imagePullSecretAccess, segmentAgentRbac } from './segment-agent.js';

type Rule = k8s.V1PolicyRule;

const rulesOf = (objects: ReturnType<typeof segmentAgentRbac>): Rule[] =>
  objects.flatMap((o) => ('rules' in o ? (o.rules ?? []) : []));

describe('segmentAgentRbac', () => {
  const objects = segmentAgentRbac('lab-a');

  it('makes one ServiceAccount walt-agent-<segment> in walt-system, bound to the shared and its own roles', () => {
    const sa = objects.find((o) => o.kind === 'ServiceAccount')!;
    expect(sa.metadata).toMatchObject({ name: 'walt-agent-lab-a', namespace: 'walt-system' });
    const bindings = objects.filter((o) => o.kind?.endsWith('Binding')) as k8s.V1RoleBinding[];
    const agentBindings = bindings.filter((b) => b.subjects?.some((s) => s.name === 'walt-agent-lab-a'));
    expect(agentBindings.map((b) => b.roleRef.name).sort()).toEqual([
      'walt-agent',
      'walt:agent:lab-a',
      'walt:agent:lab-a',
    ]);
  });

  it('names every resource it grants beyond the shared role, except create (checked by the admission policy)', () => {
    for (const rule of rulesOf(objects)) {
      if (rule.verbs.includes('create')) expect(rule.verbs).toEqual(['create']);
      else expect(rule.resourceNames?.length).toBeGreaterThan(0);
    }
    const secretReads = rulesOf(objects).filter(
      (r) => r.resources?.includes('secrets') && r.verbs.includes('get'),
    );
    expect(secretReads.map((r) => r.resourceNames)).toEqual([
      ['walt-agent-lab-a'],
      ['walt-power-lab-a'],
      ['walt-agent-lab-a'],
    ]);
    for (const rule of secretReads) expect(rule.verbs).toEqual(['get']);
    const status = rulesOf(objects).find((r) => r.resources?.includes('waltsegments/status'));
    expect(status?.resourceNames).toEqual(['lab-a']);
  });

  it('lets the operator (or the readers given) get the token Secret, nobody else', () => {
    const readers = (list: ReturnType<typeof segmentAgentRbac>): k8s.RbacV1Subject[] | undefined =>
      (
        list.find(
          (o) => o.metadata?.name === 'walt:agent-token:lab-a' && o.kind === 'RoleBinding',
        ) as k8s.V1RoleBinding
      ).subjects;
    expect(readers(objects)).toEqual([
      { kind: 'ServiceAccount', name: 'walt-operator', namespace: 'walt-system' },
    ]);
    const alice = { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' };
    expect(readers(segmentAgentRbac('lab-a', { tokenReaders: [alice] }))).toEqual([alice]);
  });

  it('names the power Secrets given instead of walt-power-<segment>', () => {
    const power = rulesOf(segmentAgentRbac('lab-a', { powerSecrets: ['pdu-a', 'poe-a'] })).filter(
      (r) => r.resources?.includes('secrets') && r.resourceNames?.includes('pdu-a'),
    );
    expect(power).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['pdu-a', 'poe-a'], verbs: ['get'] },
    ]);
  });

  it('gives two segments objects of distinct names (":" never occurs in a segment name)', () => {
    const names = (segment: string): string[] =>
      segmentAgentRbac(segment).map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`);
    const a = new Set(names('a'));
    expect(names('token-a').filter((n) => a.has(n))).toEqual([]);
  });
});

describe('imagePullSecretAccess', () => {
  it('opens the named Secrets of one namespace to the ServiceAccounts of walt-system, by name', () => {
    const [role, binding] = imagePullSecretAccess('team', ['pull', 'pull', 'other']);
    expect(role.metadata?.namespace).toBe('team');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['other', 'pull'], verbs: ['get'] },
    ]);
    expect(binding.subjects).toEqual([
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:serviceaccounts:walt-system' },
    ]);
  });

  it('refuses an empty list (a Role without names would open every Secret)', () => {
    expect(() => imagePullSecretAccess('team', [])).toThrow();
  });
});
