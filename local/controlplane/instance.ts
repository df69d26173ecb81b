// Where a control-plane instance lives on disk and what it records about itself (state.json).
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pki } from './pki.js';
import type { Component } from './components.js';

export interface InstanceState {
  name: string;
  dir: string;
  binDir: string;
  /** Throwaway instance (tests): faster settings, removed when stopped. */
  ephemeral: boolean;
  /** For ephemeral instances: the process that owns it; when it dies, the instance may be reaped. */
  ownerPid?: number;
  /**
   * Address the apiserver binds and advertises: loopback by default; a private non-loopback address
   * (a dummy interface's, see local/kubenode) when pods must reach it through the `kubernetes` Service.
   * Absent in states written before the option existed (loopback).
   */
  address?: string;
  ports: { etcdClient: number; etcdPeer: number; apiserver: number; controllerManager: number };
  pids: Partial<Record<Component, number>>;
  pki: Pki;
  kubeconfig: string;
  server: string;
  startedAt: string;
}

export function stateRoot(): string {
  if (process.env.WALT_STATE_DIR) return process.env.WALT_STATE_DIR;
  const base = process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'walt-operator', 'instances');
}

export function instanceDir(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
    throw new Error(`instance name "${name}" must be lowercase letters, digits and "-"`);
  }
  return path.join(stateRoot(), name);
}

export async function ensureInstanceDirs(dir: string): Promise<void> {
  for (const sub of ['pki', 'logs', 'etcd'])
    await mkdir(path.join(dir, sub), { recursive: true, mode: 0o700 });
}

export async function readState(name: string): Promise<InstanceState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(instanceDir(name), 'state.json'), 'utf8')) as InstanceState;
  } catch {
    return undefined;
  }
}

export async function writeState(state: InstanceState): Promise<void> {
  await writeFile(path.join(state.dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
}

export async function listInstances(): Promise<string[]> {
  try {
    return (await readdir(stateRoot(), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

export async function removeInstanceDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function logFile(state: InstanceState, component: Component): string {
  return path.join(state.dir, 'logs', `${component}.log`);
}
