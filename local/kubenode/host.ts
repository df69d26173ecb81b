// Host-wide state the kubelet node creates and must remove: the dummy interface that carries the
// node's private address, the pods' bridge, mounts under the kubelet and containerd dirs, kubepods
// cgroups and the iptables chains of kube-proxy and the portmap CNI plugin. Every function here is
// idempotent and safe on a machine where the state is absent (a crashed run's leftovers or none).
import { execFile } from 'node:child_process';
import { readdir, readFile, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function ip(args: string[]): Promise<string> {
  return (await run('ip', args)).stdout;
}

export async function linkExists(name: string): Promise<boolean> {
  try {
    await ip(['link', 'show', 'dev', name]);
    return true;
  } catch {
    return false;
  }
}

export async function deleteLink(name: string): Promise<void> {
  if (await linkExists(name)) await ip(['link', 'del', 'dev', name]);
}

/**
 * A dummy interface holding `address/32`, replacing any leftover of the same name. Kernels without
 * the dummy driver (this machine's: "Unknown device type") get a bridge without ports instead: it
 * holds a local address just as well and carries no traffic. Returns the link type used.
 */
export async function createDummy(name: string, address: string): Promise<'dummy' | 'bridge'> {
  await deleteLink(name);
  let type: 'dummy' | 'bridge' = 'dummy';
  try {
    await ip(['link', 'add', name, 'type', 'dummy']);
  } catch {
    type = 'bridge';
    await ip(['link', 'add', name, 'type', 'bridge']);
  }
  await ip(['addr', 'add', `${address}/32`, 'dev', name]);
  await ip(['link', 'set', name, 'up']);
  return type;
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo, octal escapes decoded). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return mountPointsUnder(text, dir);
}

export function mountPointsUnder(mountinfo: string, dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or below `dir` (lazily when busy); returns what was mounted. */
export async function unmountUnder(dir: string): Promise<string[]> {
  const points = await mountsUnder(dir);
  for (const point of points) {
    try {
      await run('umount', [point]);
    } catch {
      await run('umount', ['-l', point]).catch(() => undefined);
    }
  }
  return points;
}

/** kubepods cgroups (cgroupfs driver) in every v1 hierarchy and in the unified one, deepest first. */
export async function removeKubepodsCgroups(root = '/sys/fs/cgroup'): Promise<void> {
  let controllers: string[];
  try {
    controllers = (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return;
  }
  for (const controller of controllers) await removeTree(path.join(root, controller, 'kubepods'));
  await removeTree(path.join(root, 'kubepods'));
}

async function removeTree(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) await removeTree(path.join(dir, e.name));
  await rmdir(dir).catch(() => undefined);
}

/** Names of the chains (any table, IPv4 and IPv6) that start with one of `prefixes`. */
export async function chainsWithPrefix(prefixes: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const save of ['iptables-save', 'ip6tables-save']) {
    const { stdout } = await run(save, [], { maxBuffer: 64 * 1024 * 1024 }).catch(() => ({ stdout: '' }));
    found.push(...chainNames(stdout).filter((c) => prefixes.some((p) => c.startsWith(p))));
  }
  return found;
}

export function chainNames(iptablesSave: string): string[] {
  return iptablesSave
    .split('\n')
    .filter((l) => l.startsWith(':'))
    .map((l) => l.slice(1).split(' ')[0] ?? '')
    .filter((c) => c !== '');
}

/** The `iptables -D` arguments that delete the rules of `save` jumping to a chain of `chains`. */
export function jumpRulesTo(save: string, chains: ReadonlySet<string>): string[][] {
  const rules: string[][] = [];
  for (const line of save.split('\n')) {
    if (!line.startsWith('-A ')) continue;
    const words = (line.slice(3).match(/"[^"]*"|\S+/g) ?? []).map((w) =>
      w.startsWith('"') ? w.slice(1, -1) : w,
    );
    const jump = words.indexOf('-j');
    const target = jump >= 0 ? words[jump + 1] : undefined;
    if (target && chains.has(target) && !chains.has(words[0] ?? '')) rules.push(words);
  }
  return rules;
}

/**
 * Removes the chains the node's components create (kubelet: KUBE-FIREWALL, KUBE-KUBELET-CANARY,
 * KUBE-IPTABLES-HINT; kube-proxy: KUBE-SERVICES…; portmap: CNI-HOSTPORT-…), IPv4 and IPv6, and the
 * rules of other chains that jump to them. `kube-proxy --cleanup` leaves the kubelet's.
 */
export async function removeChains(prefixes: readonly string[] = ['KUBE-', 'CNI-']): Promise<void> {
  for (const [save, tool] of [
    ['iptables-save', 'iptables'],
    ['ip6tables-save', 'ip6tables'],
  ] as const) {
    for (const table of ['nat', 'filter', 'mangle']) {
      let saved: string;
      try {
        saved = (await run(save, ['-t', table], { maxBuffer: 64 * 1024 * 1024 })).stdout;
      } catch {
        continue;
      }
      const chains = chainNames(saved).filter((c) => prefixes.some((p) => c.startsWith(p)));
      if (chains.length === 0) continue;
      for (const rule of jumpRulesTo(saved, new Set(chains)))
        await run(tool, ['-t', table, '-D', ...rule]).catch(() => undefined);
      for (const chain of chains) await run(tool, ['-t', table, '-F', chain]).catch(() => undefined);
      for (const chain of chains) await run(tool, ['-t', table, '-X', chain]).catch(() => undefined);
    }
  }
}

export const ISOLATION_CHAIN = 'CNI-WALT-KUBENODE';

/**
 * Keeps pod traffic on this machine: the bridge plugin turns IP forwarding on, and without masquerade
 * a pod's packets would still be routed out of the machine's interfaces. FORWARD drops what comes from
 * the pods' range to anything but their bridge, and what goes to it from anything else. Traffic to
 * this machine's own addresses (the apiserver, ClusterIPs after DNAT) is not forwarded and passes.
 * The chain's CNI- prefix makes removeChains() take it away.
 */
export async function isolatePods(podCidr: string, bridge: string): Promise<void> {
  await run('iptables', ['-N', ISOLATION_CHAIN]).catch(() => undefined);
  await run('iptables', ['-F', ISOLATION_CHAIN]);
  await run('iptables', ['-A', ISOLATION_CHAIN, '-s', podCidr, '!', '-o', bridge, '-j', 'DROP']);
  await run('iptables', ['-A', ISOLATION_CHAIN, '-d', podCidr, '!', '-i', bridge, '-j', 'DROP']);
  await run('iptables', ['-D', 'FORWARD', '-j', ISOLATION_CHAIN]).catch(() => undefined);
  await run('iptables', ['-I', 'FORWARD', '1', '-j', ISOLATION_CHAIN]);
}
