// The TFTP side of the Raspberry Pi boot files (agents/netboot/rpi-boot-files.ts): for a node whose
// model boots with the Pi firmware, `cmdline.txt` is generated (the image's own arguments, then the NFS
// root and node arguments) and `config.txt` too when the image has none. They are written to a
// directory of the agent's cache (one per node, replaced atomically and only when their content
// changes) and served from there like any file, so the transfer code, the packet cache and the
// open-without-following rules stay the same. The image's files are read confined to its root
// filesystem and bounded before they are read.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WaltNode, WaltSegmentSpec } from '../../api/v1alpha1/index.js';
import { NODE_MODELS } from '../../api/v1alpha1/node-models.js';
import { isWaltError } from '../../common/errors.js';
import { parseCidr } from '../dhcp/ipv4.js';
import { nodeRouter } from '../dhcp/router.js';
import { readBootFiles } from '../http/boot-files.js';
import type { BootTarget } from '../netboot/gate.js';
import { nfsRootArgs, nodeKernelArgs } from '../netboot/kernel-args.js';
import { RpiImageFileTooLarge } from '../netboot/rpi-errors.js';
import { MAX_IMAGE_FILE_BYTES, rpiCmdline, rpiConfigTxt, staticIpArg } from '../netboot/rpi-boot-files.js';
import { TFTP_ERROR } from './packet.js';
import {
  refusal,
  resolveInRoot,
  walkRefusal,
  type FsProbe,
  type GeneratedFiles,
  type ResolvedPath,
} from './paths.js';

export const CMDLINE = 'cmdline.txt';
export const CONFIG = 'config.txt';

export interface RpiFilesOptions {
  /** Where generated files are written (`<dir>/<mac-with-dashes>/<file>`). */
  dir: string;
  /** The agent's address on the segment (NFS server). */
  server: string;
  /** The segment's spec, for the netmask and the gateway a node was given by DHCP. */
  segment: () => WaltSegmentSpec | undefined;
  exportPathOf: (target: BootTarget) => string;
  probe: FsProbe;
}

/** The router the DHCP service hands `node` (agents/dhcp/router.ts), from the segment's spec. */
export function gatewayOf(spec: WaltSegmentSpec, node: WaltNode, server: string): string | undefined {
  const segment = { nat: spec.nat?.enabled ?? false, serverIp: server };
  return nodeRouter(spec.gateway ? { ...segment, gateway: spec.gateway } : segment, node);
}

type ImageFile = { found: false } | { found: true; text: string } | { refused: ResolvedPath };

/** The image's `<boot dir>/<name>`: confined to its rootfs, opened without following, read bounded. */
async function readImageFile(target: BootTarget, name: string, probe: FsProbe): Promise<ImageFile> {
  const relative = path.join(path.relative(target.rootfs, target.bootDir), name);
  const walked = await resolveInRoot(target.rootfs, relative, probe);
  if (!walked.ok)
    return walked.reason === 'missing' ? { found: false } : { refused: walkRefusal(walked.reason, name) };
  const handle = await open(walked.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buffer = Buffer.alloc(MAX_IMAGE_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_IMAGE_FILE_BYTES)
      throw RpiImageFileTooLarge(`/boot/${target.model}/${name}`, MAX_IMAGE_FILE_BYTES);
    return { found: true, text: buffer.subarray(0, bytesRead).toString('utf8') };
  } finally {
    await handle.close();
  }
}

/** Writes `content` to the node's file unless it holds it already; returns the path. */
async function materialise(dir: string, mac: string, name: string, content: string): Promise<string> {
  const nodeDir = path.join(dir, mac.replaceAll(':', '-'));
  const file = path.join(nodeDir, name);
  if ((await readFile(file, 'utf8').catch(() => undefined)) === content) return file;
  await mkdir(nodeDir, { recursive: true });
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, file);
  return file;
}

async function cmdlineFor(
  options: RpiFilesOptions,
  clientIp: string,
  target: BootTarget,
): Promise<ResolvedPath | string> {
  const image = await readImageFile(target, CMDLINE, options.probe);
  if ('refused' in image) return image.refused;
  const spec = options.segment();
  const node = target.node;
  const nodeName = node.metadata.name;
  const netmask = spec ? parseCidr(spec.subnet).mask : '';
  const gateway = spec ? gatewayOf(spec, node, options.server) : undefined;
  const ip = staticIpArg({
    ip: clientIp,
    server: options.server,
    netmask,
    nodeName,
    ...(gateway ? { gateway } : {}),
  });
  const rootArgs = nfsRootArgs({
    server: options.server,
    nodeName,
    exportPath: options.exportPathOf(target),
    ip,
  });
  return rpiCmdline({
    rootArgs,
    nodeArgs: nodeKernelArgs(node),
    ...(image.found ? { imageCmdline: image.text } : {}),
  });
}

async function configFor(
  options: RpiFilesOptions,
  target: BootTarget,
): Promise<ResolvedPath | string | undefined> {
  const image = await readImageFile(target, CONFIG, options.probe);
  if ('refused' in image) return image.refused;
  if (image.found) return undefined; // the image's own, served as is
  const files = await readBootFiles(target);
  const kernel = files?.kind === 'kernel' ? files : { kernel: 'vmlinuz', initrd: 'initrd.img' };
  return rpiConfigTxt({
    model: target.model,
    kernel: kernel.kernel,
    ...(kernel.initrd ? { initrd: kernel.initrd } : {}),
  });
}

/** The `generated` hook of the TFTP resolver for Raspberry Pi nodes (firmware 'rpi'). */
export function createRpiFiles(options: RpiFilesOptions): GeneratedFiles {
  return async (wanted, clientIp, target) => {
    if (NODE_MODELS[target.model].firmware !== 'rpi' || (wanted !== CMDLINE && wanted !== CONFIG))
      return undefined;
    try {
      const made =
        wanted === CMDLINE ? await cmdlineFor(options, clientIp, target) : await configFor(options, target);
      if (made === undefined || typeof made !== 'string') return made;
      const file = await materialise(options.dir, target.node.spec.mac.toLowerCase(), wanted, made);
      return { path: file, source: 'generated' };
    } catch (error) {
      if (!isWaltError(error)) throw error;
      return refusal(TFTP_ERROR.NOT_DEFINED, error);
    }
  };
}
