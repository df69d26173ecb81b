// `walt image pull <ref>`: create a WaltImage for any OCI reference and follow it until its nodes can
// boot it: resolved by the operator, pulled and unpacked by every segment's boot agent. Pulling an
// image that exists with the same reference just follows it (the command can be run again).
import {
  ERR_CLI_BAD_IMAGE_NAME,
  ERR_CLI_IMAGE_REF_DIFFERS,
  ERR_CLI_NOT_FOUND,
  ERR_CLI_PULL_FAILED,
  ERR_CLI_TIMEOUT,
  ERR_CLI_USAGE,
} from '../../client/errors.js';
import { API_VERSION, RESOURCES, type WaltImage } from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { imageNameFromRef, isImageName } from '../../client/image-ref.js';
import { createProgressPrinter, type ProgressPrinter } from '../progress-printer.js';
import { pullView } from '../pull-progress.js';
import { formatDuration, parseTimeout } from '../timeout.js';
import { watchUntil } from '../../client/watch.js';

export const DEFAULT_PULL_TIMEOUT = '30m';

export interface ImagePullOptions {
  name?: string;
  insecure?: boolean;
  models?: string;
  wait?: boolean;
  timeout?: string;
}

export function pullImageName(ref: string, given?: string): string {
  if (given !== undefined) {
    if (!isImageName(given)) throw ERR_CLI_BAD_IMAGE_NAME(given);
    return given;
  }
  const derived = imageNameFromRef(ref);
  if (!derived) throw ERR_CLI_USAGE(`cannot make an image name from ${ref}: give one with --name`);
  return derived;
}

function imageObject(ctx: CliContext, name: string, ref: string, options: ImagePullOptions): WaltImage {
  const models = options.models
    ?.split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  return {
    apiVersion: API_VERSION,
    kind: RESOURCES.image.kind,
    metadata: { name, namespace: ctx.namespace },
    spec: {
      ref,
      ...(options.insecure ? { insecureRegistry: true } : {}),
      ...(models?.length ? { models } : {}),
    } as WaltImage['spec'],
  };
}

/** The existing image of that name if it has the same ref, else a new one. */
async function ensureImage(
  ctx: CliContext,
  name: string,
  ref: string,
  options: ImagePullOptions,
): Promise<void> {
  const existing = await ctx.client.get<WaltImage>(RESOURCES.image, name, ctx.namespace);
  if (existing && existing.spec.ref !== ref) throw ERR_CLI_IMAGE_REF_DIFFERS(name, existing.spec.ref);
  if (existing) {
    ctx.io.err(`image ${name} exists with this reference: following it\n`);
    return;
  }
  await ctx.client.create(RESOURCES.image, imageObject(ctx, name, ref, options));
}

async function follow(
  ctx: CliContext,
  name: string,
  timeoutMs: number,
  printer: ProgressPrinter,
): Promise<string> {
  let last = `${name}: waiting for the operator`;
  const fieldSelector = `metadata.name=${name}`;
  return watchUntil<WaltImage, string>({
    path: ctx.client.collectionPath(RESOURCES.image, ctx.namespace),
    fieldSelector,
    list: () => ctx.client.list<WaltImage>(RESOURCES.image, { namespace: ctx.namespace, fieldSelector }),
    check: (objects) => {
      const image = objects.get(name);
      if (!image) throw ERR_CLI_NOT_FOUND(`image ${ctx.namespace}/${name} (removed while pulling)`);
      const view = pullView(image);
      last = view.line;
      if (view.state === 'failed') throw ERR_CLI_PULL_FAILED(`${ctx.namespace}/${name}`, view.message);
      if (view.state === 'ready') return view.line;
      printer.update(view.line);
      return undefined;
    },
    timeoutMs,
    onTimeout: () => ERR_CLI_TIMEOUT(`waiting for image ${name} (last: ${last})`, formatDuration(timeoutMs)),
    watch: ctx.watch,
  });
}

export async function imagePull(ctx: CliContext, ref: string, options: ImagePullOptions): Promise<void> {
  const name = pullImageName(ref, options.name);
  const timeoutMs = parseTimeout(options.timeout ?? DEFAULT_PULL_TIMEOUT);
  await ensureImage(ctx, name, ref, options);
  if (options.wait === false) {
    ctx.io.out(`image ${name} created: walt image show follows its pull\n`);
    return;
  }
  const printer = createProgressPrinter(ctx.io.stdout);
  try {
    printer.finish(await follow(ctx, name, timeoutMs, printer));
  } catch (error) {
    printer.end();
    throw error;
  }
}
