// The contract against a real PostgreSQL server started for this file (initdb in a temporary directory).
import pg from 'pg';
import { toPostgresRegex } from './posix-regex.js';
import { openPostgresLogStore } from './postgres-store.js';
import { describeLogStore } from '../test/support/log-store-contract.js';
import { missingToolMessage, type Tool } from '../test/support/require-tool.js';
import { findPostgresBin, startTestPostgres, type TestPostgres } from '../test/support/postgres.js';

const POSTGRES: Tool = {
  name: 'PostgreSQL server (initdb, pg_ctl)',
  probe: ['initdb', '--version'],
  debian: 'postgresql',
};

let server: TestPostgres;
let n = 0;

describe('PostgreSQL log store', () => {
  beforeAll(async () => {
    // The contract's second implementation must run: a missing server fails, it never skips
    if (findPostgresBin() === undefined)
      throw new Error(missingToolMessage(POSTGRES, 'no /usr/lib/postgresql/<version>/bin, nor WALT_PG_BIN'));
    server = await startTestPostgres();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  describeLogStore('postgres', async () => {
    const url = await server.createDatabase(`logs_${n++}`);
    return { open: (options) => openPostgresLogStore({ url, pollMs: 100, ...options }) };
  });

  describe('regex translation (checked on the server itself)', () => {
    const subjects = [
      'a\nb',
      'a\rb',
      'x\u00a0y',
      'x\u2003y',
      'x\ty',
      '٣',
      '3',
      'é',
      'É',
      '_',
      'ß',
      '😀',
      '[',
      ']',
      '\\',
      '-',
      ':a',
      'ab{2}',
      'abb',
    ];
    const patterns = [
      'a.b',
      '^\\d$',
      '^\\D$',
      '^\\w$',
      '^\\W$',
      'x\\sy',
      'x\\Sy',
      '^[\\s]$',
      '^[\\w:]$',
      '^[\\[\\]]$',
      '^\\\\$',
      '^[a\\-]$',
      'ab{2}',
      'ab\\{2\\}',
      '^\\u{1F600}$',
      '^\\x5b$',
      '^.$',
      '^[^a-z]$',
      '(?:a|x).?b?$',
    ];

    it('translates the common subset into an ARE that matches exactly what JavaScript matches', async () => {
      const url = await server.createDatabase(`regex_${n++}`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const pattern of patterns) {
          const are = toPostgresRegex(pattern);
          expect({ pattern, are: typeof are }).toEqual({ pattern, are: 'string' });
          const { rows } = await client.query<{ s: string; m: boolean }>(
            'SELECT s, s ~ $2 AS m FROM unnest($1::text[]) s',
            [subjects, are],
          );
          const js = new RegExp(pattern, 'u');
          for (const { s, m } of rows) expect({ pattern, s, m }).toEqual({ pattern, s, m: js.test(s) });
        }
      } finally {
        await client.end();
      }
    });
  });
});
