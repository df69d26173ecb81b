import { renderGaneshaConfig, type ExportSpec } from './ganesha-config.js';

const image: ExportSpec = {
  id: 1,
  path: '/cache/nfs/views/abc',
  pseudo: '/images/abc',
  access: 'RO',
  clients: ['10.0.0.0/24'],
};
const persist: ExportSpec = {
  id: 2,
  path: '/cache/nfs/persist/vn1/lab',
  pseudo: '/persist/vn1',
  access: 'RW',
  clients: ['10.0.0.7'],
};

describe('renderGaneshaConfig', () => {
  const config = renderGaneshaConfig({
    bindAddress: '10.0.0.1',
    recoveryRoot: '/cache/nfs/recovery',
    exports: [image, persist],
  });

  it('binds to the segment address and lets NFSv3 clients mount pseudo paths', () => {
    expect(config).toContain('Bind_addr = 10.0.0.1;');
    expect(config).toContain('mount_path_pseudo = true;');
    expect(config).toContain('Graceless = true;');
  });

  it('opens each export to its clients only, with its access', () => {
    expect(config).toMatch(
      /Pseudo = "\/images\/abc";[\s\S]*Access_Type = None;[\s\S]*CLIENT \{ Clients = 10\.0\.0\.0\/24; Access_Type = RO; \}/,
    );
    expect(config).toMatch(
      /Pseudo = "\/persist\/vn1";[\s\S]*CLIENT \{ Clients = 10\.0\.0\.7; Access_Type = RW; \}/,
    );
  });

  const blockOf = (pseudo: string, text = config): string =>
    text.split('EXPORT {').find((b) => b.includes(`Pseudo = "${pseudo}"`)) ?? '';

  it('squashes every writer of /persist to the unprivileged owner, never root', () => {
    const block = blockOf('/persist/vn1');
    expect(block).toContain('Squash = All_Squash;');
    expect(block).toContain('Anonymous_Uid = 65534;');
    expect(block).toContain('Anonymous_Gid = 65534;');
    expect(block).not.toContain('No_Root_Squash');
  });

  it("lets the node's root read its read-only root filesystem (no squash on image views)", () => {
    const block = blockOf('/images/abc');
    expect(block).toContain('Squash = No_Root_Squash;');
    expect(block).toContain('Access_Type = RO;');
    expect(block).not.toContain('Anonymous_Uid');
  });

  it('takes another /persist owner, but never root', () => {
    const custom = renderGaneshaConfig({
      bindAddress: '10.0.0.1',
      recoveryRoot: '/r',
      exports: [persist],
      persistOwner: { uid: 990, gid: 991 },
    });
    expect(blockOf('/persist/vn1', custom)).toContain('Anonymous_Uid = 990;');
    expect(() =>
      renderGaneshaConfig({
        bindAddress: '10.0.0.1',
        recoveryRoot: '/r',
        exports: [persist],
        persistOwner: { uid: 0, gid: 0 },
      }),
    ).toThrow(/the \/persist owner must be an unprivileged uid\/gid, not 0/);
  });

  it('leaves out exports nobody may mount', () => {
    const none = renderGaneshaConfig({
      bindAddress: '10.0.0.1',
      recoveryRoot: '/r',
      exports: [{ ...persist, clients: [] }],
    });
    expect(none).not.toContain('EXPORT');
  });

  it.each([
    ['a path that would close the string', { ...image, path: '/x"; } EXPORT { Path = "/' }, /^unsafe path/],
    ['a client that is not an address', { ...image, clients: ['*'] }, /^NFS clients are IPv4/],
    ['a client with a block inside', { ...image, clients: ['1.2.3.4; }'] }, /^NFS clients are IPv4/],
  ])('refuses %s', (_what, spec, cause) => {
    expect(() =>
      renderGaneshaConfig({ bindAddress: '10.0.0.1', recoveryRoot: '/r', exports: [spec] }),
    ).toThrow(cause);
  });
});
