// buildah working containers of an image (walt image shell, cp, squash): created from a registry
// reference, changed (a shell, a copy), committed and pushed to a reference, then removed. A push
// reports the manifest digest the registry stores (--digestfile), which the WaltImage resolves to.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ERR_IMAGE_TOOL_FAILED } from './errors.js';
import { readableRef } from './names.js';
import { buildahGlobalArgs, registryArgs, runTool } from './tools.js';

export interface RegistryAccess {
  insecure?: boolean;
  authfile?: string;
}

export type Progress = (line: string) => void;

/** A working container of `ref`; `buildah from` pulls the image first. */
export async function createContainer(
  ref: string,
  access: RegistryAccess,
  progress?: Progress,
): Promise<string> {
  const name = `walt-${randomBytes(6).toString('hex')}`;
  await runTool(
    'buildah from',
    'buildah',
    ['from', '--name', name, ...registryArgs('buildah', access), `docker://${readableRef(ref)}`],
    {
      ...(progress ? { progress } : {}),
    },
  );
  return name;
}

/**
 * An interactive shell in the container, on the user's terminal (bash when the image has it, else
 * sh), hostname image-shell as in WalT. Resolves with the shell's exit status.
 */
export async function runShell(container: string, command?: readonly string[]): Promise<number> {
  const shell = command ?? [
    '/bin/sh',
    '-c',
    'if [ -x /bin/bash ]; then exec /bin/bash -l; else exec /bin/sh -l; fi',
  ];
  const args = [
    'run',
    '-t',
    '--hostname',
    'image-shell',
    '--env',
    'HOME=/root',
    '--workingdir',
    '/root',
    container,
    '--',
    ...shell,
  ];
  return Number(await runTool('buildah run', 'buildah', args, { interactive: true }));
}

/** Commits the container (squashed into one layer when asked) and pushes it; returns the digest. */
export async function commitAndPush(
  container: string,
  ref: string,
  access: RegistryAccess,
  options: { squash?: boolean; progress?: Progress } = {},
): Promise<string> {
  const image = `localhost/walt-commit-${randomBytes(6).toString('hex')}:latest`;
  const progress = options.progress ? { progress: options.progress } : {};
  await runTool(
    'buildah commit',
    'buildah',
    ['commit', ...(options.squash ? ['--squash'] : []), container, image],
    progress,
  );
  try {
    return await pushImage(image, ref, access, options.progress);
  } finally {
    await runTool('buildah rmi', 'buildah', ['rmi', image]).catch(() => undefined);
  }
}

/** Pushes a local buildah image to `ref`; returns the digest of the manifest pushed. */
export async function pushImage(
  image: string,
  ref: string,
  access: RegistryAccess,
  progress?: Progress,
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-push-'));
  try {
    const digestFile = path.join(dir, 'digest');
    const args = [
      'push',
      ...registryArgs('buildah', access),
      '--digestfile',
      digestFile,
      image,
      `docker://${ref}`,
    ];
    await runTool('buildah push', 'buildah', args, progress ? { progress } : {});
    return (await readFile(digestFile, 'utf8')).trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function removeContainer(container: string): Promise<void> {
  await runTool('buildah rm', 'buildah', ['rm', container]).catch(() => undefined);
}

/** Copies a local file or directory into the container at `dest`. */
export async function copyInto(container: string, source: string, dest: string): Promise<void> {
  await runTool('buildah copy', 'buildah', ['copy', container, source, dest]);
}

/**
 * Copies `source` out of the container into the local directory `destDir`: the image's own tar
 * writes it (inside the container, so the image's symlinks resolve inside the image, never on this
 * machine) and a local tar extracts it without the image's owners.
 */
export async function copyOut(container: string, source: string, destDir: string): Promise<void> {
  const inside = [
    'run',
    container,
    '--',
    'tar',
    '-C',
    path.posix.dirname(source),
    '-cf',
    '-',
    path.posix.basename(source),
  ];
  const reader = spawn('buildah', [...buildahGlobalArgs(), ...inside], { stdio: ['ignore', 'pipe', 'pipe'] });
  const writer = spawn('tar', ['-C', destDir, '-xf', '-', '--no-same-owner'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  reader.stdout.pipe(writer.stdin);
  const tail = (child: typeof reader | typeof writer): (() => string) => {
    let text = '';
    child.stderr?.on('data', (d: Buffer) => (text = (text + d.toString()).slice(-2048)));
    return () => text.trim();
  };
  const readerErr = tail(reader);
  const writerErr = tail(writer);
  const ended = (child: typeof reader | typeof writer): Promise<number> =>
    new Promise((resolve) => {
      child.on('error', () => resolve(127));
      child.on('close', (code) => resolve(code ?? 128));
    });
  const [readCode, writeCode] = await Promise.all([ended(reader), ended(writer)]);
  if (readCode !== 0)
    throw ERR_IMAGE_TOOL_FAILED(`reading ${source} from the image`, readerErr() || `exit status ${readCode}`);
  if (writeCode !== 0)
    throw ERR_IMAGE_TOOL_FAILED(`writing into ${destDir}`, writerErr() || `exit status ${writeCode}`);
}

/** Runs `work` on a working container of `ref`, removed afterwards whatever happens. */
export async function withContainer<T>(
  ref: string,
  access: RegistryAccess,
  progress: Progress | undefined,
  work: (container: string) => Promise<T>,
): Promise<T> {
  const container = await createContainer(ref, access, progress);
  try {
    return await work(container);
  } finally {
    await removeContainer(container);
  }
}
