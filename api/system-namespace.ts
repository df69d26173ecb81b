// The namespace the testbed's own objects live in: agents, their tokens, the default node images.
// One name for every layer; an installation may choose another through WALT_SYSTEM_NAMESPACE.
export const DEFAULT_SYSTEM_NAMESPACE = 'walt-system';

export function systemNamespace(env: NodeJS.ProcessEnv = process.env): string {
  return env.WALT_SYSTEM_NAMESPACE || DEFAULT_SYSTEM_NAMESPACE;
}
