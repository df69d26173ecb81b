// What every command works with: the API client for the chosen cluster and namespace, "my" nodes'
// definition, and where output goes. Built on first use, from the global options, so `walt --help` and
// `walt completion` need no kubeconfig.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { RESOURCES, type WaltSegment } from '../api/v1alpha1/index.js';
import { createAgentDirectory, type AgentDirectory } from '../client/agents.js';
import { createObjectClient, type ObjectClient } from '../client/objects.js';
import { loadKube, type KubeOptions } from '../client/kube.js';
import { defaultImageNamespace, type Ownership } from '../client/node-sets.js';
import type { ProgressStream } from './progress-printer.js';
import { kubeWatch, type WatchFn } from '../client/watch.js';
import { secretReader, type SecretReader } from '../client/images/credentials.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Standard output as a stream, for progress lines (is it a terminal, how wide). */
  stdout: ProgressStream;
  /** Asks a yes/no question on the terminal; undefined when there is none to ask on. */
  confirm(question: string): Promise<boolean | undefined>;
}

export interface CliContext {
  client: ObjectClient;
  namespace: string;
  owner: Ownership;
  io: Io;
  watch: WatchFn;
  /** The boot agents of the segments (exec, files, logs, checkpoints). */
  agents: AgentDirectory;
  now(): Date;
  /** Reads a Secret of the cluster (registry credentials of image authoring). */
  secrets?: SecretReader;
}

/** The context for a command being run (given its commander Command, for the global options). */
export type ContextFactory = (command: Command) => CliContext;

async function confirmOnTerminal(question: string): Promise<boolean | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  stdout: process.stdout,
  confirm: confirmOnTerminal,
};

export function createContext(command: Command): CliContext {
  const kube = loadKube(command.optsWithGlobals<KubeOptions>());
  const client = createObjectClient(kube);
  return {
    client,
    namespace: kube.namespace,
    owner: { namespace: kube.namespace, defaultImageNamespace: defaultImageNamespace() },
    io: processIo,
    watch: kubeWatch(kube.kc),
    agents: createAgentDirectory(
      kube.kc,
      async () => (await client.list<WaltSegment>(RESOURCES.segment)).items,
      {},
      (segment, error) => processIo.err(`warning: segment ${segment} left out: ${error.message}\n`),
    ),
    now: () => new Date(),
    secrets: secretReader(kube.kc),
  };
}
