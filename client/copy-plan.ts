// Where a copy goes, with cp's semantics (pure): into a destination that is a directory under the
// source's own name, else to the destination path itself (a rename of the top entry). Node paths are
// absolute; relative ones are relative to /root, as in WalT.
import path from 'node:path';

export const NODE_HOME = '/root';

/** An absolute, normalised path on a node. */
export function nodePath(p: string): string {
  return path.posix.resolve(NODE_HOME, p);
}

export interface TarPlan {
  /** Directory the archive is extracted into. */
  dir: string;
  /** Name of the archive's top entry (the source's last path component). */
  entry: string;
  /** Name that entry takes in `dir`. */
  name: string;
}

/** Last path component (a trailing "/" ignored); "/" itself cannot be copied as an entry. */
export function lastComponent(p: string, pathApi: typeof path.posix = path.posix): string {
  return pathApi.basename(pathApi.resolve('/', p));
}

/** `source` copied to absolute `destination`: into it when it is an existing directory, else as it. */
export function planCopy(source: string, destination: string, destinationIsDir: boolean): TarPlan {
  const entry = lastComponent(source);
  if (destinationIsDir) return { dir: destination, entry, name: entry };
  return {
    dir: path.posix.dirname(path.posix.resolve('/', destination)),
    entry,
    name: lastComponent(destination),
  };
}
