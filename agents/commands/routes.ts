// The command channel's HTTP routes as one HttpPlugin (ADR 0008): node routes (node-routes.ts) and
// controller/user routes (control-routes.ts), in their own fastify scope so that their stream body
// parser and large body limits do not reach the agent's other routes.
import type { FastifyInstance } from 'fastify';
import type { HttpContext, HttpPlugin } from '../http/context.js';
import { addStreamParser } from './body.js';
import type { CommandChannel } from './channel.js';
import { registerControlRoutes, registerExecByIdRoutes } from './control-routes.js';
import { registerNodeRoutes, type NodeRouteDeps } from './node-routes.js';

export function commandRoutes(deps: NodeRouteDeps & { channel: CommandChannel }): HttpPlugin {
  return (app: FastifyInstance, ctx: HttpContext): void => {
    void app.register((scope: FastifyInstance, _options, done: (err?: Error) => void) => {
      addStreamParser(scope);
      registerNodeRoutes(scope, ctx, deps);
      registerControlRoutes(scope, ctx, deps.channel);
      registerExecByIdRoutes(scope, ctx, deps.channel);
      done();
    });
  };
}
