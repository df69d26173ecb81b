// A real HTTP service with the log service's plugin on port 0 and a SQLite store in a temp dir, for the
// log service's tests: nodes vn1 (virtual, booted, lease 127.0.0.1 by default) and rpi, images.
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { WaltImage, WaltNode } from '../../api/v1alpha1/index.js';
import { silentLogger } from '../../common/logger.js';
import { createHttpMetrics } from '../../agents/http/metrics.js';
import { createHttpServer } from '../../agents/http/server.js';
import { imageFixture, nodeFixture, segmentFixture, viewOf } from './fixtures/http-boot.js';
import { DEFAULT_IMAGE_NAMESPACE } from '../../agents/netboot/gate.js';
import { createLogService, type LogService } from '../../agents/log-service/index.js';
import type { LogLimits } from '../../agents/log-service/limits.js';

export const TOKEN = 'test-token';
export const MAC_VN1 = '52:54:00:00:00:01';
export const MAC_RPI = 'b8:27:eb:00:00:02';
export const DEBIAN_ID = 'a'.repeat(64);
export const DEFAULT_ID = 'b'.repeat(64);

export function labNodes(): WaltNode[] {
  const vn1 = nodeFixture('vn1', MAC_VN1, 'lab', 'lab/debian');
  vn1.spec.virtual = {
    cpus: 2,
    memory: '512Mi',
    disks: [{ size: '8Gi', template: 'ext4' }],
    networks: [{ name: 'ext', latency: '10ms' }],
    bootDelay: '5s',
  };
  vn1.spec.settings = {
    netsetup: 'NAT',
    bootTimeout: 180,
    bootRetries: 9,
    kexecAllow: true,
    mountPersist: true,
  };
  vn1.status = {
    ip: '192.168.152.10',
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Booted',
        message: '',
        lastTransitionTime: '2025-01-01T00:00:00Z',
      },
    ],
  };
  const rpi = nodeFixture('rpi', MAC_RPI.toUpperCase(), 'lab', 'default');
  rpi.spec.model = 'rpi-4-b';
  return [vn1, rpi];
}

export function labImages(): WaltImage[] {
  const debian = imageFixture('lab/debian', 'lab', ['sha256:m1']);
  debian.status = { ...debian.status, digest: `sha256:${DEBIAN_ID}`, models: ['pc-x86-64', 'qemu-x86-64'] };
  debian.metadata.creationTimestamp = new Date(2024, 4, 6, 7, 8, 9);
  const def = imageFixture(`${DEFAULT_IMAGE_NAMESPACE}/rpi-4-b-default`, 'lab', ['sha256:m2']);
  def.status = { ...def.status, digest: `sha256:${DEFAULT_ID}`, models: ['rpi-4-b'] };
  const unused = imageFixture('alice/tools', 'lab', []);
  unused.status = { ...unused.status, digest: `sha256:${'c'.repeat(64)}`, models: ['pc-x86-64'] };
  const unresolved = imageFixture('alice/pending', 'lab', []);
  delete unresolved.status?.digest;
  return [debian, def, unused, unresolved];
}

export interface Harness {
  base: string;
  port: number;
  app: FastifyInstance;
  logs: LogService;
  registry: Registry;
  leases: Map<string, string>;
  dir: string;
  close(): Promise<void>;
}

/** Tests send many requests from one address: the rate limit is lifted unless a test sets it. */
const TEST_LIMITS: Partial<LogLimits> = { ratePerSecond: 10_000, rateBurst: 10_000 };

export async function startHarness(limits: Partial<LogLimits> = {}): Promise<Harness> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'walt-logsvc-'));
  const nodes = labNodes();
  const registry = new Registry();
  const leases = new Map<string, string>([['127.0.0.1', MAC_VN1]]);
  const logs = createLogService({
    segment: 'lab',
    store: { kind: 'sqlite', file: path.join(dir, 'logs.db') },
    listNodes: () => nodes,
    listImages: labImages,
    logger: silentLogger(),
    metrics: registry,
    buffer: { flushMs: 50 },
    followHeartbeatMs: 300,
    limits: { ...TEST_LIMITS, ...limits },
  });
  const app = createHttpServer({
    segment: 'lab',
    serverAddress: '127.0.0.1',
    view: viewOf({ segments: [segmentFixture('lab')], nodes, images: labImages(), rootfs: {} }),
    macOfIp: (ip) => leases.get(ip),
    exportPathOf: () => '/exports/x',
    onBootup: () => Promise.resolve(),
    logger: silentLogger(),
    metrics: createHttpMetrics(registry),
    apiToken: () => TOKEN,
    plugins: [logs.plugin],
  });
  await logs.start();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    app,
    logs,
    registry,
    leases,
    dir,
    close: async () => {
      await app.close();
      await logs.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiLine {
  id: number;
  ts: string;
  issuer: string;
  stream: string;
  line: string;
}

export async function queryLines(base: string, params: string): Promise<ApiLine[]> {
  const res = await fetch(`${base}/api/v1/logs/query?${params}`);
  if (res.status !== 200) throw new Error(`query ${params}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { logs: ApiLine[] }).logs;
}

/** Polls the query until `count` lines match (lines are stored within the buffer's flush delay). */
export async function waitForLines(
  base: string,
  params: string,
  count: number,
  ms = 10_000,
): Promise<ApiLine[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const lines = await queryLines(base, params);
    if (lines.length >= count || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 50));
  }
}
