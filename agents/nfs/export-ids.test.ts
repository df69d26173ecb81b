import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { allocateExportId, loadExportIds, saveExportIds } from './export-ids.js';

describe('export ids', () => {
  it('keeps the id of a directory and never hands a retired one out again', () => {
    let table = {};
    const a = allocateExportId(table, '/a');
    table = a.ids;
    const b = allocateExportId(table, '/b');
    table = b.ids;
    expect([a.id, b.id]).toEqual([1, 2]);
    expect(allocateExportId(table, '/a').id).toBe(1);
    expect(allocateExportId(table, '/c').id).toBe(3);
  });

  it('falls back to the lowest free id after 65535', () => {
    const table = { '/a': 65535, '/b': 1 };
    expect(allocateExportId(table, '/c').id).toBe(2);
  });

  it('survives a restart (file round trip); a missing or broken file is an empty table', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-ids-'));
    const file = path.join(dir, 'ids.json');
    expect(await loadExportIds(file)).toEqual({});
    await saveExportIds(file, { '/a': 4 });
    expect(await loadExportIds(file)).toEqual({ '/a': 4 });
    await rm(dir, { recursive: true });
  });
});
