// The DHCP server around the responder, on loopback with a clock of its own: the lease table and the
// lease file are pruned (at start and every PRUNE_MS), and only a bound, unexpired lease identifies a
// client by its address.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/logger.js';
import { serialiseLeases } from './lease-file.js';
import { bind, emptyLeases, offer } from './leases.js';
import { createDhcpServer } from './server.js';
import { fixtureView, segmentObject } from '../../test/support/fixtures/dhcp.js';

const HOUR = 3_600_000;
const NOW = 10 * HOUR;

describe('DHCP server lease table', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'walt-dhcp-server-'));
    file = path.join(dir, 'leases.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('prunes expired offers and old leases from the table and the file, and identifies only bound leases', async () => {
    // Given a lease file with a live bound lease, a live offer, an expired offer, a long-expired lease
    // and a finished decline
    let state = bind(emptyLeases(), { mac: '02:00:00:00:00:01', ip: '127.0.0.101', expiresAt: NOW + HOUR });
    state = offer(state, '02:00:00:00:00:02', '127.0.0.102', NOW + 60_000);
    state = offer(state, '02:00:00:00:00:03', '127.0.0.103', NOW - 1);
    state = bind(state, { mac: '02:00:00:00:00:04', ip: '127.0.0.104', expiresAt: NOW - 2 * HOUR });
    state = { ...state, declined: new Map([['127.0.0.105', NOW - 1]]) };
    await writeFile(file, serialiseLeases(state));
    const segment = segmentObject();
    let now = NOW;
    const server = createDhcpServer({
      segment: {
        ...segment.spec,
        subnet: '127.0.0.0/24',
        serverAddress: '127.0.0.1',
        dhcp: { mode: 'authoritative', range: { start: '127.0.0.100', end: '127.0.0.120' }, leaseTime: '1h' },
        dnsServers: [],
        name: 'lab',
      },
      view: fixtureView(segment, [], []),
      leasesFile: file,
      logger: silentLogger(),
      metrics: new Registry(),
      ports: { server: 0, proxy: 0 },
      now: () => now,
    });
    // When it starts
    await server.start();
    try {
      // Then the expired offer, the old lease and the decline are gone
      expect([...server.leases().leases.keys()].sort()).toEqual(['02:00:00:00:00:01', '02:00:00:00:00:02']);
      expect(server.leases().declined.size).toBe(0);
      // And only the bound lease identifies its client
      expect(server.macOfIp('127.0.0.101')).toBe('02:00:00:00:00:01');
      expect(server.macOfIp('127.0.0.102')).toBeUndefined();
      // When the clock passes both expiries and the table is pruned
      now = NOW + HOUR + 1;
      expect(server.macOfIp('127.0.0.101')).toBeUndefined();
      server.prune();
      expect([...server.leases().leases.keys()]).toEqual(['02:00:00:00:00:01']);
    } finally {
      await server.stop();
    }
    // Then the file holds what the table holds
    const saved = JSON.parse(await readFile(file, 'utf8')) as {
      leases: Array<{ mac: string }>;
      declined: object;
    };
    expect(saved.leases.map((l) => l.mac)).toEqual(['02:00:00:00:00:01']);
    expect(saved.declined).toEqual({});
  });
});
