// Evaluates an Argo CD health check (charts/walt/health/<Kind>.lua) on an object with the Debian Lua
// 5.1 interpreter (the language of gopher-lua, which Argo CD embeds) and lua-cjson for the JSON.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Tool } from './require-tool.js';

const run = promisify(execFile);
const harness = path.join(import.meta.dirname, 'argocd-health.lua');
const checks = path.resolve(import.meta.dirname, '..', '..', 'charts', 'walt', 'health');

export const LUA: Tool = {
  name: 'lua5.1 with lua-cjson',
  probe: ['lua5.1', '-e', 'require("cjson")'],
  debian: 'lua5.1 lua-cjson',
};

export interface Health {
  status: 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
  message: string;
}

/** The health Argo CD would show for `object` (its kind picks the check). */
export async function argoHealth(object: { kind: string }): Promise<Health> {
  const script = path.join(checks, `${object.kind}.lua`);
  const child = run('lua5.1', [harness, script], { timeout: 10_000 });
  child.child.stdin?.end(JSON.stringify(object));
  const { stdout } = await child;
  return JSON.parse(stdout) as Health;
}
