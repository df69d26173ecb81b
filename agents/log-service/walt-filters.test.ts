import { isWaltError } from '../../common/errors.js';
import { WebApiBadFilter, WebApiBadValue } from './errors.js';
import { applyFilters, NODE_FIELDS, parseFilters } from './walt-filters.js';

const nodes = [
  { name: 'vn1', booted: true, virtual: true, ip: '192.168.152.10' },
  { name: 'vn2', booted: false, virtual: true, ip: null },
  { name: 'rpi', booted: true, virtual: false, ip: '192.168.152.11' },
];

describe('WalT web API filters', () => {
  it('matches strings exactly and JSON-parses booleans', () => {
    const filters = parseFilters({ booted: 'true', virtual: '1' }, NODE_FIELDS);
    expect(filters).toEqual([
      { field: 'booted', value: true },
      { field: 'virtual', value: true },
    ]);
    expect(applyFilters(nodes, filters).map((n) => n.name)).toEqual(['vn1']);
    expect(applyFilters(nodes, parseFilters({ ip: '192.168.152.11' }, NODE_FIELDS))).toHaveLength(1);
    expect(applyFilters(nodes, parseFilters({ booted: 'false' }, NODE_FIELDS))).toHaveLength(1);
  });

  it('ignores empty values and takes the last of repeated ones', () => {
    expect(parseFilters({ name: '' }, NODE_FIELDS)).toEqual([]);
    expect(parseFilters({ name: ['vn1', 'vn2'] }, NODE_FIELDS)).toEqual([{ field: 'name', value: 'vn2' }]);
  });

  it("refuses an unknown field with WalT's message", () => {
    let error: unknown;
    try {
      parseFilters({ color: 'red' }, NODE_FIELDS);
    } catch (err) {
      error = err;
    }
    expect(isWaltError(error, WebApiBadFilter)).toBe(true);
    expect((error as Error).message).toBe("'color' is not a valid filtering field.");
  });

  it('refuses a boolean that is not JSON', () => {
    expect(() => parseFilters({ booted: 'yes' }, NODE_FIELDS)).toThrow(
      expect.objectContaining({ code: WebApiBadValue.code }) as Error,
    );
  });
});
