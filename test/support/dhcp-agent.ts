// A DHCP server for integration tests, run inside an agent namespace:
//   tsx test/support/dhcp-agent.ts <fixture.json> <leases.json>
// The fixture holds the WaltSegment, WaltNodes, WaltImages and unpacked root filesystems the view
// returns; it talks to no apiserver (the suites give it no credentials). Prints "READY" once
// listening, then one JSON line per discovered device or bound lease.
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import type { WaltImage, WaltNode, WaltSegment } from '../../api/v1alpha1/index.js';
import { createDhcpServer, type DhcpView } from '../../agents/dhcp/server.js';
import { silentLogger } from '../../common/logger.js';

export interface DhcpFixture {
  segment: WaltSegment;
  nodes: WaltNode[];
  images: WaltImage[];
  rootfs: Record<string, { path: string; platform: string }>;
}

export function fixtureView(fixture: DhcpFixture): DhcpView {
  return {
    segment: (name) => (name === fixture.segment.metadata.name ? fixture.segment : undefined),
    nodeByMac: (mac) => fixture.nodes.find((n) => n.spec.mac.toLowerCase() === mac),
    image: (namespace, name) =>
      fixture.images.find((i) => i.metadata.namespace === namespace && i.metadata.name === name),
    rootfsOf: (digest) => fixture.rootfs[digest],
    nodes: () => fixture.nodes,
  };
}

async function main(): Promise<void> {
  const [fixtureFile, leasesFile] = process.argv.slice(2);
  if (!fixtureFile || !leasesFile) throw new Error('usage: dhcp-agent.ts <fixture.json> <leases.json>');
  const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as DhcpFixture;
  const server = createDhcpServer({
    segment: { ...fixture.segment.spec, name: fixture.segment.metadata.name },
    view: fixtureView(fixture),
    leasesFile,
    logger: silentLogger(),
    metrics: new Registry(),
    onDiscovered: (device) => process.stdout.write(`${JSON.stringify({ discovered: device })}\n`),
    onLease: (lease) => process.stdout.write(`${JSON.stringify({ lease })}\n`),
  });
  await server.start();
  process.stdout.write('READY\n');
  const stop = (): void => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1]?.endsWith('dhcp-agent.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
