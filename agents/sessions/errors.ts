// The coded errors of interactive sessions (ADR 0019). Before the WebSocket upgrade they are HTTP
// answers; after it, `error` frames (api/agent/session-frames.ts) followed by the close.
import { defineError } from '../../common/errors.js';

export const SessionLimit = defineError(
  'WALT_ERR_SESSION_LIMIT',
  (where: string, max: number) =>
    `${where} already has ${max} sessions open: close one (exit a shell) and retry`,
  503,
);

export const SessionBadRequest = defineError(
  'WALT_ERR_SESSION_BAD_REQUEST',
  (why: string) => `bad session request: ${why}`,
  400,
);

export const SessionRefused = defineError(
  'WALT_ERR_SESSION_REFUSED',
  (node: string) =>
    `no session of node ${node} waits for this id and secret (unknown, already used, or expired): only the walt-session the agent started may connect, once`,
  403,
);

export const SessionNodeFailed = defineError(
  'WALT_ERR_SESSION_NODE_FAILED',
  (node: string, status: number | null, output: string) =>
    `walt-session did not start on node ${node} (exit ${status ?? 'none'}): ${output.trim().slice(-400) || 'no output'}; check that the node runs the project's /walt scripts and has perl (perl-base)`,
  502,
);

export const SessionNoConnect = defineError(
  'WALT_ERR_SESSION_NO_CONNECT',
  (node: string, seconds: number) =>
    `node ${node} took the session but did not connect back within ${seconds} s: check that the node reaches the agent's HTTP port, then retry`,
  504,
);

export const SessionIdle = defineError(
  'WALT_ERR_SESSION_IDLE',
  (seconds: number) => `the session was idle for ${seconds} s and was closed: open a new one`,
  408,
);

export const SessionProtocol = defineError(
  'WALT_ERR_SESSION_PROTOCOL',
  (who: string, why: string) => `the ${who} broke the session protocol (${why}): the session was closed`,
  400,
);

export const SessionBackpressure = defineError(
  'WALT_ERR_SESSION_BACKPRESSURE',
  (bytes: number) =>
    `the client sent ${bytes} bytes before the node connected back: wait for the node's first output before sending more`,
  413,
);

export const ConsoleNoVm = defineError(
  'WALT_ERR_CONSOLE_NO_VM',
  (node: string) =>
    `node ${node} has no virtual machine on this agent (not a virtual node, or its VM is not started): walt node console attaches to virtual nodes only`,
  409,
);
