import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LeaseFile, loadLeases } from './lease-file.js';
import { bind, emptyLeases, type LeaseState } from './leases.js';

const NOW = 1_000_000;
const stateWith = (count: number): LeaseState => {
  let state = emptyLeases();
  for (let i = 0; i < count; i += 1)
    state = bind(state, { mac: `02:00:00:00:00:0${i}`, ip: `10.0.0.${100 + i}`, expiresAt: NOW });
  return state;
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('LeaseFile (debounced writes)', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'walt-lease-file-'));
    file = path.join(dir, 'leases.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('Given a burst of changes, then they are written once, with the last state, after the delay', async () => {
    const leases = new LeaseFile(file, { delayMs: 20 });
    for (let i = 1; i <= 5; i += 1) leases.schedule(stateWith(i));
    expect(leases.writes).toBe(0);
    // The timer starts the write by itself (polled: a loaded machine fires it late), then flush() waits
    // for the write under way without starting another (nothing is pending).
    for (let i = 0; i < 500 && leases.writes === 0; i += 1) await sleep(10);
    await leases.flush();
    expect(leases.writes).toBe(1);
    expect(await loadLeases(file)).toEqual(stateWith(5));
  });

  it('Given a pending change, when flushed (stop), then it is on disk at once and a restart reads it', async () => {
    const leases = new LeaseFile(file, { delayMs: 60_000 });
    leases.schedule(stateWith(2));
    await leases.flush();
    expect(leases.writes).toBe(1);
    expect(await loadLeases(file)).toEqual(stateWith(2));
    await leases.flush(); // nothing pending: no write
    expect(leases.writes).toBe(1);
  });

  it('Given a failed scheduled write, then onError hears of it and a later write succeeds', async () => {
    const errors: unknown[] = [];
    const missing = path.join(dir, 'no-such-dir', 'leases.json');
    const leases = new LeaseFile(missing, { delayMs: 5, onError: (error) => errors.push(error) });
    leases.schedule(stateWith(1));
    await sleep(60);
    expect(errors).toHaveLength(1);
    const later = new LeaseFile(file, { delayMs: 5 });
    await later.save(stateWith(3));
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1 });
  });

  it('keeps the file format: version 1, leases as a list, declined by address', async () => {
    const leases = new LeaseFile(file);
    await leases.save({ ...stateWith(1), declined: new Map([['10.0.0.9', NOW]]) });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      version: 1,
      leases: [{ mac: '02:00:00:00:00:00', ip: '10.0.0.100', state: 'bound', expiresAt: NOW }],
      declined: { '10.0.0.9': NOW },
    });
  });

  it('Given commits of one burst, then each resolves only once its state is on disk, with one write', async () => {
    // Given a debounce far away (a release pending), and three bindings committed at once
    const leases = new LeaseFile(file, { delayMs: 60_000 });
    leases.schedule(stateWith(1));
    const on: number[] = [];
    const commits = [2, 3, 4].map((n) => leases.commit(stateWith(n)).then(() => on.push(n)));
    expect(on).toEqual([]);
    // When they resolve, the file holds the last state: each acknowledged binding is on disk
    await Promise.all(commits);
    expect(on).toEqual([2, 3, 4]);
    expect(leases.writes).toBe(1);
    expect(await loadLeases(file)).toEqual(stateWith(4));
  });

  it('Given a commit while a write runs, then it is written after it, and resolves after its own write', async () => {
    const leases = new LeaseFile(file);
    const first = leases.commit(stateWith(1));
    await sleep(0);
    const second = leases.commit(stateWith(2));
    await first;
    await second;
    expect(leases.writes).toBe(2);
    expect(await loadLeases(file)).toEqual(stateWith(2));
  });

  it('Given a write that fails, then its commits reject (the binding is not acknowledged)', async () => {
    const leases = new LeaseFile(path.join(dir, 'no', 'such', 'dir', 'leases.json'), {
      onError: () => undefined,
    });
    await expect(leases.commit(stateWith(1))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
