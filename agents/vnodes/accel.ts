// TCG or KVM for the virtual nodes. KVM only when it demonstrably works (see accel-probe.ts): the
// environment can force either, a missing /dev/kvm means TCG, otherwise one probe per process decides
// and every VM started later uses its result.
import { access, constants } from 'node:fs/promises';
import type { Logger } from '../../common/logger.js';
import { probeKvm, type ProbeOptions, type ProbeResult } from './accel-probe.js';
import { ERR_VNODE_BAD_ACCEL } from './errors.js';
import type { Accel } from './qemu-args.js';

export interface AccelOptions {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Default /dev/kvm. */
  kvmDevice?: string;
  /** A kernel for the probe to boot (default: the built-in boot sector). */
  probeKernel?: string;
  qemu?: string;
  probe?: (options: ProbeOptions) => Promise<ProbeResult>;
}

export interface AccelDecision {
  accel: Accel;
  why: string;
}

/** WALT_QEMU_ACCEL=tcg|kvm, or undefined when unset (a coded error for anything else). */
export function accelFromEnv(env: NodeJS.ProcessEnv): Accel | undefined {
  const value = env.WALT_QEMU_ACCEL?.trim().toLowerCase();
  if (!value) return undefined;
  if (value === 'tcg' || value === 'kvm') return value;
  throw ERR_VNODE_BAD_ACCEL(value);
}

async function usable(device: string): Promise<boolean> {
  try {
    await access(device, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Decides without the cache (the probe runs every time). */
export async function decideAccel(options: AccelOptions): Promise<AccelDecision> {
  const forced = accelFromEnv(options.env ?? process.env);
  if (forced) return { accel: forced, why: 'WALT_QEMU_ACCEL' };
  const device = options.kvmDevice ?? '/dev/kvm';
  if (!(await usable(device))) return { accel: 'tcg', why: `${device} is missing or not accessible` };
  const probe = options.probe ?? probeKvm;
  const result = await probe({
    ...(options.qemu ? { qemu: options.qemu } : {}),
    ...(options.probeKernel ? { kernel: options.probeKernel } : {}),
  });
  return result.ok
    ? { accel: 'kvm', why: `KVM probe passed: ${result.detail}` }
    : { accel: 'tcg', why: `KVM probe failed: ${result.detail}` };
}

let cached: Promise<AccelDecision> | undefined;

/** The accelerator for VMs of this process: decided (and logged) once, then cached. */
export async function chooseAccel(options: AccelOptions): Promise<Accel> {
  cached ??= decideAccel(options).then(
    (decision) => {
      options.logger.info(decision, `virtual nodes run with ${decision.accel.toUpperCase()}`);
      return decision;
    },
    (error: unknown) => {
      cached = undefined; // a bad override is fixed by the user: decide again next time
      throw error;
    },
  );
  return (await cached).accel;
}

/** Forgets the cached probe result (tests). */
export function forgetAccelChoice(): void {
  cached = undefined;
}
