// What the routes share: the agent's view of the cluster and the functions it wires in. Built once
// by server.ts from the options; routes never call the API server themselves.
import type { FastifyInstance } from 'fastify';
import type { WaltNode } from '../../api/v1alpha1/index.js';
import { normaliseMac, type BootTarget, type BootView } from '../netboot/gate.js';
import type { FileCache } from './file-cache.js';

/** The gate's view, plus lookup by name (nodes name themselves in URLs and bootup notifications). */
export interface HttpBootView extends BootView {
  nodeByName(name: string): WaltNode | undefined;
}

export interface BootupEvent {
  node: WaltNode;
  /** The node's IPv4 address on the segment. */
  ip: string;
  /** The WaltImage it booted, "<namespace>/<name>". */
  image: string;
  imageDigest: string | undefined;
  at: Date;
  /** Bytes the node read over NFS while booting, when it says. */
  nfsReadBytes?: number;
  /** The node's boot (its kernel's boot_id), when it says. */
  bootId?: string;
}

export interface HttpContext {
  segment: string;
  serverAddress: string;
  /** Base URL of this service as nodes reach it, e.g. http://192.168.152.1. */
  httpBase: string;
  view: HttpBootView;
  /** The MAC that holds a DHCP lease for `ip`, from the agent's lease table. */
  macOfIp: (ip: string) => string | undefined;
  /** The NFS export path of the target's image root filesystem. */
  exportPathOf: (target: BootTarget) => string;
  /** Extra kernel arguments for the target (console, node settings); none by default. */
  extraKernelArgs: (target: BootTarget) => readonly string[];
  onBootup: (event: BootupEvent) => Promise<void>;
  retryDelaySeconds: number;
  bodyLimit: number;
  /** Boot files kept in memory for the clients that fetch them at the same time. */
  files: FileCache;
  /** The bearer token controllers and users must show (ADR 0008); undefined until it is known. */
  apiToken: () => string | undefined;
}

/** Routes added by other services of the agent (logs, node commands) with the shared context. */
export type HttpPlugin = (app: FastifyInstance, ctx: HttpContext) => void;

/** The IPv4 address of a client, as node sockets report it ("::ffff:a.b.c.d" → "a.b.c.d"). */
export function clientIp(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** The node holding the DHCP lease of `ip`, if any. */
export function nodeAtIp(ctx: HttpContext, ip: string): WaltNode | undefined {
  const mac = ctx.macOfIp(ip);
  return mac === undefined ? undefined : ctx.view.nodeByMac(normaliseMac(mac));
}
