// Which image a node boots: one answer for the netboot gate, the agent's reboot rule, the operator, the
// CLI, the client library and the web API. The claim of an Experiment comes first (status.claimedBy.image,
// written by the operator through the status subresource), then the user's spec.image, then the model's
// default image. The operator never writes spec.image — the user (or a GitOps tool) owns it — so a claim
// that ends simply goes away and the node boots its spec's image again. Pure functions of a WaltNode.
import type { WaltNode } from '../v1alpha1/index.js';
import { systemNamespace } from '../system-namespace.js';
import { IMAGE_REBOOT_CONDITION } from './conditions.js';

export interface ImageRef {
  namespace: string;
  name: string;
}

/** Where `bootImageOf` found the image: the claim of an experiment, the spec, or the model's default. */
export type BootImageSource = 'claim' | 'spec' | 'default';

/** The WaltImage of the model's default image ("<model>-default" in the system namespace). */
export function defaultImageOf(node: WaltNode, defaultNamespace = systemNamespace()): ImageRef {
  return { namespace: defaultNamespace, name: `${node.spec.model}-default` };
}

function parseRef(image: string): ImageRef | undefined {
  const [namespace, name, extra] = image.split('/');
  return namespace && name && extra === undefined ? { namespace, name } : undefined;
}

/** The image `node` boots and where that comes from (claim first, then spec.image, then the default). */
export function bootImageSourceOf(
  node: WaltNode,
  defaultNamespace = systemNamespace(),
): { ref: ImageRef; source: BootImageSource } {
  const claimed = node.status?.claimedBy?.image;
  const fromClaim = claimed ? parseRef(claimed) : undefined;
  if (fromClaim) return { ref: fromClaim, source: 'claim' };
  const image = node.spec.image ?? 'default';
  const fromSpec = image === 'default' ? undefined : parseRef(image);
  if (fromSpec) return { ref: fromSpec, source: 'spec' };
  return { ref: defaultImageOf(node, defaultNamespace), source: 'default' };
}

/** The WaltImage `node` boots, as a reference. */
export function bootImageRefOf(node: WaltNode, defaultNamespace = systemNamespace()): ImageRef {
  return bootImageSourceOf(node, defaultNamespace).ref;
}

/** The image `node` boots, "<namespace>/<name>" as status.bootedImage.name writes it. */
export function bootImageOf(node: WaltNode, defaultNamespace = systemNamespace()): string {
  const { namespace, name } = bootImageRefOf(node, defaultNamespace);
  return `${namespace}/${name}`;
}

// The agent records each reboot it made for an image switch in the ImageReboot condition: its
// observedGeneration is the spec's generation, its message begins with the image it rebooted for. A
// claim changes the image without changing the generation, so both say which switch was handled.
const REBOOTED_FOR = /^(?:hard-rebooted|could not reboot) to boot ([^\s:]+)/;

/** The message of an ImageReboot condition: a reboot made to boot `wanted`, or one that failed. */
export function imageRebootMessage(wanted: string, outcome: { booted: string } | { error: string }): string {
  return 'booted' in outcome
    ? `hard-rebooted to boot ${wanted} instead of ${outcome.booted}`
    : `could not reboot to boot ${wanted}: ${outcome.error}`;
}

/** The image switch the node's status records as handled last: its generation and image. */
export function imageRebootRecord(node: WaltNode): { generation: number; image: string } | undefined {
  const condition = node.status?.conditions?.find((c) => c.type === IMAGE_REBOOT_CONDITION);
  const image = condition ? REBOOTED_FOR.exec(condition.message)?.[1] : undefined;
  if (!condition || condition.observedGeneration === undefined || image === undefined) return undefined;
  return { generation: condition.observedGeneration, image };
}

/** Whether the agent already rebooted `node` to boot `image` at its current spec generation. */
export function imageRebootHandled(node: WaltNode, image: string): boolean {
  const record = imageRebootRecord(node);
  return (
    record !== undefined && record.generation === (node.metadata.generation ?? 0) && record.image === image
  );
}
