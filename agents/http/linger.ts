// Lingering close for answers given before the request body was read (a refused caller, a body over
// the route's limit). The connection must close, or node:http would read and discard the whole body to
// keep it alive; but closing a socket whose peer is still sending makes the kernel answer with a reset,
// which can destroy the answer in the client's receive buffer before it reads it (the client then sees
// "connection reset" instead of 401/403/413). So: send the answer, half-close, discard what still
// arrives for a bounded time and size, then close (as web servers have long done).
import type { Socket } from 'node:net';

export const LINGER_MS = 5_000;
export const LINGER_BYTES = 4 * 1024 * 1024;

const lingering = new WeakSet<Socket>();

/** Makes node's close of `socket` after the current answer a bounded lingering close. */
export function lingerOnClose(socket: Socket, limits = { ms: LINGER_MS, bytes: LINGER_BYTES }): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  // node:http ends a "Connection: close" answer with socket.destroySoon().
  socket.destroySoon = function lingeringClose(this: Socket): void {
    if (this.writable) this.end();
    let discarded = 0;
    const stop = (): void => {
      this.destroy();
    };
    const timer = setTimeout(stop, limits.ms);
    timer.unref();
    this.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > limits.bytes) stop();
    });
    this.once('end', stop);
    this.once('close', () => clearTimeout(timer));
    this.resume();
  };
}
