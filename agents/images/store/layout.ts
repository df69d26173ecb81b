// Where the image cache keeps things. Everything is addressed by digest, so two WaltImages that resolve
// to the same image, or images sharing layers, share the files.
//
//   <root>/blobs/sha256/<hex>              verified blobs (layers, configs), shared between images
//   <root>/images/sha256/<hex>/rootfs/     unpacked root filesystem of one platform manifest
//   <root>/images/sha256/<hex>/image.json  what the rootfs was built from (ImageRecord)
//   <root>/tmp/                            partial downloads and unpacks, same filesystem (atomic renames)
import path from 'node:path';

export interface CacheLayout {
  root: string;
  blob(digest: string): string;
  imageDir(manifestDigest: string): string;
  rootfs(manifestDigest: string): string;
  record(manifestDigest: string): string;
  tmp: string;
}

/** Splits `sha256:<hex>`; anything else is refused so that a digest can never become a path. */
export function digestParts(digest: string): { algorithm: string; hex: string } {
  const match = /^(sha256|sha512):([a-f0-9]{64}|[a-f0-9]{128})$/.exec(digest);
  if (!match) throw new Error(`not a valid digest: ${JSON.stringify(digest)}`);
  return { algorithm: match[1]!, hex: match[2]! };
}

export function cacheLayout(root: string): CacheLayout {
  const byDigest = (kind: string, digest: string): string => {
    const { algorithm, hex } = digestParts(digest);
    return path.join(root, kind, algorithm, hex);
  };
  return {
    root,
    blob: (digest) => byDigest('blobs', digest),
    imageDir: (digest) => byDigest('images', digest),
    rootfs: (digest) => path.join(byDigest('images', digest), 'rootfs'),
    record: (digest) => path.join(byDigest('images', digest), 'image.json'),
    tmp: path.join(root, 'tmp'),
  };
}
