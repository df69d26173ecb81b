// The local side of file copies: the system's tar builds the archive of a local path and extracts
// an archive into a local directory. An entry that changes name on the way (cp to a new name) is
// renamed by tar when packing, and by a rename after extracting into a private directory when
// unpacking (so a half-extracted tree never takes the destination's name).
import { spawn } from 'node:child_process';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ERR_LOCAL_TAR } from './errors.js';

function runTar(args: readonly string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(ERR_LOCAL_TAR(args.join(' '), e.message)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(ERR_LOCAL_TAR(args.join(' '), err.trim() || `exit code ${code}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const escapeRegex = (text: string): string => text.replace(/[\\^$.*[\]|,]/g, '\\$&');

/** A tar of local `source`, its top entry named `name` (default: its own name). */
export async function packLocal(source: string, name?: string): Promise<Buffer> {
  const absolute = path.resolve(source);
  const entry = path.basename(absolute);
  const args = ['-C', path.dirname(absolute), '-cf', '-'];
  if (name !== undefined && name !== entry) {
    // GNU tar; the name applies to the entry and everything under it.
    args.push(`--transform=s,^${escapeRegex(entry)}\\(/\\|$\\),${name.replaceAll(',', '\\,')}\\1,`);
  }
  return runTar([...args, entry]);
}

/** Extracts `tar` into local directory `dir`, its top entry `entry` renamed to `name`. */
export async function unpackLocal(tar: Buffer, dir: string, entry: string, name: string): Promise<void> {
  if (entry === name) {
    await runTar(['-C', dir, '-xf', '-'], tar);
    return;
  }
  const staging = await mkdtemp(path.join(dir, '.walt-cp-'));
  try {
    await runTar(['-C', staging, '-xf', '-'], tar);
    await rename(path.join(staging, entry), path.join(dir, name));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
