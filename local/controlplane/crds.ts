// Installs the project's CRDs (crds/*.yaml) with kubectl server-side apply and waits until Established.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectl } from './kubectl.js';

export const CRD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'crds');

export async function installCrds(binDir: string, kubeconfig: string): Promise<void> {
  await kubectl(binDir, kubeconfig, [
    'apply',
    '--server-side',
    '--field-manager=walt-local',
    '--force-conflicts',
    '-f',
    CRD_DIR,
  ]);
  await kubectl(binDir, kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', '-f', CRD_DIR]);
}
