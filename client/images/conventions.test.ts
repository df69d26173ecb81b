import { applyLayers, missingConventions, normalizeEntry } from './conventions.js';

const LABEL = { 'walt.node.models': 'pc-x86-64,qemu-x86-64' };

describe('image file tree from layers', () => {
  it('normalizes tar entry names', () => {
    expect(normalizeEntry('./boot/pc/')).toBe('boot/pc');
    expect(normalizeEntry('/etc/x')).toBe('etc/x');
    expect(normalizeEntry('./')).toBe('');
  });

  it('applies whiteouts and opaque directories of later layers', () => {
    const tree = applyLayers([
      ['./', './boot/', './boot/pc-x86-64/', './boot/pc-x86-64/vmlinuz', './etc/', './etc/a', './etc/b'],
      ['./boot/.wh.pc-x86-64', './etc/.wh..wh..opq', './etc/c'],
    ]);
    expect([...tree].sort()).toEqual(['boot', 'etc', 'etc/c']);
  });

  it('lets a layer re-create what it whites out below', () => {
    const tree = applyLayers([['boot/pc/a'], ['boot/.wh.pc', 'boot/pc/b']]);
    expect(tree.has('boot/pc/b')).toBe(true);
    expect(tree.has('boot/pc/a')).toBe(false);
  });
});

describe("WalT's conventions", () => {
  it('passes an image with the label and a boot directory per model', () => {
    const tree = applyLayers([['boot/pc-x86-64/start.ipxe', 'boot/qemu-x86-64']]);
    expect(missingConventions(LABEL, tree)).toEqual([]);
  });

  it('names the missing label', () => {
    expect(missingConventions({}, new Set(['boot/pc-x86-64']))).toEqual(['label walt.node.models']);
    expect(missingConventions(undefined, new Set())).toEqual(['label walt.node.models']);
  });

  it('names each model without /boot/<model>/ and each unknown model', () => {
    const tree = applyLayers([['boot/pc-x86-64/x', 'boot/qemu-x86-64/y'], ['boot/.wh.qemu-x86-64']]);
    expect(missingConventions({ 'walt.node.models': 'pc-x86-64, qemu-x86-64, toaster' }, tree)).toEqual([
      'a known node model instead of "toaster" in walt.node.models',
      '/boot/qemu-x86-64/',
    ]);
  });

  it('does not take /boot/<model>-other for /boot/<model>/', () => {
    expect(
      missingConventions({ 'walt.node.models': 'pc-x86-64' }, new Set(['boot/pc-x86-64-old/x'])),
    ).toEqual(['/boot/pc-x86-64/']);
  });
});
