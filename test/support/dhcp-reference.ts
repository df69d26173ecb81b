// Reference implementations for the DHCP service's oracle tests: dnsmasq (Debian) as the reference server
// in a network namespace, and a scapy client (dhcp-reference-probe.py) whose requests and decoding owe
// nothing to the project's codec.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exec, type Client } from './netns.js';

const PROBE = path.join(import.meta.dirname, 'dhcp-reference-probe.py');

/** A firmware whose DISCOVER the probe sends (see dhcp-reference-probe.py). */
export type BootFirmware = 'pxe-bios' | 'pxe-uefi' | 'rpi';
/** A DISCOVER, or with "-4011" the firmware's boot server REQUEST to a ProxyDHCP server. */
export type Firmware = BootFirmware | `${BootFirmware}-4011`;

/** One answer as scapy decoded it. */
export interface ReferenceAnswer {
  from: string;
  sport: number;
  op: number;
  yiaddr: string;
  siaddr: string;
  sname: string;
  file: string;
  /** Options by scapy's name (or code); byte strings as { hex, text }. */
  options: Record<string, unknown>;
  /** Option 43 as PXE sub-options, code → hex (null when it is not a sub-option list). */
  pxe: Record<string, string> | null;
}

/**
 * Sends one firmware-shaped request from the client's interface; resolves with the first answer. A boot
 * server request ("-4011") goes to `server` and asks for menu item `item` (none: no option 43).
 */
export async function probeReference(
  client: Client,
  firmware: Firmware,
  server?: string,
  item?: number,
): Promise<ReferenceAnswer> {
  const target = server ? [server, ...(item === undefined ? [] : [String(item)])] : [];
  const args = [PROBE, client.ifname, client.mac, firmware, ...target];
  const { stdout } = await exec(client.ns, '/usr/bin/python3', args, 60_000);
  return JSON.parse(stdout.trim()) as ReferenceAnswer;
}

export interface Dnsmasq {
  child: ChildProcess;
  log: string[];
  stop(): Promise<void>;
}

/** Starts dnsmasq (DHCP only, no DNS) in `ns` with the given configuration lines; resolves once it serves. */
export async function startDnsmasq(ns: string, dir: string, lines: string[]): Promise<Dnsmasq> {
  const conf = path.join(dir, `dnsmasq-${ns}.conf`);
  const base = ['port=0', 'no-resolv', 'no-hosts', 'leasefile-ro', 'bind-interfaces', 'log-dhcp'];
  await writeFile(conf, [...base, ...lines, ''].join('\n'));
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns,
      'dnsmasq',
      '--keep-in-foreground',
      `--conf-file=${conf}`,
      '--pid-file=',
      '--log-facility=-',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dnsmasq did not start in 30 s:\n${log.join('\n')}`)),
      30_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dnsmasq exited with ${code}:\n${log.join('\n')}`));
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      log.push(...chunk.split('\n').filter(Boolean));
      // dnsmasq binds its DHCP sockets before it logs this line.
      if (log.some((l) => l.includes('sockets bound exclusively'))) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { child, log, stop };
}
