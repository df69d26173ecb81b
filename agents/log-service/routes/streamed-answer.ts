// Answers written while the store's cursor reads them (the reply taken over from fastify): an answer of
// any size costs the agent a page of the cursor, never the whole answer in memory. The status is 200
// once the first byte is out, so a failure after that cuts the connection: the client sees an answer
// that did not end, never one that looks complete.
import { once } from 'node:events';
import type { FastifyReply } from 'fastify';

/** Writes text, waiting for the socket to drain when it is full. */
export type WriteText = (text: string) => Promise<void>;

export interface StreamedAnswer {
  /** Content type of the body. */
  type: string;
  /** Answers under way, aborted when the agent stops (a hijacked reply would hold app.close()). */
  streams: Set<AbortController>;
  /** Aborted when the client goes away or the agent stops (default: a new one). */
  controller?: AbortController;
  /** What the answer is, for the log when it fails. */
  what: string;
}

export async function answerStreamed(
  reply: FastifyReply,
  options: StreamedAnswer,
  produce: (write: WriteText, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const controller = options.controller ?? new AbortController();
  const { signal } = controller;
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': options.type,
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  raw.flushHeaders();
  options.streams.add(controller);
  raw.on('close', () => controller.abort());
  const write: WriteText = async (text) => {
    if (raw.write(text) || signal.aborted) return;
    await once(raw, 'drain', { signal }).catch(() => undefined);
  };
  try {
    await produce(write, signal);
    raw.end();
  } catch (err) {
    reply.log.warn({ err }, `${options.what} failed`);
    raw.destroy();
  } finally {
    options.streams.delete(controller);
    controller.abort();
  }
}
