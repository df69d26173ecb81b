// Upload slots of node saves (ADR 0021): the agent opens one per save, tells the node its id and a
// one-time secret (128 random bits) through the command channel, and the node's uploader streams its
// overlay tar to /api/v1/nodes/<node>/saves/<id>?secret=<hex>. A slot takes one upload, from its node
// only (the route also checks the lease address), before it expires; the secret is compared in
// constant time. Whoever waits on the slot gets the built layer or why there is none.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SaveUploadUnknown } from './errors.js';

/** Bits of the one-time secret. */
export const SAVE_SECRET_BYTES = 16;

interface Slot<T> {
  node: string;
  secretHash: Buffer;
  expiresAt: number;
  settle: { resolve: (value: T) => void; reject: (err: Error) => void };
}

export interface OpenSlot<T> {
  id: string;
  secret: string;
  /** What the upload produced (rejects when the slot expires or is closed unused). */
  result: Promise<T>;
}

const hashOf = (secret: string): Buffer => createHash('sha256').update(secret).digest();

export class UploadSlots<T> {
  private readonly slots = new Map<string, Slot<T>>();

  constructor(private readonly now: () => number = Date.now) {}

  open(node: string, ttlMs: number): OpenSlot<T> {
    const id = randomBytes(12).toString('hex');
    const secret = randomBytes(SAVE_SECRET_BYTES).toString('hex');
    let settle!: Slot<T>['settle'];
    const result = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
    // Nobody may be waiting yet when it fails: do not let that be an unhandled rejection.
    result.catch(() => undefined);
    this.slots.set(id, { node, secretHash: hashOf(secret), expiresAt: this.now() + ttlMs, settle });
    return { id, secret, result };
  }

  /**
   * Takes slot `id` for an upload of `node` with `secret` (one use only), or throws
   * WALT_ERR_SAVE_UPLOAD_UNKNOWN. `upload` builds the result; its failure fails the slot too.
   */
  async accept(node: string, id: string, secret: string, upload: () => Promise<T>): Promise<T> {
    const slot = this.slots.get(id);
    const given = hashOf(secret);
    const matches = slot !== undefined && timingSafeEqual(given, slot.secretHash);
    if (!slot || !matches || slot.node !== node || slot.expiresAt <= this.now())
      throw SaveUploadUnknown(node);
    this.slots.delete(id);
    try {
      const value = await upload();
      slot.settle.resolve(value);
      return value;
    } catch (err) {
      slot.settle.reject(err as Error);
      throw err;
    }
  }

  /** Closes slot `id` if it is still open (the save is over): its waiters get `reason`. */
  close(id: string, reason: Error): void {
    const slot = this.slots.get(id);
    if (!slot) return;
    this.slots.delete(id);
    slot.settle.reject(reason);
  }

  /** Closes the expired slots. */
  sweep(reason: (node: string) => Error): void {
    const now = this.now();
    for (const [id, slot] of this.slots) if (slot.expiresAt <= now) this.close(id, reason(slot.node));
  }

  closeAll(reason: Error): void {
    for (const id of [...this.slots.keys()]) this.close(id, reason);
  }
}
