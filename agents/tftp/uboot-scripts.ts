// The u-boot scripts of the TFTP service (agents/netboot/uboot-script.ts), in front of the file
// resolver: u-boot asks `boot.scr.uimg` (Debian's distro boot) and, from the probe, `walt-node.uboot`.
// - a machine no WaltNode has, on a segment with autoRegister: the probe script (boot.scr.uimg only);
// - a node the gate lets boot: its node script (NFS root and kernel arguments, then the image's
//   start.uboot of its model);
// - a known node that may not boot yet (image not ready…): a script that says why and resets.
// Anything else goes to the file resolver. Scripts are made per request and written to a private
// directory (one file per MAC and name, replaced atomically), because the TFTP service sends files.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isNodeModel, NODE_MODELS } from '../../api/v1alpha1/node-models.js';
import type { Logger } from '../../common/logger.js';
import { isWaltError } from '../../common/errors.js';
import { kernelArguments } from '../http/ipxe-script.js';
import type { BootDecision, BootTarget } from '../netboot/gate.js';
import { encodeScriptImage, type ScriptImage } from '../netboot/uboot-image.js';
import {
  nodeScript,
  PROBE_SCRIPT,
  retryScript,
  ubootIpArgument,
  UBOOT_BOOT_SCRIPT,
  UBOOT_NODE_SCRIPT,
} from '../netboot/uboot-script.js';
import { openForTftp, type TftpResolve } from './files.js';
import { normaliseRequestPath } from './paths.js';

export interface UbootScriptsOptions {
  macOfIp(ip: string): string | undefined;
  decide(mac: string): BootDecision;
  /** Whether the segment registers unknown machines now (its spec.autoRegister). */
  autoRegister(): boolean;
  /** The agent's address on the segment: NFS server and `walt.server`. */
  server: string;
  exportPathOf(target: BootTarget): string;
  extraKernelArgs(target: BootTarget): readonly string[];
  retryDelaySeconds: number;
  logger?: Logger;
}

export interface UbootScripts {
  resolve(next: TftpResolve): TftpResolve;
  /** Removes the scripts' directory. */
  close(): Promise<void>;
}

/** The script image for a request, or undefined when it is not one of ours (pure apart from decide). */
export function ubootScriptFor(
  name: string,
  mac: string,
  options: Omit<UbootScriptsOptions, 'macOfIp' | 'logger'>,
): ScriptImage | undefined {
  if (name !== UBOOT_BOOT_SCRIPT && name !== UBOOT_NODE_SCRIPT) return undefined;
  const decision = options.decide(mac);
  const node = decision.node;
  if (node === undefined) {
    const probe = name === UBOOT_BOOT_SCRIPT && options.autoRegister();
    return probe ? { name: 'walt probe', arch: 'arm64', script: PROBE_SCRIPT } : undefined;
  }
  const model = node.spec.model;
  const ubootArch =
    isNodeModel(model) && NODE_MODELS[model].platform.architecture === 'arm' ? 'arm' : 'arm64';
  if (!decision.allow) {
    const script = retryScript({ ...decision, delaySeconds: options.retryDelaySeconds });
    return { name: 'walt retry', arch: ubootArch, script };
  }
  return nodeImage(decision, options, ubootArch);
}

function nodeImage(
  decision: BootTarget,
  options: Omit<UbootScriptsOptions, 'macOfIp' | 'logger'>,
  ubootArch: ScriptImage['arch'],
): ScriptImage {
  const nodeName = decision.node.metadata.name;
  try {
    const kernelArgs = kernelArguments(
      {
        server: options.server,
        nodeName,
        exportPath: options.exportPathOf(decision),
        extraArgs: options.extraKernelArgs(decision),
      },
      ubootIpArgument(nodeName),
    );
    return {
      name: 'walt node',
      arch: ubootArch,
      script: nodeScript({ nodeName, model: decision.model, kernelArgs }),
    };
  } catch (error) {
    // A node whose name or settings cannot go into a script is told why on its console, and retries.
    if (!isWaltError(error)) throw error;
    const script = retryScript({
      reason: error.code,
      message: error.message,
      delaySeconds: options.retryDelaySeconds,
    });
    return { name: 'walt retry', arch: ubootArch, script };
  }
}

export async function createUbootScripts(options: UbootScriptsOptions): Promise<UbootScripts> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walt-uboot-'));
  let sequence = 0;
  const write = async (mac: string, name: string, image: ScriptImage): Promise<string> => {
    const file = path.join(dir, `${mac.replace(/:/g, '')}-${name}`);
    const tmp = `${file}.${(sequence += 1)}.tmp`;
    await writeFile(tmp, encodeScriptImage(image), { mode: 0o600 });
    await rename(tmp, file);
    return file;
  };
  return {
    resolve: (next) => async (filename, clientIp) => {
      const normalised = normaliseRequestPath(filename);
      const mac = options.macOfIp(clientIp);
      if (!normalised.ok || mac === undefined) return next(filename, clientIp);
      const image = ubootScriptFor(normalised.path, mac, options);
      if (image === undefined) return next(filename, clientIp);
      options.logger?.info({ mac, filename, script: image.name }, 'u-boot script');
      return openForTftp(await write(mac, normalised.path, image), filename);
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
