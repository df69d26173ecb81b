// The LogStore contract, one suite for every back end: sqlite-store.test.ts and postgres-store.test.ts
// run it against a temporary SQLite file and a real PostgreSQL server. Results are compared with what
// JavaScript itself computes (regexes, ordering), so both back ends must agree with each other.
import { setTimeout as sleep } from 'node:timers/promises';
// Explicit imports, not jest's ambient globals: this file is not a *.test.ts, so tsconfig.build.json
// (types: node only) type-checks it too.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { isWaltError } from '../../common/errors.js';
import {
  LogsBadCheckpointName,
  LogsBadLimit,
  LogsBadLine,
  LogsBadQuery,
  LogsBadRegex,
  LogsBadRetention,
  LogsBadTimeRange,
  LogsBadReadOptions,
  LogsCheckpointExists,
  LogsRegexTooLarge,
  LogsRegexUnsupported,
  LogsStoreClosed,
  LogsUnknownCheckpoint,
} from '../../log-store/errors.js';
import type { LogStore } from '../../log-store/store.js';
import type { LogLine, LogQuery, StoredLine } from '../../log-store/types.js';

export interface HandleOptions {
  /** Rows per cursor page (small values exercise paging with few lines). */
  pageSize?: number;
}

/** One empty storage (a file, a database); open() may be called several times for several handles on it. */
export interface StoreHarness {
  open(options?: HandleOptions): Promise<LogStore>;
}

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
const at = (ms: number): Date => new Date(T0 + ms);
const line = (ms: number, issuer: string, stream: string, text: string): LogLine => ({
  ts: at(ms),
  issuer,
  stream,
  line: text,
});

async function collect(lines: AsyncIterable<StoredLine>): Promise<StoredLine[]> {
  const out: StoredLine[] = [];
  for await (const l of lines) out.push(l);
  return out;
}

const texts = (lines: readonly StoredLine[]): string[] => lines.map((l) => l.line);

/** Asserts that `work` throws (synchronously or when iterated) the coded error `factory`. */
async function expectCode(
  work: () => AsyncIterable<StoredLine> | Promise<unknown>,
  factory: { code: string },
): Promise<void> {
  let caught: unknown;
  try {
    const result = work();
    await (Symbol.asyncIterator in result ? collect(result) : result);
  } catch (error) {
    caught = error;
  }
  expect(isWaltError(caught) ? caught.code : caught).toBe(factory.code);
}

/** A small testbed's worth of lines: two nodes and the server, over a few seconds. */
const SAMPLE: LogLine[] = [
  line(0, 'server', 'platform.nodes', 'node vn1 is booted'),
  line(100, 'vn1', 'walt-init', 'Starting up.'),
  line(200, 'vn1', 'walt-init', 'Handing over to WALT image init.'),
  line(300, 'vn2', 'walt-init', 'Starting up.'),
  line(400, 'vn1', 'experiment', 'round 1: 12.5 ms'),
  line(500, 'server', 'platform.devices', 'image pc-x86-64-default: 50% pulled'),
  line(600, 'vn2', 'experiment', 'round 1: 13.0 ms'),
  line(700, 'server', 'platform.nodes', 'node vn2 is down (cause: timeout, method: hard-reboot)'),
  line(800, 'vn1', 'netconsole', 'kernel: eth0 link up'),
];

/** Lines whose regex semantics differ between JavaScript and PostgreSQL if translated naively. */
const TRICKY = [
  'a\nb',
  'x\u00a0y',
  'x y',
  'digit ٣',
  'digit 3',
  'word boundary',
  'swordfish',
  'foo.bar',
  'fooxbar',
  '[:alpha:]',
  'tab\there',
  'café',
  '😀',
  'back\\slash',
  'a-b',
  'x{2}',
  'xx',
];

const TRICKY_PATTERNS = [
  'a.b',
  '\\d',
  '[\\d]',
  '\\D\\d',
  'x\\sy',
  'x\\Sy',
  '\\bword\\b',
  'foo\\.bar',
  'foo.bar',
  '[[:a]',
  '\\t',
  '^caf\\u00e9$',
  '^.$',
  '^\\u{1F600}$',
  '\\\\',
  '[a\\-]b',
  '\\w+\\W\\w+',
  '^x{2}$',
  'x\\{2\\}',
  '(fo|sw)o?r',
  '[^a-z ]',
  '\\x5b',
];

export function describeLogStore(name: string, newStorage: () => Promise<StoreHarness>): void {
  describe(`LogStore contract: ${name}`, () => {
    let opened: LogStore[] = [];
    let storage: StoreHarness;
    const open = async (options?: HandleOptions): Promise<LogStore> => {
      const store = await storage.open(options);
      opened.push(store);
      return store;
    };

    beforeEach(async () => {
      storage = await newStorage();
    });

    afterEach(async () => {
      for (const store of opened) await store.close();
      opened = [];
    });

    describe('append and query', () => {
      it('returns every line by timestamp, with increasing ids and exact fields', async () => {
        const store = await open();
        await store.append(SAMPLE);
        const got = await collect(store.query({}));
        expect(got.map(({ ts, issuer, stream, line: text }) => ({ ts, issuer, stream, line: text }))).toEqual(
          SAMPLE,
        );
        const ids = got.map((l) => l.id);
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
        expect(new Set(ids).size).toBe(ids.length);
      });

      it('orders by timestamp, then append order for equal timestamps', async () => {
        const store = await open();
        await store.append([line(300, 'vn1', 's', 'c'), line(100, 'vn1', 's', 'a')]);
        await store.append([line(300, 'vn2', 's', 'd'), line(200, 'vn1', 's', 'b')]);
        const got = await collect(store.query({}));
        expect(texts(got)).toEqual(['a', 'b', 'c', 'd']);
        expect(got[2]!.id).toBeLessThan(got[3]!.id);
      });

      it('keeps millisecond timestamps, dates far apart and an empty batch', async () => {
        const store = await open();
        const dates = [
          new Date('1999-12-31T23:59:59.999Z'),
          new Date('2038-01-19T03:14:08.001Z'),
          new Date(T0 + 1),
        ];
        await store.append([]);
        await store.append(dates.map((ts, i) => ({ ts, issuer: 'vn1', stream: 's', line: String(i) })));
        const got = await collect(store.query({}));
        expect(got.map((l) => l.ts.getTime())).toEqual(dates.map((d) => d.getTime()).sort((a, b) => a - b));
      });

      it('stores a batch atomically: an invalid line rejects the whole batch', async () => {
        const store = await open();
        const bad = { ts: new Date(Number.NaN), issuer: 'vn1', stream: 's', line: 'x' };
        await expectCode(() => store.append([line(0, 'vn1', 's', 'ok'), bad]), LogsBadLine);
        await expectCode(() => store.append([{ ...line(0, 'vn1', 's', 'x'), stream: '' }]), LogsBadLine);
        expect(await collect(store.query({}))).toEqual([]);
      });

      it('keeps unicode lines, issuers and streams; stores NUL as U+FFFD', async () => {
        const store = await open();
        const lines = [
          'emoji 😀🚀 and CJK 日志 and RTL مرحبا',
          'combining e\u0301 vs é',
          'quotes \' " `, backslash \\, braces {"a":[1]}',
          'nul\0byte',
          'x'.repeat(100_000),
          '',
        ];
        await store.append(lines.map((text, i) => line(i, 'nœud-1', 'flux.ünïcode', text)));
        const got = await collect(store.query({ issuers: ['nœud-1'], streamRegex: 'ünï' }));
        expect(texts(got)).toEqual(lines.map((t) => t.replace('\0', '\uFFFD')));
        expect(texts(await collect(store.query({ lineRegex: '🚀' })))).toEqual([lines[0]]);
        expect(texts(await collect(store.query({ lineRegex: 'nul\uFFFDbyte' })))).toHaveLength(1);
      });

      // 50 000 lines through paged reads: a minute on a loaded 2-core machine (CI timed out once at 60 s).
      it('reads large batches across many pages, in order and bounded by the start of the query', async () => {
        const store = await open({ pageSize: 1000 });
        const count = 50_000;
        const batch = Array.from({ length: count }, (_, i) =>
          line(i, `vn${i % 7}`, `s${i % 3}`, `line ${i}`),
        );
        await store.append(batch);
        const got: StoredLine[] = [];
        for await (const l of store.query({})) {
          if (got.push(l) === 10) await store.append([line(-1, 'vn0', 's0', 'appended during the query')]);
        }
        expect(got).toHaveLength(count);
        expect(got.every((l, i) => l.line === `line ${i}` && (i === 0 || l.id > got[i - 1]!.id))).toBe(true);
        expect(
          await collect(store.query({ issuers: ['vn3'], streamRegex: '^s1$', lineRegex: '9$' })),
        ).toHaveLength(
          batch.filter((l) => l.issuer === 'vn3' && l.stream === 's1' && l.line.endsWith('9')).length,
        );
      }, 180_000);

      it('frees the cursor when the reader stops early', async () => {
        const store = await open({ pageSize: 100 });
        await store.append(Array.from({ length: 1000 }, (_, i) => line(i, 'vn1', 's', `l${i}`)));
        for (let i = 0; i < 30; i++) {
          for await (const l of store.query({})) {
            expect(l.line).toBe('l0');
            break;
          }
        }
        await store.append([line(2000, 'vn1', 's', 'after')]);
        expect(await collect(store.query({ lineRegex: 'after' }))).toHaveLength(1);
      });

      it('persists: another handle and a reopened store see the same lines, and ids keep growing', async () => {
        const first = await open();
        await first.append(SAMPLE.slice(0, 3));
        const other = await open();
        expect(texts(await collect(other.query({})))).toEqual(texts(await collect(first.query({}))));
        await first.close();
        const reopened = await open();
        await reopened.append([line(5000, 'vn1', 's', 'later')]);
        const got = await collect(reopened.query({}));
        expect(got).toHaveLength(4);
        expect(got[3]!.id).toBeGreaterThan(Math.max(...got.slice(0, 3).map((l) => l.id)));
      });
    });

    describe('filters', () => {
      let store: LogStore;
      beforeEach(async () => {
        store = await open();
        await store.append(SAMPLE);
      });

      it('filters by issuer (exact names; an empty list matches nothing)', async () => {
        const vn1 = await collect(store.query({ issuers: ['vn1'] }));
        expect(vn1.map((l) => l.issuer)).toEqual(['vn1', 'vn1', 'vn1', 'vn1']);
        expect(await collect(store.query({ issuers: ['vn2', 'server'] }))).toHaveLength(5);
        expect(await collect(store.query({ issuers: ['vn'] }))).toEqual([]);
        expect(await collect(store.query({ issuers: [] }))).toEqual([]);
      });

      it('filters by stream regex (unanchored search; anchors allowed)', async () => {
        const platform = await collect(store.query({ streamRegex: '^platform\\.' }));
        expect(platform.map((l) => l.stream)).toEqual([
          'platform.nodes',
          'platform.devices',
          'platform.nodes',
        ]);
        expect(await collect(store.query({ streamRegex: 'init' }))).toHaveLength(3);
        expect(await collect(store.query({ streamRegex: '^init' }))).toEqual([]);
        expect(texts(await collect(store.query({ streamRegex: 'init', issuers: ['vn2'] })))).toEqual([
          'Starting up.',
        ]);
      });

      it('filters by line regex', async () => {
        expect(texts(await collect(store.query({ lineRegex: 'is (booted|down)' })))).toEqual([
          'node vn1 is booted',
          'node vn2 is down (cause: timeout, method: hard-reboot)',
        ]);
        expect(
          await collect(store.query({ lineRegex: '^round \\d+: \\d+\\.\\d ms$', issuers: ['vn2'] })),
        ).toHaveLength(1);
        expect(await collect(store.query({ lineRegex: 'starting' }))).toEqual([]);
      });

      it('filters by time range, bounds included', async () => {
        const got = await collect(store.query({ from: at(200), to: at(400) }));
        expect(got.map((l) => l.ts.getTime() - T0)).toEqual([200, 300, 400]);
        expect(await collect(store.query({ from: at(801) }))).toEqual([]);
        expect(await collect(store.query({ to: at(-1) }))).toEqual([]);
      });

      it('stops at the limit', async () => {
        expect(texts(await collect(store.query({ limit: 2 })))).toEqual([
          'node vn1 is booted',
          'Starting up.',
        ]);
        expect(
          await collect(store.query({ limit: 2, lineRegex: 'round', issuers: ['vn1', 'vn2'] })),
        ).toHaveLength(2);
        expect(await collect(store.query({ limit: 1000 }))).toHaveLength(SAMPLE.length);
      });

      it('gives line regexes their JavaScript meaning, even where PostgreSQL regexes differ', async () => {
        const tricky = await open();
        await tricky.append(TRICKY.map((text, i) => line(10_000 + i, 'vn9', 'tricky', text)));
        for (const pattern of TRICKY_PATTERNS) {
          const want = TRICKY.filter((t) => new RegExp(pattern, 'u').test(t));
          const got = texts(await collect(tricky.query({ issuers: ['vn9'], lineRegex: pattern })));
          expect({ pattern, got }).toEqual({ pattern, got: want });
        }
      });

      it('rejects bad queries with coded errors', async () => {
        // A POSIX class is refused rather than read as JavaScript's class of '[', ':', 'a', … then ']'.
        const bad = [
          { lineRegex: '(' },
          { streamRegex: '[a-' },
          { lineRegex: 'a{2,1}' },
          { lineRegex: '\\k' },
          { lineRegex: '[[:alpha:]]' },
        ];
        for (const q of bad) {
          await expectCode(() => store.query(q), LogsBadRegex);
          await expectCode(() => store.follow(q, AbortSignal.timeout(1000)), LogsBadRegex);
        }
        await expectCode(() => store.query({ from: at(2), to: at(1) }), LogsBadTimeRange);
        await expectCode(() => store.query({ from: new Date('nope') }), LogsBadTimeRange);
        await expectCode(() => store.query({ from: at(0), fromCheckpoint: 'cp1' }), LogsBadTimeRange);
        for (const limit of [0, -1, 1.5]) await expectCode(() => store.query({ limit }), LogsBadLimit);
        await expectCode(() => store.query({ fromCheckpoint: 'no such' }), LogsBadCheckpointName);
        await expectCode(() => store.query({ toCheckpoint: 'missing' }), LogsUnknownCheckpoint);
      });

      it('refuses what the linear-time engine cannot run, and patterns too large, with codes', async () => {
        for (const lineRegex of ['(?<=foo)\\.bar', 'sword(?=fish)', '(a)\\1', '(?!x)']) {
          await expectCode(() => store.query({ lineRegex }), LogsRegexUnsupported);
          await expectCode(
            () => store.follow({ streamRegex: lineRegex }, AbortSignal.timeout(1000)),
            LogsRegexUnsupported,
          );
        }
        await expectCode(() => store.query({ lineRegex: 'x'.repeat(1025) }), LogsRegexTooLarge);
        await expectCode(() => store.query({ lineRegex: '(abc{1000}){1000}' }), LogsRegexTooLarge);
        await expectCode(
          () => store.query({ issuers: Array.from({ length: 257 }, (_, i) => `n${i}`) }),
          LogsBadQuery,
        );
        await expectCode(() => store.query({ issuers: ['x'.repeat(254)] }), LogsBadQuery);
        await expectCode(() => store.query({}, { budgetMs: 0 }), LogsBadReadOptions);
        await expectCode(() => store.query({}, { sliceMs: Number.NaN }), LogsBadReadOptions);
      });

      it('explains what to fix in a bad regex error, with status 400', () => {
        let error: unknown;
        try {
          store.query({ lineRegex: 'node (vn1' });
        } catch (e) {
          error = e;
        }
        expect(isWaltError(error, LogsBadRegex) && error.statusCode).toBe(400);
        expect((error as Error).message).toContain('node (vn1');
      });
    });

    describe('checkpoints', () => {
      it('adds, lists by time, removes, per owner', async () => {
        const store = await open();
        await store.addCheckpoint({ name: 'after-boot', ts: at(250) });
        await store.addCheckpoint({ name: 'start', ts: at(50), owner: 'alice' });
        await store.addCheckpoint({ name: 'start', ts: at(60), owner: 'bob' });
        expect(await store.listCheckpoints()).toEqual([
          { name: 'start', ts: at(50), owner: 'alice' },
          { name: 'start', ts: at(60), owner: 'bob' },
          { name: 'after-boot', ts: at(250) },
        ]);
        expect(await store.listCheckpoints('bob')).toEqual([{ name: 'start', ts: at(60), owner: 'bob' }]);
        expect(await store.listCheckpoints('')).toEqual([{ name: 'after-boot', ts: at(250) }]);
        await store.removeCheckpoint('start', 'alice');
        expect((await store.listCheckpoints()).map((c) => c.owner)).toEqual(['bob', undefined]);
      });

      it('rejects duplicates, unknown names and invalid names', async () => {
        const store = await open();
        await store.addCheckpoint({ name: 'cp1', ts: at(0) });
        await expectCode(() => store.addCheckpoint({ name: 'cp1', ts: at(5) }), LogsCheckpointExists);
        await expectCode(() => store.removeCheckpoint('cp2'), LogsUnknownCheckpoint);
        await expectCode(() => store.removeCheckpoint('cp1', 'alice'), LogsUnknownCheckpoint);
        for (const bad of ['x', '-start', 'with space', 'a.b', ''])
          await expectCode(() => store.addCheckpoint({ name: bad, ts: at(0) }), LogsBadCheckpointName);
        await expectCode(
          () => store.addCheckpoint({ name: 'ok1', ts: new Date(Number.NaN) }),
          LogsBadTimeRange,
        );
      });

      it('bounds a query between two checkpoints (inclusive), resolved for their owner', async () => {
        const store = await open();
        await store.append(SAMPLE);
        await store.addCheckpoint({ name: 'begin', ts: at(100), owner: 'alice' });
        await store.addCheckpoint({ name: 'end', ts: at(400), owner: 'alice' });
        await store.addCheckpoint({ name: 'begin', ts: at(600) });
        const got = await collect(
          store.query({ fromCheckpoint: 'begin', toCheckpoint: 'end', checkpointOwner: 'alice' }),
        );
        expect(got.map((l) => l.ts.getTime() - T0)).toEqual([100, 200, 300, 400]);
        const shared = await collect(store.query({ fromCheckpoint: 'begin', to: at(700) }));
        expect(shared.map((l) => l.ts.getTime() - T0)).toEqual([600, 700]);
        await expectCode(
          () => store.query({ fromCheckpoint: 'begin', toCheckpoint: 'end' }),
          LogsUnknownCheckpoint,
        );
        await expectCode(
          () => store.query({ fromCheckpoint: 'end', toCheckpoint: 'begin', checkpointOwner: 'alice' }),
          LogsBadTimeRange,
        );
      });
    });

    describe('retention', () => {
      const now = at(3_600_000);

      it('deletes lines older than maxAgeMs', async () => {
        const store = await open();
        await store.append([
          line(0, 'vn1', 's', 'old'),
          line(3_000_000, 'vn1', 's', 'recent'),
          line(3_600_000, 'vn1', 's', 'now'),
        ]);
        expect(await store.applyRetention({ maxAgeMs: 1_000_000, now })).toBe(1);
        expect(texts(await collect(store.query({})))).toEqual(['recent', 'now']);
        expect(await store.applyRetention({ maxAgeMs: 1_000_000, now })).toBe(0);
      });

      it('keeps the newest maxLines lines (by id), then both rules together', async () => {
        const store = await open();
        await store.append(Array.from({ length: 10 }, (_, i) => line(i * 1000, 'vn1', 's', `l${i}`)));
        expect(await store.applyRetention({ maxLines: 4 })).toBe(6);
        expect(texts(await collect(store.query({})))).toEqual(['l6', 'l7', 'l8', 'l9']);
        expect(await store.applyRetention({ maxLines: 10 })).toBe(0);
        expect(await store.applyRetention({ maxAgeMs: 3_600_000 - 7_500, maxLines: 1, now })).toBe(3);
        expect(texts(await collect(store.query({})))).toEqual(['l9']);
      });

      it('never reuses ids after emptying the store', async () => {
        const store = await open();
        await store.append([line(0, 'vn1', 's', 'a'), line(1, 'vn1', 's', 'b')]);
        const before = Math.max(...(await collect(store.query({}))).map((l) => l.id));
        expect(await store.applyRetention({ maxLines: 0 })).toBe(2);
        await store.append([line(2, 'vn1', 's', 'c')]);
        const [after] = await collect(store.query({}));
        expect(after!.id).toBeGreaterThan(before);
      });

      it('deletes large ranges in batches, by age and by count', async () => {
        const store = await open();
        await store.append(Array.from({ length: 5_500 }, (_, i) => line(i, 'vn1', 'bulk', `l${i}`)));
        // 2 500 lines older than T0 + 2 500 ms, then all but the newest 100
        expect(await store.applyRetention({ maxAgeMs: 1_000_000, now: at(1_002_500) })).toBe(2_500);
        expect(await store.applyRetention({ maxLines: 100 })).toBe(2_900);
        const left = texts(await collect(store.query({})));
        expect(left).toHaveLength(100);
        expect(left[0]).toBe('l5400');
        expect(await store.applyRetention({ maxLines: 0 })).toBe(100);
      });

      it('rejects invalid policies', async () => {
        const store = await open();
        await expectCode(() => store.applyRetention({ maxLines: -1 }), LogsBadRetention);
        await expectCode(() => store.applyRetention({ maxAgeMs: Number.NaN }), LogsBadRetention);
      });
    });

    describe('hostile reads', () => {
      const LONG = 'a'.repeat(20_000);

      it('answers regex bombs on long lines, with the right lines', async () => {
        // Given long lines that nearly match patterns a backtracking engine explodes on
        const store = await open();
        await store.append([
          ...Array.from({ length: 50 }, (_, i) => line(i, 'vn1', 'bomb', LONG)),
          line(100, 'vn1', 'bomb', `${LONG}x`),
          line(101, 'vn1', 'bomb', `${LONG}b`),
        ]);
        // When they are queried, then each answers with exactly the matching lines
        const ends = async (lineRegex: string): Promise<string[]> =>
          texts(await collect(store.query({ lineRegex }, { sliceMs: 2 }))).map((t) => t.slice(-1));
        expect(await ends('(.+)+x')).toEqual(['x']);
        expect(await ends('(a|a)*b')).toEqual(['b']);
        expect(await ends('^(a*)*$')).toHaveLength(50);
        expect(await ends('(x+x+)+y')).toEqual([]);
      });

      it('lets the event loop run while it scans, and stops at its budget saying truncated', async () => {
        // Given many lines
        const store = await open();
        const many = Array.from({ length: 30_000 }, (_, i) =>
          line(i, `vn${i % 3}`, 's', `line ${i} ${LONG.slice(0, 200)}`),
        );
        await store.append(many);
        // When a full scan runs with 1 ms slices, other callbacks run during it
        let ticks = 0;
        let ticking = true;
        const tick = (): void => {
          ticks++;
          if (ticking) setImmediate(tick);
        };
        setImmediate(tick);
        const full = store.query({ lineRegex: 'line \\d+ a+$', issuers: ['vn0', 'vn1'] }, { sliceMs: 1 });
        const all = await collect(full);
        ticking = false;
        expect(ticks).toBeGreaterThan(1);
        expect(all).toHaveLength(20_000);
        expect(full.truncated).toBeUndefined();
        // And with a budget far shorter than the scan, it stops early, says so, and what it gave is right
        let told: string | undefined;
        const cut = store.query(
          { lineRegex: 'line \\d+ a+$', issuers: ['vn0', 'vn1'] },
          { budgetMs: 1, sliceMs: 1, onTruncated: (reason) => (told = reason) },
        );
        const part = await collect(cut);
        expect(cut.truncated).toBe('time-budget');
        expect(told).toBe('time-budget');
        expect(part.length).toBeLessThan(all.length);
        expect(part).toEqual(all.slice(0, part.length));
      });

      it('follows live lines after a history cut by the budget', async () => {
        const store = await open();
        await store.append(
          Array.from({ length: 30_000 }, (_, i) => line(i, 'vn1', 's', `old ${i} ${LONG.slice(0, 200)}`)),
        );
        const controller = new AbortController();
        let told = false;
        const follow = store.follow({ lineRegex: '(old|new) \\d+' }, controller.signal, {
          budgetMs: 1,
          sliceMs: 1,
          onTruncated: () => {
            told = true;
            void store.append([line(40_000, 'vn1', 's', 'new 1')]);
          },
        });
        let history = 0;
        const seen: string[] = [];
        for await (const l of follow) {
          if (!l.line.startsWith('new')) history++;
          else {
            seen.push(l.line);
            break;
          }
        }
        controller.abort();
        expect(told).toBe(true);
        expect(follow.truncated).toBe('time-budget');
        expect(history).toBeLessThan(30_000);
        expect(seen).toEqual(['new 1']);
      });
    });

    describe('deleting streams', () => {
      it("deletes every line of the selected streams, others' lines stay", async () => {
        const store = await open();
        await store.append([
          line(0, 'vn1', 'experiment.ns.a.step1', 'a1'),
          line(1, 'vn2', 'experiment.ns.a.step2', 'a2'),
          line(2, 'vn1', 'experiment.ns.ab.step1', 'ab'),
          line(3, 'vn1', 'platform.nodes', 'p'),
        ]);
        expect(await store.deleteStreams({ streamRegex: '^experiment\\.ns\\.a\\.' })).toEqual({ deleted: 2 });
        expect(texts(await collect(store.query({})))).toEqual(['ab', 'p']);
        expect(await store.deleteStreams({ issuers: ['vn1'], streamRegex: '^platform\\.' })).toEqual({
          deleted: 1,
        });
        expect(await store.deleteStreams({ issuers: ['nobody'] })).toEqual({ deleted: 0 });
        expect(texts(await collect(store.query({})))).toEqual(['ab']);
        // The streams stay usable.
        await store.append([line(4, 'vn1', 'experiment.ns.a.step1', 'again')]);
        expect(texts(await collect(store.query({ streamRegex: '^experiment\\.ns\\.a\\.' })))).toEqual([
          'again',
        ]);
      });

      it('refuses to delete without a selector, or with a bad regex', async () => {
        const store = await open();
        await expectCode(() => store.deleteStreams({}), LogsBadQuery);
        await expectCode(() => store.deleteStreams({ streamRegex: '(' }), LogsBadRegex);
        await expectCode(() => store.deleteStreams({ streamRegex: '(?=x)' }), LogsRegexUnsupported);
      });

      it('deletes in batches, every line of a large stream', async () => {
        const store = await open();
        const many = Array.from({ length: 5_500 }, (_, i) => line(i, 'vn1', 'big', `l${i}`));
        await store.append([...many, line(9_999, 'vn1', 'small', 'stays')]);
        expect(await store.deleteStreams({ streamRegex: '^big$' }, { sliceMs: 1 })).toEqual({
          deleted: 5_500,
        });
        expect(texts(await collect(store.query({})))).toEqual(['stays']);
      });
    });

    describe('follow', () => {
      /** Follows until `until` says stop (or 15 s pass: the test then fails on its counts, not by hanging). */
      async function follow(
        store: LogStore,
        q: LogQuery,
        until: (seen: StoredLine[]) => boolean,
      ): Promise<StoredLine[]> {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 15_000);
        const seen: StoredLine[] = [];
        try {
          for await (const l of store.follow(q, controller.signal)) {
            seen.push(l);
            if (until(seen)) controller.abort();
          }
        } finally {
          clearTimeout(timer);
        }
        return seen;
      }

      it('delivers history then live lines with no gap and no duplicate under concurrent appends', async () => {
        const writerStore = await open();
        const reader = await open();
        const batches = 40;
        const perBatch = 25;
        const total = batches * perBatch;
        let started: () => void = () => undefined;
        const halfway = new Promise<void>((resolve) => (started = resolve));
        const writers = [writerStore, reader].map(async (store, w) => {
          for (let b = w; b < batches; b += 2) {
            await store.append(
              Array.from({ length: perBatch }, (_, i) =>
                line(b * perBatch + i, `vn${w}`, 'bench', `${b}:${i}`),
              ),
            );
            if (b >= batches / 2) started();
            await sleep(b % 3);
          }
        });
        await halfway;
        const seen = await follow(reader, {}, (s) => s.length === total);
        await Promise.all(writers);
        const ids = seen.map((l) => l.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(seen).toHaveLength(total);
        expect(new Set(texts(seen))).toEqual(new Set(texts(await collect(reader.query({})))));
      });

      it('delivers live lines in id order, filtered, including streams created after the start', async () => {
        const store = await open();
        await store.append(SAMPLE);
        const q = { issuers: ['vn1', 'vn3'], streamRegex: 'exp|new', lineRegex: 'round' };
        const following = follow(store, q, (s) => s.length === 4);
        await sleep(50);
        await store.append([
          line(-5, 'vn3', 'new-stream', 'round 2'),
          line(900, 'vn2', 'experiment', 'round 2'),
        ]);
        await store.append([
          line(950, 'vn1', 'experiment', 'no match'),
          line(1000, 'vn1', 'experiment', 'round 3'),
        ]);
        await store.append([line(10, 'vn3', 'new-stream', 'round 4')]);
        const seen = await following;
        expect(texts(seen)).toEqual(['round 1: 12.5 ms', 'round 2', 'round 3', 'round 4']);
        expect(seen.map((l) => l.issuer)).toEqual(['vn1', 'vn3', 'vn1', 'vn3']);
      });

      it('sees lines appended through another handle (another process)', async () => {
        const follower = await open();
        const writer = await open();
        await writer.append([line(0, 'vn1', 's', 'history')]);
        const following = follow(follower, { issuers: ['vn1'] }, (s) => s.length === 3);
        await sleep(100);
        await writer.append([line(1, 'vn1', 's', 'live 1'), line(2, 'vn2', 's', 'other')]);
        await sleep(20);
        await writer.append([line(3, 'vn1', 's', 'live 2')]);
        expect(texts(await following)).toEqual(['history', 'live 1', 'live 2']);
      });

      it('honours the limit across history and live lines, and respects the time range', async () => {
        const store = await open();
        await store.append(SAMPLE.slice(0, 2));
        const following = collect(store.follow({ limit: 3, to: at(1000) }, AbortSignal.timeout(15_000)));
        await sleep(30);
        await store.append([
          line(5000, 'vn1', 's', 'too late'),
          line(500, 'vn1', 's', 'third'),
          line(600, 'vn1', 's', 'fourth'),
        ]);
        expect(texts(await following)).toEqual(['node vn1 is booted', 'Starting up.', 'third']);
      });

      it('ends when aborted while waiting, and when the store closes', async () => {
        const store = await open();
        await store.append(SAMPLE.slice(0, 1));
        const controller = new AbortController();
        const aborted = collect(store.follow({}, controller.signal));
        const closed = collect(store.follow({ lineRegex: 'nothing' }, new AbortController().signal));
        await sleep(50);
        controller.abort();
        expect(await aborted).toHaveLength(1);
        await store.close();
        expect(await closed).toEqual([]);
        await expectCode(() => store.append(SAMPLE), LogsStoreClosed);
        await expectCode(() => store.query({}), LogsStoreClosed);
      });
    });
  });
}
