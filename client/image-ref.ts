// Image names on the command line (pure). `walt node boot` takes WalT's forms: "default" (the default
// image of each node's model), an image of the current namespace ("debian"), or another namespace's
// ("team/debian", WalT's clonable walt:<user>/<image>). spec.image stores "default" or
// "<namespace>/<name>".
import { ERR_CLI_BAD_IMAGE_NAME, ERR_CLI_IMAGE_NOT_RESOLVED, ERR_CLI_MODEL_UNSUPPORTED } from './errors.js';
import type { WaltImage, WaltNode } from '../api/v1alpha1/index.js';

export type ImageChoice = { kind: 'default' } | { kind: 'image'; namespace: string; name: string };

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `name` can name a WaltImage (a Kubernetes object name other than "default"). */
export function isImageName(name: string): boolean {
  return name.length <= 253 && SUBDOMAIN.test(name) && name !== 'default';
}

export function parseImageArg(arg: string, namespace: string): ImageChoice {
  if (arg === 'default') return { kind: 'default' };
  const parts = arg.split('/');
  const [ns, name] = parts.length === 2 ? parts : [namespace, arg];
  const valid = parts.length <= 2 && LABEL.test(ns!) && ns!.length <= 63 && isImageName(name!);
  if (!valid) throw ERR_CLI_BAD_IMAGE_NAME(arg);
  return { kind: 'image', namespace: ns!, name: name! };
}

/** The value of spec.image for a choice. */
export function specImageOf(choice: ImageChoice): string {
  return choice.kind === 'default' ? 'default' : `${choice.namespace}/${choice.name}`;
}

/** Models an image boots: spec.models overrides what the operator read from the image's label. */
export function modelsOf(image: WaltImage): string[] {
  return image.spec.models?.length ? [...image.spec.models] : [...(image.status?.models ?? [])];
}

/** Fails unless `image` supports the model of every node (WalT: walt.node.models ⊇ node models). */
export function checkModels(image: WaltImage, nodes: readonly WaltNode[]): void {
  const name = `${image.metadata.namespace ?? ''}/${image.metadata.name}`;
  const models = modelsOf(image);
  if (models.length === 0) throw ERR_CLI_IMAGE_NOT_RESOLVED(name);
  const unsupported = nodes.filter((n) => !models.includes(n.spec.model));
  if (unsupported.length > 0) {
    const names = unsupported.map((n) => `${n.metadata.name} (${n.spec.model})`);
    throw ERR_CLI_MODEL_UNSUPPORTED(name, names, models);
  }
}

/**
 * A WaltImage name for a reference when `walt image pull` is given none: the repository's last path
 * component, with the tag appended unless it is "latest" ("reg:5000/walt/debian:12" → "debian-12").
 */
export function imageNameFromRef(ref: string): string | undefined {
  const withoutDigest = ref.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const last = withoutDigest.slice(lastSlash + 1);
  const [repo, tag] = last.split(':') as [string, string | undefined];
  const suffix = tag && tag !== 'latest' ? `-${tag.toLowerCase().replace(/[^a-z0-9.-]+/g, '-')}` : '';
  const name = `${repo}${suffix}`.replace(/[_]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return isImageName(name) ? name : undefined;
}
