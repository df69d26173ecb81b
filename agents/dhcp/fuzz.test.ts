// Hostile input: random bytes and mutations of valid packets must neither throw nor hang, in the codec
// and in the whole responder.
import fc from 'fast-check';
import { dhcpConfigOf } from './config.js';
import { emptyLeases } from './leases.js';
import { decode, encode } from './packet.js';
import { respond } from './responder.js';
import {
  fixtureView,
  ipxeDiscoverBytes,
  nodeObject,
  readyImage,
  rpiDiscoverBytes,
  segmentObject,
} from '../../test/support/fixtures/dhcp.js';

const seeds = [ipxeDiscoverBytes(), rpiDiscoverBytes()];

const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }),
    fc.nat({ max: 600 }),
  )
  .map(([seed, edits, cut]) => {
    const buf = Buffer.from(seed);
    for (const [at, value] of edits) buf[at % buf.length] = value;
    return buf.subarray(0, Math.max(cut, 200));
  });

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 1500 }).map((a) => Buffer.from(a)),
  mutated,
);

describe('fuzz', () => {
  it('decode never throws and re-encodes what it accepts', () => {
    fc.assert(
      fc.property(bytes, (buf) => {
        const result = decode(buf);
        if (result.ok) expect(decode(encode(result.packet)).ok).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('the responder never throws on any decodable packet', () => {
    for (const mode of ['authoritative', 'proxy'] as const) {
      const segment = segmentObject(mode);
      const view = fixtureView(
        segment,
        [
          nodeObject('pc1', '52:54:00:12:34:56', 'pc-x86-64'),
          nodeObject('pi', 'dc:a6:32:01:02:03', 'rpi-4-b'),
        ],
        [readyImage(['pc-x86-64'])],
      );
      const config = dhcpConfigOf('lab', segment.spec);
      let leases = emptyLeases();
      fc.assert(
        fc.property(bytes, fc.constantFrom(67, 4011), (buf, localPort) => {
          const result = decode(buf);
          if (!result.ok) return;
          leases = respond(result.packet, {
            config,
            view,
            reserved: new Map(),
            leases,
            now: 1000,
            localPort,
          }).leases;
        }),
        { numRuns: 2000 },
      );
    }
  });
});
