// Where the operator finds the default node images, read once from its environment (set by the chart's
// defaultImages.* values, or by the local lab): WALT_DEFAULT_IMAGE_REPOSITORY (e.g.
// "registry.example.org/walt"; unset or empty: the operator creates no default image),
// WALT_DEFAULT_IMAGE_TAG (default "latest") and WALT_DEFAULT_IMAGE_INSECURE ("true": plain HTTP or
// unverified TLS, a lab registry). Checked and bounded here, at start: a bad value stops the operator
// with a coded error naming the variable rather than creating WaltImages that can never resolve.
import { DefaultImagesConfigInvalid } from './errors.js';

export interface DefaultImagesConfig {
  /** Registry host[:port] and path; the image of model M is `<repository>/M-default:<tag>`. */
  repository: string;
  tag: string;
  insecureRegistry: boolean;
}

// The chart admits a registry of 200 characters; "/walt" is added to it.
const MAX_REPOSITORY = 255;
// host[:port] then lower-case path components (the OCI distribution grammar, simplified).
const REPOSITORY = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function insecure(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw DefaultImagesConfigInvalid('WALT_DEFAULT_IMAGE_INSECURE', 'use true or false');
}

/** The configuration from `env`; undefined when WALT_DEFAULT_IMAGE_REPOSITORY is unset or empty. */
export function defaultImagesConfig(env: NodeJS.ProcessEnv): DefaultImagesConfig | undefined {
  const repository = env.WALT_DEFAULT_IMAGE_REPOSITORY?.trim() ?? '';
  if (repository === '') return undefined;
  if (repository.length > MAX_REPOSITORY)
    throw DefaultImagesConfigInvalid(
      'WALT_DEFAULT_IMAGE_REPOSITORY',
      `longer than ${MAX_REPOSITORY} characters`,
    );
  if (!REPOSITORY.test(repository))
    throw DefaultImagesConfigInvalid('WALT_DEFAULT_IMAGE_REPOSITORY', 'not a registry host[:port]/path');
  const tag = env.WALT_DEFAULT_IMAGE_TAG?.trim() || 'latest';
  if (!TAG.test(tag)) throw DefaultImagesConfigInvalid('WALT_DEFAULT_IMAGE_TAG', 'not an image tag');
  return { repository, tag, insecureRegistry: insecure(env.WALT_DEFAULT_IMAGE_INSECURE?.trim()) };
}
