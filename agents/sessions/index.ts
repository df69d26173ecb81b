// Interactive sessions of a boot agent (ADR 0019): users open a WebSocket on the agent API (token, as
// exec), the agent asks the node through the command channel to run node/walt/walt-session, which
// connects back to the agent's HTTP port from the node's lease address with a one-time secret; the
// agent relays the frames of api/agent/session-frames.ts between the two sockets (session.ts).
//   GET /api/v1/nodes/<name>/session?tty=&cols=&rows=&term=&arg=…   users (token), WebSocket
//   GET /api/v1/nodes/<name>/sessions/<id>?secret=<hex>             the node's walt-session, WebSocket
//   GET /api/v1/nodes/<name>/console                                users (token), a VM's serial console
// Bounded before work: the token, the query, the caps (per node, per agent) and the node's channel
// are checked in onRequest, before the upgrade; a WebSocket message over MAX_SESSION_FRAME_BYTES is
// refused by ws before it is buffered; the node route checks the lease address then the secret.
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import { encodeFrame, MAX_SESSION_FRAME_BYTES } from '../../api/agent/session-frames.js';
import { MAX_SESSIONS_PER_AGENT, MAX_SESSIONS_PER_NODE, type ExecResult } from '../../api/agent/v1.js';
import type { WaltError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { HttpContext, HttpPlugin } from '../http/context.js';
import { HttpUnknownNode } from '../http/errors.js';
import { requireNode, requireToken, waitsLong } from '../http/guards.js';
import { nodeNameSchema } from '../http/schemas.js';
import type { ValidExec } from '../commands/requests.js';
import { NodeNotConnected } from '../commands/errors.js';
import { ConsoleAttachments, type ConsoleSource } from './console.js';
import { SessionRefused } from './errors.js';
import { createSessionMetrics, type SessionMetrics } from './metrics.js';
import { nodeSessionArgv, parseSessionQuery, type SessionQueryInput } from './request.js';
import { Session, type SessionTimings } from './session.js';
import { SessionTable, type SessionCaps } from './table.js';

/** What sessions need of the command channel. */
export interface SessionChannel {
  connected(node: string): boolean;
  exec(node: string, request: ValidExec): Promise<ExecResult>;
  cancel(node: string, id: string): Promise<unknown>;
}

export interface SessionServiceOptions {
  channel: SessionChannel;
  logger: Logger;
  metrics: Registry;
  caps?: Partial<SessionCaps>;
  /** Serial consoles of the agent's virtual nodes (`walt node console`). */
  consoles?: ConsoleSource;
  timings?: Partial<SessionTimings>;
}

export const DEFAULT_SESSION_TIMINGS: SessionTimings = { connectMs: 30_000, idleMs: 3600_000 };
/** The longest a session's command may run on the node (the command channel's maximum). */
const SESSION_COMMAND_SECONDS = 86_400;

interface NodeParams {
  name: string;
}
interface BackParams extends NodeParams {
  id: string;
}
const nodeParams = { type: 'object', properties: { name: nodeNameSchema } } as const;
const backParams = {
  type: 'object',
  properties: { name: nodeNameSchema, id: { type: 'string', pattern: '^[0-9a-f]{16}$' } },
} as const;

type Done = (err?: Error) => void;

export class SessionService {
  private readonly table: SessionTable;
  private readonly sessions = new Map<string, Session>();
  private readonly metrics: SessionMetrics;
  private readonly timings: SessionTimings;
  private readonly logger: Logger;
  private readonly consoles: ConsoleAttachments;

  constructor(private readonly options: SessionServiceOptions) {
    this.table = new SessionTable({
      perNode: options.caps?.perNode ?? MAX_SESSIONS_PER_NODE,
      perAgent: options.caps?.perAgent ?? MAX_SESSIONS_PER_AGENT,
    });
    this.metrics = createSessionMetrics(options.metrics);
    this.timings = { ...DEFAULT_SESSION_TIMINGS, ...options.timings };
    this.logger = options.logger.child({ service: 'sessions' });
    this.consoles = new ConsoleAttachments(options.consoles, this.metrics, this.logger, this.timings.idleMs);
  }

  readonly plugin: HttpPlugin = (app: FastifyInstance, ctx: HttpContext): void => {
    void app.register(async (scope: FastifyInstance) => {
      await scope.register(websocket, { options: { maxPayload: MAX_SESSION_FRAME_BYTES } });
      this.routes(scope, ctx);
    });
  };

  /** Closes every session (the agent stops or loses its lead). */
  stop(): void {
    for (const session of [...this.sessions.values()])
      session.commandFailed(NodeNotConnected(session.nodeName));
  }

  private routes(scope: FastifyInstance, ctx: HttpContext): void {
    const checkOpen = (request: FastifyRequest, _reply: unknown, done: Done): void => {
      try {
        const { name } = request.params as NodeParams;
        if (!ctx.view.nodeByName(name)) throw HttpUnknownNode(name);
        parseSessionQuery(request.query as SessionQueryInput);
        this.checkRoom(name);
        if (!this.options.channel.connected(name)) throw NodeNotConnected(name);
        done();
      } catch (err) {
        done(err as Error);
      }
    };
    scope.get<{ Params: NodeParams; Querystring: SessionQueryInput }>(
      '/api/v1/nodes/:name/session',
      {
        websocket: true,
        onRequest: [requireToken(ctx), checkOpen, waitsLong],
        schema: { params: nodeParams },
      },
      (socket, request) => this.open(request.params.name, request.query, socket),
    );
    const checkConsole = (request: FastifyRequest, _reply: unknown, done: Done): void => {
      try {
        const { name } = request.params as NodeParams;
        if (!ctx.view.nodeByName(name)) throw HttpUnknownNode(name);
        this.consoles.checkRoom(name);
        done();
      } catch (err) {
        done(err as Error);
      }
    };
    scope.get<{ Params: NodeParams }>(
      '/api/v1/nodes/:name/console',
      {
        websocket: true,
        onRequest: [requireToken(ctx), checkConsole, waitsLong],
        schema: { params: nodeParams },
      },
      (socket, request) => this.consoles.attach(request.params.name, socket),
    );
    const countAddress = requireNode(ctx);
    const fromNode = (request: FastifyRequest, reply: unknown, done: Done): void =>
      countAddress(request as FastifyRequest<{ Params: NodeParams }>, reply as never, (err?: Error) => {
        if (err) this.metrics.refusals.inc({ reason: 'address' });
        done(err);
      });
    const claim = (request: FastifyRequest, _reply: unknown, done: Done): void => {
      const { name, id } = request.params as BackParams;
      const secret = (request.query as { secret?: unknown }).secret;
      const claimed = this.table.claim(name, id, typeof secret === 'string' ? secret : '', Date.now());
      if (claimed.ok) return done();
      this.metrics.refusals.inc({ reason: claimed.reason });
      done(SessionRefused(name));
    };
    scope.get<{ Params: BackParams }>(
      '/api/v1/nodes/:name/sessions/:id',
      { websocket: true, onRequest: [fromNode, claim, waitsLong], schema: { params: backParams } },
      (socket, request) => {
        const session = this.sessions.get(request.params.id);
        if (session) session.attach(socket);
        else socket.close(1000);
      },
    );
  }

  private checkRoom(node: string): void {
    try {
      this.table.checkRoom(node);
    } catch (err) {
      this.metrics.refusals.inc({ reason: 'limit' });
      throw err;
    }
  }

  private open(node: string, query: SessionQueryInput, socket: WebSocket): void {
    const request = parseSessionQuery(query);
    let entry;
    try {
      entry = this.table.add(node, Date.now() + this.timings.connectMs);
    } catch (err) {
      // Another session took the last place between the check and the upgrade.
      this.metrics.refusals.inc({ reason: 'limit' });
      const error = err as WaltError;
      socket.send(encodeFrame({ type: 'error', error: error.code, message: error.message }));
      socket.close(1000);
      return;
    }
    const { id } = entry;
    const commandId = `session-${id}`;
    const session = new Session(node, socket, {
      metrics: this.metrics,
      logger: this.logger,
      timings: this.timings,
      cancel: () => {
        void this.options.channel.cancel(node, commandId).catch(() => undefined);
      },
      ended: () => {
        this.sessions.delete(id);
        this.table.remove(id);
        this.metrics.open.set(this.sessions.size);
      },
    });
    this.sessions.set(id, session);
    this.metrics.open.set(this.sessions.size);
    this.logger.info({ node, session: id, tty: request.tty }, 'session opened');
    this.options.channel
      .exec(node, {
        command: nodeSessionArgv(id, entry.secret, request),
        timeoutSeconds: SESSION_COMMAND_SECONDS,
        connectTimeoutSeconds: 0,
        id: commandId,
      })
      .then(
        (result) => session.commandEnded(result),
        (err: unknown) => session.commandFailed(err),
      );
  }
}
