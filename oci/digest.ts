// Content digests ("sha256:<hex>"): computing them over buffers and streams, and checking them.
import { createHash, type Hash } from 'node:crypto';
import { DigestMismatch } from './errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

const DIGEST = /^(sha256|sha512):([a-f0-9]+)$/;
const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

export function parseDigest(digest: string): { algorithm: DigestAlgorithm; hex: string } | undefined {
  const match = DIGEST.exec(digest);
  if (!match) return undefined;
  const algorithm = match[1] as DigestAlgorithm;
  const hex = match[2] ?? '';
  return hex.length === HEX_LENGTH[algorithm] ? { algorithm, hex } : undefined;
}

export function isDigest(text: string): boolean {
  return parseDigest(text) !== undefined;
}

export function computeDigest(data: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** A hash for streaming content that must end up with `expected` (its algorithm is used). */
export function hasherFor(expected: string): { hash: Hash; algorithm: DigestAlgorithm } {
  const algorithm = parseDigest(expected)?.algorithm ?? 'sha256';
  return { hash: createHash(algorithm), algorithm };
}

/** Throws WALT_ERR_IMAGE_DIGEST_MISMATCH unless `data` hashes to `expected`. */
export function verifyDigest(what: string, data: Uint8Array, expected: string): void {
  const algorithm = parseDigest(expected)?.algorithm ?? 'sha256';
  const actual = computeDigest(data, algorithm);
  if (actual !== expected) throw DigestMismatch(what, expected, actual);
}
