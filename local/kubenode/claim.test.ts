import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isWaltError } from '../../common/errors.js';
import { claimMachine } from './claim.js';
import { KubeNodeBusy } from './errors.js';

describe('the machine claim of the kubelet node', () => {
  let dir: string;
  let claim: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-claim-'));
    claim = path.join(dir, 'kubenode.claim');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is taken by this process and gone when released', async () => {
    const release = await claimMachine(claim, 0);
    expect(await readFile(path.join(claim, 'owner'), 'utf8')).toBe(String(process.pid));
    await release();
    expect(existsSync(claim)).toBe(false);
  });

  it('takes over the claim of a process that died', async () => {
    const dead = spawnSync('true').pid;
    await mkdir(claim);
    await writeFile(path.join(claim, 'owner'), String(dead));
    await claimMachine(claim, 0);
    expect(await readFile(path.join(claim, 'owner'), 'utf8')).toBe(String(process.pid));
  });

  it('refuses, after waiting, while a live process holds it', async () => {
    await mkdir(claim);
    await writeFile(path.join(claim, 'owner'), '1');
    const error = await claimMachine(claim, 1500).catch((e: unknown) => e);
    expect(isWaltError(error, KubeNodeBusy)).toBe(true);
  });
});
