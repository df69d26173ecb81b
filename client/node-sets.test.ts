import { isWaltError } from '../common/errors.js';
import {
  ERR_CLI_BAD_NODE_SET,
  ERR_CLI_EMPTY_NODE_SET,
  ERR_CLI_NOT_OWNED,
  ERR_CLI_UNKNOWN_NODES,
} from './errors.js';
import { checkOwnership, effectiveImage, isFree, isMine, resolveNodeSet } from './node-sets.js';
import { node, OWNER } from '../test/support/fixtures/walt-objects.js';
import { codeOf } from '../test/support/error-code.js';

const free = node('free1');
const freeByFullName = node('free2', { image: 'walt-system/pc-x86-64-default' });
const mineByImage = node('mine1', { image: 'lab/debian' });
const mineByClaim = node('mine2', { claimedBy: { namespace: 'lab', name: 'exp1' } });
const othersImage = node('other1', { image: 'team/debian' });
const othersClaim = node('other2', { claimedBy: { namespace: 'team', name: 'exp9' } });
const nodes = [free, freeByFullName, mineByImage, mineByClaim, othersImage, othersClaim];

const names = (set: string): string[] => resolveNodeSet(set, nodes, OWNER).map((n) => n.metadata.name);

describe('ownership', () => {
  it('calls free the unclaimed nodes on their default image, and mine those of my namespace', () => {
    expect(nodes.filter((n) => isFree(n, OWNER)).map((n) => n.metadata.name)).toEqual(['free1', 'free2']);
    expect(nodes.filter((n) => isMine(n, OWNER)).map((n) => n.metadata.name)).toEqual(['mine1', 'mine2']);
    expect(effectiveImage(free, OWNER)).toBe('walt-system/pc-x86-64-default');
  });

  it("says a claimed node boots its claim's image, not its spec's", () => {
    const claimed = node('mine3', {
      image: 'lab/debian',
      claimedBy: { namespace: 'lab', name: 'exp1', image: 'lab/exp' },
    });
    expect(effectiveImage(claimed, OWNER)).toBe('lab/exp');
  });

  it('refuses nodes of other namespaces unless forced, naming who has them', () => {
    expect(() => checkOwnership([free, mineByImage, mineByClaim], OWNER, false)).not.toThrow();
    let message = '';
    try {
      checkOwnership([free, othersImage, othersClaim], OWNER, false);
    } catch (error) {
      expect(isWaltError(error, ERR_CLI_NOT_OWNED)).toBe(true);
      message = (error as Error).message;
    }
    expect(message).toContain('other1 (boots team/debian)');
    expect(message).toContain('other2 (claimed by Experiment team/exp9)');
    expect(() => checkOwnership([othersImage], OWNER, true)).not.toThrow();
  });
});

describe('resolveNodeSet', () => {
  it('resolves keywords and names in the order written, each node once', () => {
    expect(names('all-nodes')).toEqual(nodes.map((n) => n.metadata.name));
    expect(names('free-nodes')).toEqual(['free1', 'free2']);
    expect(names('my-nodes')).toEqual(['mine1', 'mine2']);
    expect(names('other1,my-nodes,mine1')).toEqual(['other1', 'mine1', 'mine2']);
    expect(names(' free1 , free1')).toEqual(['free1']);
  });

  it('lists every unknown name in one error', () => {
    let error: unknown;
    try {
      names('free1,nope,ghost');
    } catch (e) {
      error = e;
    }
    expect(isWaltError(error, ERR_CLI_UNKNOWN_NODES)).toBe(true);
    expect((error as Error).message).toContain('nope, ghost');
  });

  it('rejects what cannot be a node set, and sets that match nothing', () => {
    expect(codeOf(() => names('free1,,free2'))).toBe(ERR_CLI_BAD_NODE_SET.code);
    expect(codeOf(() => names('VN1'))).toBe(ERR_CLI_BAD_NODE_SET.code);
    expect(codeOf(() => names(''))).toBe(ERR_CLI_BAD_NODE_SET.code);
    expect(codeOf(() => resolveNodeSet('my-nodes', [free], OWNER))).toBe(ERR_CLI_EMPTY_NODE_SET.code);
  });
});
