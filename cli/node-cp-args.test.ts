import { isWaltError } from '../common/errors.js';
import { ERR_CLI_BAD_COPY } from '../client/errors.js';
import { planCopy } from '../client/copy-plan.js';
import { parseCopyArgs } from './node-cp-args.js';

describe('walt node cp arguments', () => {
  it('finds the node side, relative node paths starting at /root', () => {
    expect(parseCopyArgs('results.txt', 'vn1:/tmp/')).toEqual({
      direction: 'toNode',
      node: 'vn1',
      nodePath: '/tmp',
      localPath: 'results.txt',
    });
    expect(parseCopyArgs('vn1:logs/run.log', '.')).toEqual({
      direction: 'fromNode',
      node: 'vn1',
      nodePath: '/root/logs/run.log',
      localPath: '.',
    });
    expect(parseCopyArgs('./a:b', 'vn1:x').localPath).toBe('./a:b');
  });

  it.each([
    ['a', 'b'],
    ['vn1:/a', 'vn2:/b'],
    ['vn1:', 'here'],
    ['', 'vn1:/x'],
  ])('refuses %s %s', (src, dst) => {
    let error: unknown;
    try {
      parseCopyArgs(src, dst);
    } catch (e) {
      error = e;
    }
    expect(isWaltError(error, ERR_CLI_BAD_COPY)).toBe(true);
  });

  it('copies into a directory under the source name, else to the path itself (like cp)', () => {
    expect(planCopy('/home/me/data', '/tmp', true)).toEqual({ dir: '/tmp', entry: 'data', name: 'data' });
    expect(planCopy('/home/me/data/', '/tmp/copy', false)).toEqual({
      dir: '/tmp',
      entry: 'data',
      name: 'copy',
    });
    expect(planCopy('/root/f.txt', '/out/g.txt', false)).toEqual({
      dir: '/out',
      entry: 'f.txt',
      name: 'g.txt',
    });
  });
});
