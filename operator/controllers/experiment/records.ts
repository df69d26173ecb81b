// The record of what each node ran (status.nodes[]: image name, reference and digest, model, settings,
// agent version; status.operatorVersion), written when the node is Ready, so that the run can be
// repeated on the same bytes (walt experiment rerun pins the digests). The digest is the one the
// node's agent served it (WaltNode status.bootedImage.digest, written by the agent from its bootup):
// not the WaltImage's current digest, which a Periodic recheck may have moved since.
// recordOf is pure; the sources (the WaltImage and the segment, read when a node turns Ready) are I/O.
import * as k8s from '@kubernetes/client-node';
import {
  RESOURCES,
  type ExperimentStatus,
  type WaltImage,
  type WaltNode,
  type WaltSegment,
} from '../../../api/v1alpha1/index.js';
import { createResourceClient, statusCodeOf } from '../../../runtime/index.js';

export type NodeStatus = NonNullable<ExperimentStatus['nodes']>[number];
export type NodeRecord = Pick<NodeStatus, 'image' | 'model' | 'settings' | 'agentVersion'>;

export interface RecordSources {
  /** The WaltImage, or undefined when it does not exist. */
  image(namespace: string, name: string): Promise<WaltImage | undefined>;
  /** status.agent.version of the segment (what its agent published), if any. */
  agentVersion(segment: string): Promise<string | undefined>;
}

/** The node's spec.settings, as the record keeps them (pure). */
function settingsOf(node: WaltNode): NodeRecord['settings'] {
  const s = node.spec.settings;
  const settings: NonNullable<NodeRecord['settings']> = {
    netsetup: s.netsetup,
    bootTimeout: s.bootTimeout,
    bootRetries: s.bootRetries,
    kexecAllow: s.kexecAllow,
    mountPersist: s.mountPersist,
  };
  if (s.expose?.length) settings.expose = [...s.expose];
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
}

/**
 * What `node` ran, from its status (the booted image and its digest, as its agent recorded them), its
 * spec (model, settings), the WaltImage it booted (its reference) and its agent's version (pure).
 */
export function recordOf(
  node: WaltNode,
  image: WaltImage | undefined,
  agentVersion: string | undefined,
): NodeRecord {
  const record: NodeRecord = { model: node.spec.model, settings: settingsOf(node) };
  const booted = node.status?.bootedImage;
  if (booted) {
    record.image = {
      name: booted.name,
      ...(image?.spec.ref ? { ref: image.spec.ref } : {}),
      ...(booted.digest ? { digest: booted.digest } : {}),
    };
  }
  if (agentVersion) record.agentVersion = agentVersion;
  return record;
}

/** "<namespace>/<name>" → its parts; undefined for "default" and anything else. */
export function splitImageName(name: string): { namespace: string; name: string } | undefined {
  const parts = name.split('/');
  return parts.length === 2 && parts[0] && parts[1] ? { namespace: parts[0], name: parts[1] } : undefined;
}

/** Reads through the apiserver; a missing object is undefined, any other failure is thrown. */
export function createRecordSources(kc: k8s.KubeConfig): RecordSources {
  const images = createResourceClient<WaltImage>(kc, RESOURCES.image);
  const segments = createResourceClient<WaltSegment>(kc, RESOURCES.segment);
  const orUndefined = <T>(read: Promise<T>): Promise<T | undefined> =>
    read.catch((error: unknown) => {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    });
  return {
    image: (namespace, name) => orUndefined(images.get({ namespace, name })),
    async agentVersion(segment) {
      return (await orUndefined(segments.get({ name: segment })))?.status?.agent?.version;
    },
  };
}
