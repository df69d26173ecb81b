// DELETE /api/v1/logs/lines on a real HTTP service (port 0) with a real SQLite store: what an
// Experiment with keep.logs false asks of the agents when it is deleted, through the client library.
import * as k8s from '@kubernetes/client-node';
import { experimentStreamRegex, type WaltSegment } from '../../api/v1alpha1/index.js';
import { agentOf } from '../../client/agent.js';
import { queryLines, startHarness, TOKEN, type Harness } from '../../test/support/log-service-harness.js';

let h: Harness;
const T0 = 1_700_000_000_000;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

const del = (qs: string, token = TOKEN): Promise<Response> =>
  fetch(`${h.base}/api/v1/logs/lines?${qs}`, {
    method: 'DELETE',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

describe('DELETE /api/v1/logs/lines', () => {
  it("deletes an experiment's step streams, lines still buffered included, and nothing else", async () => {
    await h.logs.append([
      { ts: new Date(T0), issuer: 'vn1', stream: 'experiment.lab.exp1.uname', line: 'exp1 output' },
      { ts: new Date(T0 + 1), issuer: 'vn1', stream: 'experiment.lab.exp10.uname', line: 'exp10 output' },
      { ts: new Date(T0 + 2), issuer: 'vn1', stream: 'platform.nodes', line: 'node vn1 is booted' },
    ]);
    // A line appended through the API just before: still in the agent's buffer when the delete comes.
    const append = await fetch(`${h.base}/api/v1/logs/lines`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        lines: [
          {
            ts: new Date(T0 + 3).toISOString(),
            issuer: 'vn1',
            stream: 'experiment.lab.exp1.ls',
            line: 'late',
          },
        ],
      }),
    });
    expect(append.status).toBe(204);
    const agent = agentOf(
      new k8s.KubeConfig(),
      { metadata: { name: 'lab' }, spec: {}, status: { agent: { apiUrl: h.base } } } as WaltSegment,
      { token: TOKEN, urlPolicy: { allowLoopback: true } },
    );
    expect(await agent.deleteLogStreams({ stream: experimentStreamRegex('lab', 'exp1') })).toBe(2);
    const left = await queryLines(h.base, `since=${T0}&until=${T0 + 10}`);
    expect(left.map((l) => l.line)).toEqual(['exp10 output', 'node vn1 is booted']);
    expect(await agent.deleteLogStreams({ stream: experimentStreamRegex('lab', 'exp1') })).toBe(0);
  });

  it('needs the token (401), a selector (400) and known parameters only (400)', async () => {
    expect((await del('stream=^x', '')).status).toBe(401);
    const none = await del('');
    expect(none.status).toBe(400);
    expect(await errorOf(none)).toBe('WALT_ERR_LOGS_BAD_QUERY');
    const badRegex = await del('stream=(');
    expect(badRegex.status).toBe(400);
    expect(await errorOf(badRegex)).toBe('WALT_ERR_LOGS_BAD_REGEX');
    expect((await del('line=x')).status).toBe(400);
  });
});
