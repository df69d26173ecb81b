// The save request of POST /api/v1/nodes/<node>/save, validated before any work starts (pure).
import type { SaveNodeRequest } from '../../api/agent/v1.js';
import { formatReference, parseReference, type ImageReference } from '../../oci/index.js';
import { isWaltError } from '../../common/errors.js';
import { SaveBadRequest } from './errors.js';

export interface ValidSave {
  ref: ImageReference;
  insecure: boolean;
  auth?: { username: string; password: string };
}

const MAX_CREDENTIAL = 4096;

function credential(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CREDENTIAL)
    throw SaveBadRequest(`auth.${name} must be a string of 1 to ${MAX_CREDENTIAL} characters`);
  return value;
}

function authOf(value: unknown): ValidSave['auth'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null)
    throw SaveBadRequest('"auth" must be { username, password }');
  const auth = value as { username?: unknown; password?: unknown };
  return { username: credential(auth.username, 'username'), password: credential(auth.password, 'password') };
}

function refOf(value: unknown): ImageReference {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512)
    throw SaveBadRequest('"ref" must be the image reference to push, e.g. "registry.lab:5000/me/saved:1"');
  let ref: ImageReference;
  try {
    ref = parseReference(value);
  } catch (err) {
    throw isWaltError(err) ? SaveBadRequest(err.message) : err;
  }
  if (ref.digest !== undefined) throw SaveBadRequest(`push to a tag, not a digest: ${formatReference(ref)}`);
  return ref;
}

export function parseSaveRequest(body: unknown): ValidSave {
  if (typeof body !== 'object' || body === null)
    throw SaveBadRequest('send a JSON object { "ref": "<registry/repo:tag>" }');
  const request = body as Partial<Record<keyof SaveNodeRequest, unknown>>;
  const ref = refOf(request.ref);
  if (request.insecure !== undefined && typeof request.insecure !== 'boolean')
    throw SaveBadRequest('"insecure" must be true or false');
  const auth = authOf(request.auth);
  return { ref, insecure: request.insecure === true, ...(auth ? { auth } : {}) };
}
