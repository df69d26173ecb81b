// A recording relay in front of the run's apiserver, for tests that start a client process (the
// `walt` CLI) and must know what it did before acting: a plain-HTTP listener on loopback that
// forwards every request to the apiserver with the test's credentials, and records each request's
// method and URL. A test waits for the request that proves the client is in the state it asserts on
// (say, its watch of WaltNodes is open) instead of sleeping and hoping it got there.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { waitFor } from './wait.js';

export interface RecordedRequest {
  method: string;
  /** Path and query, as the client sent them. */
  url: string;
}

export interface ApiserverRecorder {
  /** A kubeconfig file that points at the relay (no credentials of its own). */
  kubeconfig: string;
  requests(): readonly RecordedRequest[];
  /** How many requests were relayed so far: a mark to pass to waitFor. */
  mark(): number;
  /**
   * Waits until a request matching `match`, relayed after `since` (a mark()), got its answer
   * started; returns it. Fails at once when `gone()` says why waiting is pointless (the client
   * exited).
   */
  waitFor(
    what: string,
    match: (r: RecordedRequest) => boolean,
    options: { since: number; timeoutMs?: number; gone?: () => string | undefined },
  ): Promise<RecordedRequest>;
  stop(): Promise<void>;
}

/** A watch request (`?watch=true`) on a collection path containing `plural`. */
export const watchOf =
  (plural: string) =>
  (r: RecordedRequest): boolean =>
    r.method === 'GET' && r.url.includes(`/${plural}`) && /[?&]watch=(true|1)\b/.test(r.url);

/** Starts the relay; `dir` receives its kubeconfig. */
export async function startApiserverRecorder(admin: k8s.KubeConfig, dir: string): Promise<ApiserverRecorder> {
  const upstream = new URL(admin.getCurrentCluster()!.server);
  const answered: RecordedRequest[] = [];
  const relay = (req: IncomingMessage, res: ServerResponse): void => {
    const options: RequestOptions = {
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
    };
    admin
      .applyToHTTPSOptions(options)
      .then(() => {
        const out = httpsRequest(options, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          // Recorded once the apiserver answered: a watch is open from here on.
          answered.push({ method: req.method ?? '', url: req.url ?? '' });
          answer.pipe(res);
        });
        out.on('error', () => res.destroy());
        res.on('close', () => out.destroy());
        req.pipe(out);
      })
      .catch(() => res.destroy());
  };
  const server: Server = createServer(relay);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const kubeconfig = path.join(dir, `recorder-${port}.kubeconfig`);
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // Plain HTTP on loopback: client-node takes it only with TLS verification off (there is no TLS).
      clusters: [
        {
          name: 'recorder',
          cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true },
        },
      ],
      users: [{ name: 'recorder', user: {} }],
      contexts: [{ name: 'recorder', context: { cluster: 'recorder', user: 'recorder' } }],
      'current-context': 'recorder',
    }),
    { mode: 0o600 },
  );
  return {
    kubeconfig,
    requests: () => [...answered],
    mark: () => answered.length,
    waitFor: (what, match, { since, timeoutMs = 30_000, gone }) =>
      waitFor(
        what,
        () => {
          const found = answered.slice(since).find(match);
          const why = found ? undefined : gone?.();
          return why ? Promise.reject(new Error(`${what}: ${why}`)) : Promise.resolve(found);
        },
        timeoutMs,
      ).catch((error: unknown) => {
        const seen = answered.map((r) => `${r.method} ${r.url}`).join('\n');
        throw new Error(`${(error as Error).message}; requests relayed:\n${seen}`);
      }),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(kubeconfig, { force: true });
    },
  };
}
