// Where the CPU goes during a storm: the servers (our agent, or dnsmasq + httpd) and the simulated
// clients each run in their own cgroup (v2: cpu.stat is there without any controller enabled), and the
// machine's /proc/stat gives the whole, including the kernel's softirq work on the veths. On 2 cores the
// clients and the servers compete, so a server's CPU seconds are what it costs the storm, not its wall.
// Without a writable cgroup v2 hierarchy, the groups are absent and only the machine figures remain.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';

export type GroupName = 'server' | 'clients';

export interface CpuSample {
  /** Seconds of CPU used by each group since it was created. */
  groups: Partial<Record<GroupName, { user: number; system: number }>>;
  /** Machine-wide seconds (all cores): user+nice, system, softirq+irq, idle. */
  machine: { user: number; system: number; softirq: number; idle: number };
  /** CPU seconds of each live process so far, by pid, with its name. */
  processes: Map<number, { name: string; seconds: number }>;
}

export interface CpuUsage {
  groups: CpuSample['groups'];
  machine: CpuSample['machine'];
  /** The processes alive at the end that used the most, by name ("others": what is neither group). */
  top: Array<{ name: string; seconds: number }>;
}

const CANDIDATE_ROOTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

/** A cgroup v2 hierarchy (only v2 has cgroup.controllers), unified beside v1 or alone. */
async function cgroup2Root(): Promise<string | undefined> {
  for (const root of CANDIDATE_ROOTS) {
    if (
      await stat(path.join(root, 'cgroup.controllers')).then(
        () => true,
        () => false,
      )
    )
      return root;
  }
  return undefined;
}

async function readGroup(dir: string): Promise<{ user: number; system: number } | undefined> {
  const text = await readFile(path.join(dir, 'cpu.stat'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const field = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { user: field('user_usec') / 1e6, system: field('system_usec') / 1e6 };
}

async function readMachine(): Promise<CpuSample['machine']> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  // cpu user nice system idle iowait irq softirq …, in USER_HZ ticks (100 on every Linux we run on)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0] = line
    .split(/\s+/)
    .slice(1)
    .map((v) => Number(v) / 100);
  return { user: user + nice, system, softirq: softirq + irq, idle: idle + iowait };
}

/** utime+stime of every process (those that exit in between are lost: the groups cover the clients). */
async function readProcesses(): Promise<CpuSample['processes']> {
  const processes: CpuSample['processes'] = new Map();
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    // pid (comm) state ppid … field 14 utime, 15 stime: after the last ")", utime is the 12th.
    const close = text?.lastIndexOf(')') ?? -1;
    if (!text || close < 0) continue;
    const fields = text.slice(close + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    processes.set(Number(pid), { name: text.slice(text.indexOf('(') + 1, close), seconds });
  }
  return processes;
}

function topProcesses(before: CpuSample, after: CpuSample): CpuUsage['top'] {
  const byName = new Map<string, number>();
  for (const [pid, p] of after.processes) {
    const used = p.seconds - (before.processes.get(pid)?.seconds ?? 0);
    if (used > 0) byName.set(p.name, (byName.get(p.name) ?? 0) + used);
  }
  return [...byName]
    .map(([name, seconds]) => ({ name, seconds }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 6);
}

export class CpuGroups {
  private constructor(private readonly dirs: Partial<Record<GroupName, string>>) {}

  /**
   * Creates the groups under a per-run parent named after the bench (`<bench>-<random>`, so that two
   * benches' groups are never confused); none when cgroup v2 is not writable here.
   */
  static async create(bench: string): Promise<CpuGroups> {
    const root = await cgroup2Root();
    if (!root) return new CpuGroups({});
    const parent = path.join(root, `${bench}-${randomBytes(3).toString('hex')}`);
    try {
      await mkdir(parent);
      const dirs = { server: path.join(parent, 'server'), clients: path.join(parent, 'clients') };
      await mkdir(dirs.server);
      await mkdir(dirs.clients);
      return new CpuGroups(dirs);
    } catch {
      return new CpuGroups({});
    }
  }

  /** `argv` run by a shell that first moves itself into `group` (its children follow). */
  wrap(group: GroupName, argv: string[]): string[] {
    const dir = this.dirs[group];
    if (!dir) return argv;
    return ['sh', '-c', `echo $$ > ${path.join(dir, 'cgroup.procs')} && exec "$@"`, 'sh', ...argv];
  }

  async sample(): Promise<CpuSample> {
    const groups: CpuSample['groups'] = {};
    for (const [name, dir] of Object.entries(this.dirs) as Array<[GroupName, string]>) {
      const usage = await readGroup(dir);
      if (usage) groups[name] = usage;
    }
    return { groups, machine: await readMachine(), processes: await readProcesses() };
  }

  /**
   * Waits until `group` is idle (under 5% of a core over half a second), at most `timeoutMs`; resolves
   * with the seconds waited. A freshly started agent keeps working for a while after it answers
   * (reconciling its NFS exports for the leases it reloaded, compiling): that is not the storm's.
   */
  async settle(group: GroupName, timeoutMs = 30000): Promise<number> {
    const dir = this.dirs[group];
    const started = Date.now();
    if (!dir) return 0;
    const used = async (): Promise<number> => {
      const u = await readGroup(dir);
      return u ? u.user + u.system : 0;
    };
    for (let before = await used(); Date.now() - started < timeoutMs;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = await used();
      if (now - before < 0.025) break;
      before = now;
    }
    return (Date.now() - started) / 1000;
  }

  /** Removes the groups (they must be empty: call after the servers and clients exited). */
  async remove(): Promise<void> {
    const dirs = Object.values(this.dirs);
    for (const dir of dirs) await rmdir(dir).catch(() => undefined);
    if (dirs[0]) await rmdir(path.dirname(dirs[0])).catch(() => undefined);
  }
}

/** What was used between two samples. */
export function cpuBetween(before: CpuSample, after: CpuSample): CpuUsage {
  const groups: CpuUsage['groups'] = {};
  for (const name of Object.keys(after.groups) as GroupName[]) {
    const a = after.groups[name]!;
    const b = before.groups[name] ?? { user: 0, system: 0 };
    groups[name] = { user: a.user - b.user, system: a.system - b.system };
  }
  const m = (k: keyof CpuSample['machine']): number => after.machine[k] - before.machine[k];
  return {
    groups,
    machine: { user: m('user'), system: m('system'), softirq: m('softirq'), idle: m('idle') },
    top: topProcesses(before, after),
  };
}
