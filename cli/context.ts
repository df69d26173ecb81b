// What every command works with: the API client for the chosen cluster and namespace, "my" nodes'
// definition, and where output goes. Built on first use, from the global options, so `walt --help` and
// `walt completion` need no kubeconfig.
import type { Command } from 'commander';
import { createWaltClient, type WaltClient } from './client.js';
import { loadKube, type KubeOptions } from './kube.js';
import { defaultImageNamespace, type Ownership } from './node-sets.js';
import type { ProgressStream } from './progress-printer.js';
import { kubeWatch, type WatchFn } from './watch.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Standard output as a stream, for progress lines (is it a terminal, how wide). */
  stdout: ProgressStream;
}

export interface CliContext {
  client: WaltClient;
  namespace: string;
  owner: Ownership;
  io: Io;
  watch: WatchFn;
  now(): Date;
}

/** The context for a command being run (given its commander Command, for the global options). */
export type ContextFactory = (command: Command) => CliContext;

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  stdout: process.stdout,
};

export function createContext(command: Command): CliContext {
  const kube = loadKube(command.optsWithGlobals<KubeOptions>());
  return {
    client: createWaltClient(kube),
    namespace: kube.namespace,
    owner: { namespace: kube.namespace, defaultImageNamespace: defaultImageNamespace() },
    io: processIo,
    watch: kubeWatch(kube.kc),
    now: () => new Date(),
  };
}
