import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { isWaltError } from '../../../common/errors.js';
import { applyLayer } from './apply-layer.js';
import {
  makeSandbox,
  streamOf,
  TAR,
  tarOf,
  type TestEntry,
} from '../../../test/support/fixtures/oci-layers.js';

// Names from a tiny alphabet, so that sequences often collide: a symlink and then a file under it,
// `..` runs, whiteouts of earlier entries.
const component = fc.constantFrom('qz1', 'qz2', '..', '.', '', '.wh.qz1', '.wh..wh..opq');
const path = fc
  .tuple(fc.boolean(), fc.array(component, { minLength: 1, maxLength: 4 }))
  .map(([absolute, parts]) => `${absolute ? '/' : ''}${parts.join('/')}`)
  .filter((name) => name !== '');
const linkTarget = fc.oneof(
  path,
  fc.constantFrom('/', '..', '../..', '../../..', '/qz1/../..', 'qz1/../../qz2'),
);

const entry: fc.Arbitrary<TestEntry> = fc.oneof(
  path.map((name) => ({ name, content: 'data' })),
  path.map((name) => ({ name, type: 'directory' as const })),
  fc.tuple(path, linkTarget).map(([name, linkname]) => ({ name, type: 'symlink' as const, linkname })),
  fc.tuple(path, linkTarget).map(([name, linkname]) => ({ name, type: 'link' as const, linkname })),
);

const RUN_TIMEOUT_MS = 5000;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`applyLayer hung for ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('applyLayer: property', () => {
  it('never writes outside the root and never hangs, whatever the entries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(entry, { maxLength: 12 }), { minLength: 1, maxLength: 2 }),
        async (layers) => {
          // Given a sandbox and one or two random layers
          const sandbox = await makeSandbox();
          const before = sandbox.outside();
          try {
            for (const layer of layers) {
              // When each is applied, Then it either applies or is refused with a coded error
              const tar = await tarOf(layer);
              const outcome = await withTimeout(
                applyLayer(sandbox.root, streamOf(tar, 509), { mediaType: TAR }).then(
                  () => null,
                  (error: unknown) => error,
                ),
              );
              if (outcome !== null && !isWaltError(outcome)) throw outcome as Error;
              if (outcome !== null) break;
            }
            // And the surroundings of the root and the host are as before
            expect(sandbox.outside()).toEqual(before);
            expect(existsSync('/qz1') || existsSync('/qz2') || existsSync('/tmp/qz1')).toBe(false);
          } finally {
            await sandbox.cleanup();
          }
        },
      ),
      { numRuns: Number(process.env.UNPACK_PROPERTY_RUNS ?? 200) },
    );
  }, 120_000);
});
