// Coded errors of the reconcile runtime. Tests assert on the codes.
import { defineError } from '../common/errors.js';

export const ERR_CORE_GROUP_UNSUPPORTED = defineError(
  'WALT_ERR_RUNTIME_CORE_GROUP_UNSUPPORTED',
  (plural: string) =>
    `the runtime watches resources of named API groups only; "${plural}" is in the core group: ` +
    'use a typed CoreV1Api client for it',
  500,
);

export const ERR_STATUS_CONFLICT = defineError(
  'WALT_ERR_RUNTIME_STATUS_CONFLICT',
  (ref: string, attempts: number) =>
    `status of ${ref} kept conflicting with other writers after ${attempts} attempts; it is retried later`,
  409,
);

export const ERR_FINALIZER_CONFLICT = defineError(
  'WALT_ERR_RUNTIME_FINALIZER_CONFLICT',
  (ref: string, attempts: number) =>
    `finalizers of ${ref} kept changing under us after ${attempts} attempts; it is retried later`,
  409,
);

export const ERR_ALREADY_STARTED = defineError(
  'WALT_ERR_RUNTIME_ALREADY_STARTED',
  (what: string) => `${what} is already started; stop it before starting it again`,
  500,
);
