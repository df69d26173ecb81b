import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSqliteLogStore } from './sqlite-store.js';
import { describeLogStore } from '../test/support/log-store-contract.js';

let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'walt-logs-sqlite-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

for (const regexIn of ['sql', 'js'] as const) {
  describeLogStore(`sqlite (regexes in ${regexIn})`, () => {
    const file = path.join(dir, `logs-${n++}.db`);
    return Promise.resolve({
      open: (options) => Promise.resolve(openSqliteLogStore({ file, regexIn, pollMs: 50, ...options })),
    });
  });
}
