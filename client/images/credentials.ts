// Registry credentials of an authoring command, handed to buildah and skopeo as an auth file (the
// docker config.json format, one entry per registry): either a file the user names (--authfile), or
// a kubernetes.io/dockerconfigjson Secret of the namespace (--secret), written for the run to a
// private temporary file that is removed afterwards. One file can hold the source's and the
// destination's credentials.
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SecretReader } from '../../oci/index.js';

export { secretReader, type SecretReader } from '../../oci/index.js';
import { ERR_IMAGE_CREDENTIALS } from './errors.js';

/** A docker config with a few registries is a few kilobytes. */
const MAX_CONFIG_BYTES = 256 * 1024;

export interface CredentialOptions {
  secret?: string;
  authfile?: string;
}

export interface Authfile {
  /** The file to pass to --authfile, if there are credentials. */
  path?: string;
  /** The Secret it came from: recorded as the WaltImage's pullSecret. */
  secretName?: string;
  /** Removes a temporary file (a no-op for the user's own file). */
  release(): Promise<void>;
}

/** Checks that `payload` is a docker config with an "auths" object (pure). */
export function checkDockerConfig(source: string, payload: Buffer): void {
  if (payload.length > MAX_CONFIG_BYTES)
    throw ERR_IMAGE_CREDENTIALS(source, `more than ${MAX_CONFIG_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    throw ERR_IMAGE_CREDENTIALS(source, 'not JSON');
  }
  const auths = (parsed as { auths?: unknown } | null)?.auths;
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths))
    throw ERR_IMAGE_CREDENTIALS(source, 'no "auths" object');
}

async function fromFile(file: string): Promise<Authfile> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw ERR_IMAGE_CREDENTIALS(file, 'no such file');
  if (info.size > MAX_CONFIG_BYTES) throw ERR_IMAGE_CREDENTIALS(file, `more than ${MAX_CONFIG_BYTES} bytes`);
  checkDockerConfig(file, await readFile(file));
  return { path: file, release: () => Promise.resolve() };
}

async function fromSecret(readSecret: SecretReader, namespace: string, name: string): Promise<Authfile> {
  const source = `Secret ${namespace}/${name}`;
  const data = await readSecret(namespace, name);
  if (!data) throw ERR_IMAGE_CREDENTIALS(source, 'it does not exist');
  const encoded = data['.dockerconfigjson'];
  if (!encoded) throw ERR_IMAGE_CREDENTIALS(source, 'no .dockerconfigjson key');
  if (encoded.length > (MAX_CONFIG_BYTES * 4) / 3 + 4) throw ERR_IMAGE_CREDENTIALS(source, 'too large');
  const payload = Buffer.from(encoded, 'base64');
  checkDockerConfig(source, payload);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-auth-'));
  await chmod(dir, 0o700);
  const file = path.join(dir, 'auth.json');
  await writeFile(file, payload, { mode: 0o600 });
  return { path: file, secretName: name, release: () => rm(dir, { recursive: true, force: true }) };
}

/** The auth file of a command's options (none when neither --secret nor --authfile is given). */
export async function openAuthfile(
  options: CredentialOptions,
  readSecret: SecretReader | undefined,
  namespace: string,
): Promise<Authfile> {
  if (options.secret && options.authfile)
    throw ERR_IMAGE_CREDENTIALS('the options', 'give --secret or --authfile, not both');
  if (options.authfile) return fromFile(options.authfile);
  if (options.secret) {
    if (!readSecret) throw ERR_IMAGE_CREDENTIALS(`Secret ${options.secret}`, 'no cluster access to read it');
    return fromSecret(readSecret, namespace, options.secret);
  }
  return { release: () => Promise.resolve() };
}

/** Runs `work` with the auth file open, and removes a temporary one whatever happens. */
export async function withAuthfile<T>(
  options: CredentialOptions,
  readSecret: SecretReader | undefined,
  namespace: string,
  work: (auth: Authfile) => Promise<T>,
): Promise<T> {
  const auth = await openAuthfile(options, readSecret, namespace);
  try {
    return await work(auth);
  } finally {
    await auth.release();
  }
}
