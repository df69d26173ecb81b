// The project's cache directory (~/.cache/walt-operator unless WALT_CACHE_DIR or XDG_CACHE_HOME say
// otherwise): the control-plane binaries, the default node image and the container images keep
// their build results there, each keyed by what made them.
import os from 'node:os';
import path from 'node:path';

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return process.env.WALT_CACHE_DIR ?? path.join(base, 'walt-operator');
}
