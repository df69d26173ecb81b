// The NFS service's supervision of its server, with a double of the server process: a server that
// exits is started again with the exports it served, and one that never became ready is replaced, not
// reloaded. (The real nfs-ganesha killed -9: test/integration/agent-nfs-restart.test.ts.)
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import type { WaltImage, WaltNode, WaltSegment } from '../../api/v1alpha1/index.js';
import { silentLogger } from '../../common/logger.js';
import type { Cache, CacheView } from '../netboot/informer-boot-view.js';
import { NfsServerExited, NfsServerNotReady } from './errors.js';
import type { Ganesha, GaneshaOptions } from './ganesha-process.js';
import { createNfsService, type NfsService } from './service.js';

const SEGMENT = {
  metadata: { name: 'seg' },
  spec: { interface: 'br0', subnet: '10.0.0.0/24', serverAddress: '10.0.0.1' },
} as WaltSegment;

function cacheOf<T>(items: T[], nameOf: (item: T) => string): Cache<T> {
  return { get: (name) => items.find((i) => nameOf(i) === name), list: () => items, on: () => undefined };
}

/** A server double: `ready` says whether start() succeeds; a dead one refuses reloads like the real one. */
class FakeServer implements Ganesha {
  pid: number | undefined;
  readonly configs: string[] = [];
  reloads = 0;

  constructor(
    readonly options: GaneshaOptions,
    private readonly ready: boolean,
  ) {}

  start(config: string): Promise<void> {
    if (!this.ready) return Promise.reject(NfsServerNotReady(30_000, 'ganesha.log'));
    this.pid = 4242;
    this.configs.push(config);
    return Promise.resolve();
  }

  reload(config: string): Promise<void> {
    if (this.pid === undefined) return Promise.reject(NfsServerExited('reload'));
    this.reloads += 1;
    this.configs.push(config);
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.pid = undefined;
    return Promise.resolve();
  }

  /** What the process does when killed: it is gone, and the service is told. */
  die(): void {
    this.pid = undefined;
    this.options.onExit(null, 'SIGKILL');
  }
}

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never: ${what}`);
}

describe('NFS service: supervision of its server', () => {
  let dir: string;
  let service: NfsService | undefined;
  const servers: FakeServer[] = [];

  /** The service on one segment without nodes; `readiness[i]` says whether the i-th server starts. */
  function startService(readiness: boolean[]): Promise<void> {
    service = createNfsService({
      segment: 'seg',
      segments: cacheOf([SEGMENT], (s) => s.metadata.name),
      images: cacheOf<WaltImage>([], (i) => i.metadata.name),
      nodes: cacheOf<WaltNode>([], (n) => n.metadata.name),
      view: { nodes: () => [] } as unknown as CacheView,
      ipOfMac: () => undefined,
      cacheDir: dir,
      logger: silentLogger(),
      metrics: new Registry(),
      debounceMs: 1,
      retryDelayMs: 10,
      createServer: (options) => {
        const server = new FakeServer(options, readiness[servers.length] ?? true);
        servers.push(server);
        return server;
      },
    });
    return service.start();
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-nfs-service-'));
    servers.length = 0;
  });

  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('Given a server that exits, then a new one is started with the same configuration', async () => {
    await startService([true, true]);
    const first = await until('the first server started', () => servers[0]?.configs[0]);
    expect(first).toContain('10.0.0.1');

    servers[0]!.die();

    const second = await until('a second server started', () => servers[1]?.configs[0]);
    expect(second).toBe(first);
    expect(servers[1]!.options.bindAddress).toBe('10.0.0.1');
  });

  it('Given a server that never became ready, then the retry starts a new one instead of reloading it', async () => {
    await startService([false, true]);

    const started = await until('a server started after the failed one', () => servers[1]?.configs[0]);
    expect(started).toContain('10.0.0.1');
    expect(servers[0]!.pid).toBeUndefined();
    expect(servers).toHaveLength(2);
  });
});
