// Saving a running node as an image (ADR 0021), the caller's half: the node's agent pushes its RAM
// overlay as a new layer on top of the booted image (AgentOperations.saveNode), then the WaltImage
// <namespace>/<name> is created, or updated, to point at what was pushed — by tag and digest, so the
// operator resolves the new content even when the tag was saved to before. The CLI (`walt node save`)
// and controllers call this; the WaltImage only references the registry: pulling it needs the
// registry to be reachable from the agents (and a pull secret on the WaltImage when it is private).
import { API_VERSION, RESOURCES, type WaltImage } from '../api/v1alpha1/index.js';
import type { AgentOperations, SaveNodeResult } from '../api/agent/v1.js';
import type { ObjectClient } from './objects.js';

export interface SaveNodeImageRequest {
  node: string;
  /** The WaltImage to create or update. */
  image: { namespace: string; name: string };
  /** Where to push, "<registry>/<repository>:<tag>". */
  ref: string;
  insecure?: boolean;
  auth?: { username: string; password: string };
}

export interface SavedNodeImage extends SaveNodeResult {
  /** The WaltImage's spec.ref: the pushed tag pinned to the pushed digest. */
  imageRef: string;
  created: boolean;
}

function imageObject(request: SaveNodeImageRequest, imageRef: string): WaltImage {
  return {
    apiVersion: API_VERSION,
    kind: RESOURCES.image.kind,
    metadata: { ...request.image },
    spec: { ref: imageRef, ...(request.insecure ? { insecureRegistry: true } : {}) } as WaltImage['spec'],
  };
}

export async function saveNodeImage(
  client: ObjectClient,
  agent: AgentOperations,
  request: SaveNodeImageRequest,
  signal?: AbortSignal,
): Promise<SavedNodeImage> {
  const saved = await agent.saveNode(
    request.node,
    {
      ref: request.ref,
      ...(request.insecure ? { insecure: true } : {}),
      ...(request.auth ? { auth: request.auth } : {}),
    },
    signal,
  );
  const imageRef = `${saved.ref}@${saved.digest}`;
  const { namespace, name } = request.image;
  const existing = await client.get<WaltImage>(RESOURCES.image, name, namespace);
  if (existing) {
    const spec = { ref: imageRef, ...(request.insecure ? { insecureRegistry: true } : {}) };
    await client.mergePatch(RESOURCES.image, { name, namespace }, { spec });
    return { ...saved, imageRef, created: false };
  }
  await client.create(RESOURCES.image, imageObject(request, imageRef));
  return { ...saved, imageRef, created: true };
}
