// The soft reboot's script and verdict. The pick runs on the host with a PATH made for each case (it
// only looks commands up); the whole script runs only inside a PID and mount namespace of its own,
// where PID 1 is the test's shell and /proc/sysrq-trigger is /dev/null, with a `reboot` or `busybox`
// stub that records that it ran: the host is never asked to reboot.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ExecResult } from '../../../api/agent/v1.js';
import { defineError } from '../../../common/errors.js';
import { SOFT_REBOOT_PICK, softRebootCommand, softRebootScript, softRebootVerdict } from './soft-reboot.js';

const run = promisify(execFile);
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'walt-soft-reboot-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A directory for PATH holding `tools` (links to the host's) and `stubs` (sh scripts). */
async function pathDir(tools: string[], stubs: Record<string, string>): Promise<string> {
  const bin = path.join(dir, 'bin');
  await mkdir(bin);
  for (const tool of tools) {
    const found = (await run('sh', ['-c', `command -v ${tool}`])).stdout.trim();
    await symlink(found, path.join(bin, tool));
  }
  for (const [name, body] of Object.entries(stubs)) {
    await writeFile(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    await chmod(path.join(bin, name), 0o755);
  }
  return bin;
}

const LOG = (): string => path.join(dir, 'log');
/** A stub that records its name and arguments, and whether the script had answered by then. */
const recorder = (name: string): string =>
  `if [ -e ${dir}/answered ]; then when=after; else when=before; fi; echo "${name} $* ($when the answer)" >>${LOG()}`;
const BUSYBOX_WITH_REBOOT = (): string =>
  `case $1 in --list) printf 'sh\\nreboot\\nwget\\n' ;; *) ${recorder('busybox')} ;; esac`;
const BUSYBOX_WITHOUT_REBOOT = (): string =>
  `case $1 in --list) printf 'sh\\nwget\\n' ;; *) ${recorder('busybox')} ;; esac`;

async function pick(stubs: Record<string, string>): Promise<string> {
  const bin = await pathDir([], stubs);
  const { stdout } = await run('/bin/sh', ['-c', SOFT_REBOOT_PICK], { env: { PATH: bin } });
  return stdout;
}

describe('the command a soft reboot runs on the node', () => {
  it("uses the image's reboot when it has one (systemd, sysvinit, busybox images)", async () => {
    expect(await pick({ reboot: recorder('reboot'), busybox: BUSYBOX_WITH_REBOOT() })).toBe(
      'soft reboot: reboot\n',
    );
  });

  it("uses busybox's reboot on an image without reboot (Debian minbase: the default image)", async () => {
    expect(await pick({ busybox: BUSYBOX_WITH_REBOOT() })).toBe('soft reboot: busybox reboot\n');
  });

  it('signals PID 1 on an image with neither (or a busybox built without reboot)', async () => {
    expect(await pick({ busybox: BUSYBOX_WITHOUT_REBOOT() })).toBe('soft reboot: kill -TERM 1\n');
    await rm(path.join(dir, 'bin'), { recursive: true });
    expect(await pick({})).toBe('soft reboot: kill -TERM 1\n');
  });

  it('only looks: picking runs no stub', async () => {
    await pick({ reboot: recorder('reboot'), busybox: BUSYBOX_WITH_REBOOT() });
    await expect(readFile(LOG(), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("is sh -c with the script, for the node's /bin/sh", () => {
    expect(softRebootCommand()).toEqual(['sh', '-c', softRebootScript()]);
    expect(softRebootScript().startsWith(SOFT_REBOOT_PICK)).toBe(true);
  });

  /**
   * Runs the whole script as the command channel would (`timeout` is the host's, outside its PATH), in a PID + mount namespace where PID 1 is a
   * shell that logs a SIGTERM, and stays up (bounded) until something was logged.
   */
  async function sandboxed(
    stubs: Record<string, string>,
  ): Promise<{ answer: string; exit: string; log: string[] }> {
    const bin = await pathDir(['sh', 'sleep', 'sync', 'setsid'], stubs);
    const init = [
      // A kernel without sysrq has no trigger file: then nothing can be written there either.
      'if [ -e /proc/sysrq-trigger ]; then mount --bind /dev/null /proc/sysrq-trigger || exit 97; fi',
      `trap 'echo "PID 1 got SIGTERM" >>${LOG()}' TERM`,
      // exit 124: the script did not answer within 20 s (it waited for its own reboot).
      `t=$(command -v timeout); PATH=${bin} "$t" 20 sh -c "$SCRIPT" >${dir}/answer 2>&1; echo $? >${dir}/exit`,
      `: >${dir}/answered`,
      `i=0; while [ ! -s ${LOG()} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done`,
    ].join('\n');
    await run('unshare', ['--pid', '--fork', '--mount-proc', '/bin/sh', '-c', init], {
      env: { PATH: process.env.PATH, SCRIPT: softRebootScript() },
    });
    const text = (file: string): Promise<string> => readFile(path.join(dir, file), 'utf8').catch(() => '');
    return {
      answer: await text('answer'),
      exit: (await text('exit')).trim(),
      log: (await text('log')).split('\n').filter(Boolean),
    };
  }

  it('answers first, then reboots in the background with what it picked', async () => {
    const done = await sandboxed({ busybox: BUSYBOX_WITH_REBOOT() });
    expect(done).toEqual({
      answer: 'soft reboot: busybox reboot\n',
      exit: '0',
      log: ['busybox reboot (after the answer)'],
    });
  });

  it('falls back to SIGTERM to PID 1 (busybox init, the default image init) after answering', async () => {
    const done = await sandboxed({});
    expect(done).toEqual({ answer: 'soft reboot: kill -TERM 1\n', exit: '0', log: ['PID 1 got SIGTERM'] });
  });
});

describe('what the operator does with the answer', () => {
  const result = (r: Partial<ExecResult>): { result: ExecResult } => ({
    result: { exitCode: 0, output: '', truncatedBytes: 0, timedOut: false, durationMs: 10, ...r },
  });

  it('waits for the bootup when the node said it is rebooting', () => {
    expect(softRebootVerdict(result({ output: 'soft reboot: busybox reboot\n' }))).toEqual({
      kind: 'rebooting',
      detail: 'soft reboot: busybox reboot',
    });
  });

  it('reboots hard at once when the node answered that it could not', () => {
    expect(softRebootVerdict(result({ exitCode: 127, output: 'sh: 1: reboot: not found\n' }))).toEqual({
      kind: 'hard',
      reason: 'the soft reboot command exited 127 on the node: sh: 1: reboot: not found',
    });
    expect(softRebootVerdict(result({ exitCode: null, timedOut: true }))).toEqual({
      kind: 'hard',
      reason: 'the soft reboot command timed out on the node: (no output)',
    });
  });

  it('leaves it to the boot timeout when there was no answer (the node may be going down)', () => {
    const lost = defineError('WALT_ERR_NODE_NOT_CONNECTED', () => 'node vn1 stopped polling', 409);
    expect(softRebootVerdict({ error: lost() })).toEqual({
      kind: 'wait',
      reason: 'WALT_ERR_NODE_NOT_CONNECTED: node vn1 stopped polling',
    });
    expect(softRebootVerdict({ error: new Error('socket hang up') })).toEqual({
      kind: 'wait',
      reason: 'socket hang up',
    });
  });
});
