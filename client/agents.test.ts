import * as k8s from '@kubernetes/client-node';
import { ERR_AGENT_URL_REFUSED } from '../api/agent/api-url.js';
import type { WaltSegment } from '../api/v1alpha1/index.js';
import type { WaltError } from '../common/errors.js';
import { createAgentDirectory } from './agents.js';

const segment = (name: string, serverAddress: string, apiUrl?: string): WaltSegment =>
  ({
    metadata: { name },
    spec: { serverAddress },
    ...(apiUrl ? { status: { agent: { apiUrl } } } : {}),
  }) as WaltSegment;

describe('the agent directory', () => {
  const good = segment('good', '10.1.0.1', 'http://10.1.0.1');
  const foreign = segment('foreign', '10.2.0.1', 'http://203.0.113.9');
  const silent = segment('silent', '10.3.0.1');

  it('leaves a segment whose published URL is refused out of all(), says so once, names it missing', async () => {
    // Given a segment whose agent published a URL that is not its own, beside a good one
    const leftOut: Array<[string, string]> = [];
    const agents = createAgentDirectory(
      new k8s.KubeConfig(),
      () => Promise.resolve([good, foreign, silent]),
      {},
      (name, error) => leftOut.push([name, error.code]),
    );
    // When all agents are asked for (twice)
    const all = await agents.all();
    await agents.all();
    // Then only the good one is used, the refusal is reported once, and both others are missing
    expect(all.map((a) => a.segment)).toEqual(['good']);
    expect(leftOut).toEqual([['foreign', ERR_AGENT_URL_REFUSED.code]]);
    expect(await agents.missing()).toEqual(['foreign', 'silent']);
  });

  it('still refuses that segment by name, with the code that says what to fix', async () => {
    const agents = createAgentDirectory(new k8s.KubeConfig(), () => Promise.resolve([good, foreign]));
    await expect(agents.forSegment('foreign')).rejects.toMatchObject({ code: ERR_AGENT_URL_REFUSED.code });
    await expect(agents.forSegment('good')).resolves.toMatchObject({ segment: 'good' });
  });

  it('fails with the refusal when no published URL may be used', async () => {
    const agents = createAgentDirectory(new k8s.KubeConfig(), () => Promise.resolve([foreign, silent]));
    const error = (await agents.all().catch((e: unknown) => e)) as WaltError;
    expect(error.code).toBe(ERR_AGENT_URL_REFUSED.code);
    expect(error.message).toContain('203.0.113.9');
  });
});
