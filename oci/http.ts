// Small HTTP helpers around fetch: a watchdog that aborts a request that stops making progress (a
// single deadline would kill long blob downloads), bounded body reads, and mapping network failures
// to WALT_ERR_REGISTRY_UNREACHABLE.
import { isWaltError } from '../common/errors.js';
import { RegistryProtocol, RegistryUnreachable } from './errors.js';

export type FetchImpl = typeof fetch;

export class Watchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly idleMs: number) {
    this.kick();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Progress was made: restart the idle countdown. */
  kick(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.controller.abort(new Error(`no progress for ${this.idleMs} ms`));
    }, this.idleMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** Why a fetch or a body read failed, in a few words ("ECONNREFUSED", "no progress for 30000 ms"). */
export function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}

export function unreachable(url: string, error: unknown): Error {
  if (isWaltError(error)) return error;
  const coded = RegistryUnreachable(url, networkReason(error));
  coded.cause = error;
  return coded;
}

export async function send(
  fetchImpl: FetchImpl,
  url: string,
  init: RequestInit,
  watchdog: Watchdog,
): Promise<Response> {
  try {
    const response = await fetchImpl(url, { ...init, signal: watchdog.signal, redirect: 'follow' });
    watchdog.kick();
    return response;
  } catch (error) {
    throw unreachable(url, error);
  }
}

/** Frees the connection of a response whose body we do not want. */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // The connection is going away anyway.
  }
}

/** Reads a whole (small) body; more than `limit` bytes is a protocol error, not an allocation. */
export async function readLimited(response: Response, limit: number, watchdog: Watchdog): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await discard(response);
    throw RegistryProtocol(response.url, `body of ${declared} bytes exceeds the ${limit} bytes allowed`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
      watchdog.kick();
      total += chunk.byteLength;
      if (total > limit) throw RegistryProtocol(response.url, `body exceeds the ${limit} bytes allowed`);
      chunks.push(chunk);
    }
  } catch (error) {
    throw unreachable(response.url, error);
  }
  return Buffer.concat(chunks);
}
