// Drives `walt image shell` as a user does, in a tmux terminal: waits for the image's prompt, types
// the given lines (the last one should exit the shell), answers WalT's "name of the new image"
// question unless --as was given (and the overwrite question when asked to), and returns the screen and the command's exit status.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Polls of the screen, 250 ms apart: a bound on the wait for a prompt (not a timing assertion). */
const MAX_POLLS = 2400;

export interface ShellDrive {
  /** `walt` argv after the program (e.g. ["-n", ns, "image", "shell", "base"]). */
  args: string[];
  env: Record<string, string>;
  /** Lines typed at the image's shell prompt. */
  lines: string[];
  /** Typed at the name question; undefined when the args carry --as. */
  name?: string;
  /** Typed at the "overwrite it?" question that follows a name already taken. */
  overwrite?: string;
  /** A directory for the exit status file. */
  workDir: string;
  cli: string;
}

export async function driveImageShell(drive: ShellDrive): Promise<{ screen: string; status: number }> {
  const session = `walt-image-shell-${process.pid}-${Date.now()}`;
  const rcFile = path.join(drive.workDir, `${session}.rc`);
  const envs = Object.entries(drive.env).map(([k, v]) => `${k}=${v}`);
  const command = ['env', ...envs, process.execPath, drive.cli, ...drive.args].join(' ');
  await run('tmux', [
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '160',
    '-y',
    '50',
    `${command}; echo $? > ${rcFile}; sleep 600`,
  ]);
  const pane = async (): Promise<string> => (await run('tmux', ['capture-pane', '-p', '-t', session])).stdout;
  const waitFor = async (what: RegExp): Promise<void> => {
    for (let i = 0; i < MAX_POLLS; i++) {
      if (what.test(await pane())) return;
      await sleep(250);
    }
    throw new Error(`tmux never showed ${what}:\n${await pane()}`);
  };
  try {
    await waitFor(/root@image-shell/);
    for (const line of drive.lines)
      await run('tmux', ['send-keys', '-t', session, '-l', line]).then(() =>
        run('tmux', ['send-keys', '-t', session, 'Enter']),
      );
    if (drive.name !== undefined) {
      await waitFor(/Name of the new image/);
      await run('tmux', ['send-keys', '-t', session, '-l', drive.name]);
      await run('tmux', ['send-keys', '-t', session, 'Enter']);
    }
    if (drive.overwrite !== undefined) {
      await waitFor(/overwrite it\?/);
      await run('tmux', ['send-keys', '-t', session, '-l', drive.overwrite]);
      await run('tmux', ['send-keys', '-t', session, 'Enter']);
    }
    for (let i = 0; i < MAX_POLLS && !(await readFile(rcFile, 'utf8').catch(() => '')); i++) await sleep(250);
    const status = Number((await readFile(rcFile, 'utf8')).trim());
    return { screen: await pane(), status };
  } finally {
    await run('tmux', ['kill-session', '-t', session]).catch(() => undefined);
  }
}
