// Polls a component's health endpoint until it answers 200, failing early if its process exits.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface HealthTarget {
  url: string;
  caFile?: string;
  /** Self-signed serving certificates (kube-controller-manager's) are not verified. */
  insecure?: boolean;
}

export function probe(target: HealthTarget, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const url = new URL(target.url);
    const options: https.RequestOptions = { timeout: timeoutMs };
    if (url.protocol === 'https:') {
      options.rejectUnauthorized = !target.insecure;
      if (target.caFile) options.ca = readFileSync(target.caFile);
    }
    const request = (url.protocol === 'https:' ? https : http).get(url, options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    request.on('error', () => resolve(0));
    request.on('timeout', () => {
      request.destroy();
      resolve(0);
    });
  });
}

export async function waitHealthy(
  target: HealthTarget,
  stillRunning: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await probe(target)) === 200) return;
    if (!stillRunning()) throw new Error(`process exited before ${target.url} became healthy`);
    if (Date.now() > deadline) throw new Error(`${target.url} not healthy after ${timeoutMs} ms`);
    await sleep(100);
  }
}
