// `walt node save` on the agent (ADR 0021): a running node's RAM overlay becomes one more layer on top
// of the image it booted, pushed to the registry the caller names, the node left running.
//   POST /api/v1/nodes/<node>/save  (token)  SaveNodeRequest → SaveNodeResult, once pushed
//   POST /api/v1/nodes/<node>/saves/<id>?secret=<hex>  (the node, from its lease address, with the
//        one-time secret of the slot this save opened)  body: the tar of its overlay upper dir
// The save opens an upload slot, asks the node through the command channel to run its uploader
// (node/walt/save-upload: tar of the upper dir, streamed chunked), turns that stream into a
// gzipped OCI layer on disk (layer.ts), then pushes the base's blobs from the agent's store, the new
// layer, the new config and the manifest (oci/push.ts). One save per node at a time.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { ExecResult, SaveNodeResult } from '../../api/agent/v1.js';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import type { Logger } from '../../common/logger.js';
import {
  computeDigest,
  formatReference,
  parseReference,
  PushClient,
  type ImageReference,
} from '../../oci/index.js';
import { bodyStream, addStreamParser } from '../commands/body.js';
import type { ValidExec } from '../commands/requests.js';
import type { HttpContext, HttpPlugin } from '../http/context.js';
import { HttpUnknownNode } from '../http/errors.js';
import {
  limitBody,
  nodeOfRequest,
  requireNode,
  requireToken,
  streamedBody,
  waitsLong,
} from '../http/guards.js';
import { nodeNameSchema } from '../http/schemas.js';
import type { CacheLayout } from '../images/store/layout.js';
import { readRecord } from '../images/store/image-record.js';
import { decideBoot } from '../netboot/gate.js';
import { SaveBaseChanged, SaveBusy, SaveNoBaseImage, SaveNotUploaded } from './errors.js';
import { savedImage } from './image.js';
import { buildLayer, type SavedLayer } from './layer.js';
import { parseSaveRequest, type ValidSave } from './request.js';
import { UploadSlots } from './uploads.js';

/** Largest overlay tar a node may upload (uncompressed). */
export const DEFAULT_MAX_SAVE_BYTES = 4 * 1024 * 1024 * 1024;
/** How long the node's uploader may run (tar of the overlay, upload). */
export const SAVE_COMMAND_TIMEOUT_SECONDS = 1800;
const SWEEP_MS = 5000;

export interface SaveServiceOptions {
  /** Runs a command on a node through the command channel. */
  exec: (node: string, request: ValidExec) => Promise<ExecResult>;
  layout: CacheLayout;
  /** Scratch directory for layers in the making (emptied at start). */
  workDir: string;
  logger: Logger;
  metrics: Registry;
  maxBytes?: number;
  now?: () => number;
}

/** The image the node booted: its config, its layers, the reference it was pulled from. */
interface Base {
  config: Buffer;
  layers: Array<{ mediaType: string; digest: string; size: number }>;
  source?: ImageReference;
}

interface Params {
  name: string;
}
interface SlotParams extends Params {
  id: string;
}

/** The command the node runs: its uploader, found beside its HTTP helper (/walt, or a test's dir). */
export function uploaderCommand(id: string, secret: string): string[] {
  return ['sh', '-c', 'exec "${WALT_HTTP%/*}/save-upload" "$@"', 'save-upload', id, secret];
}

export class SaveService {
  readonly plugin: HttpPlugin;
  private readonly slots: UploadSlots<SavedLayer>;
  private readonly busy = new Set<string>();
  private readonly maxBytes: number;
  private readonly saves: Counter<'result'>;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: SaveServiceOptions) {
    this.slots = new UploadSlots(options.now);
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_SAVE_BYTES;
    this.saves = new Counter({
      name: 'walt_node_saves_total',
      help: 'walt node save requests by result (succeeded, failed).',
      labelNames: ['result'] as const,
      registers: [options.metrics],
    });
    this.plugin = (app, ctx) => this.register(app, ctx);
  }

  async start(): Promise<void> {
    await rm(this.options.workDir, { recursive: true, force: true });
    await mkdir(this.options.workDir, { recursive: true });
    this.sweeper = setInterval(
      () => this.slots.sweep((node) => SaveNotUploaded(node, 'the upload slot expired')),
      SWEEP_MS,
    );
    this.sweeper.unref();
  }

  stop(): Promise<void> {
    clearInterval(this.sweeper);
    this.slots.closeAll(SaveNotUploaded('(any)', 'the agent stopped'));
    return Promise.resolve();
  }

  private register(app: FastifyInstance, ctx: HttpContext): void {
    void app.register((scope: FastifyInstance, _options, done: (err?: Error) => void) => {
      addStreamParser(scope);
      const nodeParams = { type: 'object', properties: { name: nodeNameSchema } } as const;
      const slotParams = {
        type: 'object',
        properties: { name: nodeNameSchema, id: { type: 'string', pattern: '^[0-9a-f]{24}$' } },
      } as const;
      scope.post<{ Params: Params; Body: unknown }>(
        '/api/v1/nodes/:name/save',
        { onRequest: [requireToken(ctx), waitsLong], schema: { params: nodeParams }, bodyLimit: 64 * 1024 },
        (request) => this.save(ctx, this.knownNode(ctx, request), parseSaveRequest(request.body)),
      );
      scope.post<{ Params: SlotParams; Querystring: { secret?: string } }>(
        '/api/v1/nodes/:name/saves/:id',
        {
          onRequest: [
            requireNode(ctx),
            waitsLong,
            limitBody(this.maxBytes),
            streamedBody('application/x-tar'),
          ],
          schema: { params: slotParams },
        },
        async (request, reply) => {
          const node = nodeOfRequest(ctx, request).metadata.name;
          const { id } = request.params;
          const file = path.join(this.options.workDir, `${id}.layer`);
          // No idle timeout here (waitsLong): the whole upload gets the uploader's time, no more.
          const deadline = setTimeout(
            () => request.raw.destroy(SaveNotUploaded(node, 'the upload outlived its time')),
            SAVE_COMMAND_TIMEOUT_SECONDS * 1000,
          );
          try {
            await this.slots.accept(node, id, String(request.query.secret ?? ''), () =>
              buildLayer(bodyStream(request), file, this.maxBytes),
            );
          } finally {
            clearTimeout(deadline);
          }
          return reply.code(204).send();
        },
      );
      done();
    });
  }

  private knownNode(ctx: HttpContext, request: FastifyRequest<{ Params: Params }>): WaltNode {
    const node = ctx.view.nodeByName(request.params.name);
    if (!node) throw HttpUnknownNode(request.params.name);
    return node;
  }

  /** Saves `node`; answers once the manifest is in the registry. */
  async save(ctx: HttpContext, node: WaltNode, request: ValidSave): Promise<SaveNodeResult> {
    const name = node.metadata.name;
    if (this.busy.has(name)) throw SaveBusy(name);
    this.busy.add(name);
    const logger = this.options.logger.child({ node: name, ref: formatReference(request.ref) });
    let layer: SavedLayer | undefined;
    try {
      const base = await this.baseOf(ctx, node);
      layer = await this.upload(name);
      logger.info(
        { layerBytes: layer.size, changeBytes: layer.changeBytes, entries: layer.entries },
        'overlay received',
      );
      const result = await this.push(name, request, base, layer);
      this.saves.inc({ result: 'succeeded' });
      logger.info({ digest: result.digest }, 'node saved');
      return result;
    } catch (err) {
      this.saves.inc({ result: 'failed' });
      throw err;
    } finally {
      this.busy.delete(name);
      if (layer) await rm(layer.file, { force: true });
    }
  }

  /** The image the node booted, from the agent's store: its config and its layers. */
  private async baseOf(ctx: HttpContext, node: WaltNode): Promise<Base> {
    const name = node.metadata.name;
    const decision = decideBoot({ segment: ctx.segment, mac: node.spec.mac }, ctx.view);
    if (!decision.allow) throw SaveNoBaseImage(name, decision.message);
    const booted = node.status?.bootedImage?.digest;
    if (booted !== undefined && booted !== decision.image.digest)
      throw SaveBaseChanged(name, booted, decision.image.digest);
    const record = await readRecord(this.options.layout.record(decision.image.manifestDigest));
    if (!record)
      throw SaveNoBaseImage(name, `the agent has no record of image ${decision.image.manifestDigest}`);
    const config = await readFile(this.options.layout.blob(record.configDigest)).catch(() => {
      throw SaveNoBaseImage(name, `the config blob ${record.configDigest} is not in the agent's store`);
    });
    const source = ctx.view.image(decision.image.namespace, decision.image.name)?.spec.ref;
    return {
      config,
      layers: record.layers,
      ...(source === undefined ? {} : { source: parseReference(source) }),
    };
  }

  /** Asks the node to upload its overlay; the layer built from it. */
  private async upload(node: string): Promise<SavedLayer> {
    const slot = this.slots.open(node, (SAVE_COMMAND_TIMEOUT_SECONDS + 60) * 1000);
    let ran: ExecResult;
    try {
      ran = await this.options.exec(node, {
        command: uploaderCommand(slot.id, slot.secret),
        timeoutSeconds: SAVE_COMMAND_TIMEOUT_SECONDS,
        connectTimeoutSeconds: 0,
      });
    } catch (err) {
      this.slots.close(slot.id, err as Error);
      throw err;
    }
    if (ran.exitCode !== 0) {
      const detail = `its uploader ${ran.timedOut ? 'timed out' : `exited with ${ran.exitCode}`}: ${ran.output.trim().slice(-2000)}`;
      this.slots.close(slot.id, SaveNotUploaded(node, detail));
      // The slot's own failure (a bad archive, too large) says more than the uploader's exit.
      const failure = await slot.result.then(
        // Uploaded, yet the uploader failed after: the layer is not trusted, and not kept.
        (built) => rm(built.file, { force: true }).then(() => undefined),
        (err: unknown) => (err instanceof Error ? err : undefined),
      );
      throw failure ?? SaveNotUploaded(node, detail);
    }
    this.slots.close(slot.id, SaveNotUploaded(node, 'its uploader exited without uploading'));
    return slot.result;
  }

  private async push(
    node: string,
    request: ValidSave,
    base: Base,
    layer: SavedLayer,
  ): Promise<SaveNodeResult> {
    const image = savedImage(node, base, layer, new Date(this.options.now?.() ?? Date.now()));
    const client = new PushClient(request.ref, {
      insecure: request.insecure,
      ...(request.auth ? { credentials: request.auth } : {}),
    });
    const { layout } = this.options;
    // The base's layers: linked from the base's repository when it is on the same registry.
    const mountFrom = base.source?.registry === request.ref.registry ? base.source.repository : undefined;
    const tally = { present: 0, mounted: 0, sent: 0 };
    for (const baseLayer of base.layers) {
      const file = layout.blob(baseLayer.digest);
      tally[await client.pushBlob({ digest: baseLayer.digest, size: baseLayer.size, file }, mountFrom)] += 1;
    }
    this.options.logger.info({ node, baseLayers: tally, mountFrom }, 'base layers in the target repository');
    await client.pushBlob({ digest: layer.digest, size: layer.size, file: layer.file });
    const configFile = `${layer.file}.config`;
    await writeFile(configFile, image.config);
    try {
      await client.pushBlob({
        digest: computeDigest(image.config),
        size: image.config.length,
        file: configFile,
      });
    } finally {
      await rm(configFile, { force: true });
    }
    const digest = await client.pushManifest(image.manifest, image.manifestMediaType);
    return {
      ref: formatReference(request.ref),
      digest,
      layerBytes: layer.size,
      changeBytes: layer.changeBytes,
    };
  }
}
