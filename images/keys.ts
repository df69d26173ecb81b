// What names and keys the image build uses, as pure functions: the checks of the caller's registry
// and tag (bounded before any work starts), the pushed references, and the content keys that the
// caches are keyed by (a key changes exactly when one of the named inputs changes).
import { createHash } from 'node:crypto';
import { ImagesBadRegistry, ImagesBadTag } from './errors.js';

/** The two images, by their repository under the registry. */
export const IMAGE_NAMES = { operator: 'walt/operator', agent: 'walt/agent' } as const;
export type ImageKind = keyof typeof IMAGE_NAMES;

// host or host:port; a host is DNS labels or an IPv4 address (what the tests and kind clusters use).
const REGISTRY = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$/;
// The OCI distribution spec's tag grammar.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function checkRegistry(registry: string): string {
  if (registry.length > 260 || !REGISTRY.test(registry)) throw ImagesBadRegistry(registry);
  const port = registry.split(':')[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw ImagesBadRegistry(registry);
  return registry;
}

export function checkTag(tag: string): string {
  if (!TAG.test(tag)) throw ImagesBadTag(tag);
  return tag;
}

export function imageReference(registry: string, kind: ImageKind, tag: string): string {
  return `${registry}/${IMAGE_NAMES[kind]}:${tag}`;
}

/** The name of an image in buildah's local storage. */
export function localReference(kind: ImageKind, tag: string): string {
  return imageReference('localhost', kind, tag);
}

export interface KeyInput {
  name: string;
  content: string | Uint8Array;
}

/**
 * A short hash of named contents, independent of their order: the cache key of whatever they make.
 * Names and contents are length-prefixed, so no two different inputs hash alike by concatenation.
 */
export function contentKey(inputs: Iterable<KeyInput>): string {
  const sorted = [...inputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hash = createHash('sha256');
  for (const { name, content } of sorted) {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    hash.update(`${Buffer.byteLength(name)}:${name}${bytes.length}:`).update(bytes);
  }
  return hash.digest('hex').slice(0, 16);
}
