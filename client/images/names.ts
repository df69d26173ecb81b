// Names of image authoring (pure): the reference a result is pushed to, WalT's image names, the
// `<image>:<path>` operands of `walt image cp`, and the keyword match of `walt image search`.
import { formatReference, parseReference, type ImageReference } from '../../oci/index.js';
import { ERR_IMAGE_BAD_NAME, ERR_IMAGE_BAD_REF } from './errors.js';

/** WalT's image name rule ([a-z0-9-], "default" reserved), also a valid WaltImage name and OCI tag. */
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** An image operand of `walt image cp`: name or namespace/name, then ":", then a path. */
const IMAGE_PATH = /^((?:[a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?):(.*)$/;
const MAX_REF_LENGTH = 512;

export function isAuthoringName(name: string): boolean {
  return NAME.test(name) && name !== 'default';
}

export function checkAuthoringName(name: string): string {
  if (!isAuthoringName(name)) throw ERR_IMAGE_BAD_NAME(name);
  return name;
}

/**
 * The reference a result is pushed to: a registry host must be written (no silent Docker Hub), a
 * tag may be (default "latest"), a digest may not (a push names a tag). Returns the canonical text.
 */
export function parsePushRef(text: string): ImageReference {
  if (text.length > MAX_REF_LENGTH) throw ERR_IMAGE_BAD_REF(text.slice(0, 64), 'too long');
  const first = text.split('/')[0] ?? '';
  if (!text.includes('/') || !(/[.:]/.test(first) || first === 'localhost'))
    throw ERR_IMAGE_BAD_REF(text, 'no registry host');
  let ref: ImageReference;
  try {
    ref = parseReference(text);
  } catch (error) {
    throw ERR_IMAGE_BAD_REF(text, (error as Error).message);
  }
  if (ref.digest !== undefined) throw ERR_IMAGE_BAD_REF(text, 'a digest cannot be pushed to');
  return ref;
}

/** The canonical text of a push reference (parsePushRef's checks). */
export function pushRefText(text: string): string {
  return formatReference(parsePushRef(text));
}

/**
 * The canonical text of a reference to read from: any OCI reference, or a WalT-style clonable link
 * with a "walt:", "hub:", "docker:" or "oci:" prefix.
 */
export function sourceRefText(link: string): string {
  return formatReference(parseReference(link.replace(/^(walt|hub|docker|oci):(\/\/)?/, '')));
}

/** The same repository under another tag ("reg/walt/debian:12" + "mine" → "reg/walt/debian:mine"). */
export function retag(ref: string, tag: string): string {
  const parsed = parseReference(ref);
  return formatReference({ registry: parsed.registry, repository: parsed.repository, tag });
}

/**
 * Where an in-place change (cp into an image, squash) is pushed, and what the image then points at:
 * the tag of its reference (a digest pin dropped), then that tag pinned to the new digest, so that
 * the WaltImage's spec changes and the operator resolves the new content.
 */
export function inPlaceRefs(ref: string): { push: string; pin: (digest: string) => string } {
  const parsed = parseReference(ref);
  const push = formatReference({
    registry: parsed.registry,
    repository: parsed.repository,
    tag: parsed.tag ?? 'latest',
  });
  return { push, pin: (digest) => `${push}@${digest}` };
}

/**
 * The form of a reference buildah and skopeo read: a tag pinned to a digest ("r/a:t@sha256:…", what
 * WaltImages made here hold) is read by its digest alone, which they accept.
 */
export function readableRef(ref: string): string {
  const parsed = parseReference(ref);
  if (parsed.digest === undefined) return ref;
  return formatReference({ registry: parsed.registry, repository: parsed.repository, digest: parsed.digest });
}

/** `ref` without its tag and digest: the repository, as skopeo list-tags wants it. */
export function repositoryOf(ref: string): string {
  const parsed = parseReference(ref);
  return `${parsed.registry}/${parsed.repository}`;
}

export type CpOperand = { kind: 'local'; path: string } | { kind: 'image'; image: string; path: string };

/**
 * One operand of `walt image cp`: "<image>:<path>" (a relative path is relative to /root, as WalT
 * does) or a local path.
 */
export function parseCpOperand(text: string): CpOperand {
  const match = IMAGE_PATH.exec(text);
  if (!match || match[4] === '') return { kind: 'local', path: text };
  const inImage = match[4]!;
  return { kind: 'image', image: match[1]!, path: inImage.startsWith('/') ? inImage : `/root/${inImage}` };
}

/** Whether a search keyword matches an image's clonable link (a substring, as in WalT). */
export function matchesKeyword(link: string, keyword: string | undefined): boolean {
  return keyword === undefined || keyword === '' || link.toLowerCase().includes(keyword.toLowerCase());
}
