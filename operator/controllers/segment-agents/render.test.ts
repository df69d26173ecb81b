import { segmentAgentRbac } from '../../../api/rbac/segment-agent.js';
import { SegmentNameUnfit } from './errors.js';
import { CONFIG, segmentFixture } from '../../../test/support/fixtures/segment-agents.js';
import { renderSegmentAgents } from './render.js';

describe('renderSegmentAgents', () => {
  it('renders the identity of ADR 0011, the Service and the DaemonSet, all owned by the segment', () => {
    const objects = renderSegmentAgents(segmentFixture('lab'), CONFIG);
    expect(objects.map((o) => `${o.kind}/${o.metadata!.name}`)).toEqual([
      ...segmentAgentRbac('lab').map((o) => `${o.kind}/${o.metadata!.name}`),
      'Service/walt-agent-lab',
      'NetworkPolicy/walt-agent-lab',
      'DaemonSet/walt-agent-lab',
    ]);
    for (const object of objects) {
      expect(object.metadata!.ownerReferences).toEqual([
        {
          apiVersion: 'walt.dev/v1alpha1',
          kind: 'WaltSegment',
          name: 'lab',
          uid: 'uid-lab',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  it.each(['a'.repeat(53), 'lab.one', 'Lab', '-lab'])(
    'refuses segment %j, which cannot name them',
    (name) => {
      let code: string | undefined;
      try {
        renderSegmentAgents(segmentFixture(name), CONFIG);
      } catch (error) {
        code = (error as { code?: string }).code;
      }
      expect(code).toBe(SegmentNameUnfit.code);
    },
  );
});
