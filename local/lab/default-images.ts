// The lab's default images, as a WalT registry would hold them: the image of an OCI layout pushed once
// per node model its label walt.node.models names, under `<registry>/walt/<model>-default:latest`, the
// repository the operator's default-images controller points the WaltImage `<model>-default` at.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isNodeModel } from '../../api/v1alpha1/node-models.js';
import type { DefaultImagesConfig } from '../../operator/controllers/default-images/config.js';
import { defaultImageRefOf } from '../../operator/controllers/default-images/desired.js';
import { findManifest } from '../default-image/oci-layout.js';
import { pushImage } from '../default-image/image.js';

/** Manifests and configs are a few kilobytes: a larger file is not one of ours. */
const MAX_JSON_BYTES = 1024 * 1024;

async function boundedJson<T>(file: string): Promise<T> {
  const { size } = await stat(file);
  if (size > MAX_JSON_BYTES)
    throw new Error(`${file} is ${size} bytes, more than a manifest or config can be`);
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

const blob = (layoutDir: string, digest: string): string =>
  path.join(layoutDir, 'blobs', ...digest.split(':'));

/** The node models the image tagged `tag` in the layout names in its label walt.node.models. */
export async function layoutModels(layoutDir: string, tag: string): Promise<string[]> {
  const manifest = await boundedJson<{ config: { digest: string } }>(
    blob(layoutDir, (await findManifest(layoutDir, tag)).digest),
  );
  const config = await boundedJson<{ config?: { Labels?: Record<string, string> } }>(
    blob(layoutDir, manifest.config.digest),
  );
  const label = config.config?.Labels?.['walt.node.models'] ?? '';
  return [...new Set(label.split(',').map((m) => m.trim()))].filter(isNodeModel);
}

/** The controller's configuration for a lab registry (`127.0.0.1:<port>`, plain HTTP). */
export function labDefaultImages(registryHost: string): DefaultImagesConfig {
  return { repository: `${registryHost}/walt`, tag: 'latest', insecureRegistry: true };
}

/** Pushes the layout's image as the default image of each of its models; returns the references. */
export async function pushDefaultImages(
  layoutDir: string,
  tag: string,
  registryHost: string,
): Promise<string[]> {
  const config = labDefaultImages(registryHost);
  const refs: string[] = [];
  for (const model of await layoutModels(layoutDir, tag)) {
    const ref = defaultImageRefOf(model, config);
    await pushImage(layoutDir, tag, ref);
    refs.push(ref);
  }
  return refs;
}
