// Builds the container images of the operator and of the boot agent with buildah from
// images/operator/Containerfile and images/agent/Containerfile, and pushes them to a registry.
// Everything slow is cached under ~/.cache/walt-operator/images, keyed by what makes it: the Debian
// base by its build script, the agent's OS layer by buildah's layer cache (base + package list), the
// Node.js binary by version, the npm production tree by the lock file; only the app layer changes
// with the code. The default tag is the content key of the app's sources, so an unchanged tree is not
// built again. Needs root (debootstrap, buildah with chroot isolation).
//
// CLI:  tsx images/build.ts --registry 127.0.0.1:5000 [--tag T]   build and push; prints the references
//       tsx images/build.ts                                        build only (warms the caches)
//       tsx images/build.ts --context <dir>                        write the build context only
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cacheRoot } from '../local/cache-dir.js';
import { ensureProductionTree } from './app-tree.js';
import { baseKey, ensureBase } from './base.js';
import { createBuildah, type Buildah } from './buildah.js';
import { writeContext } from './context.js';
import { captureStep, progress } from './exec.js';
import {
  checkRegistry,
  checkTag,
  contentKey,
  imageReference,
  localReference,
  type ImageKind,
} from './keys.js';
import { ensureNodeRuntime, NODE_VERSION } from './node-runtime.js';
import { imageSourcePaths, imageSources } from './sources.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, '..');
const KINDS: readonly ImageKind[] = ['operator', 'agent'];

export interface BuildImagesOptions {
  /** host:port of the registry to push to (plain HTTP allowed). */
  registry: string;
  /** Default: the content key of the app's sources. */
  tag?: string;
}

export interface BuiltImages {
  operator: string;
  agent: string;
}

export function imagesCacheDir(): string {
  return path.join(cacheRoot(), 'images');
}

/** The default tag: the sources of the app and of the images, the base and the Node.js version. */
export async function defaultTag(repoRoot: string = REPO_ROOT): Promise<string> {
  return contentKey([
    ...(await imageSources(repoRoot)),
    { name: '\0base', content: await baseKey() },
    { name: '\0node', content: NODE_VERSION },
  ]);
}

/**
 * The commit the images are built from, "-dirty" when the working tree's image sources differ from it
 * (an image is built once per content: its label names the first commit built with that content).
 */
async function gitRevision(): Promise<string | undefined> {
  try {
    const head = (await captureStep('git', 'git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD'])).trim();
    const paths = await imageSourcePaths(REPO_ROOT);
    const changes = await captureStep('git', 'git', [
      '-C',
      REPO_ROOT,
      'status',
      '--porcelain',
      '--',
      ...paths,
    ]);
    return changes.trim() ? `${head}-dirty` : head;
  } catch {
    return undefined;
  }
}

interface BuildOne {
  buildah: Buildah;
  context: string;
  /** The base image's reference in buildah's storage. */
  base: string;
  tag: string;
}

async function buildOne(kind: ImageKind, { buildah, context, base, tag }: BuildOne): Promise<void> {
  const revision = await gitRevision();
  const started = Date.now();
  progress(`building ${localReference(kind, tag)}`);
  await buildah.run(`build ${kind}`, [
    'build',
    '--isolation',
    'chroot',
    '--layers',
    '--pull=never',
    '--format',
    'oci',
    '--build-arg',
    `BASE=${base}`,
    '--label',
    `org.opencontainers.image.version=${tag}`,
    ...(revision ? ['--label', `org.opencontainers.image.revision=${revision}`] : []),
    '--file',
    path.join(here, kind, 'Containerfile'),
    '--tag',
    localReference(kind, tag),
    context,
  ]);
  progress(`built ${localReference(kind, tag)} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Writes the build context of both Containerfiles into `dir` (for a build by hand). */
export async function prepareContext(dir: string): Promise<void> {
  const cacheDir = imagesCacheDir();
  const node = await ensureNodeRuntime(cacheDir);
  const productionTree = await ensureProductionTree(REPO_ROOT, cacheDir);
  await writeContext(dir, { repoRoot: REPO_ROOT, node, productionTree });
}

/** Builds both images into buildah's storage (unless built already) and returns their local names. */
export async function buildLocalImages(options: { tag?: string } = {}): Promise<BuiltImages> {
  const tag = checkTag(options.tag ?? (await defaultTag()));
  const cacheDir = imagesCacheDir();
  await mkdir(cacheDir, { recursive: true });
  const buildah = createBuildah(path.join(cacheDir, 'buildah'));
  const done = await Promise.all(KINDS.map((kind) => buildah.hasImage(localReference(kind, tag))));
  if (done.every(Boolean) && options.tag === undefined) {
    progress(`images of tag ${tag} already built`);
  } else {
    const base = await ensureBase(buildah, cacheDir);
    const context = await mkdtemp(path.join(cacheDir, '.context-'));
    try {
      await prepareContext(context);
      for (const kind of KINDS) await buildOne(kind, { buildah, context, base, tag });
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  }
  return { operator: localReference('operator', tag), agent: localReference('agent', tag) };
}

/** Builds both images (cached) and pushes them to `registry`; returns the pushed references. */
export async function buildImages(options: BuildImagesOptions): Promise<BuiltImages> {
  const registry = checkRegistry(options.registry);
  if (options.tag !== undefined) checkTag(options.tag);
  const local = await buildLocalImages(options.tag === undefined ? {} : { tag: options.tag });
  const tag = local.operator.slice(local.operator.lastIndexOf(':') + 1);
  const buildah = createBuildah(path.join(imagesCacheDir(), 'buildah'));
  const pushed = { operator: '', agent: '' };
  for (const kind of KINDS) {
    const reference = imageReference(registry, kind, tag);
    progress(`pushing ${reference}`);
    await buildah.run(`push ${kind}`, [
      'push',
      '--quiet',
      '--tls-verify=false',
      local[kind],
      `docker://${reference}`,
    ]);
    pushed[kind] = reference;
  }
  return pushed;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      registry: { type: 'string' },
      tag: { type: 'string' },
      context: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: tsx images/build.ts [--registry HOST:PORT] [--tag TAG] | --context DIR\n' +
        '  builds the operator and agent images (cached), pushes them when a registry is given\n',
    );
    return;
  }
  if (values.context !== undefined) {
    await prepareContext(path.resolve(values.context));
    process.stdout.write(`${path.resolve(values.context)}\n`);
    return;
  }
  const tag = values.tag === undefined ? {} : { tag: values.tag };
  const images =
    values.registry === undefined
      ? await buildLocalImages(tag)
      : await buildImages({ registry: values.registry, ...tag });
  process.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
