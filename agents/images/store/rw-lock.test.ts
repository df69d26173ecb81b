import { RwLock } from './rw-lock.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('RwLock', () => {
  it('lets readers share and keeps a writer alone', async () => {
    const lock = new RwLock();
    const log: string[] = [];
    const reader = (name: string): Promise<void> =>
      lock.read(async () => {
        log.push(`${name}+`);
        await tick();
        log.push(`${name}-`);
      });
    const writer = lock.write(async () => {
      log.push('W+');
      await tick();
      log.push('W-');
    });
    await Promise.all([reader('r1'), reader('r2'), writer]);
    // The writer came first and ran alone; both readers then ran together.
    expect(log).toEqual(['W+', 'W-', 'r1+', 'r2+', 'r1-', 'r2-']);
  });

  it('makes new readers wait behind a waiting writer', async () => {
    const lock = new RwLock();
    const log: string[] = [];
    const first = lock.read(async () => {
      log.push('r1+');
      await tick();
      log.push('r1-');
    });
    const writer = lock.write(async () => {
      log.push('W');
      await Promise.resolve();
    });
    const late = lock.read(async () => {
      log.push('r2');
      await Promise.resolve();
    });
    await Promise.all([first, writer, late]);
    expect(log).toEqual(['r1+', 'r1-', 'W', 'r2']);
  });
});
