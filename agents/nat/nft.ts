// The NAT service's I/O: nft, ip and the namespace's ip_forward switch. Every command runs with a
// timeout and a bounded output; the ruleset goes in on stdin (no temporary file, no shell).
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { NatCommandFailed, NatNftMissing } from './errors.js';
import { NAT_FAMILY, NAT_TABLE } from './ruleset.js';
import { MAX_ROUTES_JSON } from './uplink.js';

const run = promisify(execFile);
const TIMEOUT_MS = 10_000;
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/** Runs `nft -f -` with `script` on stdin: one transaction. */
export function nftApply(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nft', ['-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'], timeout: TIMEOUT_MS });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? NatNftMissing() : NatCommandFailed('nft -f -', error.message)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(NatCommandFailed('nft -f -', stderr.trim() || `exit code ${String(code)}`));
    });
    child.stdin.end(script);
  });
}

/** `nft -j list table ip walt_nat`, parsed; undefined when the table does not exist. */
export async function nftListTable(): Promise<unknown> {
  try {
    const { stdout } = await run('nft', ['-j', 'list', 'table', NAT_FAMILY, NAT_TABLE], {
      timeout: TIMEOUT_MS,
      maxBuffer: 4 * 1024 * 1024,
    });
    return JSON.parse(stdout) as unknown;
  } catch {
    return undefined;
  }
}

/** `ip -j route show default` of this namespace (parsed by uplink.ts). */
export async function defaultRoutesJson(): Promise<string> {
  try {
    const { stdout } = await run('ip', ['-j', 'route', 'show', 'default'], {
      timeout: TIMEOUT_MS,
      maxBuffer: MAX_ROUTES_JSON,
    });
    return stdout;
  } catch (error) {
    throw NatCommandFailed('ip -j route show default', (error as Error).message);
  }
}

/** The namespace's ip_forward ("0" or "1"). */
export async function readIpForward(): Promise<string> {
  return (await readFile(IP_FORWARD, 'utf8')).trim();
}

export async function writeIpForward(value: '0' | '1'): Promise<void> {
  try {
    await writeFile(IP_FORWARD, `${value}\n`);
  } catch (error) {
    throw NatCommandFailed(`writing ${value} to ${IP_FORWARD}`, (error as Error).message);
  }
}
