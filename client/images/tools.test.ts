import { ERR_IMAGE_TOOL_FAILED } from './errors.js';
import { buildahGlobalArgs, registryArgs, runTool } from './tools.js';

describe('builder tool arguments', () => {
  it('puts buildah storage under WALT_BUILDAH_ROOT when set', () => {
    expect(buildahGlobalArgs({})).toEqual([]);
    expect(buildahGlobalArgs({ WALT_BUILDAH_ROOT: '/x' })).toEqual([
      '--root',
      '/x/storage',
      '--runroot',
      '/x/run',
    ]);
  });

  it('names the side of a skopeo copy the access is for', () => {
    const access = { insecure: true, authfile: '/a.json' };
    expect(registryArgs('buildah', access)).toEqual(['--tls-verify=false', '--authfile', '/a.json']);
    expect(registryArgs('skopeo-src', access)).toEqual([
      '--src-tls-verify=false',
      '--src-authfile',
      '/a.json',
    ]);
    expect(registryArgs('skopeo-dest', {})).toEqual([]);
  });
});

describe('runTool', () => {
  it('returns stdout and streams lines as progress', async () => {
    const lines: string[] = [];
    const out = await runTool('tar version', 'tar', ['--version'], { progress: (l) => lines.push(l) });
    expect(out).toContain('tar');
    expect(lines[0]).toBe(out.split('\n')[0]);
  });

  it('fails with a coded error on a non-zero exit, and past its output bound', async () => {
    await expect(runTool('bad tar', 'tar', ['-tf', '/nonexistent.tar'])).rejects.toMatchObject({
      code: ERR_IMAGE_TOOL_FAILED.code,
    });
    await expect(runTool('tar version', 'tar', ['--version'], { maxStdout: 8 })).rejects.toMatchObject({
      code: ERR_IMAGE_TOOL_FAILED.code,
    });
  });
});
