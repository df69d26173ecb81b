// One kubelet node per machine (kube-proxy and the kubelet own host-wide state): a start claims the
// machine by creating a directory (atomic) that names its process, waits while another live process
// holds it, and takes over a claim whose process died. Released by stop().
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeNodeBusy } from './errors.js';
import { processAlive } from '../process-group.js';

async function ownerOf(claim: string): Promise<number | undefined> {
  const text = await readFile(path.join(claim, 'owner'), 'utf8').catch(() => '');
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

// A claim without an owner file is being written, unless it is older than a few seconds.
async function isStale(claim: string, owner: number | undefined): Promise<boolean> {
  if (owner !== undefined) return owner !== process.pid && !processAlive(owner);
  const created = await stat(claim)
    .then((s) => s.mtimeMs)
    .catch(() => Date.now());
  return Date.now() - created > 10_000;
}

/** Claims the machine for this process, waiting up to `waitMs` for another live owner to let go. */
export async function claimMachine(claim: string, waitMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + waitMs;
  await mkdir(path.dirname(claim), { recursive: true });
  for (;;) {
    try {
      await mkdir(claim);
      await writeFile(path.join(claim, 'owner'), String(process.pid));
      return () => rm(claim, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await ownerOf(claim);
    if (owner === process.pid) return () => rm(claim, { recursive: true, force: true });
    if (await isStale(claim, owner)) {
      await rm(claim, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw KubeNodeBusy(owner ?? 0, claim);
    await sleep(1000);
  }
}
