// Connection caps of the agent's HTTP server: at most `maxConnections` open at once and
// `maxConnectionsPerClient` per client address, so one device of the lab network cannot hold every
// socket the boot storm needs. A connection over a cap is kept just long enough to answer its first
// request with a coded 503 (WALT_ERR_HTTP_TOO_MANY_CONNECTIONS) and is then closed; it is not counted.
// node's own maxConnections (limits.ts: twice the cap) drops anything beyond without answer.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { WaltError } from '../../common/errors.js';
import { clientIp } from './context.js';
import { HttpTooManyConnections } from './errors.js';

export interface ConnectionCaps {
  maxConnections: number;
  maxConnectionsPerClient: number;
}

/** Open connections, in total and by client address. Pure bookkeeping: tested without sockets. */
export class ConnectionCounter {
  private total = 0;
  private readonly byClient = new Map<string, number>();

  constructor(private readonly caps: ConnectionCaps) {}

  /** Counts a new connection from `client`, or says which cap it is over (then it is not counted). */
  open(client: string): WaltError | undefined {
    const mine = this.byClient.get(client) ?? 0;
    if (mine >= this.caps.maxConnectionsPerClient)
      return HttpTooManyConnections(client, this.caps.maxConnectionsPerClient);
    if (this.total >= this.caps.maxConnections)
      return HttpTooManyConnections('the lab network', this.caps.maxConnections);
    this.total += 1;
    this.byClient.set(client, mine + 1);
    return undefined;
  }

  close(client: string): void {
    const mine = this.byClient.get(client);
    if (mine === undefined) return;
    this.total -= 1;
    if (mine <= 1) this.byClient.delete(client);
    else this.byClient.set(client, mine - 1);
  }

  /** Connections counted now. */
  get count(): number {
    return this.total;
  }
}

/** Sockets over a cap, with the error their first request gets. */
export type Refusals = WeakMap<Socket, WaltError>;

/** Counts the server's connections; returns the refusals its onRequest hook answers. */
export function capConnections(server: Server, caps: ConnectionCaps): Refusals {
  const counter = new ConnectionCounter(caps);
  const refusals: Refusals = new WeakMap();
  server.on('connection', (socket: Socket) => {
    const client = clientIp(socket.remoteAddress ?? '');
    const refused = counter.open(client);
    if (refused) {
      refusals.set(socket, refused);
      return;
    }
    socket.once('close', () => counter.close(client));
  });
  return refusals;
}
