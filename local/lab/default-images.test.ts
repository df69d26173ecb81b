import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { labDefaultImages, layoutModels } from './default-images.js';

async function blob(dir: string, content: string): Promise<{ digest: string; size: number }> {
  const hex = createHash('sha256').update(content).digest('hex');
  await writeFile(path.join(dir, 'blobs', 'sha256', hex), content);
  return { digest: `sha256:${hex}`, size: Buffer.byteLength(content) };
}

/** A layout whose image tagged `latest` has the label walt.node.models = `label`. */
async function layout(label: string | undefined): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-layout-'));
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const config = await blob(
    dir,
    JSON.stringify({ config: label === undefined ? {} : { Labels: { 'walt.node.models': label } } }),
  );
  const manifest = await blob(
    dir,
    JSON.stringify({ schemaVersion: 2, config: { ...config, mediaType: 'x' }, layers: [] }),
  );
  const entry = {
    ...manifest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    annotations: { 'org.opencontainers.image.ref.name': 'latest' },
  };
  await writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
  return dir;
}

describe('layoutModels', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('reads the known node models of the label, once each', async () => {
    dirs.push(await layout('pc-x86-64, pc-x86-32,vax-11,pc-x86-64'));
    expect(await layoutModels(dirs.at(-1)!, 'latest')).toEqual(['pc-x86-64', 'pc-x86-32']);
  });

  it('finds none without the label', async () => {
    dirs.push(await layout(undefined));
    expect(await layoutModels(dirs.at(-1)!, 'latest')).toEqual([]);
  });
});

describe('labDefaultImages', () => {
  it('points the operator at <registry>/walt, plain HTTP', () => {
    expect(labDefaultImages('127.0.0.1:5000')).toEqual({
      repository: '127.0.0.1:5000/walt',
      tag: 'latest',
      insecureRegistry: true,
    });
  });
});
