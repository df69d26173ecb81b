// walt-agent-netsetup (images/agent, ADR 0013), the agent pod's init container, run for real as root
// in three network namespaces: "host" (the node, holding the lab NIC, here one end of a veth whose
// other end is a lab device's), "pod" (with an eth0 on the pod network) and "lab" (a device). The
// host's PID 1 is stood in for by a process of the host namespace (WALT_HOST_PID), as hostPID shows it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { exec } from '../support/netns.js';

const run = promisify(execFile);
const SCRIPT = path.resolve(import.meta.dirname, '..', '..', 'images', 'agent', 'walt-agent-netsetup.sh');

interface Outcome {
  code: number;
  out: string;
}

describe('walt-agent-netsetup moves the lab NIC into the pod as walt0, fenced off the pod network', () => {
  const tag = randomBytes(3).toString('hex');
  const host = `wns-h-${tag}`;
  const pod = `wns-p-${tag}`;
  const lab = `wns-l-${tag}`;
  let hostPid: ChildProcess;
  let server: ChildProcess | undefined;

  const netsetup = async (...args: string[]): Promise<Outcome> => {
    try {
      const { stdout, stderr } = await run('ip', [
        'netns',
        'exec',
        pod,
        'env',
        `WALT_HOST_PID=${hostPid.pid}`,
        'sh',
        SCRIPT,
        ...args,
      ]);
      return { code: 0, out: stdout + stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  };
  const links = async (ns: string): Promise<string> => (await exec(ns, 'ip', ['-br', 'link'])).stdout;
  /** HTTP status of a GET from the lab device, or 0 when refused/unreachable. */
  const fromLab = async (url: string): Promise<number> => {
    try {
      const { stdout } = await exec(lab, 'curl', [
        '-s',
        '-m',
        '3',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        url,
      ]);
      return Number(stdout);
    } catch {
      return 0;
    }
  };

  beforeAll(async () => {
    for (const ns of [host, pod, lab]) await run('ip', ['netns', 'add', ns]);
    await run('ip', [
      '-n',
      host,
      'link',
      'add',
      'vlab0',
      'type',
      'veth',
      'peer',
      'name',
      'vdev',
      'netns',
      lab,
    ]);
    await run('ip', ['-n', host, 'link', 'add', 'hbr0', 'type', 'bridge']);
    await run('ip', ['-n', pod, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p']);
    await run('ip', ['-n', pod, 'addr', 'add', '10.244.9.7/24', 'dev', 'eth0']);
    for (const dev of ['eth0', 'lo']) await run('ip', ['-n', pod, 'link', 'set', dev, 'up']);
    await run('ip', ['-n', lab, 'addr', 'add', '10.93.0.50/24', 'dev', 'vdev']);
    await run('ip', ['-n', lab, 'link', 'set', 'vdev', 'up']);
    hostPid = spawn('ip', ['netns', 'exec', host, 'sleep', '600'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 200));
  });

  afterAll(async () => {
    server?.kill();
    hostPid.kill();
    for (const ns of [pod, host, lab]) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  });

  it('refuses a bad call before touching anything (usage, missing prefix)', async () => {
    expect((await netsetup()).code).toBe(2);
    expect((await netsetup('vlab0', '10.93.0.1')).code).toBe(2);
    expect((await netsetup('vlab0;x', '10.93.0.1/24')).code).toBe(2);
    expect(await links(host)).toContain('vlab0');
  });

  it('says which interface is missing, and that a bridge cannot move', async () => {
    const missing = await netsetup('nope0', '10.93.0.1/24');
    expect(missing.code).toBe(3);
    expect(missing.out).toContain('nope0');
    const bridge = await netsetup('hbr0', '10.93.0.1/24');
    expect(bridge.code).toBe(4);
    expect(bridge.out).toContain('bridge');
    expect(await links(host)).toContain('hbr0');
  });

  it('moves the NIC into the pod, enslaved to walt0 with the segment address; again is no error', async () => {
    const first = await netsetup('vlab0', '10.93.0.1/24');
    expect(first).toMatchObject({ code: 0 });
    expect(first.out).toContain('moved vlab0');
    expect(await links(host)).not.toContain('vlab0');
    const again = await netsetup('vlab0', '10.93.0.1/24');
    expect(again.code).toBe(0);
    expect(again.out).toContain('already in this network namespace');
    const detail = (await exec(pod, 'ip', ['-d', 'link', 'show', 'vlab0'])).stdout;
    expect(detail).toContain('master walt0');
    expect((await exec(pod, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'walt0'])).stdout).toContain(
      '10.93.0.1/24',
    );
    // One fence rule per pod address, however often it runs.
    const rules = (await exec(pod, 'ip', ['rule', 'show', 'pref', '10'])).stdout.trim().split('\n');
    expect(rules).toEqual([expect.stringMatching(/to 10\.244\.9\.7 iif walt0 prohibit/)]);
  });

  it('lets the lab reach the bridge address but not the pod address through it', async () => {
    await run('ip', ['-n', lab, 'route', 'add', '10.244.9.0/24', 'via', '10.93.0.1']);
    server = spawn(
      'ip',
      ['netns', 'exec', pod, 'python3', '-m', 'http.server', '18080', '--bind', '0.0.0.0'],
      {
        stdio: 'ignore',
      },
    );
    let bridge = 0;
    for (let i = 0; i < 40 && bridge !== 200; i++) {
      bridge = await fromLab('http://10.93.0.1:18080/');
      if (bridge !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(bridge).toBe(200);
    expect(await fromLab('http://10.244.9.7:18080/')).toBe(0);
    // From inside the pod, its own address still answers (the fence is for packets from walt0 only).
    const { stdout } = await exec(pod, 'curl', [
      '-s',
      '-m',
      '3',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      'http://10.244.9.7:18080/',
    ]);
    expect(stdout).toBe('200');
  });

  it('hands the NIC back to the host on release (preStop), and a second release is no error', async () => {
    expect((await netsetup('release', 'vlab0')).code).toBe(0);
    expect(await links(host)).toContain('vlab0');
    expect(await links(pod)).not.toContain('vlab0');
    const again = await netsetup('release', 'vlab0');
    expect(again.code).toBe(0);
    expect(again.out).toContain('nothing to hand back');
  });
});
