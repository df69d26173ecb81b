// What the supervisor's state means in the WaltNode: the Powered condition (pure) and the events
// that mark a VM's life (VMStarted, VMCrashed, VMStopped).
import { POWERED_CONDITION } from '../../api/node/index.js';
import { type ConditionInput, rfc3339 } from '../../runtime/index.js';
import type { VmExit, VmNotice } from './supervisor-state.js';
import type { VmSnapshot } from './supervisor.js';

/** "exited with code 1 (qemu: …)", "was killed by SIGKILL", "could not start: …". */
export function describeExit(exit: VmExit): string {
  const what = exit.error
    ? `could not start: ${exit.error}`
    : exit.signal
      ? `was killed by ${exit.signal}`
      : `exited with code ${exit.code ?? 'unknown'}`;
  return exit.detail ? `${what} (${exit.detail})` : what;
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}

/** " at <time>" of the next start, if one is due. */
function nextStart(snapshot: VmSnapshot): string {
  return snapshot.next ? ` at ${rfc3339(new Date(snapshot.next.at))}` : '';
}

/**
 * While waiting to restart. The message says how long the wait is (from the exit to the restart),
 * never how long is left: it must not change between reconciles, or each status write would trigger
 * another one.
 */
function waiting(snapshot: VmSnapshot): ConditionInput {
  const exit = snapshot.lastExit;
  if (exit?.kind === 'crash') {
    const waitMs = Math.max(0, (snapshot.next?.at ?? exit.at) - exit.at);
    const message = `qemu ${describeExit(exit)}; restarting after ${seconds(waitMs)}${nextStart(snapshot)} (crash ${snapshot.crashes} in a row)`;
    return { type: POWERED_CONDITION, status: 'False', reason: 'Crashed', message };
  }
  const why = exit?.kind === 'reboot' ? 'the guest rebooted' : 'boot delay';
  const message = `${why}: starting qemu${nextStart(snapshot)}`;
  return { type: POWERED_CONDITION, status: 'False', reason: 'Restarting', message };
}

function running(snapshot: VmSnapshot): ConditionInput {
  const since = snapshot.startedAt ? ` since ${rfc3339(new Date(snapshot.startedAt))}` : '';
  const message = `qemu running (pid ${snapshot.pid ?? '?'}, ${snapshot.accel.toUpperCase()})${since}`;
  return { type: POWERED_CONDITION, status: 'True', reason: 'Running', message };
}

function stopping(snapshot: VmSnapshot): ConditionInput {
  const base = { type: POWERED_CONDITION, status: 'False' as const };
  return snapshot.resetting || snapshot.wanted
    ? { ...base, reason: 'Restarting', message: 'hard reset: qemu killed, starting it again' }
    : { ...base, reason: 'Stopped', message: 'powering off' };
}

/** The Powered condition for the VM's state. */
export function poweredCondition(snapshot: VmSnapshot): ConditionInput {
  const base = { type: POWERED_CONDITION, status: 'False' as const };
  switch (snapshot.phase) {
    case 'running':
      return running(snapshot);
    case 'starting':
      return { ...base, reason: 'Restarting', message: `starting qemu (${snapshot.reason ?? 'power-on'})` };
    case 'waiting':
      return waiting(snapshot);
    case 'stopping':
      return stopping(snapshot);
    case 'stopped':
      return { ...base, reason: 'Stopped', message: 'powered off' };
  }
}

export interface VmEventInput {
  type: 'Normal' | 'Warning';
  reason: 'VMStarted' | 'VMCrashed' | 'VMStopped';
  note: string;
}

/** The Kubernetes Event for a notice, if it deserves one (a guest reboot shows as the next VMStarted). */
export function eventOf(notice: VmNotice, snapshot: VmSnapshot): VmEventInput | undefined {
  switch (notice.kind) {
    case 'started':
      return {
        type: 'Normal',
        reason: 'VMStarted',
        // No pid in the note: repeats (a crash loop) then fold into one Event series.
        note: `qemu started (${notice.reason}) with ${snapshot.accel.toUpperCase()}`,
      };
    case 'crashed':
      return {
        type: 'Warning',
        reason: 'VMCrashed',
        note: `qemu ${describeExit(notice.exit)}; restarting in ${seconds(notice.restartInMs)}`,
      };
    case 'stopped':
      return { type: 'Normal', reason: 'VMStopped', note: 'qemu stopped' };
    default:
      return undefined;
  }
}
