// `walt log show --realtime` in a real terminal against the REAL boot agent: the built CLI runs in a
// detached tmux session (a pty, so the CLI sees a TTY as a user's shell gives it) and follows the log
// store of the agent of a lab (test/support/cli-lab.ts: agents/main.ts in its network namespace as its
// segment's ServiceAccount, found through the WaltSegment's status.agent.apiUrl as the CLI finds any
// agent). Lines come from the simulated machine's real walt-log-echo and through the agent's log API;
// the pane is captured until they appear.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AgentOperations } from '../../api/agent/v1.js';
import { connectAgent } from '../../client/agent.js';
import { startCliLab, type CliLab } from '../support/cli-lab.js';
import { waitFor } from '../support/wait.js';
import { builtCli, ensureCliBuilt } from './cli-support.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';
import { requireTool, TOOLS } from '../support/require-tool.js';

const exec = promisify(execFile);

describe('walt log show --realtime in a terminal (tmux), against the real agent', () => {
  const kc = kubeConfig();
  const segment = uniqueName('clirt-seg');
  const machine = uniqueName('clirt-m');
  const session = uniqueName('walt-rt');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: CliLab;
  let agent: AgentOperations;
  let dir: string;

  const capture = async (): Promise<string> =>
    (await exec('tmux', ['capture-pane', '-p', '-t', session])).stdout;
  /** Pane lines (trailing blanks dropped). */
  const paneLines = (pane: string): string[] =>
    pane
      .split('\n')
      .map((l) => l.trimEnd())
      .filter(Boolean);
  const until = (what: string, predicate: (pane: string) => boolean, timeoutMs: number): Promise<string> =>
    waitFor(
      what,
      async () => {
        const pane = await capture();
        if (pane.includes('error:')) throw new Error(`walt failed:\n${pane}`);
        return predicate(pane) ? pane : undefined;
      },
      timeoutMs,
    ).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}; the pane:\n${await capture().catch(() => '')}`);
    });

  beforeAll(async () => {
    requireTool(TOOLS.tmux); // the terminal is the point of this test: without tmux it fails
    await ensureCliBuilt();
    ns = await testNamespace('clirt');
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-clirt-'));
    lab = await startCliLab({
      kc,
      namespace: ns.name,
      segment,
      netns: `wclirt-${process.pid}`,
      prefix: '10.97.0',
      node: machine,
      dir,
    });
    agent = await connectAgent(kc, segment, { urlPolicy: { allowLoopback: true } });
  }, 300_000);

  afterAll(async () => {
    await exec('tmux', ['kill-session', '-t', session]).catch(() => undefined);
    await lab?.stop();
    await ns?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('prints lines appended after it started, as they arrive, in the chosen format', async () => {
    const script = [
      `'${process.execPath}' '${builtCli}' -n ${ns.name} log show --realtime --issuers ${machine},server`,
      `--format '{issuer}|{stream}|{line}'; echo 'walt exited'; sleep 60`,
    ].join(' ');
    const size = ['-x', '200', '-y', '50'];
    // The lab relays the agent's API to loopback: the CLI may send it a token only when told so.
    const env = [`KUBECONFIG=${process.env.KUBECONFIG ?? ''}`, 'WALT_AGENT_URL_ALLOW_LOOPBACK=1'];
    await exec('tmux', [
      ...['new-session', '-d', ...size, '-s', session],
      ...env.flatMap((e) => ['-e', e]),
      ...['sh', '-c', script],
    ]);
    // Following once a line the machine sends shows: it sends numbered probes (at most 60) until one does.
    const probe = `${machine}|probe|probe `;
    for (let i = 1; i <= 60 && !(await capture()).includes(probe); i += 1) {
      await lab.node.logEcho('probe', `probe ${i}`);
      await until(`probe ${i} on the pane`, (pane) => pane.includes(probe), 1000).catch(() => undefined);
    }
    await until('a probe line on the pane', (pane) => pane.includes(probe), 1000);

    await lab.node.logEcho('app', 'first line');
    await until('the first line', (pane) => pane.includes(`${machine}|app|first line`), 30_000);
    await agent.appendLogs([{ issuer: 'vn-other', stream: 'app', line: 'not mine' }]);
    await lab.node.logEcho('app', 'second line');
    await agent.appendLogs([{ issuer: 'server', stream: 'app', line: 'platform line' }]);
    const pane = await until('the platform line', (p) => p.includes('server|app|platform line'), 30_000);
    // Every line after the probes, exactly, in order: nothing of other issuers, the CLI still running
    const shown = paneLines(pane).filter((l) => !l.startsWith(probe));
    expect(shown).toEqual([
      `${machine}|app|first line`,
      `${machine}|app|second line`,
      'server|app|platform line',
    ]);
  }, 180_000);
});
