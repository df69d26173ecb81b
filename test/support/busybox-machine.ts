// A simulated machine on a lab segment that boots through the agent's real protocols, without a VM: a
// client network namespace plugged into the segment's bridge with the node's MAC, and a busybox-only
// root filesystem (chroot) that stands for the machine's RAM and disk. One boot is what a PXE machine
// and the node init do, each step against the REAL agent from the machine's leased address:
//   DHCP (busybox udhcpc) → the iPXE script (GET /ipxe/boot.ipxe?mac=) → the kernel and initrd it names
//   → over NFS (libnfs nfs-cat), from the export the kernel line names, the /walt files the agent
//   injected (node scripts and image.env) → the REAL node/walt/notify-bootup → the REAL
//   node/walt/walt-command-loop, both run by busybox sh inside the chroot, whose /proc/cmdline holds the
//   kernel arguments of the script and /proc/sys/kernel/random/boot_id a fresh id per boot.
// What is not simulated: the kernel itself (no NFS root mount: commands run as root in the chroot, on
// this host — the chroot keeps their paths in the machine, it is no security boundary), and the power
// button — the caller power-cycles the machine (powerCycle) where a power driver
// would (there is none for a machine without a PoE port or a webhook endpoint: agents/power/drivers.ts).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { boundIp, pidsIn, udhcpcBound } from './fault-lab.js';
import { startIn, stop, type RealProcess } from './fault-processes.js';
import { addClient, exec, type Client, type Segment } from './netns.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const NODE_DIR = path.resolve(import.meta.dirname, '..', '..', 'node', 'walt');
const BUSYBOX = '/usr/bin/busybox';
const CHROOT = '/usr/sbin/chroot';
const POWER_APPLETS = new Set(['reboot', 'halt', 'poweroff', 'init', 'linuxrc', 'shutdown']);
const POWER_STUB = '#!/bin/sh\necho "simulated machine: $0 is the lab power cycle here"\n';
/** How long one boot may take to find the agent serving it the image it should run. */
const BOOT_DEADLINE_MS = 120_000;

export interface BusyboxMachineOptions {
  segment: Segment;
  /** Its MAC, the spec.mac of its WaltNode (the node's name reaches it on the kernel command line). */
  mac: string;
  /** Scratch directory; the machine's root filesystem is <dir>/root. */
  dir: string;
}

export interface BootOptions {
  /**
   * "<namespace>/<WaltImage>" the machine must come up on: a boot that finds the agent serving another
   * image (its cache has not seen the change yet) is power-cycled again, as a driver would.
   */
  image?: string;
}

/** The kernel line of an iPXE script: its URL, the initrd line's URL (if any) and its arguments. */
export interface KernelLine {
  url: string;
  initrd?: string;
  args: string[];
}

/** The `kernel` line of an iPXE boot script, or undefined for a retry script (pure). */
export function kernelLineOf(script: string): KernelLine | undefined {
  const line = script.split('\n').find((l) => l.startsWith('kernel '));
  if (!line) return undefined;
  const words = line
    .replace(/\s*\|\|.*$/, '')
    .split(/\s+/)
    .slice(1);
  const [url, ...rest] = words;
  if (!url) return undefined;
  const initrd = script
    .split('\n')
    .find((l) => l.startsWith('initrd '))
    ?.split(/\s+/)[1];
  return { url, ...(initrd ? { initrd } : {}), args: rest.filter((w) => !w.startsWith('initrd=')) };
}

/** "server:/path" of the nfsroot= argument (pure). */
export function nfsRootOf(args: readonly string[]): { server: string; path: string } | undefined {
  const value = args.find((a) => a.startsWith('nfsroot='))?.slice('nfsroot='.length);
  const match = value ? /^([^:]+):([^,]+)/.exec(value) : null;
  return match ? { server: match[1]!, path: match[2]! } : undefined;
}

/** A busybox root filesystem at `root`: the binary, its libraries, one link per applet, /dev/null. */
async function makeRoot(root: string): Promise<void> {
  for (const dir of ['bin', 'dev', 'root', 'tmp', 'walt', 'run/walt', 'proc/sys/kernel/random', 'etc'])
    await mkdir(path.join(root, dir), { recursive: true });
  await copyFile(BUSYBOX, path.join(root, 'bin', 'busybox'));
  await chmod(path.join(root, 'bin', 'busybox'), 0o755);
  const libs = (await run('ldd', [BUSYBOX])).stdout.match(/\/\S+\.so[.\d]*/g) ?? [];
  for (const lib of libs) {
    await mkdir(path.join(root, path.dirname(lib)), { recursive: true });
    await copyFile(lib, path.join(root, lib));
  }
  const applets = (await run(BUSYBOX, ['--list'])).stdout.split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet === 'busybox') continue;
    // busybox's reboot signals init, which in a chroot is this host's: the machine's power commands
    // do nothing here, the lab power-cycles it (an experiment's soft reboot asks for a boot too).
    if (POWER_APPLETS.has(applet))
      await writeFile(path.join(root, 'bin', applet), POWER_STUB, { mode: 0o755 });
    else await symlink('busybox', path.join(root, 'bin', applet));
  }
  await run('mknod', ['-m', '666', path.join(root, 'dev', 'null'), 'c', '1', '3']);
}

export class BusyboxMachine {
  client!: Client;
  /** How many times it notified a bootup; the address of its last lease. */
  boots = 0;
  ip = '';
  /** The last failed attempt of each boot that needed more than one (retried). */
  readonly failures: string[] = [];
  readonly root: string;
  private loop: RealProcess | undefined;

  private constructor(readonly options: BusyboxMachineOptions) {
    this.root = path.join(options.dir, 'root');
  }

  /** Plugs a new machine into the segment (powered off). */
  static async plug(options: BusyboxMachineOptions): Promise<BusyboxMachine> {
    const machine = new BusyboxMachine(options);
    await mkdir(options.dir, { recursive: true });
    await makeRoot(machine.root);
    machine.client = await addClient(options.segment, { mac: options.mac });
    return machine;
  }

  private inMachine(args: string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string }> {
    return exec(this.client.ns, 'env', ['-i', 'PATH=/bin', CHROOT, this.root, ...args], timeoutMs);
  }

  /** Powers the machine on up to its DHCP lease only: it hangs there, never notifying a bootup. */
  async powerOnStalled(): Promise<void> {
    await this.lease();
  }

  /** Powers the machine on and boots it: resolves once its bootup was notified and its loop runs. */
  async powerOn(options: BootOptions = {}): Promise<void> {
    await this.lease();
    // A boot that fails starts over, as iPXE chains its script again and an initramfs retries its
    // NFS mount (the agent may name an export a moment before nfs-ganesha serves it).
    let failure = '';
    await waitFor(
      `the agent to serve ${options.image ?? 'an image'} to ${this.options.mac}`,
      async () => {
        const served = await this.firmware().catch((error: unknown) => {
          failure = (error as Error).message;
          return undefined;
        });
        return served !== undefined && (!options.image || served === options.image) ? served : undefined;
      },
      BOOT_DEADLINE_MS,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; last failure: ${failure}`, { cause: error });
    });
    this.failures.push(...(failure ? [failure] : []));
    await writeFile(path.join(this.root, 'proc/sys/kernel/random/boot_id'), `${randomUUID()}\n`);
    await this.inMachine(['/bin/sh', '/walt/notify-bootup'], 120_000);
    this.boots += 1;
    this.loop = startIn(`walt-command-loop ${this.options.mac}`, {
      ns: this.client.ns,
      command: 'env',
      args: ['-i', 'PATH=/bin', CHROOT, this.root, '/bin/sh', '/walt/walt-command-loop'],
    });
  }

  /** Cuts the power: the command loop and every command it started end, the address goes. */
  async powerOff(): Promise<void> {
    await stop(this.loop);
    this.loop = undefined;
    // Commands run in sessions of their own, adopted by init: a power cut ends them too.
    for (const pid of pidsIn(this.client.ns)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
    await exec(this.client.ns, 'ip', ['addr', 'flush', 'dev', this.client.ifname]);
  }

  async powerCycle(options: BootOptions = {}): Promise<void> {
    await this.powerOff();
    await this.powerOn(options);
  }

  /** The output of its command loop so far (failure messages). */
  log(): string {
    return this.loop?.log() ?? '(not running)';
  }

  private async lease(): Promise<void> {
    const prefix = path.join(this.options.dir, 'dhcp');
    await udhcpcBound(this.client, prefix, { configure: true, tries: 30 });
    this.ip = await boundIp(`${prefix}.env`);
  }

  private curl(args: string[]): Promise<string> {
    return exec(this.client.ns, 'curl', ['-fsS', '-m', '30', '--noproxy', '*', ...args]).then(
      (r) => r.stdout,
    );
  }

  /**
   * What iPXE and the initramfs do: the boot script (retried while the agent answers a retry script),
   * the kernel and initrd, then /walt of the NFS export into the root filesystem. Resolves the image
   * the export is of (image.env).
   */
  private async firmware(): Promise<string> {
    const server = (await readFile(`${path.join(this.options.dir, 'dhcp')}.env`, 'utf8')).match(
      /^serverid=(.*)$/m,
    )?.[1];
    const base = `http://${server ?? ''}`;
    const kernel = await waitFor(
      `a boot script for ${this.options.mac}`,
      async () => {
        const script = await this.curl([`${base}/ipxe/boot.ipxe?mac=${this.options.mac}`]);
        return kernelLineOf(script);
      },
      BOOT_DEADLINE_MS,
    );
    await this.curl(['-o', '/dev/null', kernel.url]);
    if (kernel.initrd) await this.curl(['-o', '/dev/null', kernel.initrd]);
    const nfs = nfsRootOf(kernel.args);
    if (!nfs) throw new Error(`no nfsroot= in the kernel line ${kernel.args.join(' ')}`);
    await rm(path.join(this.root, 'walt'), { recursive: true, force: true });
    await mkdir(path.join(this.root, 'walt'));
    for (const name of [...(await readdir(NODE_DIR)), 'image.env']) {
      const { stdout } = await exec(this.client.ns, 'nfs-cat', [
        `nfs://${nfs.server}${nfs.path}/walt/${name}`,
      ]);
      await writeFile(path.join(this.root, 'walt', name), stdout, { mode: 0o755 });
    }
    await writeFile(path.join(this.root, 'proc', 'cmdline'), `${kernel.args.join(' ')}\n`);
    const env = await readFile(path.join(this.root, 'walt', 'image.env'), 'utf8');
    return env.match(/^walt_image_name=(.*)$/m)?.[1] ?? '';
  }
}
