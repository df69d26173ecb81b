// Coded errors of the Experiment controller. Tests assert on the codes.
import { defineError } from '../../../common/errors.js';

export const ERR_NO_AGENT = defineError(
  'WALT_ERR_EXPERIMENT_NO_AGENT',
  (segment: string) =>
    `no boot agent client is configured for segment ${segment}: the operator was started without ` +
    'agentFor, so run, copy and checkpoint steps cannot reach nodes',
  503,
);

export const ERR_COPY_SOURCE = defineError(
  'WALT_ERR_EXPERIMENT_COPY_SOURCE',
  (source: string) =>
    `copy toNode takes its file from a ConfigMap of the experiment's namespace: write the source as ` +
    `"configmap:<name>/<key>" (got "${source}")`,
  400,
);

export const ERR_CONFIGMAP_KEY = defineError(
  'WALT_ERR_EXPERIMENT_CONFIGMAP_KEY',
  (configMap: string, key: string) =>
    `ConfigMap ${configMap} has no key "${key}" in data or binaryData: add it or fix the copy source`,
  404,
);

export const ERR_FILES_TOO_LARGE = defineError(
  'WALT_ERR_EXPERIMENT_FILES_TOO_LARGE',
  (path: string, bytes: number, limit: number) =>
    `the archive of ${path} is ${bytes} bytes, more than the ${limit} bytes a ConfigMap can keep: ` +
    'copy a smaller file or directory (or compress it on the node first)',
  413,
);

export const ERR_STEP_INTERRUPTED = defineError(
  'WALT_ERR_EXPERIMENT_STEP_INTERRUPTED',
  (step: string) =>
    `step ${step} was running when the operator restarted (or another replica took over); ` +
    'its outcome is unknown, so it is not run again: create the experiment again to repeat it',
  500,
);

export const ERR_STEP_TIMEOUT = defineError(
  'WALT_ERR_EXPERIMENT_STEP_TIMEOUT',
  (step: string, seconds: number) => `step ${step} did not finish within ${seconds} s`,
  504,
);

export const ERR_UNKNOWN_TARGET = defineError(
  'WALT_ERR_EXPERIMENT_UNKNOWN_TARGET',
  (step: string, node: string) =>
    `step ${step} targets node ${node}, which the experiment did not claim: list it in spec.nodes`,
  400,
);

export const ERR_CLAIM_LOST = defineError(
  'WALT_ERR_EXPERIMENT_CLAIM_LOST',
  (node: string, experiment: string) =>
    `WaltNode ${node} is no longer claimed by ${experiment} (someone cleared or changed status.claimedBy): ` +
    'the experiment cannot boot it; create the experiment again once the node is free',
  409,
);

export const ERR_SAVE_NO_IMAGE = defineError(
  'WALT_ERR_EXPERIMENT_SAVE_NO_IMAGE',
  (image: string) =>
    `keep.savedImage pushes to the repository of the experiment's image, but WaltImage ${image} is gone: ` +
    'create it again, or save the node by hand with walt node save',
  404,
);

export const ERR_SAVE_NOT_BOOTED = defineError(
  'WALT_ERR_EXPERIMENT_SAVE_NOT_BOOTED',
  (node: string) =>
    `${node} did not boot the experiment's image (it was not Ready when the run ended): nothing to save`,
  409,
);

export const ERR_SAVE_NAME_TAKEN = defineError(
  'WALT_ERR_EXPERIMENT_SAVE_NAME_TAKEN',
  (image: string) =>
    `WaltImage ${image} exists and was not saved by this experiment: keep.savedImage never replaces it; ` +
    'choose another keep.savedImage name, or remove that image first',
  409,
);
