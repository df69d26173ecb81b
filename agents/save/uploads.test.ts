import { SaveUploadUnknown } from './errors.js';
import { SAVE_SECRET_BYTES, UploadSlots } from './uploads.js';

describe('UploadSlots: one upload per slot, from its node, with its secret, before it expires', () => {
  it('hands the upload result to the waiter, once', async () => {
    const slots = new UploadSlots<string>();
    const slot = slots.open('vn1', 60_000);
    expect(slot.secret).toHaveLength(SAVE_SECRET_BYTES * 2);
    expect(SAVE_SECRET_BYTES * 8).toBeGreaterThanOrEqual(128);
    await expect(slots.accept('vn1', slot.id, slot.secret, () => Promise.resolve('layer'))).resolves.toBe(
      'layer',
    );
    await expect(slot.result).resolves.toBe('layer');
    // A second upload with the same id and secret is refused: the slot is used
    await expect(
      slots.accept('vn1', slot.id, slot.secret, () => Promise.resolve('again')),
    ).rejects.toMatchObject({
      code: SaveUploadUnknown.code,
    });
  });

  it('refuses a wrong secret, another node, an unknown id, and an expired slot', async () => {
    let now = 1000;
    const slots = new UploadSlots<string>(() => now);
    const slot = slots.open('vn1', 5000);
    const upload = (): Promise<string> => Promise.resolve('x');
    const refused = { code: SaveUploadUnknown.code };
    await expect(slots.accept('vn1', slot.id, '0'.repeat(32), upload)).rejects.toMatchObject(refused);
    await expect(slots.accept('vn2', slot.id, slot.secret, upload)).rejects.toMatchObject(refused);
    await expect(slots.accept('vn1', 'f'.repeat(24), slot.secret, upload)).rejects.toMatchObject(refused);
    now += 5000;
    await expect(slots.accept('vn1', slot.id, slot.secret, upload)).rejects.toMatchObject(refused);
  });

  it('fails the waiter when the upload fails, or when the slot is swept or closed unused', async () => {
    let now = 0;
    const slots = new UploadSlots<string>(() => now);
    const failing = slots.open('vn1', 1000);
    await expect(
      slots.accept('vn1', failing.id, failing.secret, () => Promise.reject(new Error('bad tar'))),
    ).rejects.toThrow('bad tar');
    await expect(failing.result).rejects.toThrow('bad tar');
    const expiring = slots.open('vn1', 1000);
    now = 2000;
    slots.sweep((node) => new Error(`expired for ${node}`));
    await expect(expiring.result).rejects.toThrow('expired for vn1');
    const closed = slots.open('vn1', 1000);
    slots.close(closed.id, new Error('over'));
    await expect(closed.result).rejects.toThrow('over');
  });
});
