// The boot agent's side of WaltImage: pull and unpack the digest the operator resolved into this
// segment's cache, report progress and the Pulled / Unpacked conditions in status.segments[<segment>]
// (server-side apply, the agent's own field manager), and garbage-collect the cache when images go
// (a finalizer per segment, so every agent cleans its own cache before the WaltImage disappears).
import { imageFinalizer } from '../../api/agent/finalizers.js';
import type { WaltImage } from '../../api/v1alpha1/index.js';
import { isWaltError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import {
  type Condition,
  type ConditionInput,
  type ManagedControllerOptions,
  messageOf,
  reasonOf,
  type ReconcileContext,
  type ReconcileOutcome,
  setCondition,
} from '../../runtime/index.js';
import { RESOURCES } from '../../api/v1alpha1/index.js';
import {
  clientForImage,
  inspectImage,
  isTransient,
  pinnedReference,
  type PlatformImage,
  platformOfModel,
  type RegistryClient,
  type SecretReader,
} from '../../oci/index.js';
import { collectGarbage } from './store/gc.js';
import { readRecord } from './store/image-record.js';
import type { CacheLayout } from './store/layout.js';
import type { PullProgress } from './store/progress.js';
import { pullImage } from './store/pull.js';
import { layerApplier, registrySource } from './store/registry-source.js';
import { RwLock } from './store/rw-lock.js';

const SLOW_RETRY_MS = 5 * 60_000;
/** Failures that retrying soon can fix; any other failure of a digest waits SLOW_RETRY_MS. */
const TRANSIENT_REASONS = new Set(['RegistryUnreachable', 'RegistryUnavailable']);

export interface ImageAgentOptions {
  segment: string;
  layout: CacheLayout;
  readSecret: SecretReader;
  logger: Logger;
  /** The WaltImages the agent knows (its informer cache), for garbage collection. */
  listImages: () => WaltImage[];
  layerConcurrency?: number;
  /** Pull progress as text, for the platform.devices log stream (WalT's image download lines). */
  onProgress?: (line: string) => void;
}

type SegmentEntry = NonNullable<NonNullable<WaltImage['status']>['segments']>[number];

interface PullOutcome {
  manifests: string[];
  bytesTotal: number;
}

/** Which platforms of the image this segment needs: those of the image's models (all if none match). */
export function platformsToPull(platforms: PlatformImage[], models: readonly string[]): PlatformImage[] {
  const wanted = new Set(models.map((m) => platformOfModel(m as Parameters<typeof platformOfModel>[0])));
  const matching = platforms.filter((p) => wanted.has(p.platform));
  return matching.length > 0 ? matching : platforms;
}

class ImageAgent {
  private readonly lock = new RwLock();
  /** Manifests this process unpacked per image key: kept by GC even before the status shows them. */
  private readonly pulled = new Map<string, string[]>();

  constructor(private readonly options: ImageAgentOptions) {}

  /** A line on the platform log: "image <namespace>/<name>: <what>". */
  progressLine(image: WaltImage, what: string): void {
    this.options.onProgress?.(`image ${keyOf(image)}: ${what}`);
  }

  entryOf(image: WaltImage): SegmentEntry | undefined {
    return image.status?.segments?.find((s) => s.segment === this.options.segment);
  }

  async isCached(entry: SegmentEntry | undefined, digest: string): Promise<boolean> {
    if (entry?.digest !== digest || !entry.manifests?.length) return false;
    if (entry.conditions?.find((c) => c.type === 'Unpacked')?.status !== 'True') return false;
    const records = await Promise.all(entry.manifests.map((m) => readRecord(this.options.layout.record(m))));
    return records.every(Boolean);
  }

  report(
    image: WaltImage,
    ctx: ReconcileContext<WaltImage>,
    fields: Partial<SegmentEntry>,
    conditions: ConditionInput[],
  ): Promise<WaltImage> {
    const previous = this.entryOf(ctx.current())?.conditions ?? [];
    const generation = image.metadata.generation;
    const merged = conditions.reduce<Condition[]>((list, c) => setCondition(list, c, generation), previous);
    const entry = { segment: this.options.segment, ...fields, conditions: merged };
    return ctx.status.apply({ segments: [entry] });
  }

  async pull(image: WaltImage, ctx: ReconcileContext<WaltImage>, digest: string): Promise<PullOutcome> {
    const ref = pinnedReference(image.spec.ref, digest);
    const client = await clientForImage(image, this.options.readSecret);
    const inspection = await inspectImage(client, ref);
    const platforms = platformsToPull(inspection.platforms, image.status?.models ?? []);
    const bytesTotal = platforms.reduce((n, p) => n + p.manifest.layers.reduce((m, l) => m + l.size, 0), 0);
    const progress = new ProgressReporter({ agent: this, image, ctx, digest }, bytesTotal);
    await ctx.events.normal(
      'Pulling',
      `pulling ${ref} for segment ${this.options.segment} (${mib(bytesTotal)})`,
    );
    const manifests: string[] = [];
    for (const [index, platform] of platforms.entries()) {
      await this.pullPlatform(client, ref, platform, (p) => progress.update(index, p.bytesDone));
      manifests.push(platform.manifestDigest);
    }
    await progress.flush();
    this.pulled.set(keyOf(image), manifests);
    return { manifests, bytesTotal };
  }

  private pullPlatform(
    client: RegistryClient,
    ref: string,
    platform: PlatformImage,
    onProgress: (p: PullProgress) => void,
  ): Promise<unknown> {
    const { layout, logger } = this.options;
    return this.lock.read(() =>
      pullImage({
        layout,
        source: registrySource(client, ref),
        applyLayer: layerApplier(logger),
        manifestDigest: platform.manifestDigest,
        platform: platform.platform,
        logger,
        onProgress,
        ...(this.options.layerConcurrency ? { concurrency: this.options.layerConcurrency } : {}),
      }),
    );
  }

  async collect(deleted: WaltImage): Promise<void> {
    this.pulled.delete(keyOf(deleted));
    const keep = new Set<string>();
    for (const image of this.options.listImages()) {
      if (image.metadata.deletionTimestamp || keyOf(image) === keyOf(deleted)) continue;
      for (const m of [...(this.entryOf(image)?.manifests ?? []), ...(this.pulled.get(keyOf(image)) ?? [])])
        keep.add(m);
    }
    const plan = await this.lock.write(() => collectGarbage(this.options.layout, keep));
    this.options.logger.info(plan, 'image cache garbage-collected');
  }
}

/** Reports pull progress in status at a bounded rate (the tracker throttles; writes are serialised). */
class ProgressReporter {
  private readonly done: number[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private lastQuarter = 0;

  constructor(
    private readonly target: {
      agent: ImageAgent;
      image: WaltImage;
      ctx: ReconcileContext<WaltImage>;
      digest: string;
    },
    private readonly bytesTotal: number,
  ) {}

  update(platform: number, bytesDone: number): void {
    this.done[platform] = bytesDone;
    const done = this.done.reduce((n, b) => n + (b ?? 0), 0);
    const progress = { bytesDone: done, bytesTotal: this.bytesTotal };
    const pulling: ConditionInput = {
      type: 'Pulled',
      status: 'Unknown',
      reason: 'Pulling',
      message: `${mib(done)} of ${mib(this.bytesTotal)}`,
    };
    this.chain = this.chain
      .then(() => {
        const { agent, image, ctx, digest } = this.target;
        return agent.report(image, ctx, { digest, progress }, [pulling]);
      })
      .then(() => this.milestone(done))
      .catch(() => undefined);
  }

  /** An event at each quarter of the download, so `kubectl describe` shows the pull moving. */
  private async milestone(done: number): Promise<void> {
    const quarter = this.bytesTotal > 0 ? Math.floor((4 * done) / this.bytesTotal) : 4;
    if (quarter <= this.lastQuarter || quarter >= 4) return;
    this.lastQuarter = quarter;
    const what = `${quarter * 25}% (${mib(done)} of ${mib(this.bytesTotal)})`;
    this.target.agent.progressLine(this.target.image, `downloading, ${what}`);
    await this.target.ctx.events.normal('PullProgress', what);
  }

  flush(): Promise<unknown> {
    return this.chain;
  }
}

function keyOf(image: WaltImage): string {
  return `${image.metadata.namespace ?? ''}/${image.metadata.name}`;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Conditions for a failed pull: a refused layer fails Unpacked after a good pull; the rest fail both. */
function failure(error: unknown): ConditionInput[] {
  const failed = { status: 'False' as const, reason: reasonOf(error), message: messageOf(error) };
  if (isWaltError(error) && error.code.startsWith('WALT_ERR_UNPACK_')) {
    const pulled: ConditionInput = {
      type: 'Pulled',
      status: 'True',
      reason: 'Pulled',
      message: 'every blob pulled and verified',
    };
    return [pulled, { ...failed, type: 'Unpacked' }];
  }
  return [
    { ...failed, type: 'Pulled' },
    { ...failed, type: 'Unpacked' },
  ];
}

/**
 * Time left before retrying a digest whose pull failed for good (a corrupted blob, a refused layer):
 * status updates by the operator must not start the same doomed pull again and again.
 */
export function permanentFailureWait(entry: SegmentEntry | undefined, digest: string, now: number): number {
  if (entry?.digest !== digest) return 0;
  const failed = entry.conditions?.find((c) => c.status === 'False' && !TRANSIENT_REASONS.has(c.reason));
  if (!failed) return 0;
  return Math.max(0, Date.parse(failed.lastTransitionTime) + SLOW_RETRY_MS - now);
}

async function reconcile(
  agent: ImageAgent,
  image: WaltImage,
  ctx: ReconcileContext<WaltImage>,
): Promise<ReconcileOutcome> {
  const digest = image.status?.digest;
  if (!digest || !image.status?.models?.length) return; // the operator has not resolved it yet
  const entry = agent.entryOf(image);
  if (await agent.isCached(entry, digest)) return;
  const wait = permanentFailureWait(entry, digest, Date.now());
  if (wait > 0) return { requeueAfterMs: wait };
  return pullAndReport(agent, image, ctx, digest);
}

async function pullAndReport(
  agent: ImageAgent,
  image: WaltImage,
  ctx: ReconcileContext<WaltImage>,
  digest: string,
): Promise<ReconcileOutcome> {
  const started = Date.now();
  try {
    const { manifests, bytesTotal } = await agent.pull(image, ctx, digest);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    // Apply owns what it sends: the final report repeats the progress so it stays at 100 %.
    const progress = { bytesDone: bytesTotal, bytesTotal };
    await agent.report(image, ctx, { digest, manifests, progress }, [
      { type: 'Pulled', status: 'True', reason: 'Pulled', message: `${digest} pulled` },
      {
        type: 'Unpacked',
        status: 'True',
        reason: 'Unpacked',
        message: `${manifests.length} platform(s) unpacked in ${seconds} s`,
      },
    ]);
    agent.progressLine(image, `${digest} ready to boot (pulled and unpacked in ${seconds} s)`);
    await ctx.events.normal('Unpacked', `${digest} ready to boot, ${seconds} s after the pull started`);
  } catch (error) {
    const conditions = failure(error);
    agent.progressLine(image, `pull failed: ${messageOf(error)}`);
    await agent.report(image, ctx, { digest }, conditions);
    await ctx.events.warning(
      conditions[0]!.status === 'True' ? 'UnpackFailed' : 'PullFailed',
      messageOf(error),
    );
    if (isTransient(error)) throw error;
    return { requeueAfterMs: SLOW_RETRY_MS };
  }
}

export function imageAgentController(options: ImageAgentOptions): ManagedControllerOptions<WaltImage> {
  const agent = new ImageAgent(options);
  return {
    name: `agent-images-${options.segment}`,
    resource: RESOURCES.image,
    fieldManager: `walt-agent-${options.segment}`,
    concurrency: 2,
    finalizer: { name: imageFinalizer(options.segment), finalize: (image) => agent.collect(image) },
    reconcile: (image, ctx) => reconcile(agent, image, ctx),
  };
}
