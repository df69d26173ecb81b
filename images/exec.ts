// Runs the build's external programs (buildah, npm, tar, tsc): their own progress goes to our stderr,
// a failure becomes a coded error naming the step.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { ImagesStepFailed } from './errors.js';

const execFileAsync = promisify(execFile);

export interface StepOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs `file args`, its stdout and stderr both shown on our stderr (long steps show progress). */
export function runStep(
  step: string,
  file: string,
  args: string[],
  options: StepOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 2, 2] });
    child.on('error', (err) => reject(ImagesStepFailed(step, err.message)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          ImagesStepFailed(step, signal ? `${file} killed by ${signal}` : `${file} exit status ${code}`),
        );
    });
  });
}

/** Runs `file args` and returns its stdout (bounded); stderr goes into the error. */
export async function captureStep(
  step: string,
  file: string,
  args: string[],
  options: StepOptions = {},
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw ImagesStepFailed(step, stderr ? stderr.slice(-2000) : (err as Error).message);
  }
}

/** One progress line on stderr. */
export function progress(message: string): void {
  process.stderr.write(`[images] ${message}\n`);
}
