// OCI image references ("debian:12", "localhost:5000/lab/os@sha256:..."), with Docker's defaults:
// no registry means Docker Hub, a one-part Hub name lives under "library/", no tag or digest means
// "latest". Pure: no I/O.
import { InvalidReference } from './errors.js';

export interface ImageReference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io']);
const DOCKER_HUB_API = 'https://registry-1.docker.io';

// From the distribution reference grammar.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const REGISTRY_HOST = /^(?:[a-zA-Z0-9.-]+|\[[a-fA-F0-9:]+\])(?::\d{1,5})?$/;
const MAX_NAME_LENGTH = 255;

/** Parses a reference; throws WALT_ERR_IMAGE_REFERENCE_INVALID with what is wrong. */
export function parseReference(text: string): ImageReference {
  const [withoutDigest, digest] = splitOnce(text.trim(), '@');
  if (digest !== undefined && !DIGEST.test(digest)) throw InvalidReference(text, `bad digest "${digest}"`);
  const { name, tag } = splitTag(withoutDigest);
  if (tag !== undefined && !TAG.test(tag)) throw InvalidReference(text, `bad tag "${tag}"`);
  const { registry, repository } = splitRegistry(name);
  if (!REGISTRY_HOST.test(registry)) throw InvalidReference(text, `bad registry "${registry}"`);
  checkRepository(text, repository);
  const reference: ImageReference = { registry, repository };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  if (tag === undefined && digest === undefined) reference.tag = 'latest';
  return reference;
}

/** The canonical text of a reference, as used in messages and status. */
export function formatReference(reference: ImageReference): string {
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `${reference.registry}/${reference.repository}${tag}${digest}`;
}

/** The URL prefix of the registry's API (without /v2/); `insecure` means plain http. */
export function registryBaseUrl(registry: string, insecure: boolean): string {
  if (isDockerHub(registry)) return DOCKER_HUB_API;
  return `${insecure ? 'http' : 'https'}://${registry}`;
}

export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_ALIASES.has(registry.toLowerCase());
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

// The tag is after the last ':' only if that ':' follows the last '/' (else it is a registry port).
function splitTag(name: string): { name: string; tag?: string } {
  const colon = name.lastIndexOf(':');
  if (colon === -1 || colon < name.lastIndexOf('/')) return { name };
  return { name: name.slice(0, colon), tag: name.slice(colon + 1) };
}

// As Docker does: the first component is a registry host if it looks like one (a dot, a port,
// "localhost", or upper case); otherwise the name is on Docker Hub.
function splitRegistry(name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const looksLikeHost = /[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase();
  if (slash === -1 || !looksLikeHost) return { registry: DOCKER_HUB, repository: hubRepository(name) };
  const registry = isDockerHub(first) ? DOCKER_HUB : first;
  const repository = name.slice(slash + 1);
  return { registry, repository: registry === DOCKER_HUB ? hubRepository(repository) : repository };
}

function hubRepository(repository: string): string {
  return repository.includes('/') ? repository : `library/${repository}`;
}

function checkRepository(text: string, repository: string): void {
  if (repository.length === 0) throw InvalidReference(text, 'empty repository');
  if (repository.length > MAX_NAME_LENGTH) throw InvalidReference(text, 'repository name too long');
  const bad = repository.split('/').find((component) => !PATH_COMPONENT.test(component));
  if (bad !== undefined) {
    throw InvalidReference(text, `bad repository component "${bad}" (lower-case letters, digits, . _ -)`);
  }
}
