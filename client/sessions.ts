// Interactive sessions with a node through its agent (ADR 0019), for the CLI and library users: opens
// the agent's session WebSocket (client/agent.ts gives its URL and token), sends input, window sizes,
// signals and end of input as frames (api/agent/session-frames.ts), and hands the node's output to the
// caller until the command's exit status. The terminal side (raw mode, SIGWINCH) is the CLI's.
import { WebSocket } from 'ws';
import {
  dataFrames,
  decodeFrame,
  encodeFrame,
  MAX_SESSION_FRAME_BYTES,
  type SessionSignal,
} from '../api/agent/session-frames.js';
import type { AgentOperations, SessionOperations, SessionRequest, SessionTarget } from '../api/agent/v1.js';
import { defineError, WaltError } from '../common/errors.js';
import { errorFromResponse, transportError } from './agent-response.js';

export const ERR_SESSION_UNSUPPORTED = defineError(
  'WALT_ERR_SESSION_UNSUPPORTED',
  (segment: string) =>
    `this client cannot open sessions with the agent of segment ${segment}: use the HTTP agent of client/agent.ts`,
  501,
);

export const ERR_SESSION_CUT = defineError(
  'WALT_ERR_SESSION_CUT',
  (node: string, detail: string) =>
    `the session with node ${node} was cut before the command ended (${detail}): the command was hung up; open a new session`,
  502,
);

export interface SessionOutput {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
}

function sessionsOf(agent: AgentOperations): SessionOperations {
  const ops = agent as Partial<SessionOperations>;
  if (typeof ops.sessionTarget !== 'function' || typeof ops.consoleTarget !== 'function')
    throw ERR_SESSION_UNSUPPORTED(agent.segment);
  return ops as SessionOperations;
}

export class RemoteSession {
  /** The command's exit status; rejects with the agent's coded error, or WALT_ERR_SESSION_CUT. */
  readonly done: Promise<number>;

  private constructor(
    private readonly socket: WebSocket,
    done: Promise<number>,
  ) {
    this.done = done;
  }

  /** Opens a session on `node`; resolves once the agent accepted it (the node connects back after). */
  static async open(
    agent: AgentOperations,
    node: string,
    request: SessionRequest,
    output: SessionOutput,
  ): Promise<RemoteSession> {
    return RemoteSession.connect(agent, node, await sessionsOf(agent).sessionTarget(node, request), output);
  }

  /**
   * Attaches to a virtual node's serial console: its output from now on; `write` types into it. There
   * is no exit status: `done` rejects when the agent ends it, `close()` detaches.
   */
  static async console(agent: AgentOperations, node: string, output: SessionOutput): Promise<RemoteSession> {
    return RemoteSession.connect(agent, node, await sessionsOf(agent).consoleTarget(node), output);
  }

  private static async connect(
    agent: AgentOperations,
    node: string,
    target: SessionTarget,
    output: SessionOutput,
  ): Promise<RemoteSession> {
    const { url, headers } = target;
    const socket = new WebSocket(url, { headers, maxPayload: MAX_SESSION_FRAME_BYTES });
    let settle!: { resolve: (status: number) => void; reject: (err: Error) => void };
    const done = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
    let ended = false;
    const end = (outcome: number | Error): void => {
      if (ended) return;
      ended = true;
      if (typeof outcome === 'number') settle.resolve(outcome);
      else settle.reject(outcome);
    };
    socket.on('message', (data: Buffer) => {
      let frame;
      try {
        frame = decodeFrame(data);
      } catch (err) {
        end(err as Error);
        socket.terminate();
        return;
      }
      if (frame.type === 'stdout') output.stdout(Buffer.from(frame.data));
      else if (frame.type === 'stderr') output.stderr(Buffer.from(frame.data));
      else if (frame.type === 'exit') end(frame.status);
      else if (frame.type === 'error') end(new WaltError(frame.error, frame.message, 502));
    });
    socket.on('close', (code) => end(ERR_SESSION_CUT(node, `WebSocket closed with ${code}`)));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk.slice(0, 65536)));
        response.on('end', () => reject(errorFromResponse(response.statusCode ?? 502, body, url)));
        response.on('error', reject);
      });
      socket.once('error', (err) => reject(transportError(err, agent.segment, url)));
    });
    socket.on('error', (err) => end(ERR_SESSION_CUT(node, err.message)));
    void done.catch(() => undefined);
    return new RemoteSession(socket, done);
  }

  write(data: Uint8Array): void {
    for (const frame of dataFrames('stdin', data)) this.send(frame);
  }

  resize(cols: number, rows: number): void {
    this.send(encodeFrame({ type: 'resize', cols, rows }));
  }

  signal(signal: SessionSignal): void {
    this.send(encodeFrame({ type: 'signal', signal }));
  }

  /** End of input: the PTY reads ^D, a command without PTY sees its stdin closed. */
  eof(): void {
    this.send(encodeFrame({ type: 'eof' }));
  }

  /** Leaves the session: the agent hangs the command up. */
  close(): void {
    this.socket.close(1000);
  }

  private send(bytes: Buffer): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(bytes, { binary: true });
  }
}
