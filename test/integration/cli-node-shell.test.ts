// `walt node shell` and `walt node run --term` in a real terminal against the REAL boot agent (ADR
// 0019): the built CLI runs in a detached tmux session (a PTY, as a user's terminal), opens the agent's
// session WebSocket, and the lab's simulated machine (test/support/cli-lab.ts) runs the real
// node/walt/walt-command-loop, which starts the real node/walt/walt-session (the host's perl) on a real
// PTY and connects back to the agent from the machine's lease address. Keys are typed with tmux
// send-keys and the pane is read with capture-pane: a command's output, `stty size` before and after
// the tmux window is resized, Ctrl-C on `sleep 100` giving $? = 130, and `exit 3` becoming walt's own
// status. Then the hostile side: an oversized frame, a wrong secret, a wrong source address.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { MAX_SESSION_FRAME_BYTES } from '../../api/agent/session-frames.js';
import { AGENT_PATHS, type AgentOperations, type SessionOperations } from '../../api/agent/v1.js';
import { connectAgent } from '../../client/agent.js';
import { startCliLab, type CliLab } from '../support/cli-lab.js';
import { addClient, exec as nsExec, randomMac } from '../support/netns.js';
import { requireTool, TOOLS } from '../support/require-tool.js';
import { waitFor } from '../support/wait.js';
import { builtCli, ensureCliBuilt } from './cli-support.js';
import { kubeConfig, testNamespace, uniqueName } from './support/cluster.js';

const exec = promisify(execFile);

describe('walt node shell in a terminal (tmux), against the real agent and walt-session', () => {
  const kc = kubeConfig();
  const segment = uniqueName('shell-seg');
  const machine = uniqueName('shell-m');
  const tmux = uniqueName('walt-sh');
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let lab: CliLab;
  let agent: AgentOperations;
  let dir: string;

  const capture = async (): Promise<string> =>
    (await exec('tmux', ['capture-pane', '-p', '-t', tmux])).stdout;
  const keys = (...k: string[]): Promise<unknown> => exec('tmux', ['send-keys', '-t', tmux, ...k]);
  const until = (what: string, predicate: (pane: string) => boolean, timeoutMs = 60_000): Promise<string> =>
    waitFor(
      what,
      async () => ((pane) => (predicate(pane) ? pane : undefined))(await capture()),
      timeoutMs,
    ).catch(async (error: unknown) => {
      throw new Error(
        `${(error as Error).message}; the pane:\n${await capture().catch(() => '')}\n${lab.logs()}`,
      );
    });
  const walt = (args: string): string => `'${process.execPath}' '${builtCli}' -n ${ns.name} ${args}`;
  const startTmux = async (script: string, cols: number, rows: number): Promise<void> => {
    const env = [
      `KUBECONFIG=${process.env.KUBECONFIG ?? ''}`,
      'WALT_AGENT_URL_ALLOW_LOOPBACK=1',
      'TERM=xterm',
    ];
    await exec('tmux', [
      ...['new-session', '-d', '-x', String(cols), '-y', String(rows), '-s', tmux],
      ...env.flatMap((e) => ['-e', e]),
      ...['sh', '-c', script],
    ]);
  };

  beforeAll(async () => {
    requireTool(TOOLS.tmux); // the terminal is the point of this test: without tmux it fails
    await ensureCliBuilt();
    ns = await testNamespace('shell');
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-shell-'));
    lab = await startCliLab({
      kc,
      namespace: ns.name,
      segment,
      netns: `wshell-${process.pid}`,
      prefix: '10.96.0',
      node: machine,
      dir,
    });
    agent = await connectAgent(kc, segment, { urlPolicy: { allowLoopback: true } });
    // The machine's command channel is up once a command runs.
    await agent.exec(machine, { command: ['true'], connectTimeoutSeconds: 120 });
  }, 300_000);

  afterEach(async () => {
    await exec('tmux', ['kill-session', '-t', tmux]).catch(() => undefined);
  });

  afterAll(async () => {
    await lab?.stop();
    await ns?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('runs typed commands, follows the window size, passes Ctrl-C, and exits with the shell status', async () => {
    await startTmux(`${walt(`node shell ${machine}`)}; echo "walt-exit=$?"; sleep 600`, 100, 30);
    // Typeahead before the remote shell set its terminal up may be flushed by it (as over ssh): the
    // shell's prompt comes first (nothing else writes to the pane).
    await until('the remote prompt', (pane) => pane.trim() !== '');
    // A prompt-independent marker: the shell computes it, so the typed line itself never matches.
    await keys('echo "out-$((6*7))"', 'Enter');
    await until('the command output', (pane) => pane.includes('out-42'));
    await keys('test -t 0 && echo "tty-$((1+1))"; stty size', 'Enter');
    await until('the initial window size', (pane) => pane.includes('tty-2') && /^30 100$/m.test(pane));
    await exec('tmux', ['resize-window', '-t', tmux, '-x', '120', '-y', '40']);
    await keys('clear; stty size', 'Enter');
    await until('the new window size', (pane) => /^40 120$/m.test(pane));
    await keys('sleep 100', 'Enter');
    // Ctrl-C is a byte in raw mode: the remote PTY turns it into SIGINT for sleep.
    await until('sleep to start', (pane) => pane.includes('sleep 100'));
    await new Promise((r) => setTimeout(r, 500));
    await keys('C-c');
    await keys('echo "rc=$?"', 'Enter');
    await until('the status of the interrupted sleep', (pane) => /^rc=130$/m.test(pane));
    await keys('exit 3', 'Enter');
    await until('walt to exit with the shell status', (pane) => /^walt-exit=3$/m.test(pane));
    await exec('tmux', ['kill-session', '-t', tmux]);
  }, 180_000);

  it('walt node run --term runs a command on a PTY and returns its status', async () => {
    await startTmux(
      `${walt(`node run --term ${machine} -- sh -c 'test -t 0 && echo "on-tty-$((2+3))"; exit 7'`)}; echo "run-exit=$?"; sleep 600`,
      80,
      24,
    );
    const pane = await until('the command status', (p) => /^run-exit=7$/m.test(p));
    expect(pane).toContain('on-tty-5');
    await exec('tmux', ['kill-session', '-t', tmux]);
  }, 120_000);

  it('walt node run streams the output while the command runs, keeping its status and timeout', async () => {
    const env = { ...process.env, WALT_AGENT_URL_ALLOW_LOOPBACK: '1' };
    const child = spawn(
      process.execPath,
      [
        builtCli,
        '-n',
        ns.name,
        'node',
        'run',
        machine,
        '--',
        'sh',
        '-c',
        'echo "first-$((1+1))"; echo "err-$((2+2))" >&2; sleep 15; echo last; exit 6',
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let ended = false;
    void exited.then(() => (ended = true));
    // The first line shows while walt still runs (the buffered exec printed everything at the end).
    await waitFor(
      'the first line before the command ends',
      () => Promise.resolve(out.includes('first-2') ? true : undefined),
      60_000,
    );
    expect(ended).toBe(false);
    expect(await exited).toBe(6);
    expect(out).toBe('first-2\nlast\n');
    expect(err).toBe('err-4\n');
    // --timeout still ends the command: "did not finish" is the timeout category (5).
    const slow = await exec(
      process.execPath,
      [builtCli, '-n', ns.name, 'node', 'run', '--timeout', '2s', machine, '--', 'sleep', '60'],
      { env },
    ).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
    expect(slow).toBe(5);
  }, 120_000);

  it('walt node shell exits 255 when the session cannot be opened (unknown node)', async () => {
    const result = await exec(process.execPath, [builtCli, '-n', ns.name, 'node', 'shell', 'no-such-node'], {
      env: { ...process.env, WALT_AGENT_URL_ALLOW_LOOPBACK: '1' },
    }).then(
      () => ({ code: 0 }),
      (err: { code: number }) => ({ code: err.code }),
    );
    expect(result.code).toBe(255);
  }, 60_000);

  describe('hostile input', () => {
    const target = (): Promise<{ url: string; headers: Record<string, string> }> =>
      (agent as AgentOperations & SessionOperations).sessionTarget(machine, { command: ['cat'], tty: false });

    /** The agent's session refusals by reason, from its metrics server (loopback of its netns). */
    const refusals = async (): Promise<Record<string, number>> => {
      const { stdout } = await nsExec(lab.net.ns, 'ss', ['-ltnH']);
      const ports = [...stdout.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => m[1]!);
      for (const port of ports) {
        const text = await nsExec(lab.net.ns, 'curl', [
          '-s',
          '--max-time',
          '5',
          `http://127.0.0.1:${port}/metrics`,
        ])
          .then((r) => r.stdout)
          .catch(() => '');
        if (!text.includes('walt_session_refusals_total')) continue;
        const counts: Record<string, number> = {};
        for (const m of text.matchAll(/^walt_session_refusals_total\{reason="(\w+)"\} (\d+)/gm))
          counts[m[1]!] = Number(m[2]);
        return counts;
      }
      throw new Error(`no metrics server with session metrics among ${ports.join(', ')}`);
    };

    it('a frame over the bound closes the session (1009) and is counted', async () => {
      const before = (await refusals()).oversized ?? 0;
      const { url, headers } = await target();
      const socket = new WebSocket(url, { headers });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.send(Buffer.alloc(MAX_SESSION_FRAME_BYTES + 1, 1), { binary: true });
      expect(await closed).toBe(1009);
      await waitFor(
        'the refusal to be counted',
        async () => (((await refusals()).oversized ?? 0) > before ? true : undefined),
        30_000,
      );
    }, 60_000);

    it('the node route refuses a wrong secret, and any caller but the node, and counts both', async () => {
      const before = await refusals();
      const id = '0123456789abcdef';
      const upgrade = (from: string): Promise<string> =>
        nsExec(from, 'curl', [
          ...['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', '--http1.1'],
          ...['-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', '-H', 'Sec-WebSocket-Version: 13'],
          ...['-H', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='],
          `http://${lab.node.server}${AGENT_PATHS.nodeSessionBack(machine, id)}?secret=${'ab'.repeat(32)}`,
        ]).then((r) => r.stdout);
      // From the machine's own lease address, with a secret of no session.
      expect(await upgrade(lab.node.client.ns)).toBe('403');
      // From another device of the segment (no lease of that node).
      const stranger = await addClient(lab.net, { mac: randomMac() });
      await nsExec(stranger.ns, 'ip', ['addr', 'add', `10.96.0.250/24`, 'dev', stranger.ifname]);
      expect(await upgrade(stranger.ns)).toBe('403');
      const after = await refusals();
      expect((after.unknown ?? 0) - (before.unknown ?? 0)).toBe(1);
      expect((after.address ?? 0) - (before.address ?? 0)).toBe(1);
    }, 60_000);
  });
});
