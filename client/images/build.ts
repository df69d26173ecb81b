// `walt image build`: buildah builds a Containerfile/Dockerfile of a directory on the user's machine
// (docs/adr/0020), its steps shown as they run, then pushes the result to the reference the user
// names. As WalT's walt-image-check does, a result without the label walt.node.models is refused
// before it is pushed: no node could boot it.
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MODELS_LABEL, parseModelsLabel } from '../../oci/index.js';
import { pushImage, type Progress, type RegistryAccess } from './containers.js';
import { ERR_IMAGE_CONVENTIONS, ERR_IMAGE_TOOL_FAILED } from './errors.js';
import { registryArgs, runTool } from './tools.js';

/** buildah's description of an image (config, history, manifest) is kilobytes. */
const MAX_INSPECT_BYTES = 8 * 1024 * 1024;

export interface BuildRequest extends RegistryAccess {
  dir: string;
  /** The Containerfile, relative to `dir` (default: Containerfile, else Dockerfile). */
  file?: string;
  ref: string;
  buildArgs?: Record<string, string>;
  progress?: Progress;
}

export interface BuildResult {
  digest: string;
  models: string[];
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** The build file: the one named, else Containerfile, ContainerFile or Dockerfile in the directory. */
export async function buildFileOf(dir: string, file?: string): Promise<string> {
  if (!(await stat(dir).catch(() => undefined))?.isDirectory())
    throw ERR_IMAGE_TOOL_FAILED('walt image build', `${dir} is not a directory`);
  const candidates = file
    ? [path.resolve(dir, file)]
    : ['Containerfile', 'ContainerFile', 'Dockerfile'].map((f) => path.join(dir, f));
  for (const candidate of candidates) if (await exists(candidate)) return candidate;
  throw ERR_IMAGE_TOOL_FAILED(
    'walt image build',
    `no ${file ?? 'Containerfile or Dockerfile'} in ${dir}: give one with --file`,
  );
}

export async function buildImage(request: BuildRequest): Promise<BuildResult> {
  const file = await buildFileOf(request.dir, request.file);
  const work = await mkdtemp(path.join(os.tmpdir(), 'walt-build-'));
  const tag = `localhost/walt-build-${randomBytes(6).toString('hex')}:latest`;
  try {
    const buildArgs = Object.entries(request.buildArgs ?? {}).flatMap(([k, v]) => [
      '--build-arg',
      `${k}=${v}`,
    ]);
    const args = [
      'build',
      '--layers',
      ...registryArgs('buildah', request),
      ...buildArgs,
      '-f',
      file,
      '-t',
      tag,
      request.dir,
    ];
    await runTool('buildah build', 'buildah', args, request.progress ? { progress: request.progress } : {});
    const inspected = JSON.parse(
      await runTool('buildah inspect', 'buildah', ['inspect', '--type', 'image', tag], {
        maxStdout: MAX_INSPECT_BYTES,
      }),
    ) as { OCIv1?: { config?: { Labels?: Record<string, string> | null } } };
    const labels = inspected.OCIv1?.config?.Labels;
    const { models, unknown } = parseModelsLabel(labels?.[MODELS_LABEL]);
    if (models.length === 0 || unknown.length > 0) {
      const missing =
        models.length === 0 && unknown.length === 0
          ? [`label ${MODELS_LABEL}`]
          : unknown.map((u) => `a known node model instead of "${u}"`);
      throw ERR_IMAGE_CONVENTIONS(request.ref, missing);
    }
    const digest = await pushImage(tag, request.ref, request, request.progress);
    return { digest, models };
  } finally {
    await runTool('buildah rmi', 'buildah', ['rmi', tag]).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}
