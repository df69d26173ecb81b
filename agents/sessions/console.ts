// `walt node console <vnode>` on the agent (ADR 0019): a WebSocket (token) attached to a virtual node's
// serial console, i.e. qemu's stdin and stdout that agents/vnodes/ holds. Output frames carry what qemu
// prints from the attachment on; stdin frames are typed into qemu. Resize, signal and eof frames mean
// nothing to a serial line and are dropped. At most MAX_CONSOLES_PER_NODE attachments per VM; the same
// frame bound and idle timeout as sessions. Detaching is the client's (its escape key closes the socket).
import type { WebSocket, RawData } from 'ws';
import { dataFrames, decodeFrame, encodeFrame } from '../../api/agent/session-frames.js';
import type { WaltError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { ConsoleNoVm, SessionIdle, SessionLimit, SessionProtocol } from './errors.js';
import type { SessionMetrics } from './metrics.js';

/** What the agent's virtual nodes give (agents/vnodes: VnodeService.openConsole). */
export type ConsoleSource = (
  node: string,
  tap: (chunk: Buffer) => void,
) => { write(data: Buffer): boolean; close(): void } | undefined;

export const MAX_CONSOLES_PER_NODE = 2;

export class ConsoleAttachments {
  private readonly perNode = new Map<string, number>();

  constructor(
    private readonly source: ConsoleSource | undefined,
    private readonly metrics: SessionMetrics,
    private readonly logger: Logger,
    private readonly idleMs: number,
  ) {}

  /** Before the upgrade: room on this VM (503 WALT_ERR_SESSION_LIMIT otherwise). */
  checkRoom(node: string): void {
    if ((this.perNode.get(node) ?? 0) < MAX_CONSOLES_PER_NODE) return;
    this.metrics.refusals.inc({ reason: 'limit' });
    throw SessionLimit(`the console of ${node}`, MAX_CONSOLES_PER_NODE);
  }

  attach(node: string, socket: WebSocket): void {
    const fail = (error: WaltError): void => {
      if (socket.readyState === socket.OPEN)
        socket.send(encodeFrame({ type: 'error', error: error.code, message: error.message }));
      socket.close(1000);
    };
    const attachment = this.source?.(node, (chunk) => {
      if (socket.readyState !== socket.OPEN) return;
      for (const frame of dataFrames('stdout', chunk)) socket.send(frame, { binary: true });
    });
    if (!attachment) return fail(ConsoleNoVm(node));
    this.perNode.set(node, (this.perNode.get(node) ?? 0) + 1);
    let idle: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => fail(SessionIdle(Math.round(this.idleMs / 1000))), this.idleMs);
    };
    touch();
    socket.on('message', (data: RawData, isBinary) => {
      try {
        if (!isBinary) throw SessionProtocol('client', 'a text message');
        const frame = decodeFrame(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer));
        touch();
        if (frame.type === 'stdin') attachment.write(Buffer.from(frame.data));
      } catch (err) {
        this.metrics.refusals.inc({ reason: 'badFrame' });
        fail(err as WaltError);
      }
    });
    socket.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
        this.metrics.refusals.inc({ reason: 'oversized' });
    });
    socket.once('close', () => {
      clearTimeout(idle);
      attachment.close();
      const count = (this.perNode.get(node) ?? 1) - 1;
      if (count <= 0) this.perNode.delete(node);
      else this.perNode.set(node, count);
      this.logger.info({ node }, 'console detached');
    });
    this.logger.info({ node }, 'console attached');
  }
}
