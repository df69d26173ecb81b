// `walt log show --realtime` in a real terminal: the built CLI runs in a detached tmux session (a pty,
// so the CLI sees a TTY as a user's shell gives it), lines are appended through the agent API, and
// the pane is captured until they appear. The agent API is the test's (cli-fake-agent.ts), found
// through the WaltSegment's status.agent.apiUrl as the CLI finds a real agent.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { builtCli, ensureCliBuilt } from './cli-support.js';
import { publishFakeAgent, startFakeAgent, type FakeAgent } from './cli-fake-agent.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';
import { requireTool, TOOLS } from '../support/require-tool.js';

const group = 'walt.dev';
const version = 'v1alpha1';
const exec = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('walt log show --realtime in a terminal (tmux)', () => {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const segment = uniqueName('clirt-seg');
  const session = uniqueName('walt-rt');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let agent: FakeAgent;

  const capture = async (): Promise<string> =>
    (await exec('tmux', ['capture-pane', '-p', '-t', session])).stdout;
  async function until(predicate: (pane: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let pane = '';
    while (Date.now() < deadline) {
      pane = await capture();
      if (predicate(pane)) return pane;
      await sleep(200);
    }
    throw new Error(`the pane did not show what was expected within ${timeoutMs} ms:\n${pane}`);
  }

  beforeAll(async () => {
    requireTool(TOOLS.tmux); // the terminal is the point of this test: without tmux it fails
    await ensureCliBuilt();
    ns = await testNamespace('clirt');
    agent = await startFakeAgent();
    await publishFakeAgent(agent, { segment, namespace: ns.name, bridge: 'clirt0', subnet: '10.97.0.0/24' });
  }, 180_000);

  afterAll(async () => {
    await exec('tmux', ['kill-session', '-t', session]).catch(() => undefined);
    await api
      .deleteClusterCustomObject({ group, version, plural: 'waltsegments', name: segment })
      .catch(() => undefined);
    await agent?.close();
    await ns?.remove();
  });

  it('prints lines appended after it started, as they arrive, in the chosen format', async () => {
    const script = [
      `'${process.execPath}' '${builtCli}' -n ${ns.name} log show --realtime --issuers vn-rt,server`,
      `--format '{issuer}|{stream}|{line}'; echo 'walt exited'; sleep 60`,
    ].join(' ');
    const env = `KUBECONFIG=${process.env.KUBECONFIG ?? ''}`;
    const size = ['-x', '200', '-y', '50'];
    // The fake agent is on loopback: the CLI may send it a token only when told so (api/agent/api-url.ts).
    const loopback = 'WALT_AGENT_URL_ALLOW_LOOPBACK=1';
    await exec('tmux', [
      'new-session',
      '-d',
      ...size,
      '-s',
      session,
      '-e',
      env,
      '-e',
      loopback,
      'sh',
      '-c',
      script,
    ]);
    // The CLI is following once the agent sees its request.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(await agentFollowed())) await sleep(200);

    const post = (line: string, issuer = 'vn-rt') =>
      fetch(`${agent.url}/api/v1/logs/lines`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ lines: [{ issuer, stream: 'app', line }] }),
      });
    await post('first line');
    await until((pane) => pane.includes('vn-rt|app|first line'), 15_000);
    await post('not mine', 'vn-other');
    await post('second line');
    await post('platform line', 'server');
    const pane = await until((p) => p.includes('server|app|platform line'), 15_000);
    expect(pane).toContain('vn-rt|app|second line');
    expect(pane).not.toContain('not mine');
    expect(pane).not.toContain('walt exited');
  }, 120_000);

  /** Whether a follow request reached the agent (a heartbeat line was answered). */
  async function agentFollowed(): Promise<boolean> {
    const pane = await capture().catch(() => '');
    if (pane.includes('error:')) throw new Error(`walt failed:\n${pane}`);
    return agent.followers() > 0;
  }
});
