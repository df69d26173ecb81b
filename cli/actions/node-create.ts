// `walt node create <name>`: a virtual node (WalT: a qemu VM with a random 52:54:00 MAC and model
// pc-x86-64). The segment's boot agent starts it and it network-boots like a PC.
import {
  ERR_CLI_ALREADY_EXISTS,
  ERR_CLI_BAD_NODE_NAME,
  ERR_CLI_IMAGE_NOT_FOUND,
} from '../../client/errors.js';
import {
  API_VERSION,
  RESOURCES,
  type WaltImage,
  type WaltNode,
  type WaltSegment,
} from '../../api/v1alpha1/index.js';
import type { CliContext } from '../context.js';
import { checkModels, parseImageArg, specImageOf } from '../../client/image-ref.js';
import { allocateMac } from '../mac.js';
import { parseAssignments } from '../node-config.js';
import { pickSegment } from '../segments.js';
import { isNodeName, listNodes } from './nodes.js';

export const VIRTUAL_NODE_MODEL = 'pc-x86-64';

export interface NodeCreateOptions {
  cpus?: string;
  memory?: string;
  segment?: string;
  image?: string;
}

/** spec.virtual from the options, checked as `walt node config` checks cpu.cores and ram. */
export function virtualSpec(options: NodeCreateOptions): Record<string, unknown> {
  const given = [
    ...(options.cpus === undefined ? [] : [`cpu.cores=${options.cpus}`]),
    ...(options.memory === undefined ? [] : [`ram=${options.memory}`]),
  ];
  return Object.fromEntries(parseAssignments(given).map((a) => [a.setting.field, a.value]));
}

async function chooseSegment(ctx: CliContext, wanted?: string): Promise<string> {
  const segments = (await ctx.client.list<WaltSegment>(RESOURCES.segment)).items;
  return pickSegment(
    segments.map((s) => s.metadata.name),
    wanted,
  );
}

/** spec.image for --image, checked to exist and to boot pc-x86-64. */
async function chooseImage(ctx: CliContext, node: WaltNode, arg?: string): Promise<string> {
  if (arg === undefined) return 'default';
  const choice = parseImageArg(arg, ctx.namespace);
  if (choice.kind === 'image') {
    const image = await ctx.client.get<WaltImage>(RESOURCES.image, choice.name, choice.namespace);
    if (!image) throw ERR_CLI_IMAGE_NOT_FOUND(`${choice.namespace}/${choice.name}`);
    checkModels(image, [node]);
  }
  return specImageOf(choice);
}

export async function nodeCreate(ctx: CliContext, name: string, options: NodeCreateOptions): Promise<void> {
  if (!isNodeName(name)) throw ERR_CLI_BAD_NODE_NAME(name);
  const virtual = virtualSpec(options);
  const nodes = await listNodes(ctx);
  if (nodes.some((n) => n.metadata.name === name)) throw ERR_CLI_ALREADY_EXISTS(`node ${name}`);
  const segment = await chooseSegment(ctx, options.segment);
  const node: WaltNode = {
    apiVersion: API_VERSION,
    kind: RESOURCES.node.kind,
    metadata: { name },
    spec: {
      mac: allocateMac(nodes.map((n) => n.spec.mac)),
      model: VIRTUAL_NODE_MODEL,
      segment,
      power: { driver: 'qemu' },
      virtual,
    } as WaltNode['spec'],
  };
  node.spec.image = await chooseImage(ctx, node, options.image);
  const created = await ctx.client.create(RESOURCES.node, node);
  const hw = created.spec.virtual;
  ctx.io.out(
    `node ${name} created: virtual ${VIRTUAL_NODE_MODEL}, MAC ${created.spec.mac}, ${hw?.cpus ?? '?'} CPU(s), ${hw?.memory ?? '?'} memory, segment ${segment}, image ${created.spec.image}; the segment's boot agent starts it\n`,
  );
}
