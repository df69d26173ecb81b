// The node's uploader (node/walt/save-upload, save-upload.pl) run for real on this host: GNU tar over an
// upper dir holding what overlayfs writes (a whiteout device, an opaque directory's xattr), streamed
// chunked by perl-base to a plain HTTP server on port 0; the body must be the tar the agent converts.
// Also: what it says when perl is missing, and when the agent refuses the upload.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { extract as tarExtract } from 'tar-stream';
import { buildLayer } from './layer.js';

const run = promisify(execFile);
const NODE_DIR = path.resolve(import.meta.dirname, '../../node/walt');
const ID = '0123456789abcdef01234567';
const SECRET = 'ab'.repeat(16);

interface Received {
  url: string;
  chunked: boolean;
  body: Buffer;
}

async function entries(tar: Buffer): Promise<Array<{ name: string; type: string; opaque?: string }>> {
  const out: Array<{ name: string; type: string; opaque?: string }> = [];
  const extract = tarExtract();
  Readable.from([tar]).pipe(extract);
  for await (const entry of extract) {
    const pax = (entry.header.pax ?? {}) as Record<string, string>;
    const opaque = pax['SCHILY.xattr.trusted.overlay.opaque'];
    out.push({ name: entry.header.name, type: entry.header.type, ...(opaque ? { opaque } : {}) });
    entry.resume();
  }
  return out;
}

describe('save-upload: the node streams its overlay upper dir', () => {
  let dir: string;
  let server: Server;
  let received: Received[];
  let status: number;
  let api: string;

  beforeAll(async () => {
    server = createServer((request, reply) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        received.push({
          url: request.url ?? '',
          chunked: request.headers['transfer-encoding'] === 'chunked',
          body: Buffer.concat(chunks),
        });
        reply.statusCode = status;
        reply.end(
          status === 204 ? undefined : '{"error":"WALT_ERR_SAVE_UPLOAD_UNKNOWN","message":"no slot"}',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/nodes/vn1`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'walt-save-upload-'));
    received = [];
    status = 204;
    // Given an upper dir as overlayfs leaves it: a new file, a whiteout, an opaque dir, runtime noise
    const upper = path.join(dir, 'run', 'upper');
    for (const sub of ['root', 'etc', 'opt/app', 'run/walt', 'tmp', 'persist'])
      await mkdir(path.join(upper, sub), { recursive: true });
    await writeFile(path.join(upper, 'root', 'hello.txt'), 'hello\n');
    await run('mknod', [path.join(upper, 'etc', 'motd'), 'c', '0', '0']);
    await run('python3', [
      '-c',
      `import os; os.setxattr(${JSON.stringify(path.join(upper, 'opt', 'app'))}, 'trusted.overlay.opaque', b'y')`,
    ]);
    await writeFile(path.join(upper, 'opt', 'app', 'new'), 'n');
    await writeFile(path.join(upper, 'tmp', 'junk'), 'junk');
    await writeFile(path.join(upper, 'persist', 'data'), 'data');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const upload = (env: Record<string, string> = {}): Promise<{ code: number; stdout: string }> =>
    run('sh', [path.join(NODE_DIR, 'save-upload'), ID, SECRET], {
      env: {
        PATH: process.env.PATH ?? '',
        WALT_HTTP: path.join(NODE_DIR, 'http'),
        WALT_API: api,
        WALT_RUN_DIR: path.join(dir, 'run'),
        ...env,
      },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );

  it('sends a chunked tar of the upper dir with the whiteout device and the opaque xattr, runtime dirs left out', async () => {
    // When the uploader runs
    const result = await upload();
    // Then it succeeded, to the slot's URL with its secret, in chunks
    expect(result.code).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      url: `/api/v1/nodes/vn1/saves/${ID}?secret=${SECRET}`,
      chunked: true,
    });
    // And the body is the tar overlayfs's upper dir makes, without /run, /tmp, /persist
    const names = await entries(received[0]!.body);
    expect(names).toEqual(
      expect.arrayContaining([
        { name: './root/hello.txt', type: 'file' },
        { name: './etc/motd', type: 'character-device' },
        { name: './opt/app/', type: 'directory', opaque: 'y' },
      ]),
    );
    expect(names.filter((e) => /^\.\/(run|tmp|persist)\b/.test(e.name))).toEqual([]);
    // And the agent's conversion of it is an OCI layer with both whiteouts
    const layer = await buildLayer(Readable.from([received[0]!.body]), path.join(dir, 'layer'), 1 << 20);
    expect(layer.whiteouts).toBe(2);
    expect(layer.changeBytes).toBe('hello\n'.length + 1);
  });

  it('says what the agent answered when it refuses the upload (exit 2)', async () => {
    status = 404;
    const result = await upload();
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('WALT_ERR_SAVE_UPLOAD_UNKNOWN');
  });

  it('names the package to install when perl is missing (exit 3), and sends nothing', async () => {
    // A PATH with tar, grep and sh but no perl
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    for (const tool of ['tar', 'grep', 'sh']) {
      const found = (await run('sh', ['-c', `command -v ${tool}`])).stdout.trim();
      await symlink(found, path.join(bin, tool));
    }
    const result = await upload({ PATH: bin });
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('perl is missing: install perl-base');
    expect(received).toEqual([]);
  });
});
