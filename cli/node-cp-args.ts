// `walt node cp` arguments (pure): exactly one side is on a node, written <node>:<path> (WalT's form);
// the other is a local path. A relative node path is relative to /root. A local path containing ":"
// can be written ./a:b.
import { ERR_CLI_BAD_COPY } from '../client/errors.js';
import { nodePath } from '../client/copy-plan.js';

export type CopyArgs =
  | { direction: 'toNode'; node: string; nodePath: string; localPath: string }
  | { direction: 'fromNode'; node: string; nodePath: string; localPath: string };

const REMOTE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?):(.*)$/;

function remote(arg: string): { node: string; path: string } | undefined {
  const m = REMOTE.exec(arg);
  if (!m) return undefined;
  if (m[3] === '') throw ERR_CLI_BAD_COPY(`"${arg}" names no path on node ${m[1]}`);
  return { node: m[1]!, path: nodePath(m[3]!) };
}

export function parseCopyArgs(source: string, destination: string): CopyArgs {
  if (source === '' || destination === '') throw ERR_CLI_BAD_COPY('empty path');
  const from = remote(source);
  const to = remote(destination);
  if (from && to) throw ERR_CLI_BAD_COPY('both sides are on nodes');
  if (from) return { direction: 'fromNode', node: from.node, nodePath: from.path, localPath: destination };
  if (to) return { direction: 'toNode', node: to.node, nodePath: to.path, localPath: source };
  throw ERR_CLI_BAD_COPY('neither side is on a node');
}
