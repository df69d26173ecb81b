// buildah, with its image storage under the project's cache (not the host's /var/lib/containers):
// the base, the OS layers and every layer of earlier builds stay there between runs. Chroot
// isolation as root: no container engine and no user namespaces needed.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { captureStep, runStep } from './exec.js';

export interface Buildah {
  /** Runs `buildah <args>` with the cache's storage; its output is progress on stderr. */
  run(step: string, args: string[]): Promise<void>;
  /** Runs `buildah <args>` and returns its stdout. */
  capture(step: string, args: string[]): Promise<string>;
  hasImage(reference: string): Promise<boolean>;
}

export function storageOptions(storageDir: string): string[] {
  // Run-time state (locks, mount points) belongs on a tmpfs; one per storage directory.
  const id = createHash('sha256').update(storageDir).digest('hex').slice(0, 12);
  return [
    '--root',
    path.join(storageDir, 'storage'),
    '--runroot',
    `/run/walt-operator-buildah-${id}`,
    '--storage-driver',
    'overlay',
  ];
}

export function createBuildah(storageDir: string): Buildah {
  const global = storageOptions(storageDir);
  return {
    run: (step, args) => runStep(step, 'buildah', [...global, ...args]),
    capture: (step, args) => captureStep(step, 'buildah', [...global, ...args]),
    async hasImage(reference) {
      const out = await captureStep('list images', 'buildah', [
        ...global,
        'images',
        '--noheading',
        '--format',
        '{{.Name}}:{{.Tag}}',
      ]);
      return out.split('\n').includes(reference);
    },
  };
}
