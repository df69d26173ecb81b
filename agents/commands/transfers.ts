// Archives in transit between the agent and a node (ADR 0008), kept on disk under the directory the
// service is given: toNode archives wait there until the node fetches them, fromNode archives until
// the client has them. Each belongs to one node and is removed after use, or when it expires.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TransferTooLarge, TransferUnknown } from './errors.js';

export type Direction = 'toNode' | 'fromNode';

export interface Transfer {
  id: string;
  node: string;
  direction: Direction;
  file: string;
  expiresAt: number;
  /** Set once the archive is complete on disk. */
  bytes?: number;
}

export interface TransferStoreOptions {
  dir: string;
  /** Largest archive, in bytes. */
  maxBytes: number;
  now?: () => number;
}

/** Counts bytes through and fails past the limit (before they reach the disk). */
function limiter(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(TransferTooLarge(maxBytes));
      else done(null, chunk);
    },
  });
}

export class TransferStore {
  private readonly transfers = new Map<string, Transfer>();
  private readonly now: () => number;

  constructor(private readonly options: TransferStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  async init(): Promise<void> {
    // Leftovers of a previous run are of no use: nobody knows their ids.
    await rm(this.options.dir, { recursive: true, force: true });
    await mkdir(this.options.dir, { recursive: true });
  }

  /** A new transfer slot for `node`, valid for `ttlMs`. */
  open(node: string, direction: Direction, ttlMs: number): Transfer {
    const id = randomBytes(12).toString('hex');
    const transfer: Transfer = {
      id,
      node,
      direction,
      file: path.join(this.options.dir, `${id}.tar`),
      expiresAt: this.now() + ttlMs,
    };
    this.transfers.set(id, transfer);
    return transfer;
  }

  /** Writes the archive of `transfer` from `body`, at most maxBytes; the byte count. */
  async write(transfer: Transfer, body: Readable): Promise<number> {
    await mkdir(this.options.dir, { recursive: true });
    try {
      await pipeline(body, limiter(this.options.maxBytes), createWriteStream(transfer.file));
    } catch (err) {
      await rm(transfer.file, { force: true });
      throw err;
    }
    transfer.bytes = (await stat(transfer.file)).size;
    return transfer.bytes;
  }

  /** The transfer `id` of `node` in `direction`, or TransferUnknown. */
  get(node: string, id: string, direction: Direction): Transfer {
    const transfer = this.transfers.get(id);
    if (!transfer || transfer.node !== node || transfer.direction !== direction)
      throw TransferUnknown(node, id);
    return transfer;
  }

  /** A stream of the complete archive of `transfer`. */
  read(transfer: Transfer): ReadStream {
    if (transfer.bytes === undefined) throw TransferUnknown(transfer.node, transfer.id);
    return createReadStream(transfer.file);
  }

  async remove(transfer: Transfer): Promise<void> {
    this.transfers.delete(transfer.id);
    await rm(transfer.file, { force: true });
  }

  /** Removes expired transfers. */
  async sweep(): Promise<void> {
    const now = this.now();
    const expired = [...this.transfers.values()].filter((t) => t.expiresAt <= now);
    await Promise.all(expired.map((t) => this.remove(t)));
  }

  async removeAll(): Promise<void> {
    await Promise.all([...this.transfers.values()].map((t) => this.remove(t)));
  }
}
