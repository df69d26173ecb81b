// The NFS service of a segment: keeps nfs-ganesha exporting exactly what the segment's nodes need.
// Any change of nodes, images, leases or the segment schedules one reconcile (single flight): new views
// are built first, then the configuration is reloaded, and views no longer used are removed after a
// grace period (a node rebooting out of an image may still read it for a moment, as in WalT).
import { chmod, chown, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { WaltImage, WaltNode, WaltSegment } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import { clampDelay } from '../../common/timers.js';
import type { Cache, CacheView } from '../netboot/informer-boot-view.js';
import { decideBoot, type BootTarget } from '../netboot/gate.js';
import { followSegment, type SegmentFollower } from '../netboot/segment-follower.js';
import { allocateExportId, loadExportIds, saveExportIds, type ExportIds } from './export-ids.js';
import { imagePseudoPath, planExports, type ExportPlan } from './export-plan.js';
import { ensureView, removeView } from './export-view.js';
import { createGanesha, type Ganesha, type GaneshaOptions } from './ganesha-process.js';
import { PERSIST_OWNER, renderGaneshaConfig, type ExportSpec } from './ganesha-config.js';
import { createNfsMetrics, type NfsMetrics } from './metrics.js';
import { imageEnvFile, readNodeFiles, type NodeFile } from './node-files.js';

export interface NfsServiceOptions {
  segment: string;
  segments: Cache<WaltSegment>;
  images: Cache<WaltImage>;
  nodes: Cache<WaltNode>;
  view: CacheView;
  /** The address a node holds on the segment (its DHCP lease). */
  ipOfMac: (mac: string) => string | undefined;
  cacheDir: string;
  logger: Logger;
  metrics: Registry;
  /** How long an unused view stays exported (default 60 s). */
  graceMs?: number;
  /** How long changes are gathered before one reconcile (default 200 ms). */
  debounceMs?: number;
  /** How long after a failed reconcile (a server that did not start) it is tried again (default 5 s). */
  retryDelayMs?: number;
  /** Starts the NFS server process (default nfs-ganesha; unit tests give a double). */
  createServer?: (options: GaneshaOptions) => Ganesha;
}

export interface NfsService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Asks for a reconcile (lease changes call it). */
  poke(): void;
  /** The path a node mounts its root from. */
  exportPathOf(target: BootTarget): string;
  /** Resolves when every change seen so far is applied (tests). */
  settled(): Promise<void>;
}

const DEFAULT_GRACE_MS = 60_000;
const VIEW_NAME = /^[0-9a-f]{64}$/;
const RESTART_DELAY_MS = 2_000;
const RETRY_DELAY_MS = 5_000;
const DEBOUNCE_MS = 200;

class Service implements NfsService {
  private readonly dirs;
  private readonly metrics: NfsMetrics;
  private ganesha: Ganesha | undefined;
  private address: string | undefined;
  private subnet: string | undefined;
  private ids: ExportIds = {};
  private lastConfig = '';
  private nodeFiles: NodeFile[] = [];
  private readonly retired = new Map<string, number>();
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;
  private follower: SegmentFollower | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private listening = false;
  private readonly persistDirs = new Set<string>();

  constructor(private readonly options: NfsServiceOptions) {
    const root = path.join(options.cacheDir, 'nfs');
    this.dirs = {
      root,
      views: path.join(root, 'views'),
      persist: path.join(root, 'persist'),
      ids: path.join(root, 'export-ids.json'),
    };
    this.metrics = createNfsMetrics(options.metrics);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await mkdir(this.dirs.views, { recursive: true });
    await mkdir(this.dirs.persist, { recursive: true });
    this.ids = await loadExportIds(this.dirs.ids);
    this.nodeFiles = await readNodeFiles();
    this.listenOnce();
    this.follower = followSegment(
      this.options.segments,
      this.options.segment,
      (segment) => this.applySegment(segment),
      (error) => this.options.logger.error({ err: error }, 'could not apply the segment to the NFS service'),
    );
    await this.follower.started;
  }

  /** Cache events ask for a reconcile; registered once, though leadership may start the service again. */
  private listenOnce(): void {
    if (this.listening) return;
    this.listening = true;
    const poke = (): void => this.poke();
    const { images, segments, nodes } = this.options;
    for (const cache of [images, segments, nodes] as Cache<unknown>[]) {
      cache.on('add', poke);
      cache.on('update', poke);
      cache.on('delete', poke);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.graceTimer);
    await this.follower?.settled();
    await this.running;
    await this.ganesha?.stop();
    this.ganesha = undefined;
  }

  poke(): void {
    if (this.stopped || this.address === undefined) return;
    if (this.pending) return;
    this.pending = true;
    // A short delay coalesces bursts (a boot storm changes a lease per node) into one reload.
    const due = new Promise<void>((resolve) => setTimeout(resolve, this.options.debounceMs ?? DEBOUNCE_MS));
    this.running = this.running
      .then(() => due)
      .then(async () => {
        this.pending = false;
        await this.reconcile().catch((error: unknown) => {
          this.options.logger.error({ err: error }, 'NFS exports not applied: trying again shortly');
          setTimeout(() => this.poke(), this.options.retryDelayMs ?? RETRY_DELAY_MS).unref();
        });
      });
  }

  exportPathOf(target: BootTarget): string {
    return imagePseudoPath(target.image.manifestDigest);
  }

  async settled(): Promise<void> {
    await this.follower?.settled();
    await this.running;
  }

  private async applySegment(segment: WaltSegment): Promise<void> {
    const { serverAddress, subnet } = segment.spec;
    this.subnet = subnet;
    if (this.address === serverAddress && this.ganesha) {
      this.poke();
      return;
    }
    await this.running;
    await this.ganesha?.stop();
    this.ganesha = undefined;
    this.address = serverAddress;
    this.lastConfig = '';
    this.poke();
    await this.running;
  }

  private plan(): ExportPlan {
    const { segment, view } = this.options;
    const nodes = view
      .nodes()
      .filter((node) => node.spec.segment === segment)
      .map((node) => ({
        name: node.metadata.name,
        decision: decideBoot({ segment, mac: node.spec.mac }, view),
        ip: this.options.ipOfMac(node.spec.mac) ?? node.status?.ip,
        mountPersist: node.spec.settings?.mountPersist ?? true,
      }));
    return planExports({
      subnet: this.subnet ?? '0.0.0.0/32',
      viewsDir: this.dirs.views,
      persistDir: this.dirs.persist,
      nodes,
      idOf: (dir) => this.idOf(dir),
    });
  }

  private idOf(dir: string): number {
    const { id, ids } = allocateExportId(this.ids, dir);
    this.ids = ids;
    return id;
  }

  private async reconcile(): Promise<void> {
    const plan = this.plan();
    await saveExportIds(this.dirs.ids, this.ids);
    for (const view of plan.views) {
      const timer = this.metrics.viewBuildSeconds.startTimer();
      const files = [...this.nodeFiles, imageEnvFile(view.image)];
      const outcome = await ensureView({ dir: view.dir, rootfs: view.rootfs, files });
      if (outcome !== 'unchanged') {
        timer();
        this.options.logger.info(
          { view: view.key, image: `${view.image.namespace}/${view.image.name}`, outcome },
          'image view ready',
        );
      }
    }
    for (const persist of plan.persist) await this.ensurePersistDir(persist.dir);
    const lingering = await this.retireUnused(plan);
    await this.applyConfig(plan, lingering);
  }

  private async ensurePersistDir(dir: string): Promise<void> {
    if (this.persistDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    // Exported with All_Squash to PERSIST_OWNER (ganesha-config.ts): the node writes as that owner.
    // Files written before squashing stay root's: `chown -R 65534:65534` them once to keep them writable.
    await chown(dir, PERSIST_OWNER.uid, PERSIST_OWNER.gid);
    await chmod(dir, 0o700);
    this.persistDirs.add(dir);
  }

  private async applyConfig(plan: ExportPlan, lingering: readonly ExportSpec[]): Promise<void> {
    const exports = [...plan.exports, ...lingering];
    const config = renderGaneshaConfig({
      bindAddress: this.address!,
      recoveryRoot: path.join(this.dirs.root, 'recovery'),
      exports,
    });
    this.metrics.exports.set({ access: 'RO' }, plan.exports.filter((e) => e.access === 'RO').length);
    this.metrics.exports.set({ access: 'RW' }, plan.exports.filter((e) => e.access === 'RW').length);
    if (config === this.lastConfig && this.ganesha) return;
    if (this.ganesha) {
      await this.ganesha.reload(config);
      this.metrics.reloads.inc();
    } else {
      await this.startServer(config);
    }
    this.lastConfig = config;
    this.options.logger.info({ exports: exports.map((e) => e.pseudo) }, 'NFS exports applied');
  }

  private async startServer(config: string): Promise<void> {
    const ganesha = (this.options.createServer ?? createGanesha)({
      workDir: this.dirs.root,
      bindAddress: this.address!,
      logger: this.options.logger.child({ service: 'nfs' }),
      onExit: (code, signal) => this.restartLater(code, signal),
    });
    this.ganesha = ganesha;
    await ganesha.start(config).catch((error: unknown) => {
      // A server that did not become ready was stopped by start(): forget it, so that the retry starts
      // a new one. Kept, every later reconcile reloaded a dead server and the exports never came back.
      if (this.ganesha === ganesha) this.ganesha = undefined;
      throw error;
    });
  }

  private restartLater(code: number | null, signal: NodeJS.Signals | null): void {
    this.options.logger.error({ code, signal }, 'the NFS server exited: restarting it');
    this.metrics.restarts.inc();
    this.ganesha = undefined;
    this.lastConfig = '';
    setTimeout(() => this.poke(), RESTART_DELAY_MS).unref();
  }

  /**
   * Views not in the plan stay exported for the grace period, then are removed. Returns the exports
   * of those still lingering.
   */
  private async retireUnused(plan: ExportPlan): Promise<ExportSpec[]> {
    const wanted = new Set(plan.views.map((v) => v.key));
    const now = Date.now();
    const grace = this.options.graceMs ?? DEFAULT_GRACE_MS;
    for (const key of wanted) this.retired.delete(key);
    const present = (await readdir(this.dirs.views)).filter((n) => VIEW_NAME.test(n));
    const lingering: ExportSpec[] = [];
    for (const key of present.filter((k) => !wanted.has(k))) {
      const dir = path.join(this.dirs.views, key);
      const since = this.retired.get(key) ?? now;
      this.retired.set(key, since);
      if (now - since < grace) {
        const pseudo = imagePseudoPath(`sha256:${key}`);
        lingering.push({
          id: this.idOf(dir),
          path: dir,
          pseudo,
          access: 'RO',
          clients: [this.subnet ?? '0.0.0.0/32'],
        });
        continue;
      }
      await removeView(dir);
      this.retired.delete(key);
      this.options.logger.info({ view: key }, 'unused image view removed');
    }
    clearTimeout(this.graceTimer);
    // --nfs-grace is the operator's to choose: past 2^31-1 ms a bare setTimeout would fire at once and
    // poke in a loop; waking early only finds the views still within their grace.
    if (this.retired.size > 0) this.graceTimer = setTimeout(() => this.poke(), clampDelay(grace)).unref();
    return lingering;
  }
}

export function createNfsService(options: NfsServiceOptions): NfsService {
  return new Service(options);
}
