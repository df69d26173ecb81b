// One interactive session in the agent (ADR 0019): the client's WebSocket, the command that runs
// walt-session on the node, and the node's WebSocket once it connected back. Frames are decoded and
// checked for their direction before they are relayed; what the client sends before the node is there
// is held (bounded); a slow reader pauses the other side (bounded in flight). The session ends on the
// node's exit frame, the client's close, the node's failure or silence, or the idle timeout.
import type { WebSocket, RawData } from 'ws';
import {
  decodeFrame,
  encodeFrame,
  FROM_CLIENT,
  FROM_NODE,
  type SessionFrame,
} from '../../api/agent/session-frames.js';
import type { ExecResult } from '../../api/agent/v1.js';
import { isWaltError, type WaltError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import {
  SessionBackpressure,
  SessionIdle,
  SessionNodeFailed,
  SessionNoConnect,
  SessionProtocol,
} from './errors.js';
import type { RefusalLabel, SessionMetrics, SessionResultLabel } from './metrics.js';

export interface SessionTimings {
  /** The node must connect back within this (ms). */
  connectMs: number;
  /** No frame either way for this long closes the session (ms). */
  idleMs: number;
}

/** Bytes the client may send before the node connected back. */
export const MAX_PENDING_BYTES = 256 * 1024;
/** Bytes in flight to a reader before its writer is paused, and resumed under half of it. */
export const MAX_IN_FLIGHT_BYTES = 1024 * 1024;

export interface SessionDeps {
  metrics: SessionMetrics;
  logger: Logger;
  timings: SessionTimings;
  /** Cancels the node's command (the node never connected back, or the client left before). */
  cancel(): void;
  /** Called once when the session is over. */
  ended(): void;
}

function bytesOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** Sends to `to`, pausing `from` while more than MAX_IN_FLIGHT_BYTES wait to be written. */
class Pipe {
  private inFlight = 0;
  constructor(
    private readonly from: () => WebSocket | undefined,
    private readonly to: WebSocket,
  ) {}

  send(bytes: Buffer): void {
    if (this.to.readyState !== this.to.OPEN) return;
    this.inFlight += bytes.length;
    if (this.inFlight > MAX_IN_FLIGHT_BYTES) this.from()?.pause();
    this.to.send(bytes, { binary: true }, () => {
      this.inFlight -= bytes.length;
      if (this.inFlight < MAX_IN_FLIGHT_BYTES / 2) this.from()?.resume();
    });
  }
}

export class Session {
  private node: WebSocket | undefined;
  private toNode: Pipe | undefined;
  private readonly toClient: Pipe;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private over = false;
  private exitSent = false;
  private readonly connectTimer: NodeJS.Timeout;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly nodeName: string,
    private readonly client: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    this.toClient = new Pipe(() => this.node, client);
    client.on('message', (data, isBinary) => this.fromClient(bytesOf(data), isBinary));
    client.on('close', () => this.finish('clientClosed'));
    client.on('error', (err) => this.socketError('client', err));
    this.connectTimer = setTimeout(
      () => this.fail(SessionNoConnect(nodeName, deps.timings.connectMs / 1000), 'noConnect'),
      deps.timings.connectMs,
    );
    this.touch();
  }

  /** walt-session connected back with the right secret: relay both ways, the held frames first. */
  attach(node: WebSocket): void {
    if (this.over) {
      node.close(1000);
      return;
    }
    clearTimeout(this.connectTimer);
    this.node = node;
    this.toNode = new Pipe(() => this.client, node);
    node.on('message', (data, isBinary) => this.fromNode(bytesOf(data), isBinary));
    node.on('close', () => this.nodeClosed());
    node.on('error', (err) => this.socketError('node', err));
    for (const bytes of this.pending) this.toNode.send(bytes);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** The node's command ended (walt-session exited): its status ends the session if no exit came. */
  commandEnded(result: ExecResult): void {
    if (this.over) return;
    if (!this.node) {
      this.fail(SessionNodeFailed(this.nodeName, result.exitCode, result.output), 'nodeFailed');
      return;
    }
    if (!this.exitSent) this.sendExit(result.exitCode ?? 255);
  }

  /** The node's command could not run (node not connected, channel lost, agent stopping). */
  commandFailed(err: unknown): void {
    if (this.over) return;
    const error = isWaltError(err) ? err : SessionNodeFailed(this.nodeName, null, String(err));
    this.fail(error, 'nodeFailed');
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    const { idleMs } = this.deps.timings;
    this.idleTimer = setTimeout(() => this.fail(SessionIdle(Math.round(idleMs / 1000)), 'idle'), idleMs);
  }

  private refuse(reason: RefusalLabel, who: 'client' | 'node', why: string): void {
    this.deps.metrics.refusals.inc({ reason });
    this.fail(SessionProtocol(who, why), 'protocol');
  }

  private decode(bytes: Buffer, isBinary: boolean, who: 'client' | 'node'): SessionFrame | undefined {
    if (!isBinary) {
      this.refuse('badFrame', who, 'a text message');
      return undefined;
    }
    try {
      return decodeFrame(bytes);
    } catch (err) {
      this.refuse('badFrame', who, (err as Error).message);
      return undefined;
    }
  }

  private fromClient(bytes: Buffer, isBinary: boolean): void {
    if (this.over) return;
    const frame = this.decode(bytes, isBinary, 'client');
    if (!frame) return;
    if (!FROM_CLIENT.has(frame.type)) return this.refuse('wrongDirection', 'client', `a ${frame.type} frame`);
    this.touch();
    if (this.toNode) return this.toNode.send(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.deps.metrics.refusals.inc({ reason: 'backpressure' });
      return this.fail(SessionBackpressure(this.pendingBytes), 'protocol');
    }
    this.pending.push(bytes);
  }

  private fromNode(bytes: Buffer, isBinary: boolean): void {
    if (this.over) return;
    const frame = this.decode(bytes, isBinary, 'node');
    if (!frame) return;
    if (!FROM_NODE.has(frame.type)) return this.refuse('wrongDirection', 'node', `a ${frame.type} frame`);
    this.touch();
    if (frame.type === 'exit') return this.sendExit(frame.status);
    this.toClient.send(bytes);
  }

  private sendExit(status: number): void {
    this.exitSent = true;
    this.toClient.send(encodeFrame({ type: 'exit', status }));
    this.finish('exited');
  }

  private nodeClosed(): void {
    // Without an exit frame, the command's result (commandEnded) gives the status; if the agent lost
    // the command instead, the idle timeout ends the session.
    if (!this.over && this.exitSent) this.finish('exited');
  }

  private socketError(who: 'client' | 'node', err: Error & { code?: string }): void {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
      this.deps.metrics.refusals.inc({ reason: 'oversized' });
    this.deps.logger.debug({ err, who, node: this.nodeName }, 'session socket error');
    this.finish('protocol');
  }

  private fail(error: WaltError, result: SessionResultLabel): void {
    if (this.over) return;
    this.deps.logger.info({ node: this.nodeName, code: error.code }, 'session ended: %s', error.message);
    if (this.client.readyState === this.client.OPEN)
      this.client.send(encodeFrame({ type: 'error', error: error.code, message: error.message }));
    this.finish(result);
  }

  private finish(result: SessionResultLabel): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.connectTimer);
    clearTimeout(this.idleTimer);
    this.deps.metrics.sessions.inc({ result });
    // walt-session hangs its command up when its socket closes; a command that never connected back
    // is cancelled through the command channel.
    if (this.node) this.node.close(1000);
    else this.deps.cancel();
    // Close after what was queued is written (ws sends the close frame after pending data).
    if (this.client.readyState === this.client.OPEN) this.client.close(1000);
    this.deps.ended();
  }
}
